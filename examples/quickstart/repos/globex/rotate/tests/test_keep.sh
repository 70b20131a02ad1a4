#!/usr/bin/env bash
# -k bounds the number of rotated copies; the oldest is dropped.
set -euo pipefail

for n in 1 2 3 4; do
  printf 'run %s\n' "$n" > app.log
  bash "$ROTATE" -k 2 app.log
done

[ "$(cat app.log.1)" = 'run 4' ] || { echo "app.log.1 should be the last run"; exit 1; }
[ "$(cat app.log.2)" = 'run 3' ] || { echo "app.log.2 should be the run before"; exit 1; }
[ ! -e app.log.3 ] || { echo "app.log.3 should have been dropped"; exit 1; }
