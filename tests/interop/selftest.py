#!/usr/bin/env python3
"""Self-test of the peer verifiers on the committed JWS vector files.

Every case of vectors/jws/*.json is given to verify_node_jose.mjs, verify_jwcrypto.py and
verify_py_peer.py (PyJWT, Authlib) with public keys only, once as it is and, for valid cases, once with one signature byte
flipped. Valid cases must come back ok (unless they use an algorithm the peer lacks),
tampered ones must not. A case whose shape a peer's API cannot express (see HAS) is not
given to that peer. An invalid case that a peer accepts is reported as that peer's
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
LACKS = {"node jose": {"ES256K"}, "jwcrypto": set(), "PyJWT": set(), "Authlib": set()}
# The shapes a peer's API has (the same filters as tests/tests/jose_interop.rs; the reasons
# are in verify_py_peer.py's docstring).
HAS = {
    "node jose": lambda c: True,
    "jwcrypto": lambda c: True,
    "PyJWT": lambda c: isinstance(c["jws"], str) and (not c.get("detached") or unencoded(c)),
    "Authlib": lambda c: not c.get("detached") and not unencoded(c)
    and all(s.get("protected") for s in signatures(c)),
}


def signatures(case):
    jws = case["jws"]
    if isinstance(jws, str):
        return [{"protected": jws.split(".")[0]}]
    return jws.get("signatures") or [jws]


def unencoded(case):
    """Whether any signature's protected header says b64 false (the member is optional)."""
    for s in signatures(case):
        prot = s.get("protected")
        if prot and json.loads(base64.urlsafe_b64decode(prot + "=" * (-len(prot) % 4))).get("b64") is False:
            return True
    return False


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
    peers = {
        "node jose": ["node", str(HERE / "verify_node_jose.mjs")],
        "jwcrypto": [sys.executable, str(HERE / "verify_jwcrypto.py")],
        "PyJWT": [sys.executable, str(HERE / "verify_py_peer.py"), "pyjwt"],
        "Authlib": [sys.executable, str(HERE / "verify_py_peer.py"), "authlib"],
    }
    passed = failed = 0
    for peer, cmd in peers.items():
        mine = [(c, m) for c, m in zip(cases, meta) if HAS[peer](c)]
        data = json.dumps([c for c, _ in mine]).encode()
        run = subprocess.run(cmd, input=data, capture_output=True, check=True)
        results = json.loads(run.stdout)
        assert len(results) == len(mine), f"{peer}: {len(results)} results for {len(mine)} cases"
        for (c, (should_pass, algs, tampered)), r in zip(mine, results):
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
