#!/usr/bin/env bash
# The whole test suite: lint, format, types, import rules, then pytest on SQLite, PostgreSQL
# and MariaDB (servers that are not reachable skip with a reason unless
# FINCAST_TEST_REQUIRE_DBS=1) and the browser tests (skipped without /usr/bin/chromium).
# --dist loadfile keeps a module's tests on one worker, so module-scoped apps and
# databases are built once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
echo "== ruff" && .venv/bin/ruff check src tests && .venv/bin/ruff format --check src tests
echo "== mypy" && .venv/bin/mypy
echo "== import rules" && .venv/bin/lint-imports --no-cache
echo "== pytest" && exec .venv/bin/pytest -n 2 --dist loadfile "$@"
