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

import json
import sys

from jwcrypto import jwk, jws

from peer_io import b64d, header_of, public_members, run_cases, split_compact

def public_jwk(key_json: dict) -> jwk.JWK:
    return jwk.JWK(**public_members(key_json))


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
        parts = split_compact(case, keys, detached)
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
    return run_cases(check, "verify_jwcrypto")


if __name__ == "__main__":
    sys.exit(main())
