#!/usr/bin/env python3
"""Self-test of the two peer verifiers on the committed JWS vector files.

Every case of vectors/jws/*.json is given to verify_node_jose.mjs and verify_jwcrypto.py
with public keys only, once as it is and, for valid cases, once with one signature byte
flipped. Valid cases must come back ok (unless they use an algorithm the peer lacks),
tampered ones must not. An invalid case that a peer accepts is reported as that peer's
leniency, not as a failure of the verifier script.

Usage: bash tests/interop/setup.sh && tests/interop/.venv/bin/python tests/interop/selftest.py
"""

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parents[1] / "vectors" / "jws"
PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "oth")
# Algorithms a peer is known not to implement (the generators record the same in
# their output's "unsupported_algs").
LACKS = {"node jose": {"ES256K"}, "jwcrypto": set()}


def public(key):
    if key.get("kty") == "oct":
        return key
    return {m: v for m, v in key.items() if m not in PRIVATE and m != "key_ops"}


def flip(sig: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[0] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def algs_of(case):
    return set(case.get("algs") or [case.get("alg")])


def build():
    cases, meta = [], []
    for f in sorted(VECTORS.glob("*.json")):
        for c in json.loads(f.read_text(encoding="utf-8"))["cases"]:
            c = copy.deepcopy(c)
            c["keys"] = [public(k) for k in c["keys"]]
            c["name"] = f"{f.name}: {c['name']}"
            cases.append(c)
            meta.append((c["expect"] == "valid", algs_of(c), False))
            if c["expect"] == "valid":
                t = copy.deepcopy(c)
                t["name"] += " [tampered]"
                if isinstance(t["jws"], str):
                    h, p, s = t["jws"].split(".")
                    t["jws"] = f"{h}.{p}.{flip(s)}"
                else:
                    sig = t["jws"]["signatures"][-1] if "signatures" in t["jws"] else t["jws"]
                    sig["signature"] = flip(sig["signature"])
                cases.append(t)
                meta.append((False, algs_of(c), True))
    return cases, meta


def main():
    cases, meta = build()
    data = json.dumps(cases).encode()
    peers = {
        "node jose": ["node", str(HERE / "verify_node_jose.mjs")],
        "jwcrypto": [sys.executable, str(HERE / "verify_jwcrypto.py")],
    }
    passed = failed = 0
    for peer, cmd in peers.items():
        run = subprocess.run(cmd, input=data, capture_output=True, check=True)
        results = json.loads(run.stdout)
        assert len(results) == len(cases), f"{peer}: {len(results)} results for {len(cases)} cases"
        for c, (should_pass, algs, tampered), r in zip(cases, meta, results):
            assert r["name"] == c["name"], f"{peer}: results out of order"
            if should_pass and algs & LACKS[peer]:
                continue
            if r["ok"] == should_pass:
                passed += 1
            elif not should_pass and not tampered:
                print(f"note: {peer} accepts {c['name']} (peer leniency)")
                passed += 1
            else:
                failed += 1
                print(f"FAIL {peer}: {c['name']}: ok={r['ok']} {r['error']}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
