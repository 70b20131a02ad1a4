#!/usr/bin/env bash
# npm run quickstart: install what is missing, build, and run the reconciler's main job on
# examples/quickstart, whose product repositories are created here, deterministically.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
echo "quickstart: building"
npm run --silent build

cm() { node dist/cli/main.js --fleet examples/quickstart "$@"; }

echo "quickstart: creating the example product repositories"
node dist/quickstart/seed.js examples/quickstart

echo; echo "quickstart: codemonkeys doctor"
cm doctor

echo; echo "quickstart: codemonkeys validate"
cm validate

echo; echo "quickstart: codemonkeys constitution test"
cm constitution test

echo; echo "quickstart: codemonkeys reconcile --dry-run"
cm reconcile --dry-run

echo; echo "quickstart: codemonkeys reconcile"
cm reconcile

echo; echo "quickstart: codemonkeys status"
cm status

echo; echo "quickstart: codemonkeys audit --verify"
cm audit --verify
