#!/usr/bin/env bash
# npm run quickstart: install what is missing, build, and run the reconciler's main job on
# examples/quickstart, whose product repositories are created here, deterministically.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
echo "quickstart: building"
npm run --silent build

echo "quickstart: creating the example product repositories"
node dist/quickstart/seed.js examples/quickstart

echo "quickstart: codemonkeys doctor --fleet examples/quickstart"
node dist/cli/main.js doctor --fleet examples/quickstart

echo "quickstart: codemonkeys validate --fleet examples/quickstart"
node dist/cli/main.js validate --fleet examples/quickstart
