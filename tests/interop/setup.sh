#!/usr/bin/env bash
# Installs the interop peers by package name: npm `jose` (from package-lock.json) into
# tests/interop/node_modules; npm `openid-client`, `oauth4webapi` and `puppeteer-core` (from
# serve/package-lock.json; no browser download, the browser test uses Debian's chromium, see
# serve/install_chromium.sh) into tests/interop/serve/node_modules; and PyPI `jwcrypto`, `PyJWT`, `Authlib`, `joserfc`, `oauthlib` and
# `requests-oauthlib` (from
# requirements.txt) into tests/interop/.venv. Idempotent: a step whose inputs have not
# changed is skipped.
# Needs only node/npm and python3 (with its venv module) on the PATH.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

say() { printf 'interop setup: %s\n' "$*" >&2; }

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

for tool in node npm python3; do
  command -v "$tool" >/dev/null 2>&1 || { say "missing $tool on PATH"; exit 1; }
done

# 1. node jose
node_stamp="$(stamp_of package.json package-lock.json)"
if [[ -f node_modules/.authcore-setup-stamp && "$(cat node_modules/.authcore-setup-stamp)" == "$node_stamp" \
      && -f node_modules/jose/package.json ]]; then
  say "npm: node_modules is current (jose $(node -p "require('./node_modules/jose/package.json').version")), skipped"
else
  say "npm: npm ci --no-audit --no-fund"
  npm ci --no-audit --no-fund --loglevel=error >&2
  printf '%s\n' "$node_stamp" > node_modules/.authcore-setup-stamp
  say "npm: installed jose $(node -p "require('./node_modules/jose/package.json').version")"
fi

# 2. node openid-client, oauth4webapi, puppeteer-core: the relying parties run against
# `authcore serve` (tests/tests/serve_interop.rs, serve_browser.rs)
serve_stamp="$(stamp_of serve/package.json serve/package-lock.json)"
serve_versions() {
  (cd serve && node -p "['openid-client', 'oauth4webapi', 'puppeteer-core'].map((p) => p + ' ' + require('./node_modules/' + p + '/package.json').version).join(', ')")
}
if [[ -f serve/node_modules/.authcore-setup-stamp && "$(cat serve/node_modules/.authcore-setup-stamp)" == "$serve_stamp" \
      && -f serve/node_modules/openid-client/package.json ]]; then
  say "npm: serve/node_modules is current ($(serve_versions)), skipped"
else
  say "npm: (serve) npm ci --no-audit --no-fund"
  (cd serve && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
  printf '%s\n' "$serve_stamp" > serve/node_modules/.authcore-setup-stamp
  say "npm: installed $(serve_versions)"
fi

# 3. python jwcrypto, PyJWT, Authlib, joserfc, oauthlib, requests-oauthlib
py_versions() {
  .venv/bin/python -c 'from importlib.metadata import version
print(", ".join(f"{p} {version(p)}" for p in ("jwcrypto", "PyJWT", "Authlib", "joserfc", "oauthlib", "requests-oauthlib")))'
}
py_stamp="$(stamp_of requirements.txt)"
if [[ -x .venv/bin/python && -f .venv/.authcore-setup-stamp && "$(cat .venv/.authcore-setup-stamp)" == "$py_stamp" ]] \
    && .venv/bin/python -c 'import jwcrypto, cryptography, jwt, authlib, joserfc, oauthlib, requests_oauthlib' >/dev/null 2>&1; then
  say "python: .venv is current ($(py_versions)), skipped"
else
  if [[ ! -x .venv/bin/python ]]; then
    say "python: creating .venv"
    rm -rf .venv
    python3 -m venv .venv || { say "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }
  fi
  say "python: pip install -r requirements.txt"
  .venv/bin/python -m pip install --disable-pip-version-check --no-input -q -r requirements.txt >&2
  printf '%s\n' "$py_stamp" > .venv/.authcore-setup-stamp
  say "python: installed $(py_versions)"
fi
