#!/usr/bin/env bash
# Builds the Portal (Vue single-page app) into Portal/dist, which the ControlPlane serves at "/".
# `npm ci` runs only when Portal/package-lock.json changed since the last install (hash stamp in node_modules).
#   scripts/build-portal.sh                 install if needed, type-check and build
#   scripts/build-portal.sh --trx FILE      also check the API types, lint and unit tests; each step is one test result in
#                                           FILE (a .trx that scripts/summarize-trx.sh counts), exit 1 on any failure
set -uo pipefail
cd "$(dirname "$0")/../Portal"
trx="${2:-}"; [ "${1:-}" = "--trx" ] || trx=""
command -v node >/dev/null || { echo "build-portal: node is missing; run scripts/install-deps.sh"; exit 1; }

stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "build-portal: npm ci (package-lock.json changed)"
  npm ci --no-audit --no-fund --loglevel=error || { echo "build-portal: npm ci failed"; exit 1; }
  echo "$want" > "$stamp"
fi

passed=0; failed=0; results=""
step() { # name, command...: runs quietly, prints the output only when it fails
  local name=$1; shift
  local out; out=$("$@" 2>&1); local rc=$?
  if [ $rc -eq 0 ]; then passed=$((passed + 1)); echo "build-portal: $name ok"; outcome=Passed
  else failed=$((failed + 1)); echo "build-portal: $name FAILED"; echo "$out" | tail -60; outcome=Failed; fi
  results+="    <UnitTestResult testName=\"Portal.$name\" outcome=\"$outcome\" />"$'\n'
}
if [ -n "$trx" ]; then
  step api-types npm run --silent check:api
  step lint npm run --silent lint
  step unit npm run --silent test   # vitest: the media client module (src/media)
fi
step build npm run --silent build   # vue-tsc type-check, then vite build to dist/

if [ -n "$trx" ]; then
  mkdir -p "$(dirname "$trx")"
  cat > "$trx" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<TestRun name="Portal checks" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
$results  </Results>
  <ResultSummary outcome="$([ $failed -eq 0 ] && echo Completed || echo Failed)">
    <Counters total="$((passed + failed))" executed="$((passed + failed))" passed="$passed" failed="$failed" />
  </ResultSummary>
</TestRun>
XML
fi
[ $failed -eq 0 ]
