#!/usr/bin/env bash
# Runs schemathesis against a private api (scripts/schemathesis.ts), installing it first if missing; args go to `schemathesis run`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v schemathesis >/dev/null 2>&1 || python3 -m pip install --quiet 'schemathesis==4.32.5'
exec bun scripts/schemathesis.ts "$@"
