#!/usr/bin/env bash
# Makes a development certificate for local mode and the Secret that carries it.
# Usage: deploy/local/dev-certificate.sh <tls dir> <secret file> [namespace/name] [domain]
#   <tls dir>      where ca.pem, ca.key, tls.crt and tls.key are kept (created if missing)
#   <secret file>  the kubernetes.io/tls Secret YAML to write for a folder cluster
#   namespace/name the Secret's name (default: default/weir-dev-tls)
#   domain         the Routes' domain (default: localhost); the certificate covers
#                  *.<namespace>.<domain>, so every Route host and tag host of that namespace
# The CA is made once and kept, so a CA you trusted stays trusted across runs; the server
# certificate is made again when it is missing, expires within 7 days, or was not signed by that CA.
set -euo pipefail

[ $# -ge 2 ] && [ $# -le 4 ] || {
  echo "usage: dev-certificate.sh <tls dir> <secret file> [namespace/name] [domain]" >&2
  exit 2
}
dir="$1"
secret_file="$2"
secret="${3:-default/weir-dev-tls}"
domain="${4:-localhost}"
namespace="${secret%%/*}"
name="${secret#*/}"
[ -n "$namespace" ] && [ -n "$name" ] && [ "$namespace" != "$secret" ] || {
  echo "dev-certificate.sh: secret \"$secret\" (expected: namespace/name)" >&2
  exit 2
}
command -v openssl >/dev/null || {
  echo "dev-certificate.sh: openssl not found (install it, e.g. apt-get install -y openssl)" >&2
  exit 1
}

mkdir -p "$dir"
chmod 700 "$dir"
ca_key="$dir/ca.key"
ca="$dir/ca.pem"
key="$dir/tls.key"
crt="$dir/tls.crt"
wildcard="*.$namespace.$domain"

ec_key() { # file
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null)
}

if [ ! -s "$ca" ] || [ ! -s "$ca_key" ] || ! openssl x509 -in "$ca" -noout -checkend 86400 >/dev/null 2>&1; then
  ec_key "$ca_key"
  openssl req -x509 -new -key "$ca_key" -sha256 -days 825 -out "$ca" \
    -subj "/O=Weir local mode/CN=Weir development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  rm -f "$crt"
fi

if [ ! -s "$crt" ] || [ ! -s "$key" ] \
    || ! openssl x509 -in "$crt" -noout -checkend $((7 * 86400)) >/dev/null 2>&1 \
    || ! openssl verify -CAfile "$ca" "$crt" >/dev/null 2>&1 \
    || ! openssl x509 -in "$crt" -noout -ext subjectAltName 2>/dev/null | grep -qF "DNS:$wildcard"; then
  ec_key "$key"
  ext="$(mktemp)"
  trap 'rm -f "$ext"' EXIT
  cat >"$ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:$wildcard,DNS:$namespace.$domain
EOF
  openssl req -new -key "$key" -subj "/O=Weir local mode/CN=$wildcard" 2>/dev/null \
    | openssl x509 -req -CA "$ca" -CAkey "$ca_key" -CAcreateserial -sha256 -days 90 \
        -extfile "$ext" -out "$crt" 2>/dev/null
  rm -f "$dir/ca.srl"
fi

mkdir -p "$(dirname "$secret_file")"
tmp="$secret_file.tmp"
{
  echo "# Made by deploy/local/dev-certificate.sh for local mode: a development certificate for"
  echo "# $wildcard signed by the CA in $ca. Not for production."
  echo "apiVersion: v1"
  echo "kind: Secret"
  echo "type: kubernetes.io/tls"
  echo "metadata:"
  echo "  name: $name"
  echo "  namespace: $namespace"
  echo "data:"
  echo "  tls.crt: $(base64 -w0 <"$crt")"
  echo "  tls.key: $(base64 -w0 <"$key")"
} >"$tmp"
chmod 600 "$tmp"
# Replaced in one rename, so the folder watcher never reads half a file.
mv -f "$tmp" "$secret_file"
