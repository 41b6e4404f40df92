#!/usr/bin/env bash
# Installs the Debian packages the platform's tests use. Idempotent: skips what is present.
set -euo pipefail
PKGS=(chromium ffmpeg libopus-dev nftables iproute2 redis-server postgresql prometheus util-linux openssl coturn sip-tester)
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
# libopus.so (unversioned) is what Concentus probes for; libopus-dev provides it.
echo "install-deps: ok"
