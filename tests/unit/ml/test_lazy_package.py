"""``fincast.ml`` loads its forecasting names on first use, not with every submodule."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_the_categorizer_does_not_load_the_forecasting_engine() -> None:
    code = (
        "import sys, fincast.ml.categorizer\n"
        "print(sorted(m for m in ('fincast.ml.engine', 'fincast.ml.household', "
        "'fincast.ml.global_model', 'lightgbm') if m in sys.modules))\n"
        "import fincast.ml as ml\n"
        "ml.FincastForecaster\n"
        "print('fincast.ml.engine' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split("\n")
    assert out[:2] == ["[]", "True"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    import fincast.ml as ml

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = ml.nothing_here
