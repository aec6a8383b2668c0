"""OAuth 1.0a peer for the interop tests (tests/tests/oauth1_interop.rs), driving PyPI
`oauthlib` and `requests-oauthlib` (pinned in requirements.txt, installed by setup.sh).

Subcommands:
  verify       stdin {"cases": [...]}: checks each request, signed by authcore, with oauthlib's
               server side (ResourceEndpoint with a token, SignatureOnlyEndpoint without);
               prints [{"name", "ok", "error"}] in input order.
  sign         stdin {"cases": [...]}: signs each request with oauthlib's Client or with
               requests-oauthlib's OAuth1 auth; prints {"rsa_public_pem", "requests": [...]}.
  client-flow  BASE: the three-legged flow with requests-oauthlib's OAuth1Session against the
               authcore server at BASE (http://127.0.0.1:PORT); prints a JSON summary.
  server       runs an oauthlib provider (temporary credentials, authorization, token
               credentials, a protected resource) on 127.0.0.1 at a free port; prints
               {"port": N} and serves until stdin is closed.
"""
import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from oauthlib.oauth1 import (
    AccessTokenEndpoint,
    AuthorizationEndpoint,
    Client,
    RequestTokenEndpoint,
    RequestValidator,
    ResourceEndpoint,
    SignatureOnlyEndpoint,
)


class Validator(RequestValidator):
    """In-memory storage with every check oauthlib asks its application for."""

    def __init__(self, clients, rsa_keys=None, access_tokens=None):
        super().__init__()
        self.clients = clients
        self.rsa_keys = rsa_keys or {}
        self.request_tokens = {}
        self.verifiers = {}
        self.access_tokens = dict(access_tokens or {})
        self.nonces = set()

    # The loopback test servers speak plain HTTP; PLAINTEXT cases use https URIs in process.
    @property
    def enforce_ssl(self):
        return False

    @property
    def allowed_signature_methods(self):
        return ("HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "RSA-SHA256", "PLAINTEXT")

    @property
    def dummy_client(self):
        return "dummyclient0000000000000"

    @property
    def dummy_request_token(self):
        return "dummyrequesttoken0000000"

    @property
    def dummy_access_token(self):
        return "dummyaccesstoken00000000"

    def get_client_secret(self, client_key, request):
        return self.clients.get(client_key, "dummy")

    def get_rsa_key(self, client_key, request):
        return self.rsa_keys.get(client_key, "")

    def validate_client_key(self, client_key, request):
        return client_key in self.clients

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request,
                                     request_token=None, access_token=None):
        key = (client_key, timestamp, nonce, request_token, access_token)
        if key in self.nonces:
            return False
        self.nonces.add(key)
        return True

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        return True

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def get_default_realms(self, client_key, request):
        return []

    def save_request_token(self, token, request):
        self.request_tokens[token["oauth_token"]] = (
            request.client_key, token["oauth_token_secret"], request.redirect_uri)

    def get_request_token_secret(self, client_key, token, request):
        return self.request_tokens.get(token, (None, "dummy"))[1]

    def validate_request_token(self, client_key, token, request):
        return self.request_tokens.get(token, (None,))[0] == client_key

    def verify_request_token(self, token, request):
        return token in self.request_tokens

    def get_realms(self, token, request):
        return []

    def get_redirect_uri(self, token, request):
        return self.request_tokens[token][2]

    def save_verifier(self, token, verifier, request):
        self.verifiers[token] = verifier["oauth_verifier"]

    def validate_verifier(self, client_key, token, verifier, request):
        return hmac.compare_digest(self.verifiers.get(token, ""), verifier)

    def invalidate_request_token(self, client_key, request_token, request):
        self.request_tokens.pop(request_token, None)
        self.verifiers.pop(request_token, None)

    def save_access_token(self, token, request):
        self.access_tokens[token["oauth_token"]] = (request.client_key, token["oauth_token_secret"])

    def get_access_token_secret(self, client_key, token, request):
        return self.access_tokens.get(token, (None, "dummy"))[1]

    def validate_access_token(self, client_key, token, request):
        return self.access_tokens.get(token, (None,))[0] == client_key

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True

    def verify_realms(self, token, realms, request):
        return True


def cmd_verify():
    cases = json.load(sys.stdin)["cases"]
    out = []
    for c in cases:
        tokens = {}
        if c.get("token"):
            tokens[c["token"]] = (c["client_key"], c["token_secret"])
        v = Validator({c["client_key"]: c.get("client_secret", "")},
                      {c["client_key"]: c.get("rsa_public_pem", "")}, tokens)
        body = c["body"] if c["body"] else None
        try:
            if c.get("token"):
                ok, _ = ResourceEndpoint(v).validate_protected_resource_request(
                    c["uri"], http_method=c["method"], body=body, headers=c["headers"], realms=[])
            else:
                ok, _ = SignatureOnlyEndpoint(v).validate_request(
                    c["uri"], http_method=c["method"], body=body, headers=c["headers"])
            out.append({"name": c["name"], "ok": bool(ok), "error": None})
        except Exception as e:  # noqa: BLE001 - every failure is an answer for the caller
            out.append({"name": c["name"], "ok": False, "error": repr(e)})
    json.dump(out, sys.stdout)


def cmd_sign():
    import requests
    from requests_oauthlib import OAuth1

    cases = json.load(sys.stdin)["cases"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    out = []
    for c in cases:
        rsa_key = private_pem if c["signature_method"].startswith("RSA") else None
        secret = None if rsa_key else c["client_secret"]
        if c["library"] == "oauthlib":
            client = Client(c["client_key"], client_secret=secret,
                            resource_owner_key=c.get("token"),
                            resource_owner_secret=c.get("token_secret"),
                            signature_method=c["signature_method"],
                            signature_type=c["signature_type"], rsa_key=rsa_key)
            uri, headers, body = client.sign(c["uri"], http_method=c["method"],
                                             body=c["body"] or None, headers=c["headers"])
        else:
            auth = OAuth1(c["client_key"], client_secret=secret,
                          resource_owner_key=c.get("token"),
                          resource_owner_secret=c.get("token_secret"),
                          signature_method=c["signature_method"],
                          signature_type=c["signature_type"].lower(), rsa_key=rsa_key)
            prepared = requests.Request(c["method"], c["uri"], headers=c["headers"],
                                        data=c["body"] or None).prepare()
            prepared = auth(prepared)
            uri, headers, body = prepared.url, dict(prepared.headers), prepared.body
        if isinstance(body, bytes):
            body = body.decode()
        headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in headers.items()}
        out.append({"name": c["name"], "method": c["method"], "uri": uri,
                    "headers": headers, "body": body or ""})
    json.dump({"rsa_public_pem": public_pem, "requests": out}, sys.stdout)


def cmd_client_flow(base, client_key, client_secret, method):
    import requests
    from requests_oauthlib import OAuth1Session

    s = OAuth1Session(client_key, client_secret=client_secret,
                      callback_uri="https://client.example/callback",
                      signature_method=method)
    temporary = s.fetch_request_token(base + "/initiate")
    auth_url = s.authorization_url(base + "/authorize")
    r = requests.get(auth_url, allow_redirects=False, timeout=30)
    r.raise_for_status() if r.status_code >= 400 else None
    redirect = r.headers["Location"]
    s.parse_authorization_response(redirect)
    token = s.fetch_access_token(base + "/token")
    resource = s.get(base + "/resource?file=vacation.jpg", timeout=30)
    json.dump({
        "temporary_token": temporary["oauth_token"],
        "access_token": token["oauth_token"],
        "resource_status": resource.status_code,
        "resource_body": resource.text,
    }, sys.stdout)


def cmd_server(client_key, client_secret):
    validator = Validator({client_key: client_secret})
    endpoints = {
        "initiate": RequestTokenEndpoint(validator),
        "authorize": AuthorizationEndpoint(validator),
        "token": AccessTokenEndpoint(validator),
        "resource": ResourceEndpoint(validator),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else None
            host = self.headers.get("Host")
            uri = f"http://{host}{self.path}"
            headers = dict(self.headers.items())
            name = urlsplit(self.path).path.strip("/")
            try:
                if name == "initiate":
                    h, b, status = endpoints[name].create_request_token_response(
                        uri, http_method=self.command, body=body, headers=headers)
                elif name == "authorize":
                    # The resource owner approves at once (the test plays the user).
                    h, b, status = endpoints[name].create_authorization_response(
                        uri, http_method=self.command, body=body, headers=headers,
                        realms=[], credentials={"user": "alice"})
                elif name == "token":
                    h, b, status = endpoints[name].create_access_token_response(
                        uri, http_method=self.command, body=body, headers=headers)
                elif name == "resource":
                    ok, req = endpoints[name].validate_protected_resource_request(
                        uri, http_method=self.command, body=body, headers=headers, realms=[])
                    h, b, status = {}, ("hello " + req.resource_owner_key if ok else "denied"), (200 if ok else 401)
                else:
                    h, b, status = {}, "not found", 404
            except Exception as e:  # noqa: BLE001 - reported to the client as a 500
                h, b, status = {}, repr(e), 500
            data = (b or "").encode()
            self.send_response(status)
            for k, v in (h or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        do_GET = handle_any
        do_POST = handle_any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    sys.stdin.read()  # serve until the test closes stdin
    server.shutdown()


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "verify":
        cmd_verify()
    elif cmd == "sign":
        cmd_sign()
    elif cmd == "client-flow":
        cmd_client_flow(*sys.argv[2:6])
    elif cmd == "server":
        cmd_server(*sys.argv[2:4])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
