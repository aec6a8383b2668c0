#!/usr/bin/env bash
# Installs the interop peers by package name: npm `jose` (from package-lock.json) into
# tests/interop/node_modules and PyPI `jwcrypto`, `PyJWT`, `Authlib`, `joserfc`, `oauthlib` and
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

# 2. python jwcrypto, PyJWT, Authlib, joserfc, oauthlib, requests-oauthlib
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
