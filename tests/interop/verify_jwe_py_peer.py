#!/usr/bin/env python3
"""Decrypts JWEs with the Python package jwcrypto or joserfc (the peer), for the project's
interop tests.

stdin:  a JSON array of cases in the JWE vector schema (vectors/README.md): name, alg (algs
        for several recipients), enc, keys (private JWKs, one per recipient, in order),
        serialization, jwe.
stdout: a JSON array of {"name", "ok", "error", "output"}, one per case, in input order;
        "output" is the list of plaintexts (base64url) the peer decrypted with each
        recipient's key, in recipient order. "error" is "" when ok. The caller compares the
        plaintexts.
Exit status: 0 whenever the input could be read, even when cases fail; 2 on unreadable input.

Each recipient is decrypted with its own key and an allow-list of exactly its `alg`, the
case's `enc` and `DEF`; a general JSON JWE goes through jwcrypto's general decryptor, and
through joserfc's flattened one per recipient (its general decryptor wants every
recipient's key at once).

Usage: tests/interop/.venv/bin/python tests/interop/verify_jwe_py_peer.py jwcrypto|joserfc < cases.json
"""

import sys
import warnings

from jwe_py_peers import PEERS, b64, case_algs
from peer_io import run_cases


def main(argv) -> int:
    if len(argv) != 1 or argv[0] not in PEERS:
        print(f"usage: verify_jwe_py_peer.py {'|'.join(PEERS)} < cases.json", file=sys.stderr)
        return 2
    # joserfc warns on RSA1_5 (deprecated); the warning is not a result.
    warnings.simplefilter("ignore")
    peer = PEERS[argv[0]]()

    def check(case):
        if case.get("serialization") not in ("compact", "flattened", "general"):
            raise ValueError(f"unknown serialization {case.get('serialization')}")
        keys = case["keys"]
        if len(keys) != len(case_algs(case)):
            raise ValueError("one key per recipient needed")
        return [b64(peer.decrypt(case, i, key)) for i, key in enumerate(keys)]

    return run_cases(check, f"verify_jwe_py_peer {argv[0]}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
