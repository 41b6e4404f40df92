#!/usr/bin/env bash
# Runs MediaServer with its embedded defaults in demo mode (demo tokens minted by the page).
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet run -c Release --project MediaServer/MediaCore.Server -- --MediaServer:DemoMode=true "$@"
