#!/usr/bin/env python3
"""Verifies JWSs with the Python package PyJWT or with Authlib's `authlib.jose` (the peer named
by the first argument), for the project's interop tests.

stdin:  a JSON array of cases in the JWS vector schema (vectors/README.md): name, alg,
        keys (public JWKs or oct keys, one per signature, in order), serialization, jws,
        payload_b64, detached, unencoded.
stdout: a JSON array of {"name", "ok", "error"}, one per case, in input order; "error" is
        "" when ok.
Exit status: 0 whenever the input could be read, even when cases fail; 2 on unreadable input
or an unknown peer name.

A case is ok when the peer accepts every signature with the key at the same position and
returns exactly the payload octets of payload_b64. The algorithm allow-list for a signature is
the key's `alg` when it has one, else the header's `alg`.

What each peer can express (read from its code; the caller filters the rest out, and this
script reports any such case as not ok rather than working around the library):
- pyjwt: compact serialization only (jwt.api_jws.PyJWS has no JSON serialization). A detached
  payload is accepted only together with `b64: false` listed in `crit` (decode_complete
  raises DecodeError for `detached_payload` otherwise), so an RFC 7515 Appendix F detached
  JWS with an encoded payload is out, and RFC 7797 unencoded detached compact JWSs are in.
- authlib: compact, flattened and general JSON serializations, always with the payload in
  the JWS (deserialize_compact and deserialize_json take it from the serialization and have no
  detached-payload input) and never `b64: false` (`b64` is not a registered header name, so
  a `crit` listing it is refused). Its JSON verification also needs a protected header on
  every signature (`_validate_json_jws` raises DecodeError without one).

Usage: tests/interop/.venv/bin/python tests/interop/verify_py_peer.py pyjwt|authlib < cases.json
"""

import sys
import warnings

from peer_io import b64d, header_of, public_members, run_cases, split_compact



class Inexpressible(Exception):
    """The case has a shape the peer library has no API for."""


def allowed_alg(key_json: dict, sig: dict) -> str:
    return key_json.get("alg") or header_of(sig).get("alg")


def same_payload(got, payload: bytes):
    if isinstance(got, str):
        got = got.encode("utf-8")
    if got != payload:
        raise ValueError("verified payload differs from payload_b64")


def check_pyjwt(case: dict, keys: list, payload: bytes, detached: bool):
    from jwt import PyJWK
    from jwt.api_jws import PyJWS

    value = case.get("jws")
    if not isinstance(value, str):
        raise Inexpressible("PyJWT has no JWS JSON serialization")
    h, _, _ = split_compact(case, keys, detached)
    header = header_of({"protected": h})
    if detached and header.get("b64", True) is not False:
        raise Inexpressible("PyJWT takes a detached payload only with b64 false")
    alg = allowed_alg(keys[0], {"protected": h})
    key = PyJWK(public_members(keys[0]), algorithm=alg)
    got = PyJWS(algorithms=[alg]).decode_complete(
        value, key, algorithms=[alg], detached_payload=payload if detached else None)
    same_payload(got["payload"], payload)


def check_authlib(case: dict, keys: list, payload: bytes, detached: bool):
    # authlib.jose announces its successor package on import (a warning class that
    # authlib.deprecate sets to "always" when it is first imported); not this test's business.
    from authlib.deprecate import AuthlibDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.jose import JsonWebKey, JsonWebSignature

    if detached:
        raise Inexpressible("authlib.jose has no detached-payload verification")
    if case.get("unencoded"):
        raise Inexpressible("authlib.jose has no b64 false (RFC 7797)")
    value = case.get("jws")

    def key_of(key_json):
        return JsonWebKey.import_key(public_members(key_json))

    if isinstance(value, str):
        h, _, _ = split_compact(case, keys, detached)
        alg = allowed_alg(keys[0], {"protected": h})
        got = JsonWebSignature(algorithms=[alg]).deserialize_compact(value, key_of(keys[0]))
        same_payload(got.payload, payload)
        return
    if not isinstance(value, dict):
        raise ValueError("jws is neither a string nor an object")
    if isinstance(value.get("signatures"), list):
        sigs = value["signatures"]
        if not sigs or len(sigs) != len(keys):
            raise ValueError(f"{len(sigs)} signatures but {len(keys)} keys")
        algs = [allowed_alg(k, s) for s, k in zip(sigs, keys)]
        for i, (sig, key_json) in enumerate(zip(sigs, keys)):
            flat = {**sig, "payload": value.get("payload")}
            try:
                got = JsonWebSignature(algorithms=[algs[i]]).deserialize_json(flat, key_of(key_json))
                same_payload(got.payload, payload)
            except Exception as e:
                raise ValueError(f"signature {i}: {type(e).__name__}: {e}") from e
        # Authlib's own general-serialization path: it asks for a key per signature, in
        # order; each must be the key at that position and used with its own algorithm.
        calls = []

        def pick(header, _payload):
            i = len(calls)
            calls.append(i)
            if i >= len(keys) or header.get("alg") != algs[i]:
                raise ValueError(f"signature {i}: alg {header.get('alg')!r} not allowed here")
            return key_of(keys[i])

        got = JsonWebSignature(algorithms=sorted(set(algs))).deserialize_json(value, pick)
        if len(calls) != len(keys):
            raise ValueError(f"general JSON: {len(calls)} of {len(keys)} signatures checked")
        same_payload(got.payload, payload)
        return
    if len(keys) != 1:
        raise ValueError(f"flattened JWS needs one key, got {len(keys)}")
    alg = allowed_alg(keys[0], value)
    got = JsonWebSignature(algorithms=[alg]).deserialize_json(value, key_of(keys[0]))
    same_payload(got.payload, payload)


PEERS = {"pyjwt": check_pyjwt, "authlib": check_authlib}


def check(peer, case: dict):
    payload = b64d(case.get("payload_b64", ""))
    keys = case.get("keys") or []
    peer(case, keys, payload, bool(case.get("detached")))


def main(argv) -> int:
    if len(argv) != 1 or argv[0] not in PEERS:
        print(f"usage: verify_py_peer.py {'|'.join(PEERS)} < cases.json", file=sys.stderr)
        return 2
    peer = PEERS[argv[0]]
    return run_cases(lambda case: check(peer, case), "verify_py_peer")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
