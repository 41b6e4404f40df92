#!/usr/bin/env bash
# Prints one plain "N passed, N failed" line from the .trx files of a test run.
dir="${1:-.test-results}"
passed=0; failed=0
for f in "$dir"/*.trx; do
  [ -f "$f" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  p=$(echo "$c" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p'); p=${p:-0}
  x=$(echo "$c" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p'); x=${x:-0}
  passed=$((passed + p)); failed=$((failed + x))
done
echo "$passed passed, $failed failed"
