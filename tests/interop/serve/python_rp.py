"""PyPI `Authlib` (its requests `OAuth2Session`) and `requests-oauthlib` (`OAuth2Session`, with
oauthlib's `WebApplicationClient` and `BackendApplicationClient`) as clients of a provider:
the authorization code flow (with PKCE S256 and the ID token checked by Authlib's JWT
validation) and client credentials, each a named check.

Usage: .venv/bin/python python_rp.py ISSUER [DRIVER]
Prints a JSON array of {name, ok, error} on stdout, like the node scripts beside it. The user
(login and consent) is played by user_agent.mjs with the login driver DRIVER, so there is one
user agent for every relying party. Clients are registered dynamically (RFC 7591).
"""

import json
import os
import pathlib
import secrets
import subprocess
import sys
import tempfile
import traceback
import warnings

import requests
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession

# authlib.jose announces its successor package on import; the module is what Authlib's own
# OpenID Connect client validates ID tokens with, so it is the one used here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.jose import JsonWebKey, jwt
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session as OAuthlibSession

HERE = pathlib.Path(__file__).resolve().parent
REDIRECT_URI = "http://127.0.0.1:9/cb"
SCOPE = "openid profile email"
TIMEOUT = 10
# The node that runs user_agent.mjs: the one the test harness names, else the PATH's.
NODE = os.environ.get("AUTHCORE_NODE", "node")

# requests-oauthlib refuses plain http unless told the transport is trusted; the provider
# is on loopback.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


# The user agent's cookie jar for this run: after the first login, the provider's session
# signs the user in (as one browser would).
JAR = pathlib.Path(tempfile.gettempdir()) / f"authcore-python-rp-{os.getpid()}.json"


def sign_in(driver, url):
    """Signs in through the provider's pages; returns the redirect to the client."""
    out = subprocess.run(
        [NODE, str(HERE / "user_agent.mjs"), "authorize", driver, url, REDIRECT_URI, "--jar", str(JAR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"user agent failed: {out.stderr}")
    return out.stdout.strip()


def register(meta, grant_types, **extra):
    body = {
        "client_name": "python interop",
        # Loopback http redirect URIs: a native client (RFC 8252 §7.3).
        "application_type": "native",
        "redirect_uris": [REDIRECT_URI],
        "response_types": ["code"],
        "grant_types": grant_types,
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": SCOPE,
        **extra,
    }
    if "authorization_code" not in grant_types:
        body.pop("redirect_uris")
        body["response_types"] = []
    resp = requests.post(meta["registration_endpoint"], json=body, timeout=TIMEOUT)
    resp.raise_for_status()
    return resp.json()


def validated_id_token(meta, reg, id_token, nonce):
    """Authlib's JWT validation: signature with the provider's JWKS, iss, aud, exp, nonce."""
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=TIMEOUT).json())
    claims = jwt.decode(
        id_token,
        keys,
        claims_options={
            "iss": {"essential": True, "value": meta["issuer"]},
            "aud": {"essential": True, "value": reg["client_id"]},
            "nonce": {"essential": True, "value": nonce},
            "sub": {"essential": True},
        },
    )
    claims.validate(leeway=30)
    return claims


def authlib_code_flow(meta, driver):
    reg = register(meta, ["authorization_code"])
    session = AuthlibSession(
        reg["client_id"],
        reg["client_secret"],
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = sign_in(driver, url)
    token = session.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier, state=state
    )
    claims = validated_id_token(meta, reg, token["id_token"], nonce)
    info = session.get(meta["userinfo_endpoint"], timeout=TIMEOUT)
    info.raise_for_status()
    assert info.json()["sub"] == claims["sub"], "UserInfo sub"


def authlib_client_credentials(meta, _driver):
    reg = register(meta, ["client_credentials"])
    session = AuthlibSession(
        reg["client_id"], reg["client_secret"], token_endpoint_auth_method="client_secret_basic"
    )
    token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials", scope="profile")
    assert token["access_token"], "an access token"
    assert token["token_type"].lower() == "bearer", token["token_type"]


def oauthlib_code_flow(meta, driver):
    reg = register(meta, ["authorization_code"])
    session = OAuthlibSession(
        reg["client_id"], redirect_uri=REDIRECT_URI, scope=SCOPE.split(), pkce="S256"
    )
    nonce = secrets.token_urlsafe(16)
    url, _state = session.authorization_url(meta["authorization_endpoint"], nonce=nonce)
    callback = sign_in(driver, url)
    token = session.fetch_token(
        meta["token_endpoint"],
        authorization_response=callback,
        client_secret=reg["client_secret"],
        include_client_id=False,
    )
    claims = validated_id_token(meta, reg, token["id_token"], nonce)
    info = session.get(meta["userinfo_endpoint"], timeout=TIMEOUT)
    info.raise_for_status()
    assert info.json()["sub"] == claims["sub"], "UserInfo sub"


def oauthlib_client_credentials(meta, _driver):
    reg = register(meta, ["client_credentials"])
    session = OAuthlibSession(client=BackendApplicationClient(client_id=reg["client_id"]))
    token = session.fetch_token(
        meta["token_endpoint"],
        client_id=reg["client_id"],
        client_secret=reg["client_secret"],
        scope=["profile"],
    )
    assert token["access_token"], "an access token"


CHECKS = [
    ("Authlib OAuth2Session: code + PKCE + nonce, ID token, UserInfo", authlib_code_flow),
    ("Authlib OAuth2Session: client credentials", authlib_client_credentials),
    ("requests-oauthlib OAuth2Session: code + PKCE + nonce, ID token, UserInfo", oauthlib_code_flow),
    ("requests-oauthlib OAuth2Session: client credentials", oauthlib_client_credentials),
]


def main():
    issuer = sys.argv[1].rstrip("/")
    driver = sys.argv[2] if len(sys.argv) > 2 else "authcore"
    meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=TIMEOUT).json()
    results = []
    for name, check in CHECKS:
        try:
            check(meta, driver)
            results.append({"name": name, "ok": True, "error": None})
            print(f"ok   {name}", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - every failure is a failed check, reported
            results.append({"name": name, "ok": False, "error": f"{type(e).__name__}: {e}"})
            print(f"FAIL {name}: {traceback.format_exc()}", file=sys.stderr)
    JAR.unlink(missing_ok=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
