#!/usr/bin/env bash
# rotate.sh [-k KEEP] FILE...
# Rotates each FILE: FILE.(n) becomes FILE.(n+1), FILE becomes FILE.1 and a new empty FILE is
# created with the same permissions; at most KEEP (default 7) rotated copies are kept.
set -euo pipefail

usage() { printf 'usage: rotate.sh [-k KEEP] FILE...\n' >&2; exit 2; }

keep=7
while getopts ':k:h' opt; do
  case "$opt" in
    k) keep="$OPTARG" ;;
    h) usage ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
case "$keep" in
  ''|*[!0-9]*) printf 'rotate.sh: KEEP must be a whole number, got %s\n' "$keep" >&2; exit 2 ;;
esac

rotate_one() {
  local file="$1" n
  if [ ! -f "$file" ]; then
    printf 'rotate.sh: %s: no such file\n' "$file" >&2
    return 1
  fi
  rm -f -- "$file.$keep"
  for ((n = keep - 1; n >= 1; n--)); do
    if [ -e "$file.$n" ]; then mv -- "$file.$n" "$file.$((n + 1))"; fi
  done
  if [ "$keep" -ge 1 ]; then
    cp -p -- "$file" "$file.1"
  fi
  : > "$file"
}

status=0
for file in "$@"; do
  rotate_one "$file" || status=1
done
exit "$status"
