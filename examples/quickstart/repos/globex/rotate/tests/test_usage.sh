#!/usr/bin/env bash
# Bad arguments fail with status 2; a missing file fails with 1 but other files still rotate.
set -euo pipefail

status=0; bash "$ROTATE" 2>/dev/null || status=$?
[ "$status" = 2 ] || { echo "no FILE should exit 2, got $status"; exit 1; }

status=0; bash "$ROTATE" -k many app.log 2>/dev/null || status=$?
[ "$status" = 2 ] || { echo "a non-numeric KEEP should exit 2, got $status"; exit 1; }

printf 'kept\n' > real.log
status=0; bash "$ROTATE" missing.log real.log 2>/dev/null || status=$?
[ "$status" = 1 ] || { echo "a missing file should exit 1, got $status"; exit 1; }
[ "$(cat real.log.1)" = kept ] || { echo "real.log should still rotate"; exit 1; }
