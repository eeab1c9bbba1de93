#!/usr/bin/env bash
# Create or refresh .venv with the pinned dependencies (constraints.txt) and fincast itself.
# Re-runs pip only when pyproject.toml or constraints.txt changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

py="${PYTHON:-}"
if [ -z "$py" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      py="$candidate"; break
    fi
  done
fi
if [ -z "$py" ]; then
  echo "error: fincast needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

stamp_value="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
stamp_file=".venv/.fincast-install-stamp"
if [ -x .venv/bin/python ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_value" ]; then
  exit 0
fi
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$py" --version)" >&2
  "$py" -m venv .venv
fi
echo "installing pinned dependencies into .venv (first run takes a few minutes)" >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
echo "$stamp_value" > "$stamp_file"
