#!/usr/bin/env bash
# Rotation shifts copies up by one and leaves an empty file behind.
set -euo pipefail

printf 'first\n' > app.log
bash "$ROTATE" app.log
printf 'second\n' > app.log
bash "$ROTATE" app.log

[ -f app.log ] && [ ! -s app.log ] || { echo "app.log should exist and be empty"; exit 1; }
[ "$(cat app.log.1)" = second ] || { echo "app.log.1 should hold the newest copy"; exit 1; }
[ "$(cat app.log.2)" = first ] || { echo "app.log.2 should hold the oldest copy"; exit 1; }
