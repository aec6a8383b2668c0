#!/usr/bin/env python3
"""Independent check of the vector files in ../../vectors with pyca/cryptography.

Every `valid` JWS case must verify (each signature against the key at the same
position in `keys`) and stop verifying when tampered; every `invalid` case must
fail to verify or break a header rule (alg none, b64 without crit); and
`deterministic` cases must reproduce their signatures byte for byte. Every JWK case must hold
consistent key material (RSA: n = p*q and d inverts e; EC: d*G = (x, y) and the
point is on the curve; OKP: x derives from d), and a given `thumbprint_sha256`
must match the RFC 7638 computation.

Usage: tests/interop/.venv/bin/python tests/interop/check_vectors.py [FILE...]
Exits 1 if any check fails.
"""

import base64
import hashlib
import hmac
import json
import math
import sys
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

ROOT = Path(__file__).resolve().parents[2] / "vectors"

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
CURVES = {
    "P-256": (ec.SECP256R1, 32),
    "P-384": (ec.SECP384R1, 48),
    "P-521": (ec.SECP521R1, 66),
    "secp256k1": (ec.SECP256K1, 32),
}
ALG_CURVE = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "ES256K": "secp256k1"}


def b64d(s: str) -> bytes:
    if "=" in s or "+" in s or "/" in s:
        raise ValueError(f"not unpadded base64url: {s[:20]}")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(s: str) -> int:
    return int.from_bytes(b64d(s), "big")


def rsa_public(jwk):
    return rsa.RSAPublicNumbers(uint(jwk["e"]), uint(jwk["n"])).public_key()


def rsa_private(jwk):
    pub = rsa.RSAPublicNumbers(uint(jwk["e"]), uint(jwk["n"]))
    return rsa.RSAPrivateNumbers(
        uint(jwk["p"]), uint(jwk["q"]), uint(jwk["d"]),
        uint(jwk["dp"]), uint(jwk["dq"]), uint(jwk["qi"]), pub,
    ).private_key()


def ec_public(jwk):
    curve, _ = CURVES[jwk["crv"]]
    return ec.EllipticCurvePublicNumbers(uint(jwk["x"]), uint(jwk["y"]), curve()).public_key()


def ec_private(jwk):
    curve, _ = CURVES[jwk["crv"]]
    return ec.derive_private_key(uint(jwk["d"]), curve())


def okp_classes(crv):
    return {"Ed25519": (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey),
            "Ed448": (ed448.Ed448PublicKey, ed448.Ed448PrivateKey)}[crv]


def verify_one(alg: str, jwk: dict, signing_input: bytes, sig: bytes) -> bool:
    """True when `sig` is a valid `alg` signature of `signing_input` under `jwk`."""
    try:
        if alg.startswith("HS"):
            mac = hmac.new(b64d(jwk["k"]), signing_input, "sha" + alg[2:]).digest()
            return hmac.compare_digest(mac, sig)
        if alg.startswith("RS"):
            rsa_public(jwk).verify(sig, signing_input, padding.PKCS1v15(), HASHES[alg[2:]]())
            return True
        if alg.startswith("PS"):
            h = HASHES[alg[2:]]()
            rsa_public(jwk).verify(
                sig, signing_input, padding.PSS(padding.MGF1(h), h.digest_size), h)
            return True
        if alg in ALG_CURVE:
            if jwk.get("crv") != ALG_CURVE[alg]:
                return False
            size = CURVES[jwk["crv"]][1]
            if len(sig) != 2 * size:
                return False
            der = encode_dss_signature(int.from_bytes(sig[:size], "big"),
                                       int.from_bytes(sig[size:], "big"))
            h = {"ES256": hashes.SHA256, "ES384": hashes.SHA384,
                 "ES512": hashes.SHA512, "ES256K": hashes.SHA256}[alg]
            ec_public(jwk).verify(der, signing_input, ec.ECDSA(h()))
            return True
        if alg in ("EdDSA", "Ed25519", "Ed448"):
            pub_cls, _ = okp_classes(jwk["crv"])
            pub_cls.from_public_bytes(b64d(jwk["x"])).verify(sig, signing_input)
            return True
    except (InvalidSignature, ValueError, KeyError):
        return False
    return False


def sign_again(alg: str, jwk: dict, signing_input: bytes):
    """The deterministic signature for the deterministic algorithms, else None."""
    if alg.startswith("HS"):
        return hmac.new(b64d(jwk["k"]), signing_input, "sha" + alg[2:]).digest()
    if alg.startswith("RS") and "d" in jwk:
        return rsa_private(jwk).sign(signing_input, padding.PKCS1v15(), HASHES[alg[2:]]())
    if alg in ("EdDSA", "Ed25519", "Ed448") and "d" in jwk:
        _, priv_cls = okp_classes(jwk["crv"])
        return priv_cls.from_private_bytes(b64d(jwk["d"])).sign(signing_input)
    return None


def signatures_of(case):
    """[(protected_b64, merged header, payload part of the signing input, signature)]."""
    jws = case["jws"]
    payload = b64d(case["payload_b64"])
    if isinstance(jws, str):
        parts = jws.split(".")
        if len(parts) != 3:
            raise ValueError("compact JWS must have three parts")
        entries = [({"protected": parts[0], "signature": parts[2]}, parts[1])]
    else:
        sigs = jws["signatures"] if "signatures" in jws else [jws]
        entries = [(s, jws.get("payload")) for s in sigs]
    out = []
    for s, payload_part in entries:
        prot = s.get("protected", "")
        header = json.loads(b64d(prot)) if prot else {}
        header = {**s.get("header", {}), **header}
        unencoded = header.get("b64") is False
        if case.get("detached") and not payload_part:
            payload_part = payload.decode("latin-1") if unencoded else b64e(payload)
        if unencoded:
            part_bytes = payload_part.encode("latin-1") if isinstance(payload_part, str) else payload
            if part_bytes != payload:
                raise ValueError("unencoded payload differs from payload_b64")
        elif b64d(payload_part) != payload:
            raise ValueError("payload differs from payload_b64")
        signing_input = prot.encode() + b"." + (payload if unencoded else payload_part.encode())
        out.append((prot, header, signing_input, b64d(s["signature"])))
    return out


def header_rule_broken(prot_b64: str, header: dict) -> bool:
    """True when the header alone makes the JWS unacceptable (RFC 7515 4.1.11, RFC 7797 6)."""
    protected = json.loads(b64d(prot_b64)) if prot_b64 else {}
    crit = protected.get("crit", [])
    if header.get("alg") in (None, "none"):
        return True
    if "b64" in header and ("b64" not in protected or "b64" not in crit):
        return True
    return any(name not in ("b64",) or name not in header for name in crit)


def check_jws_case(case):
    """A list of problems (empty when the case is as it says)."""
    problems = []
    try:
        sigs = signatures_of(case)
    except (ValueError, KeyError, json.JSONDecodeError) as e:
        return [f"malformed: {e}"] if case["expect"] == "valid" else []
    keys = case["keys"]
    if case["expect"] == "invalid":
        if not any(header_rule_broken(p, h) for p, h, _, _ in sigs) and all(
                i < len(keys) and verify_one(h["alg"], keys[i], si, sig)
                for i, (_, h, si, sig) in enumerate(sigs)):
            problems.append("invalid case verifies and breaks no header rule")
        return problems
    if len(keys) != len(sigs):
        problems.append(f"{len(sigs)} signatures but {len(keys)} keys")
        return problems
    for i, ((prot, header, si, sig), jwk) in enumerate(zip(sigs, keys)):
        alg = header.get("alg")
        if header_rule_broken(prot, header):
            problems.append(f"signature {i} breaks a header rule")
        if not verify_one(alg, jwk, si, sig):
            problems.append(f"signature {i} ({alg}) does not verify")
            continue
        bad = bytearray(sig)
        bad[0] ^= 1
        if verify_one(alg, jwk, si, bytes(bad)):
            problems.append(f"signature {i} ({alg}) verifies after tampering")
        if verify_one(alg, jwk, si + b"x", sig):
            problems.append(f"signature {i} ({alg}) verifies over other input")
        if case.get("deterministic"):
            again = sign_again(alg, jwk, si)
            if again is not None and again != sig:
                problems.append(f"signature {i} ({alg}) not reproduced")
    if "alg" in case and case["alg"] != sigs[0][1].get("alg"):
        problems.append(f"case alg {case['alg']} but header alg {sigs[0][1].get('alg')}")
    return problems


REQUIRED = {"EC": ["crv", "kty", "x", "y"], "RSA": ["e", "kty", "n"],
            "oct": ["k", "kty"], "OKP": ["crv", "kty", "x"]}


def thumbprint(jwk) -> str:
    members = {k: jwk[k] for k in REQUIRED[jwk["kty"]]}
    canon = json.dumps(members, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return b64e(hashlib.sha256(canon.encode()).digest())


def check_jwk_case(case):
    jwk = case["jwk"]
    problems = []
    try:
        kty = jwk["kty"]
        if kty == "RSA":
            n, e = uint(jwk["n"]), uint(jwk["e"])
            if "d" in jwk:
                p, q, d = uint(jwk["p"]), uint(jwk["q"]), uint(jwk["d"])
                lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
                if p * q != n:
                    problems.append("n != p*q")
                if (d * e) % lam != 1:
                    problems.append("d is not e's inverse")
                if uint(jwk["dp"]) != d % (p - 1) or uint(jwk["dq"]) != d % (q - 1):
                    problems.append("dp/dq wrong")
                if (uint(jwk["qi"]) * q) % p != 1:
                    problems.append("qi wrong")
                rsa_private(jwk)
            else:
                rsa_public(jwk)
            for i, cert_b64 in enumerate(jwk.get("x5c", [])):
                cert = x509.load_der_x509_certificate(base64.b64decode(cert_b64, validate=True))
                if i == 0:
                    nums = cert.public_key().public_numbers()
                    if (nums.n, nums.e) != (n, e):
                        problems.append("x5c[0] holds another key")
        elif kty == "EC":
            pub = ec_public(jwk)
            if "d" in jwk:
                derived = ec_private(jwk).public_key().public_numbers()
                if (derived.x, derived.y) != (pub.public_numbers().x, pub.public_numbers().y):
                    problems.append("d*G != (x, y)")
        elif kty == "OKP":
            pub_cls, priv_cls = okp_classes(jwk["crv"])
            pub_cls.from_public_bytes(b64d(jwk["x"]))
            if "d" in jwk:
                raw = priv_cls.from_private_bytes(b64d(jwk["d"])).public_key().public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                if raw != b64d(jwk["x"]):
                    problems.append("x does not derive from d")
        elif kty == "oct":
            b64d(jwk["k"])
        else:
            problems.append(f"unknown kty {kty}")
        if "thumbprint_sha256" in case and thumbprint(jwk) != case["thumbprint_sha256"]:
            problems.append(f"thumbprint {thumbprint(jwk)} != {case['thumbprint_sha256']}")
    except (ValueError, KeyError) as e:
        problems.append(f"malformed: {e}")
    if case["expect"] == "invalid":
        return [] if problems else ["invalid case has consistent key material"]
    return problems


def main(argv):
    files = [Path(a) for a in argv] or sorted(ROOT.glob("jws/*.json")) + sorted(ROOT.glob("jwk/*.json"))
    failed = total = 0
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        for key in ("source", "url", "license"):
            if key not in doc:
                print(f"{f.name}: no top-level {key!r}")
                failed += 1
        checker = check_jwk_case if f.parent.name == "jwk" else check_jws_case
        for case in doc["cases"]:
            total += 1
            problems = checker(case)
            if problems:
                failed += 1
                print(f"FAIL {f.parent.name}/{f.name}: {case['name']}: {'; '.join(problems)}")
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
