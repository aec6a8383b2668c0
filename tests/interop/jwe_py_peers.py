"""The two Python JWE peers of the interop tests, `jwcrypto` and `joserfc`, behind one
interface: making keys, encrypting in each serialization the peer's API has, and decrypting
a case of the JWE vector schema (vectors/README.md). Used by gen_jwe_py_peers.py (their JWEs,
decrypted here by authcore) and verify_jwe_py_peer.py (authcore's JWEs, decrypted by them).
"""

import base64
import json
import secrets

from peer_io import b64d


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def case_algs(case: dict) -> list:
    """The key-management algorithm of each recipient, in recipient order."""
    return case.get("algs") or [case["alg"]]


def recipient_as_flattened(jwe: dict, i: int) -> dict:
    """Recipient i of a general JSON JWE as a flattened JSON JWE (RFC 7516 §7.2.2)."""
    flat = {m: v for m, v in jwe.items() if m != "recipients"}
    flat.update(jwe["recipients"][i])
    return flat


class Jwcrypto:
    """jwcrypto: compact, flattened JSON (one recipient) and general JSON (several)."""

    name = "jwcrypto"

    def __init__(self):
        from jwcrypto import jwe, jwk

        self.jwe, self.jwk = jwe, jwk
        # RSA1_5 is off by default in jwcrypto (RFC 7516 §11.5); ask for every algorithm.
        self.allowed = list(jwe.default_allowed_algs) + ["RSA1_5"]

    def make_key(self, variant: dict, kid: str, size: int):
        params = {"alg": variant["alg"], "kid": kid, "use": "enc"}
        kty = variant["kty"]
        if kty == "RSA":
            key = self.jwk.JWK.generate(kty="RSA", size=2048, **params)
        elif kty in ("EC", "OKP"):
            key = self.jwk.JWK.generate(kty=kty, crv=variant["crv"], **params)
        else:
            key = self.jwk.JWK(kty="oct", k=b64(oct_bytes(variant, size)), **params)
        return key, json.loads(key.export(private_key=True))

    def _token(self, plaintext, protected, unprotected=None, aad=None):
        token = self.jwe.JWE(plaintext, protected=json.dumps(protected),
                             unprotected=json.dumps(unprotected) if unprotected else None, aad=aad)
        token.allowed_algs = self.allowed
        return token

    def compact(self, key, protected, plaintext):
        token = self._token(plaintext, protected)
        token.add_recipient(key)
        return token.serialize(compact=True)

    def json(self, recipients, protected, unprotected, aad, plaintext):
        token = self._token(plaintext, protected, unprotected, aad)
        for key, header in recipients:
            token.add_recipient(key, header=json.dumps(header))
        return json.loads(token.serialize())

    def decrypt(self, case: dict, i: int, key_json: dict) -> bytes:
        key = self.jwk.JWK(**key_json)
        value = case["jwe"]
        token = self.jwe.JWE()
        token.allowed_algs = self.allowed
        token.deserialize(value if isinstance(value, str) else json.dumps(value), key)
        return token.payload


class Joserfc:
    """joserfc: compact, flattened JSON and general JSON."""

    name = "joserfc"

    def __init__(self):
        from joserfc import jwe, jwk

        self.jwe, self.jwk = jwe, jwk

    def algorithms(self, protected, recipients_headers):
        # joserfc only allows its "recommended" algorithms unless they are named.
        names = [protected.get("enc"), "DEF"]
        names += [h.get("alg") for h in recipients_headers]
        return [n for n in names if n]

    def make_key(self, variant: dict, kid: str, size: int):
        params = {"alg": variant["alg"], "kid": kid, "use": "enc"}
        kty = variant["kty"]
        if kty == "RSA":
            key = self.jwk.RSAKey.generate_key(2048, parameters=params)
        elif kty == "EC":
            key = self.jwk.ECKey.generate_key(variant["crv"], parameters=params)
        elif kty == "OKP":
            key = self.jwk.OKPKey.generate_key(variant["crv"], parameters=params)
        else:
            key = self.jwk.OctKey.import_key(oct_bytes(variant, size), parameters=params)
        return key, key.as_dict(private=True)

    def compact(self, key, protected, plaintext):
        return self.jwe.encrypt_compact(protected, plaintext, key,
                                        algorithms=self.algorithms(protected, [protected]))

    def json(self, recipients, protected, unprotected, aad, plaintext):
        cls = self.jwe.GeneralJSONEncryption if len(recipients) > 1 else self.jwe.FlattenedJSONEncryption
        obj = cls(protected, plaintext, unprotected=unprotected, aad=aad)
        for key, header in recipients:
            obj.add_recipient(header, key)
        headers = [{**(unprotected or {}), **h} for _, h in recipients]
        return self.jwe.encrypt_json(obj, None, algorithms=self.algorithms(protected, headers))

    def decrypt(self, case: dict, i: int, key_json: dict) -> bytes:
        key = self.jwk.import_key(key_json)
        value = case["jwe"]
        algs = [case["enc"], "DEF", case_algs(case)[i]]
        if isinstance(value, str):
            return self.jwe.decrypt_compact(value, key, algorithms=algs).plaintext
        if "recipients" in value:
            # joserfc's general decryptor wants a key for every recipient; give it the one
            # recipient this key is for, as the flattened JWE it is.
            value = recipient_as_flattened(value, i)
        return self.jwe.decrypt_json(value, key, algorithms=algs).plaintext


PEERS = {"jwcrypto": Jwcrypto, "joserfc": Joserfc}


def oct_bytes(variant: dict, size: int) -> bytes:
    """The bytes of an oct key: a printable password for PBES2 (RFC 7518 §4.8.1.1), else
    random key bytes of the algorithm's size (the CEK's size for dir)."""
    if variant.get("password"):
        return secrets.token_urlsafe(12).encode()
    return secrets.token_bytes(size)


__all__ = ["PEERS", "b64", "b64d", "case_algs", "recipient_as_flattened"]
