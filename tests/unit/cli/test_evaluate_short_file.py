"""``fincast evaluate`` on a file too short for the horizon: one line naming it, exit 2 (issue 10).

Before, it printed a traceback and exited 1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _evaluate(path: Path, horizon: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "fincast.cli.main", "evaluate"),
            *("--data", str(path), "--horizon", str(horizon)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_short_file_is_a_one_line_error_and_exit_2(tmp_path: Path) -> None:
    short = tmp_path / "short.csv"
    short.write_text("unique_id,ds,y\na,2024-01-01,1\na,2024-02-01,2\n")
    done = _evaluate(short, 3)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in done.stderr
    assert "no history left after holding out 3 points" in lines[0] and "'a'" in lines[0]


def test_a_missing_column_is_named_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("unique_id,ds\na,2024-01-01\n")
    done = _evaluate(bad, 1)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert "the following columns are missing: ['y']" in done.stdout + done.stderr
