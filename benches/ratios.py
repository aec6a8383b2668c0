#!/usr/bin/env python3
"""Print the benchmark ratios of the last `cargo bench -p authcore-benches` run as Markdown.

Reads criterion's results under `$CARGO_TARGET_DIR/criterion`, else `target/criterion` at the
workspace root, or the directory given as an argument. Standard library only.

    python3 benches/ratios.py [--stat median|min] [CRITERION_DIR]

`--stat median` (the default) uses criterion's median estimate (`new/estimates.json`).
`--stat min` uses the fastest sample (`new/sample.json`, time per iteration), which is less
sensitive to other work on a shared machine.
"""

import argparse
import json
import os
import sys

ALGS = ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"]
# benches/jwe.rs: one group per key management x content encryption.
JWE_KMS = ["RSA-OAEP-256", "ECDH-ES+A128KW P-256", "ECDH-ES X25519", "A256KW", "dir"]
JWE_ENCS = ["A256GCM", "A128CBC-HS256"]
JWE_COLS = ["raw/aws-lc-rs", "jwe/aws-lc-rs", "jwe/default", "josekit"]
JWE_RAW_TARGET = 1.05
JWE_PEER_TARGET = 1.0
PROVIDERS = ["ring", "aws-lc-rs"]
ASYMMETRIC_TARGET = 1.05
HMAC_TARGET = 0.5
AWS_LC_TARGET = 1.0


def criterion_dir(arg):
    if arg:
        return arg
    target = os.environ.get("CARGO_TARGET_DIR")
    if not target:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        target = os.path.join(root, "target")
    return os.path.join(target, "criterion")


def load(base, stat):
    """Nanoseconds per iteration for every (group, function, parameter) with results."""
    out = {}
    for dirpath, _dirs, files in os.walk(base):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            meta = json.load(f)
        key = (meta["group_id"], meta.get("function_id"), meta.get("value_str"))
        if stat == "min":
            with open(os.path.join(dirpath, "sample.json")) as f:
                sample = json.load(f)
            out[key] = min(t / n for t, n in zip(sample["times"], sample["iters"]))
        else:
            with open(os.path.join(dirpath, "estimates.json")) as f:
                out[key] = json.load(f)["median"]["point_estimate"]
    return out


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns >= 1000:
        return f"{ns / 1000:.2f} µs"
    return f"{ns:.0f} ns"


def ratio(a, b):
    return None if a is None or b is None else a / b


def fmt_ratio(r, target=None, below=True):
    if r is None:
        return "–"
    s = f"{r:.3f}×"
    if target is not None:
        ok = r <= target if below else r >= target
        s += " ✅" if ok else " ❌"
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stat", choices=["median", "min"], default="median")
    ap.add_argument("dir", nargs="?", help="criterion output directory")
    args = ap.parse_args()
    base = criterion_dir(args.dir)
    m = load(base, args.stat)
    if not m:
        sys.exit(f"no criterion results under {base}: run `cargo bench -p authcore-benches` first")
    if any(g == f"{JWE_KMS[0]}/{JWE_ENCS[0]}" for g, _, _ in m):
        jwe_tables(m, args.stat)
    if not any(g in ALGS for g, _, _ in m):
        return

    def t(alg, func, param):
        return m.get((alg, func, param))

    label = "median" if args.stat == "median" else "fastest-sample"
    print(f"Statistic: {label} time per verification.\n")
    print("### Times (absolute numbers drift on a shared machine; compare ratios)\n")
    cols = [
        ("raw", "ring"), ("jws", "ring"), ("jwt", "ring"),
        ("raw", "aws-lc-rs"), ("jws", "aws-lc-rs"), ("jwt", "aws-lc-rs"),
        ("jsonwebtoken", "rust_crypto"), ("jsonwebtoken", "aws_lc_rs"),
        ("jwt-simple", "pure-rust"),
    ]
    print("| alg | " + " | ".join(f"{f}/{p}" for f, p in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for alg in ALGS:
        print(f"| {alg} | " + " | ".join(fmt_time(t(alg, f, p)) for f, p in cols) + " |")

    print(f"\n### authcore over the raw primitive (target ≤ {ASYMMETRIC_TARGET}× for the signature "
          "algorithms; HS256 shown for information)\n")
    print("| alg | JWS / raw, ring | JWT / raw, ring | JWT − raw, ring "
          "| JWS / raw, aws-lc-rs | JWT / raw, aws-lc-rs | JWT − raw, aws-lc-rs |")
    print("|---|---|---|---|---|---|---|")
    for alg in ALGS:
        target = None if alg == "HS256" else ASYMMETRIC_TARGET
        cells = []
        for p in PROVIDERS:
            raw = t(alg, "raw", p)
            jwt = t(alg, "jwt", p)
            cells.append(fmt_ratio(ratio(t(alg, "jws", p), raw)))
            cells.append(fmt_ratio(ratio(jwt, raw), target))
            cells.append(fmt_time(None if jwt is None or raw is None else jwt - raw))
        print(f"| {alg} | " + " | ".join(cells) + " |")

    print(f"\n### HS256: authcore full JWT verify over jsonwebtoken's (target ≤ {HMAC_TARGET}×)\n")
    print("| authcore provider | jsonwebtoken backend | ratio |")
    print("|---|---|---|")
    for p, jb in [("ring", "rust_crypto"), ("aws-lc-rs", "aws_lc_rs"), ("ring", "aws_lc_rs")]:
        r = ratio(t("HS256", "jwt", p), t("HS256", "jsonwebtoken", jb))
        print(f"| {p} | {jb} | {fmt_ratio(r, HMAC_TARGET)} |")

    print(f"\n### authcore (aws-lc-rs) over jsonwebtoken (aws_lc_rs), full JWT verify "
          f"(target ≤ {AWS_LC_TARGET}×); other peers for information\n")
    print("| alg | authcore aws-lc-rs / jsonwebtoken aws_lc_rs | authcore ring / jsonwebtoken "
          "rust_crypto | authcore ring / jwt-simple |")
    print("|---|---|---|---|")
    for alg in ALGS:
        a = fmt_ratio(ratio(t(alg, "jwt", "aws-lc-rs"), t(alg, "jsonwebtoken", "aws_lc_rs")),
                      AWS_LC_TARGET)
        b = fmt_ratio(ratio(t(alg, "jwt", "ring"), t(alg, "jsonwebtoken", "rust_crypto")))
        c = fmt_ratio(ratio(t(alg, "jwt", "ring"), t(alg, "jwt-simple", "pure-rust")))
        print(f"| {alg} | {a} | {b} | {c} |")

    steps = ["b64-header", "header-json", "b64-signature", "b64-payload", "claims-json",
             "validate-claims"]
    if any(("anatomy", s, None) in m for s in steps):
        print("\n### Steps of authcore's JWT verification (HS256 token)\n")
        print(f"| step | {label} |")
        print("|---|---|")
        total = 0.0
        for s in steps:
            v = m.get(("anatomy", s, None))
            total += v or 0.0
            print(f"| {s} | {fmt_time(v)} |")
        print(f"| sum of steps | {fmt_time(total)} |")


def jwe_tables(m, stat):
    """The JWE decryption tables (benches/jwe.rs)."""
    label = "median" if stat == "median" else "fastest-sample"
    print(f"### JWE decryption, {label} times\n")
    print("| alg | enc | " + " | ".join(JWE_COLS) + " |")
    print("|---|---" + "|---" * len(JWE_COLS) + "|")
    rows = [(k, e) for k in JWE_KMS for e in JWE_ENCS]
    for k, e in rows:
        cells = [fmt_time(m.get((f"{k}/{e}", c, None))) for c in JWE_COLS]
        print(f"| {k} | {e} | " + " | ".join(cells) + " |")
    print(f"\n### JWE decryption ratios: authcore over the raw primitives (target ≤ "
          f"{JWE_RAW_TARGET}×) and over josekit (target < {JWE_PEER_TARGET}×)\n")
    print("| alg | enc | jwe/aws-lc-rs / raw | jwe/default / raw | jwe/aws-lc-rs / josekit "
          "| jwe/default / josekit |")
    print("|---|---|---|---|---|---|")
    for k, e in rows:
        g = f"{k}/{e}"
        raw, peer = m.get((g, "raw/aws-lc-rs", None)), m.get((g, "josekit", None))
        a, d = m.get((g, "jwe/aws-lc-rs", None)), m.get((g, "jwe/default", None))
        print(f"| {k} | {e} | {fmt_ratio(ratio(a, raw), JWE_RAW_TARGET)} "
              f"| {fmt_ratio(ratio(d, raw), JWE_RAW_TARGET)} "
              f"| {fmt_ratio(ratio(a, peer), JWE_PEER_TARGET)} "
              f"| {fmt_ratio(ratio(d, peer), JWE_PEER_TARGET)} |")
    print()


if __name__ == "__main__":
    main()
