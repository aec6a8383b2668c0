#!/usr/bin/env python3
"""Generates vectors/jws/cross-jwcrypto.json: JWSs signed by the Python package jwcrypto
with fresh keys, in the project's JWS vector schema (see vectors/README.md).

Usage: tests/interop/.venv/bin/python tests/interop/gen_jwcrypto.py [OUTPUT]
(after `bash tests/interop/setup.sh`).

The output is not reproducible (fresh keys, randomized ECDSA/PSS); it is generated once
and committed, and the project's vector tests verify it.
"""

import base64
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

from jwcrypto import jwk, jws

ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "ES256K", "EdDSA"]
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}

CLAIMS = json.dumps({"iss": "https://peer.example", "sub": "alice", "aud": "authcore",
                     "iat": 1700000000, "exp": 4100000000}, separators=(",", ":")).encode()
FLAT_PAYLOAD = b"flattened JSON payload from jwcrypto"
GENERAL_PAYLOAD = b'{"msg":"two signatures","n":2}'
DETACHED_PAYLOAD = "detached payload, not in the JWS: caf\u00e9 \u2713".encode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def header(**members) -> str:
    return json.dumps(members, separators=(",", ":"))


def deterministic(alg: str) -> bool:
    return alg.startswith(("HS", "RS")) or alg == "EdDSA"


def make_key(alg: str):
    kid = f"jwcrypto-{alg.lower()}"
    if alg.startswith("HS"):
        key = jwk.JWK.generate(kty="oct", size=int(alg[2:]), alg=alg, kid=kid)
    elif alg.startswith(("RS", "PS")):
        key = jwk.JWK.generate(kty="RSA", size=2048, alg=alg, kid=kid)
    elif alg in EC_CURVES:
        key = jwk.JWK.generate(kty="EC", crv=EC_CURVES[alg], alg=alg, kid=kid)
    else:
        key = jwk.JWK.generate(kty="OKP", crv="Ed25519", alg=alg, kid=kid)
    return key, kid


def new_jws(payload: bytes) -> jws.JWS:
    token = jws.JWS(payload)
    token.allowed_algs = ALGS
    return token


def main(argv):
    here = Path(__file__).resolve().parent
    out = Path(argv[0]) if argv else here.parents[1] / "vectors" / "jws" / "cross-jwcrypto.json"
    peer = version("jwcrypto")
    crypto = version("cryptography")

    keys, unsupported = [], []
    for alg in ALGS:
        try:
            key, kid = make_key(alg)
            probe = new_jws(b"probe")
            probe.add_signature(key, alg, protected=header(alg=alg))
        except Exception as e:  # the peer's own word that it cannot do this algorithm
            unsupported.append(alg)
            print(f"jwcrypto {peer}: {alg} not supported here ({type(e).__name__}: {e})", file=sys.stderr)
            continue
        keys.append((alg, kid, key, json.loads(key.export(private_key=True))))

    cases = []
    for alg, kid, key, jwk_json in keys:
        det = deterministic(alg)

        token = new_jws(CLAIMS)
        token.add_signature(key, alg, protected=header(alg=alg, kid=kid, typ="JWT"))
        cases.append({
            "name": f"{alg} compact JWT", "alg": alg, "keys": [jwk_json], "serialization": "compact",
            "jws": token.serialize(compact=True), "payload_b64": b64(CLAIMS), "detached": False,
            "unencoded": False, "expect": "valid", "deterministic": det,
            "note": "payload is a JWT claims set; header {alg, kid, typ: JWT}",
        })

        token = new_jws(FLAT_PAYLOAD)
        token.add_signature(key, alg, protected=header(alg=alg), header=header(kid=kid))
        cases.append({
            "name": f"{alg} flattened JSON", "alg": alg, "keys": [jwk_json], "serialization": "flattened",
            "jws": json.loads(token.serialize()), "payload_b64": b64(FLAT_PAYLOAD), "detached": False,
            "unencoded": False, "expect": "valid", "deterministic": det,
            "note": "alg in the protected header, kid in the unprotected header",
        })

        token = new_jws(DETACHED_PAYLOAD)
        token.add_signature(key, alg, protected=header(alg=alg, kid=kid))
        h, _, s = token.serialize(compact=True).split(".")
        cases.append({
            "name": f"{alg} compact with detached payload", "alg": alg, "keys": [jwk_json],
            "serialization": "compact", "jws": f"{h}..{s}", "payload_b64": b64(DETACHED_PAYLOAD),
            "detached": True, "unencoded": False, "expect": "valid", "deterministic": det,
            "note": "signed as an ordinary compact JWS, then the payload part was emptied (RFC 7515 Appendix F)",
        })

    # General JSON with two signatures: each algorithm paired with the next one in the list.
    for i in range(len(keys) if len(keys) > 1 else 0):
        a_alg, a_kid, a_key, a_jwk = keys[i]
        b_alg, b_kid, b_key, b_jwk = keys[(i + 1) % len(keys)]
        token = new_jws(GENERAL_PAYLOAD)
        token.add_signature(a_key, a_alg, protected=header(alg=a_alg), header=header(kid=a_kid))
        token.add_signature(b_key, b_alg, protected=header(alg=b_alg, kid=b_kid))
        cases.append({
            "name": f"{a_alg} + {b_alg} general JSON", "alg": a_alg, "algs": [a_alg, b_alg],
            "keys": [a_jwk, b_jwk], "serialization": "general", "jws": json.loads(token.serialize()),
            "payload_b64": b64(GENERAL_PAYLOAD), "detached": False, "unencoded": False,
            "expect": "valid", "deterministic": deterministic(a_alg) or deterministic(b_alg),
            "note": "first signature: alg protected, kid unprotected; second: alg and kid protected; keys in signature order",
        })

    # Check every case with jwcrypto itself (public keys) before writing.
    for case in cases:
        jws_value = case["jws"]
        raw = jws_value if isinstance(jws_value, str) else json.dumps(jws_value)
        token = jws.JWS()
        token.allowed_algs = ALGS
        token.deserialize(raw)
        for i, key_json in enumerate(case["keys"]):
            public = jwk.JWK(**key_json)
            if public.has_private:
                public = jwk.JWK(**json.loads(public.export_public()))
            detached = base64.urlsafe_b64decode(case["payload_b64"] + "==") if case["detached"] else None
            token.verify(public, detached_payload=detached)

    doc = {
        "source": f"PyPI package jwcrypto {peer} (with cryptography {crypto}, Python "
                  f"{platform.python_version()}), fresh keys, generated by tests/interop/gen_jwcrypto.py",
        "url": "https://github.com/latchset/jwcrypto",
        "license": "Generated test data: keys and signatures made for this project by running the peer "
                   "library; no third-party text.",
        "note": f"Algorithms requested: {' '.join(ALGS)}. Not supported by this peer: "
                f"{' '.join(unsupported) or 'none'}. RSA keys are 2048 bits. Keys are the private JWKs "
                "with alg and kid set.",
        "generated_with": {"package": "jwcrypto", "version": peer, "cryptography": crypto,
                           "runtime": f"python {platform.python_version()}"},
        "unsupported_algs": unsupported,
        "cases": cases,
    }
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
