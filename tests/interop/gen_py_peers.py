#!/usr/bin/env python3
"""Generates vectors/jws/cross-pyjwt.json and vectors/jws/cross-authlib.json: JWSs signed by the
Python packages PyJWT and Authlib (its `authlib.jose` module) with fresh keys, in the project's
JWS vector schema (see vectors/README.md).

Usage: tests/interop/.venv/bin/python tests/interop/gen_py_peers.py [pyjwt|authlib ...]
(after `bash tests/interop/setup.sh`; no argument writes both files).

Each library signs only the shapes its API produces:
- PyJWT (compact serialization only): a compact JWT from its JWT API, a compact JWS signed
  normally whose payload part was then emptied (RFC 7515 Appendix F; PyJWT has no b64-true
  detached signing of its own), and an RFC 7797 unencoded detached compact JWS from its
  `is_payload_detached` option (b64 false, listed in crit).
- Authlib (no detached payloads, no b64 false): a compact JWT from its JWT API, a flattened
  JSON JWS, a compact JWS whose payload part was emptied afterwards as above, and general
  JSON JWSs with two signatures.
The keys are generated with the `cryptography` package and exported by PyJWT for PyJWT, and
generated and exported by Authlib for Authlib.

The output is not reproducible (fresh keys, randomized ECDSA/PSS); it is generated once and
committed, and the project's vector tests verify it.
"""

import base64
import json
import platform
import secrets
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "ES256K", "EdDSA"]
EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}

CLAIMS = {"iss": "https://peer.example", "sub": "alice", "aud": "authcore",
          "iat": 1700000000, "exp": 4100000000}
DETACHED_PAYLOAD = "detached payload, not in the JWS: caf\u00e9 \u2713".encode()
UNENCODED_PAYLOAD = b"$.02 unencoded and detached (RFC 7797)"
GENERAL_PAYLOAD = b'{"msg":"two signatures","n":2}'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def deterministic(alg: str) -> bool:
    return alg.startswith(("HS", "RS")) or alg == "EdDSA"


def empty_payload_part(token: str) -> str:
    h, _, s = token.split(".")
    return f"{h}..{s}"


def case(name, alg, keys, serialization, jws, payload, detached, unencoded, det, note, algs=None):
    c = {"name": name, "alg": alg}
    if algs:
        c["algs"] = algs
    c.update({"keys": keys, "serialization": serialization, "jws": jws,
              "payload_b64": b64(payload), "detached": detached, "unencoded": unencoded,
              "expect": "valid", "deterministic": det, "note": note})
    return c


# ---------------------------------------------------------------------------------- PyJWT

def pyjwt_cases():
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from jwt.api_jws import PyJWS

    curves = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1(),
              "secp256k1": ec.SECP256K1()}

    def make_key(alg):
        """(signing key object, private JWK as PyJWT exports it)."""
        algo = jwt.get_algorithm_by_name(alg)  # NotImplementedError when PyJWT lacks alg
        if alg.startswith("HS"):
            key = secrets.token_bytes(int(alg[2:]) // 8)
        elif alg.startswith(("RS", "PS")):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg in EC_CURVES:
            key = ec.generate_private_key(curves[EC_CURVES[alg]])
        else:
            key = ed25519.Ed25519PrivateKey.generate()
        jwk = algo.to_jwk(key, as_dict=True)
        jwk.update(alg=alg, kid=f"pyjwt-{alg.lower()}")
        return key, jwk

    def verify(token, jwk, alg, detached_payload=None):
        public = {m: v for m, v in jwk.items() if m not in ("d", "p", "q", "dp", "dq", "qi")}
        key = jwt.PyJWK(public if jwk["kty"] != "oct" else jwk, algorithm=alg)
        return PyJWS().decode_complete(token, key, algorithms=[alg],
                                       detached_payload=detached_payload)["payload"]

    cases, unsupported = [], []
    for alg in ALGS:
        try:
            key, jwk = make_key(alg)
            PyJWS().encode(b"probe", key, alg)
        except Exception as e:  # the peer's own word that it cannot do this algorithm
            unsupported.append(alg)
            print(f"PyJWT: {alg} not supported here ({type(e).__name__}: {e})", file=sys.stderr)
            continue
        kid, det = jwk["kid"], deterministic(alg)

        token = jwt.encode(CLAIMS, key, algorithm=alg, headers={"kid": kid})
        payload = b64d(token.split(".")[1])
        assert verify(token, jwk, alg) == payload
        cases.append(case(f"{alg} compact JWT", alg, [jwk], "compact", token, payload, False,
                          False, det, "jwt.encode of a claims set; header {alg, kid, typ: JWT}"))

        token = PyJWS().encode(DETACHED_PAYLOAD, key, alg, headers={"kid": kid, "typ": None})
        assert verify(token, jwk, alg) == DETACHED_PAYLOAD
        cases.append(case(f"{alg} compact with detached payload", alg, [jwk], "compact",
                          empty_payload_part(token), DETACHED_PAYLOAD, True, False, det,
                          "signed by PyJWS.encode as an ordinary compact JWS, then the payload "
                          "part was emptied (RFC 7515 Appendix F); header {alg, kid}"))

        token = PyJWS().encode(UNENCODED_PAYLOAD, key, alg, headers={"kid": kid, "typ": None},
                               is_payload_detached=True)
        assert token.split(".")[1] == ""
        assert verify(token, jwk, alg, detached_payload=UNENCODED_PAYLOAD) == UNENCODED_PAYLOAD
        cases.append(case(f"{alg} unencoded detached compact", alg, [jwk], "compact", token,
                          UNENCODED_PAYLOAD, True, True, det,
                          "PyJWS.encode with is_payload_detached: header {alg, b64: false, "
                          "crit: [b64], kid}, payload part empty (RFC 7797)"))
    return cases, unsupported


# -------------------------------------------------------------------------------- Authlib

def authlib_cases():
    from authlib.deprecate import AuthlibDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.jose import JsonWebKey, JsonWebSignature, JsonWebToken

    def make_key(alg):
        """(Authlib key object, private JWK as Authlib exports it)."""
        if alg.startswith("HS"):
            key = JsonWebKey.generate_key("oct", int(alg[2:]), is_private=True)
        elif alg.startswith(("RS", "PS")):
            key = JsonWebKey.generate_key("RSA", 2048, is_private=True)
        elif alg in EC_CURVES:
            key = JsonWebKey.generate_key("EC", EC_CURVES[alg], is_private=True)
        else:
            key = JsonWebKey.generate_key("OKP", "Ed25519", is_private=True)
        jwk = dict(key.as_dict(is_private=True))
        if jwk["kty"] == "EC":
            # Authlib writes EC integers at their minimal length (int_to_base64), where
            # RFC 7518 §6.2.1.2-6.2.2.1 want the full size of the curve's coordinates: a P-521
            # key comes out short about half the time. Left-pad them; the values are unchanged.
            size = (key.private_key.curve.key_size + 7) // 8
            for m in ("x", "y", "d"):
                raw = b64d(jwk[m])
                if len(raw) < size:
                    jwk[m] = b64(raw.rjust(size, b"\0"))
        jwk.update(alg=alg, kid=f"authlib-{alg.lower()}")
        return key, jwk

    def public_key(jwk):
        if jwk["kty"] == "oct":
            return JsonWebKey.import_key(jwk)
        return JsonWebKey.import_key(
            {m: v for m, v in jwk.items() if m not in ("d", "p", "q", "dp", "dq", "qi")})

    cases, unsupported, keys = [], [], []
    for alg in ALGS:
        try:
            key, jwk = make_key(alg)
            JsonWebSignature(algorithms=[alg]).serialize_compact({"alg": alg}, b"probe", key)
        except Exception as e:  # the peer's own word that it cannot do this algorithm
            unsupported.append(alg)
            print(f"Authlib: {alg} not supported here ({type(e).__name__}: {e})", file=sys.stderr)
            continue
        keys.append((alg, key, jwk))
        kid, det = jwk["kid"], deterministic(alg)
        jws = JsonWebSignature(algorithms=[alg])

        token = JsonWebToken([alg]).encode({"alg": alg, "kid": kid}, dict(CLAIMS), key).decode()
        payload = b64d(token.split(".")[1])
        assert jws.deserialize_compact(token, public_key(jwk)).payload == payload
        cases.append(case(f"{alg} compact JWT", alg, [jwk], "compact", token, payload, False,
                          False, det, "JsonWebToken.encode of a claims set; header {alg, kid, typ: JWT}"))

        flat_payload = f"flattened JSON payload from Authlib, {alg}".encode()
        flat = jws.serialize_json({"protected": {"alg": alg}, "header": {"kid": kid}},
                                  flat_payload, key)
        assert jws.deserialize_json(flat, public_key(jwk)).payload == flat_payload
        cases.append(case(f"{alg} flattened JSON", alg, [jwk], "flattened", flat, flat_payload,
                          False, False, det,
                          "alg in the protected header, kid in the unprotected header"))

        token = jws.serialize_compact({"alg": alg, "kid": kid}, DETACHED_PAYLOAD, key).decode()
        assert jws.deserialize_compact(token, public_key(jwk)).payload == DETACHED_PAYLOAD
        cases.append(case(f"{alg} compact with detached payload", alg, [jwk], "compact",
                          empty_payload_part(token), DETACHED_PAYLOAD, True, False, det,
                          "signed by serialize_compact as an ordinary compact JWS, then the "
                          "payload part was emptied (RFC 7515 Appendix F); header {alg, kid}"))

    # General JSON with two signatures: each algorithm paired with the next one in the list.
    for i in range(len(keys) if len(keys) > 1 else 0):
        a_alg, a_key, a_jwk = keys[i]
        b_alg, b_key, b_jwk = keys[(i + 1) % len(keys)]
        by_kid = {a_jwk["kid"]: a_key, b_jwk["kid"]: b_key}
        jws = JsonWebSignature(algorithms=[a_alg, b_alg])
        general = jws.serialize_json(
            [{"protected": {"alg": a_alg}, "header": {"kid": a_jwk["kid"]}},
             {"protected": {"alg": b_alg, "kid": b_jwk["kid"]}}],
            GENERAL_PAYLOAD, lambda header, _payload: by_kid[header["kid"]])
        public = {a_jwk["kid"]: public_key(a_jwk), b_jwk["kid"]: public_key(b_jwk)}
        got = jws.deserialize_json(general, lambda header, _payload: public[header["kid"]])
        assert got.payload == GENERAL_PAYLOAD
        cases.append(case(f"{a_alg} + {b_alg} general JSON", a_alg, [a_jwk, b_jwk], "general",
                          general, GENERAL_PAYLOAD, False, False,
                          deterministic(a_alg) or deterministic(b_alg),
                          "first signature: alg protected, kid unprotected; second: alg and kid "
                          "protected; keys in signature order", algs=[a_alg, b_alg]))
    return cases, unsupported


PEERS = {
    "pyjwt": {
        "make": pyjwt_cases, "package": "PyJWT", "file": "cross-pyjwt.json",
        "url": "https://github.com/jpadilla/pyjwt",
        "shapes": "compact JWT, compact with detached payload (Appendix F), RFC 7797 unencoded "
                  "detached compact; PyJWT has no JSON serialization",
    },
    "authlib": {
        "make": authlib_cases, "package": "Authlib", "file": "cross-authlib.json",
        "url": "https://github.com/authlib/authlib",
        "shapes": "compact JWT, flattened JSON, compact with detached payload (Appendix F), "
                  "two-signature general JSON; authlib.jose has no b64 false",
        "key_note": " Authlib exports EC coordinates and d at their minimal length; the generator "
                    "left-padded them to the curve's size (RFC 7518 §6.2.1.2).",
    },
}


def main(argv):
    here = Path(__file__).resolve().parent
    crypto = version("cryptography")
    for name in argv or list(PEERS):
        peer = PEERS[name]
        cases, unsupported = peer["make"]()
        pkg, ver = peer["package"], version(peer["package"])
        doc = {
            "source": f"PyPI package {pkg} {ver} (with cryptography {crypto}, Python "
                      f"{platform.python_version()}), fresh keys, generated by "
                      "tests/interop/gen_py_peers.py",
            "url": peer["url"],
            "license": "Generated test data: keys and signatures made for this project by "
                       "running the peer library; no third-party text.",
            "note": f"Algorithms requested: {' '.join(ALGS)}. Not supported by this peer: "
                    f"{' '.join(unsupported) or 'none'}. Shapes: {peer['shapes']}. RSA keys are "
                    "2048 bits. Keys are the private JWKs as the peer exports them, with alg and "
                    "kid set." + peer.get("key_note", ""),
            "generated_with": {"package": pkg, "version": ver, "cryptography": crypto,
                               "runtime": f"python {platform.python_version()}"},
            "unsupported_algs": unsupported,
            "cases": cases,
        }
        out = here.parents[1] / "vectors" / "jws" / peer["file"]
        out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {len(cases)} cases to {out.relative_to(here.parents[1])}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
