"""Untrusted input in the pure readers: rule patterns, OFX nesting, dates, invisible text."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from fincast.ingest.categorize import MAX_PATTERN_LENGTH, Categorizer, compile_pattern


@dataclass
class _Stored:
    id: int
    category_id: int
    pattern: str | None
    account_id: int | None = None
    payee_contains: str | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def test_rule_patterns_match_in_linear_time() -> None:
    cat = Categorizer.from_stored([_Stored(1, 7, "^(a+)+$")], {})
    start = time.perf_counter()
    for n in (26, 28, 30, 5000):
        assert cat.rule_category(1, Decimal(-1), "a" * n + "!", None) is None
    assert time.perf_counter() - start < 1.0
    assert cat.rule_category(1, Decimal(-1), "AAAA", None) == 7  # case-insensitive


@pytest.mark.parametrize("pattern", [r"(a)\1", "foo(?=bar)", "(?<!x)y", "(", "a" * 201])
def test_unsafe_rule_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"RE2|200"):
        compile_pattern(pattern)
    cat = Categorizer.from_stored([_Stored(1, 7, pattern)], {})
    assert cat.rules == [] and cat.notes


def test_pattern_limit() -> None:
    assert MAX_PATTERN_LENGTH == 200
    assert compile_pattern("x" * 200).search("x" * 200)


def _nested_ofx(depth: int, core: bytes = b"") -> bytes:
    head = b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX>"
    return head + b"<A>" * depth + core + b"</A>" * depth + b"</OFX>"


# Time for 10x the input: ~10x when linear (up to ~20x on a busy machine), ~100x when quadratic.
LINEAR_BOUND = 35


def _ratio(small: Callable[[], object], large: Callable[[], object]) -> float:
    """Best-of time of ``large`` over best-of time of ``small``, measured alternately."""
    best = [float("inf"), float("inf")]
    gc.collect()
    gc.disable()  # collections scale with the heap, not with the work measured
    try:
        for _ in range(9):  # alternating, so load on a shared machine hits both alike
            for k, fn in enumerate((small, large)):
                start = time.perf_counter()
                fn()
                best[k] = min(best[k], time.perf_counter() - start)
    finally:
        gc.enable()
    return best[1] / max(best[0], 1e-4)


def _refused(data: bytes) -> Callable[[], object]:
    from fincast.errors import InputError
    from fincast.ingest.ofx import parse_ofx
    from fincast.ingest.rows import ParseContext

    def run() -> None:
        with pytest.raises(InputError):
            parse_ofx(data, ParseContext(filename="deep.ofx"))

    return run


@pytest.mark.parametrize("core", [b"", b"x"])
def test_ofx_pre_cleaner_is_linear(core: bytes) -> None:
    from fincast.ingest.ofx import _clean

    small_file, large_file = _nested_ofx(2_400, core), _nested_ofx(24_000, core)
    # 10x the input: linear work takes 10-20x (caches, a loaded machine); the old repeated
    # substitution took ~100x. The bound sits between the two.
    assert _ratio(lambda: _clean(small_file), lambda: _clean(large_file)) < LINEAR_BOUND


def test_deeply_nested_empty_ofx_is_refused_in_linear_time() -> None:
    _refused(_nested_ofx(10))()  # warm up the parser imports
    # 24,000 tags is the 168 KB file that took 47 s before the fix
    assert _ratio(_refused(_nested_ofx(2_400)), _refused(_nested_ofx(24_000))) < LINEAR_BOUND


def test_ofx_clean_removes_nested_empty_elements() -> None:
    from fincast.ingest.ofx import _clean

    assert _clean(b"<OFX><A> <B>\n</B> </A><C>x</C><D></E></OFX>") == b"<OFX><C>x</C><D></E></OFX>"
    assert _clean(b"<A><B></B></a>") == b"<A></a>"
    assert _clean(b"<X a='1'></X><Y></Y>") == b"<X a='1'></X>"
