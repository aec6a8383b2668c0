#!/usr/bin/env python3
"""Generates vectors/jwe/cross-jwcrypto.json and vectors/jwe/cross-joserfc.json: JWEs
encrypted by the Python packages jwcrypto and joserfc with fresh keys, in the project's JWE
vector schema (see vectors/README.md), for every key-management algorithm x content
encryption of tests/interop/jwe_matrix.json that the peer has: compact; per algorithm a
flattened JSON JWE with aad and a compressed compact JWE; general JSON with two recipients
pairing each key-wrapping algorithm with the next.

Usage: tests/interop/.venv/bin/python tests/interop/gen_jwe_py_peers.py [jwcrypto|joserfc] [OUTPUT]
(after `bash tests/interop/setup.sh`; without a peer name, both).

The output is not reproducible (fresh keys, random CEKs and IVs); it is generated once and
committed, and the interop tests decrypt it (tests/tests/jwe_interop.rs).
"""

import json
import platform
import re
import sys
from importlib.metadata import version
from pathlib import Path

from jwe_py_peers import PEERS, b64, case_algs

HERE = Path(__file__).resolve().parent
COMPACT_PLAINTEXT = "compact JWE plaintext from {peer}: caf\u00e9 \u2713"
FLAT_PLAINTEXT = '{{"msg":"flattened JSON JWE from {peer}"}}'
GENERAL_PLAINTEXT = "general JSON JWE with two recipients from {peer}"
ZIP_PLAINTEXT = "compressible " * 64
AAD = "additional authenticated data from {peer}"
URLS = {"jwcrypto": "https://github.com/latchset/jwcrypto", "joserfc": "https://github.com/authlib/joserfc"}


def variant_name(v: dict) -> str:
    return f"{v['alg']} {v['crv']}" if v.get("crv") else v["alg"]


def kid_of(peer: str, v: dict, suffix: str = "") -> str:
    return f"{peer}-" + re.sub(r"[^a-z0-9]+", "-", variant_name(v).lower()) + suffix


def generate(peer_name: str, out: Path):
    peer = PEERS[peer_name]()
    matrix = json.loads((HERE / "jwe_matrix.json").read_text())
    encs = matrix["content_encryption"]
    compact_pt = COMPACT_PLAINTEXT.format(peer=peer_name).encode()
    flat_pt = FLAT_PLAINTEXT.format(peer=peer_name).encode()
    general_pt = GENERAL_PLAINTEXT.format(peer=peer_name).encode()
    zip_pt = ZIP_PLAINTEXT.encode()
    aad = AAD.format(peer=peer_name).encode()

    def key_for(v, enc=None, suffix=""):
        size = enc["bytes"] if v["alg"] == "dir" else v.get("bytes", 0)
        if v["alg"] == "dir":
            suffix = f"-{enc['enc'].lower()}{suffix}"
        return peer.make_key(v, kid_of(peer_name, v, suffix), size)

    cases, unsupported, wrapping = [], [], []
    for v in matrix["key_management"]:
        name = variant_name(v)
        shared, made = None, 0
        for e in encs:
            try:
                key, jwk_json = shared if shared and v["alg"] != "dir" else key_for(v, e)
                shared = (key, jwk_json)
                jwe = peer.compact(key, {"alg": v["alg"], "enc": e["enc"], "kid": jwk_json["kid"]}, compact_pt)
            except Exception as err:  # the peer's own word that it cannot do this
                unsupported.append(f"{name} {e['enc']} ({type(err).__name__}: {err})")
                continue
            made += 1
            cases.append({
                "name": f"{name} {e['enc']} compact", "alg": v["alg"], "enc": e["enc"],
                "serialization": "compact", "jwe": jwe, "keys": [jwk_json],
                "plaintext_b64": b64(compact_pt), "zip": False, "expect": "valid",
                "note": "protected header {alg, enc, kid}",
            })
        if not made:
            continue
        a256gcm = next(e for e in encs if e["enc"] == "A256GCM")
        cbc = next(e for e in encs if e["enc"] == "A128CBC-HS256")

        try:
            key, jwk_json = key_for(v, a256gcm, "-flattened") if v["alg"] == "dir" else shared
            jwe = peer.json([(key, {"kid": jwk_json["kid"]})], {"enc": "A256GCM"}, {"alg": v["alg"]}, aad, flat_pt)
            cases.append({
                "name": f"{name} A256GCM flattened JSON", "alg": v["alg"], "enc": "A256GCM",
                "serialization": "flattened", "jwe": jwe, "keys": [jwk_json],
                "plaintext_b64": b64(flat_pt), "aad_b64": b64(aad), "zip": False, "expect": "valid",
                "note": "enc protected, alg in the shared unprotected header, kid in the recipient header, with aad",
            })
        except Exception as err:
            unsupported.append(f"{name} flattened JSON ({type(err).__name__}: {err})")

        try:
            key, jwk_json = key_for(v, cbc, "-zip") if v["alg"] == "dir" else shared
            protected = {"alg": v["alg"], "enc": "A128CBC-HS256", "zip": "DEF", "kid": jwk_json["kid"]}
            cases.append({
                "name": f"{name} A128CBC-HS256 compact zip DEF", "alg": v["alg"], "enc": "A128CBC-HS256",
                "serialization": "compact", "jwe": peer.compact(key, protected, zip_pt), "keys": [jwk_json],
                "plaintext_b64": b64(zip_pt), "zip": True, "expect": "valid",
                "note": "protected header {alg, enc, zip: DEF, kid}; the plaintext was compressed with raw DEFLATE",
            })
        except Exception as err:
            unsupported.append(f"{name} zip DEF ({type(err).__name__}: {err})")

        if v["alg"] not in ("dir", "ECDH-ES"):
            wrapping.append((v, shared))

    # General JSON with two recipients: each wrapping variant paired with the next one.
    for i in range(len(wrapping) if len(wrapping) > 1 else 0):
        (va, (ka, ja)), (vb, (kb, jb)) = wrapping[i], wrapping[(i + 1) % len(wrapping)]
        enc = "A128CBC-HS256" if i % 2 == 0 else "A256GCM"
        try:
            jwe = peer.json([(ka, {"alg": va["alg"], "kid": ja["kid"]}), (kb, {"alg": vb["alg"], "kid": jb["kid"]})],
                            {"enc": enc}, {"cty": "text/plain"}, aad, general_pt)
        except Exception as err:
            unsupported.append(f"{variant_name(va)} + {variant_name(vb)} general JSON ({type(err).__name__}: {err})")
            continue
        cases.append({
            "name": f"{variant_name(va)} + {variant_name(vb)} {enc} general JSON", "alg": va["alg"],
            "algs": [va["alg"], vb["alg"]], "enc": enc, "serialization": "general", "jwe": jwe,
            "keys": [ja, jb], "plaintext_b64": b64(general_pt), "aad_b64": b64(aad), "zip": False,
            "expect": "valid",
            "note": "enc protected, cty in the shared unprotected header, alg and kid in each recipient header, with aad; keys in recipient order",
        })

    # Check every case with the peer itself before writing: each recipient with its own key.
    for case in cases:
        for i, key_json in enumerate(case["keys"]):
            if b64(peer.decrypt(case, i, key_json)) != case["plaintext_b64"]:
                raise SystemExit(f"{case['name']}: {peer_name} decrypted another plaintext")
        assert len(case_algs(case)) == len(case["keys"])

    peer_version = version(peer_name)
    crypto = version("cryptography")
    doc = {
        "source": f"PyPI package {peer_name} {peer_version} (with cryptography {crypto}, Python "
                  f"{platform.python_version()}), fresh keys, generated by tests/interop/gen_jwe_py_peers.py",
        "url": URLS[peer_name],
        "license": "Generated test data: keys and JWEs made for this project by running the peer library; "
                   "no third-party text.",
        "note": "Every key-management algorithm x content encryption of tests/interop/jwe_matrix.json the peer "
                "has, compact; per algorithm a flattened JSON JWE with aad and a compressed compact JWE; general "
                "JSON with two recipients pairing each key-wrapping algorithm with the next. RSA keys are 2048 "
                "bits; PBES2 keys are oct JWKs whose bytes are the password; keys are private JWKs with alg, kid "
                "and use: enc.",
        "generated_with": {"package": peer_name, "version": peer_version, "cryptography": crypto,
                           "runtime": f"python {platform.python_version()}"},
        "unsupported": unsupported,
        "cases": cases,
    }
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {out}", file=sys.stderr)


def main(argv):
    names = [argv[0]] if argv else list(PEERS)
    if any(n not in PEERS for n in names):
        raise SystemExit(f"usage: gen_jwe_py_peers.py [{'|'.join(PEERS)}] [OUTPUT]")
    for name in names:
        out = Path(argv[1]) if len(argv) > 1 else HERE.parents[1] / "vectors" / "jwe" / f"cross-{name}.json"
        generate(name, out)


if __name__ == "__main__":
    main(sys.argv[1:])
