#!/usr/bin/env bash
# Installs the Debian packages the platform's tests use. Idempotent: skips what is present.
set -euo pipefail
PKGS=(chromium fonts-wqy-microhei ffmpeg libopus-dev nftables iproute2 redis-server postgresql prometheus util-linux openssl coturn sip-tester curl jq)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Node.js for the Portal build (Vite 8 needs Node >= 20.19): Debian's nodejs/npm when node is missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || {
  echo "install-deps: Node $(node -v) is too old for the Portal build (Vite 8 needs >= 20.19; Debian 12 ships 18)."
  echo "install-deps: WARNING: install Node 20.19+ or 22 (e.g. the NodeSource nodejs package); the Portal checks fail until then."; }
# libopus.so (unversioned) is what Concentus probes for; libopus-dev provides it.
echo "install-deps: ok"
