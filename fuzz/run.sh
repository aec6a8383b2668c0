#!/usr/bin/env bash
# Builds every fuzz target and runs each for N seconds (default 15; 0 = build only).
# Uses the nightly toolchain when it is installed; otherwise the default (stable) toolchain
# with RUSTC_BOOTSTRAP=1, which lets it accept the unstable flags cargo-fuzz passes
# (-Zsanitizer=...). Installs cargo-fuzz by package name when it is missing.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-15}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if cargo +nightly --version >/dev/null 2>&1; then
  fuzz=(cargo +nightly fuzz)
else
  echo "no nightly toolchain: building with $(cargo --version) and RUSTC_BOOTSTRAP=1" >&2
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
"${fuzz[@]}" build
[ "$secs" -gt 0 ] || exit 0
mkdir -p logs
for t in $("${fuzz[@]}" list); do
  mkdir -p "corpus/$t"
  if ! "${fuzz[@]}" run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=8192 \
      >"logs/$t.log" 2>&1; then
    tail -n 40 "logs/$t.log" >&2
    echo "fuzz target $t failed" >&2
    exit 1
  fi
  echo "$t: $(grep -E '^Done [0-9]+ runs' "logs/$t.log" || tail -n 1 "logs/$t.log")"
done
