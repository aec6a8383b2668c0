#!/usr/bin/env bash
# Installs Debian's `chromium` package (by package name, with apt-get) for the browser test
# (tests/tests/serve_browser.rs), only when /usr/bin/chromium is missing. puppeteer-core drives
# this browser; it never downloads one of its own. Needs root (or sudo) and apt-get.
set -euo pipefail

say() { printf 'chromium setup: %s\n' "$*" >&2; }

if [[ -x /usr/bin/chromium ]]; then
  say "$(/usr/bin/chromium --version 2>/dev/null || echo 'chromium') present, skipped"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || { say "/usr/bin/chromium is missing and there is no apt-get to install Debian's chromium"; exit 1; }
sudo=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { say "installing chromium needs root"; exit 1; }
  sudo=(sudo)
fi
say "apt-get install chromium"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends chromium >/dev/null
say "installed $(/usr/bin/chromium --version)"
