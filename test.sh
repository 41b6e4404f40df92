#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (idempotent), builds once, runs the unit and
# integration suites, then the headless-Chromium suite inside a loopback-only network namespace
# (docs/decisions.md: Chromium's only ICE candidate is then 127.0.0.1).
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
RESULTS="${TEST_RESULTS_DIR:-$PWD/.test-results}"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"

scripts/install-deps.sh || { echo "dependency install failed"; exit 1; }
dotnet build MediaCore.sln -c Release -nologo -v q -clp:ErrorsOnly || { echo "build failed"; exit 1; }

status=0
# Portal: API types current, lint, type-check and build (each a result in Portal.trx, counted below).
scripts/build-portal.sh --trx "$RESULTS/Portal.trx" || status=1

# Suites that need the machine's network (or none); run outside the namespace.
for proj in $(ls -d tests/*.Tests | grep -v Browser); do
  name=$(basename "$proj")
  dotnet test "$proj" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" || status=1
done

# Browser suite: inside a fresh network namespace with only loopback up.
if [ -d tests/MediaCore.Browser.Tests ]; then
  unshare --net sh -c "ip link set lo up && dotnet test tests/MediaCore.Browser.Tests -c Release --no-build --nologo \
    --logger 'trx;LogFileName=MediaCore.Browser.Tests.trx' --results-directory '$RESULTS'" || status=1
fi

scripts/summarize-trx.sh "$RESULTS"
exit $status
