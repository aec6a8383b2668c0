"""The stdin/stdout contract shared by the Python verify scripts of the interop tests.

stdin:  a JSON array of cases in the JWS vector schema (vectors/README.md).
stdout: a JSON array of {"name", "ok", "error"}, one per case, in input order; "error" is
        "" when ok. A check that returns a value (the JWE verifiers: the plaintexts) adds it
        as "output".
Exit status: 0 whenever the input could be read, even when cases fail; 2 on unreadable input.
"""

import base64
import json
import re
import sys

PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "oth")
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


def b64d(s) -> bytes:
    """Strict unpadded base64url."""
    if not isinstance(s, str) or not B64URL.match(s) or len(s) % 4 == 1:
        raise ValueError("not unpadded base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def public_members(key_json: dict) -> dict:
    """The JWK's public members (an oct key stays whole)."""
    if key_json.get("kty") != "oct" and any(m in key_json for m in PRIVATE):
        return {m: v for m, v in key_json.items() if m not in PRIVATE and m != "key_ops"}
    return dict(key_json)


def header_of(sig: dict) -> dict:
    """The joined protected and unprotected header of one signature."""
    prot = json.loads(b64d(sig["protected"])) if sig.get("protected") else {}
    return {**sig.get("header", {}), **prot}


def split_compact(case: dict, keys: list, detached: bool):
    """The three parts of a compact case, checked against its keys and detachment."""
    value = case["jws"]
    parts = value.split(".")
    if len(parts) != 3:
        raise ValueError("compact JWS must have three parts")
    if len(keys) != 1:
        raise ValueError(f"compact JWS needs one key, got {len(keys)}")
    if detached and parts[1]:
        raise ValueError("detached compact JWS has a payload part")
    return parts


def run_cases(check, program: str) -> int:
    """Reads the cases from stdin, calls check(case) on each (an exception is a failed case,
    never a crash of the script) and writes the results to stdout."""
    try:
        cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        if not isinstance(cases, list):
            raise ValueError("input is not a JSON array")
    except (ValueError, UnicodeDecodeError) as e:
        print(f"{program}: unreadable input: {e}", file=sys.stderr)
        return 2
    results = []
    for case in cases:
        name = case.get("name") if isinstance(case, dict) else None
        try:
            if not isinstance(case, dict):
                raise ValueError("case is not an object")
            output = check(case)
            result = {"name": name, "ok": True, "error": ""}
            if output is not None:
                result["output"] = output
            results.append(result)
        except Exception as e:  # any failure of the peer is a reported result, not a crash
            msg = str(e) or repr(e)
            results.append({"name": name, "ok": False, "error": f"{type(e).__name__}: {msg}"})
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
