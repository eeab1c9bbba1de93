#!/usr/bin/env bash
# Quick start: migrate the embedded SQLite database, load demo data on first run,
# start the API and the dashboard, and print their URLs. Ctrl-C stops both.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
exec .venv/bin/fincast run "$@"
