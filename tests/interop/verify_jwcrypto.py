#!/usr/bin/env python3
"""Verifies JWSs with the Python package jwcrypto (the peer), for the project's interop tests.

stdin:  a JSON array of cases in the JWS vector schema (vectors/README.md): name, alg,
        keys (public JWKs or oct keys, one per signature, in order), serialization, jws,
        payload_b64, detached.
stdout: a JSON array of {"name", "ok", "error"}, one per case, in input order; "error" is
        "" when ok.
Exit status: 0 whenever the input could be read, even when cases fail; 2 on unreadable input.

A case is ok when the peer accepts every signature with the key at the same position (each
signature on its own, as a flattened JWS, and, for general JSON, also through the peer's
general verifier) and returns exactly the payload octets of payload_b64. The algorithm
allow-list for a signature is the key's `alg` when it has one, else the header's `alg`.

Usage: tests/interop/.venv/bin/python tests/interop/verify_jwcrypto.py < cases.json
"""

import base64
import json
import re
import sys

from jwcrypto import jwk, jws

PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "oth")
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64d(s) -> bytes:
    if not isinstance(s, str) or not B64URL.match(s) or len(s) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def public_jwk(key_json: dict) -> jwk.JWK:
    if key_json.get("kty") != "oct" and any(m in key_json for m in PRIVATE):
        key_json = {m: v for m, v in key_json.items() if m not in PRIVATE and m != "key_ops"}
    return jwk.JWK(**key_json)


def header_of(sig: dict) -> dict:
    prot = json.loads(b64d(sig["protected"])) if sig.get("protected") else {}
    return {**sig.get("header", {}), **prot}


def verify_serialized(raw: str, key_json: dict, alg: str, payload: bytes, detached: bool):
    token = jws.JWS()
    token.allowed_algs = [alg]
    token.deserialize(raw)
    token.verify(public_jwk(key_json), alg=alg, detached_payload=payload if detached else None)
    got = token.payload
    if isinstance(got, str):  # jwcrypto hands back an unencoded (b64 false) payload as text
        got = got.encode("utf-8")
    if not detached and got != payload:
        raise ValueError("verified payload differs from payload_b64")


def check(case: dict):
    payload = b64d(case.get("payload_b64", ""))
    keys = case.get("keys") or []
    detached = bool(case.get("detached"))
    value = case.get("jws")
    if isinstance(value, str):
        parts = value.split(".")
        if len(parts) != 3:
            raise ValueError("compact JWS must have three parts")
        if len(keys) != 1:
            raise ValueError(f"compact JWS needs one key, got {len(keys)}")
        if detached and parts[1]:
            raise ValueError("detached compact JWS has a payload part")
        alg = keys[0].get("alg") or header_of({"protected": parts[0]}).get("alg")
        verify_serialized(value, keys[0], alg, payload, detached)
        return
    if not isinstance(value, dict):
        raise ValueError("jws is neither a string nor an object")
    if isinstance(value.get("signatures"), list):
        sigs = value["signatures"]
        if not sigs or len(sigs) != len(keys):
            raise ValueError(f"{len(sigs)} signatures but {len(keys)} keys")
        for i, (sig, key_json) in enumerate(zip(sigs, keys)):
            flat = dict(sig)
            if "payload" in value:
                flat["payload"] = value["payload"]
            alg = key_json.get("alg") or header_of(sig).get("alg")
            try:
                verify_serialized(json.dumps(flat), key_json, alg, payload, detached)
                # The peer's own general-serialization path, with the same key.
                verify_serialized(json.dumps(value), key_json, alg, payload, detached)
            except Exception as e:
                raise ValueError(f"signature {i}: {type(e).__name__}: {e}") from e
        return
    if len(keys) != 1:
        raise ValueError(f"flattened JWS needs one key, got {len(keys)}")
    alg = keys[0].get("alg") or header_of(value).get("alg")
    verify_serialized(json.dumps(value), keys[0], alg, payload, detached)


def main() -> int:
    try:
        cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        if not isinstance(cases, list):
            raise ValueError("input is not a JSON array")
    except (ValueError, UnicodeDecodeError) as e:
        print(f"verify_jwcrypto: unreadable input: {e}", file=sys.stderr)
        return 2
    results = []
    for case in cases:
        name = case.get("name") if isinstance(case, dict) else None
        try:
            if not isinstance(case, dict):
                raise ValueError("case is not an object")
            check(case)
            results.append({"name": name, "ok": True, "error": ""})
        except Exception as e:  # any failure of the peer is a reported result, not a crash
            msg = str(e) or repr(e)
            results.append({"name": name, "ok": False, "error": f"{type(e).__name__}: {msg}"})
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
