#!/usr/bin/env bash
# make lint: run every hook of .pre-commit-config.yaml over the whole addon. pre-commit itself lives in a virtualenv
# of its own outside the repo; it installs each hook's pinned tools from PyPI once and reuses them.
set -euo pipefail
source "$(dirname "$0")/odoo-env.sh"
cd "$ROOT"
LINT_VENV="$CACHE/lint-venv"
if [ ! -x "$LINT_VENV/bin/pre-commit" ]; then
    python3 -m venv "$LINT_VENV"
    "$LINT_VENV/bin/python" -m pip install -q "pre-commit==4.7.0" 2>&1 | grep -v "^WARNING: Location" || true
fi
exec "$LINT_VENV/bin/pre-commit" run --all-files --color=never
