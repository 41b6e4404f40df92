#!/usr/bin/env bash
# Creates a self-signed TLS certificate for local and LAN use (a phone on the same network), with openssl.
#   scripts/make-local-cert.sh DIR [ADDRESS...]
# Subject alternative names: localhost, 127.0.0.1 and every ADDRESS (IPv4/IPv6 literals or DNS names).
# Writes DIR/cert.pem (certificate), DIR/key.pem (private key, mode 600) and DIR/spki.txt (base64 SHA-256 of
# the public key: what Chromium's --ignore-certificate-errors-spki-list takes). Keeps an existing pair when it
# already names the same addresses, so browsers that accepted it once keep accepting it.
set -euo pipefail
if [ $# -lt 1 ]; then echo "usage: $0 DIR [ADDRESS...]" >&2; exit 2; fi
dir="$1"; shift
command -v openssl >/dev/null || { echo "make-local-cert: openssl is not installed (apt-get install openssl)" >&2; exit 1; }

san="DNS:localhost,IP:127.0.0.1"
for a in "$@"; do
  [ -z "$a" ] && continue
  case "$a" in
    127.0.0.1|localhost) ;;
    *[!0-9.]*) if [[ "$a" == *:* ]]; then san="$san,IP:$a"; else san="$san,DNS:$a"; fi ;;
    *) san="$san,IP:$a" ;;
  esac
done

mkdir -p "$dir"
if [ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ] && [ "$(cat "$dir/san.txt" 2>/dev/null)" = "$san" ] \
   && openssl x509 -in "$dir/cert.pem" -noout -checkend 86400 >/dev/null 2>&1; then
  :
else
  umask 077
  # ECDSA P-256, one year (browsers reject leaf certificates valid for longer than 398 days).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 365 \
    -subj "/O=MediaCore/CN=MediaCore local certificate" \
    -addext "subjectAltName=$san" -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=serverAuth" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  chmod 644 "$dir/cert.pem"
  echo "$san" > "$dir/san.txt"
fi
openssl x509 -in "$dir/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der \
  | openssl dgst -sha256 -binary | base64 > "$dir/spki.txt"
echo "$dir/cert.pem"
