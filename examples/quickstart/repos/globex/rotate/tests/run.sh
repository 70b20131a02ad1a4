#!/usr/bin/env bash
# Runs every tests/test_*.sh in a fresh temporary directory; exits non-zero if any fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ROTATE="$here/../bin/rotate.sh"
failed=0
for test in "$here"/test_*.sh; do
  work="$(mktemp -d)"
  if (cd "$work" && bash "$test"); then
    printf 'ok   %s\n' "$(basename "$test")"
  else
    printf 'FAIL %s\n' "$(basename "$test")"
    failed=1
  fi
  rm -rf "$work"
done
exit "$failed"
