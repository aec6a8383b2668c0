//! The command-line interface: every command, argument and help text.

use std::path::PathBuf;

use authcore_jose::{Algorithm, ContentEncryptionAlgorithm, JwsAlgorithm, KeyManagementAlgorithm};
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_VERIFY: &str = "\
Exit status:
  0  the token verified; its payload or claims are on stdout
  1  the token was rejected: malformed, bad signature, algorithm not allowed, no matching key,
     or (for JWTs) expired, not yet valid, wrong issuer, audience or typ.
     The reason is one line on stderr.
  2  usage error, or unreadable or unusable input (key file, payload file, stdin)";

const EXIT_DECRYPT: &str = "\
Exit status:
  0  the JWE decrypted; the plaintext (or, for `jwt decrypt`, the claims) is on stdout
  1  the token was rejected: malformed, not decryptable with the key (one opaque reason:
     wrong key, tampered header, encrypted key, IV, ciphertext or tag), algorithm or `enc`
     not allowed, no matching key, or (for `jwt decrypt`) the nested JWT failed verification.
     The reason is one line on stderr.
  2  usage error, or unreadable or unusable input (key file, stdin)";

const EXIT_ALL: &str = "\
Exit status (every command):
  0  success
  1  the token was rejected or is not a valid token (verify, decode); the server refused
     or its answer failed validation (oauth2, oidc, login)
  2  usage error, or unreadable or unusable input (arguments, key files, stdin), or a
     network error
The reason for a failure is one line on stderr.";

const EXIT_DECODE: &str = "\
Exit status:
  0  the token was decoded (NOT verified); the JSON is on stdout, a warning on stderr
  1  the token is malformed
  2  usage error, or unreadable input";

const EXIT_TOOL: &str = "\
Exit status:
  0  success; the result is on stdout
  2  usage error, or unreadable or unusable input; the reason is one line on stderr";

const EXIT_NETWORK: &str = "\
Exit status:
  0  success; the result is JSON on stdout (progress goes to stderr)
  1  the server refused (its `error` and `error_description` are printed), or its answer
     failed validation (metadata, token response, ID token, callback state or issuer)
  2  usage error, unreadable input, or a network error (unreachable server, timeout)
The reason for a failure is one line on stderr.

Environment:
  AUTHCORE_CLIENT_SECRET   --client-secret
  AUTHCORE_REFRESH_TOKEN   --refresh-token
  AUTHCORE_TOKEN           --token
  AUTHCORE_ACCESS_TOKEN    --access-token";

const ALG_HELP: &str = "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, \
                        ES384, ES512, ES256K, EdDSA or Ed25519";

const KEY_ALG_HELP: &str = "RSA-OAEP, RSA-OAEP-256, RSA-OAEP-384, RSA-OAEP-512, RSA1_5 \
                            (decryption with --legacy-rsa1-5 only), A128KW, A192KW, A256KW, \
                            dir, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A192KW, ECDH-ES+A256KW, \
                            A128GCMKW, A192GCMKW, A256GCMKW, PBES2-HS256+A128KW, \
                            PBES2-HS384+A192KW or PBES2-HS512+A256KW";

const ENC_HELP: &str = "A128CBC-HS256, A192CBC-HS384, A256CBC-HS512, A128GCM, A192GCM or A256GCM";

/// JOSE tools (verify, sign, encrypt, decrypt and inspect JWS, JWE, JWT and JWK) and OAuth
/// 2.0 / OpenID Connect client flows (discovery, sign-in, client credentials, device flow,
/// refresh, introspection, revocation, UserInfo).
///
/// Keys are files: a JWK, a JWK Set, or a PEM key or certificate. The algorithm always comes
/// from the key's `alg` member or from `--alg`, never from the token being verified or
/// decrypted.
#[derive(Debug, Parser)]
#[command(name = "authcore", version, propagate_version = true, after_help = EXIT_ALL)]
pub struct Cli {
    /// Force one crypto backend. Without this flag the default provider is used: in a build
    /// with the `aws-lc-rs` feature it takes each algorithm from the backend measured faster
    /// (aws-lc-rs for RSA, ECDSA including ES512 and ES256K, EdDSA and RSA key generation;
    /// ring for HMAC and digests); otherwise ring. `aws-lc-rs` is available when the tool was
    /// built with that feature.
    #[arg(long, global = true, value_enum)]
    pub provider: Option<ProviderName>,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// A compiled-in crypto provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderName {
    /// ring (always available).
    Ring,
    /// aws-lc-rs.
    #[cfg(feature = "aws-lc-rs")]
    #[value(name = "aws-lc-rs")]
    AwsLcRs,
}

impl ProviderName {
    /// The provider's name as the library spells it.
    pub fn library_name(self) -> &'static str {
        match self {
            ProviderName::Ring => "ring",
            #[cfg(feature = "aws-lc-rs")]
            ProviderName::AwsLcRs => "aws-lc-rs",
        }
    }
}

/// Top-level command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// JSON Web Signature (RFC 7515): verify and sign arbitrary payloads.
    #[command(subcommand, after_help = EXIT_ALL)]
    Jws(JwsCommand),
    /// JSON Web Encryption (RFC 7516): encrypt and decrypt arbitrary plaintext.
    #[command(subcommand, after_help = EXIT_ALL)]
    Jwe(JweCommand),
    /// JSON Web Token (RFC 7519): decode, verify, sign and decrypt (nested) claims.
    #[command(subcommand, after_help = EXIT_ALL)]
    Jwt(JwtCommand),
    /// JSON Web Key (RFC 7517): generate keys, extract public keys, thumbprints, PEM import.
    #[command(subcommand, after_help = EXIT_ALL)]
    Jwk(JwkCommand),
    /// OAuth 2.0 client flows: client credentials, device authorization, refresh,
    /// introspection and revocation against a discovered authorization server.
    #[command(subcommand, name = "oauth2", after_help = EXIT_NETWORK)]
    Oauth2(OAuth2Command),
    /// OpenID Connect: provider discovery and UserInfo.
    #[command(subcommand, after_help = EXIT_NETWORK)]
    Oidc(OidcCommand),
    /// Sign in with OpenID Connect: authorization code flow with PKCE and a nonce, through a
    /// loopback redirect (RFC 8252 §7.3); prints the tokens and the validated ID token claims.
    ///
    /// Binds the redirect URI's port on 127.0.0.1 (an ephemeral port when it is 0 or
    /// omitted), prints the authorization URL on stderr and tries to open it in a browser
    /// (`xdg-open`, or `open` on macOS) unless `--no-browser`. The first request to the
    /// redirect path is answered with a small page and ends the wait; the code is exchanged
    /// (with the PKCE verifier) and the ID token validated: signature with the provider's JWK
    /// Set, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce` and `at_hash`.
    ///
    /// Prints `{"tokens": {...}, "claims": {...}}`. Register the redirect URI with the
    /// provider; with a fixed port, register exactly `http://127.0.0.1:PORT/PATH`.
    #[command(after_help = EXIT_NETWORK)]
    Login(LoginArgs),
    /// OAuth 1.0a (RFC 5849): sign a request, or verify one as a server would.
    #[command(subcommand, name = "oauth1", after_help = EXIT_ALL)]
    Oauth1(crate::oauth1::OAuth1Command),
    /// Run an OpenID provider (authorization server) over HTTP on the embedded SQLite store
    /// in `--data DIR`, or on PostgreSQL (`--store postgres://…`, shared by several instances
    /// that then act as one provider), until SIGTERM or SIGINT.
    ///
    /// Prints `listening on http://ADDR` on stdout when ready (with `--listen
    /// 127.0.0.1:0`, the port chosen); the rest goes to stderr. A configuration mistake, an
    /// unusable data directory, TLS file or listen address is one line on stderr and exit
    /// status 2, before anything is served.
    #[command(after_help = EXIT_TOOL)]
    Serve(crate::serve::args::ServeArgs),
    /// End-user accounts of `authcore serve` (in its store).
    #[command(subcommand, after_help = EXIT_TOOL)]
    User(crate::serve::args::UserCommand),
    /// Clients of `authcore serve` (in its store).
    #[command(subcommand, after_help = EXIT_TOOL)]
    Client(crate::serve::args::ClientCommand),
    /// The signing keys of `authcore serve` (in its store).
    #[command(subcommand, after_help = EXIT_TOOL)]
    Keys(crate::serve::args::KeysCommand),
    /// Apply the store's missing schema migrations (`serve` applies them at start too) and
    /// print the schema version reached.
    #[command(after_help = EXIT_TOOL)]
    Migrate(crate::serve::args::MigrateArgs),
    /// A one-shot demonstration: starts `serve --dev` on a free loopback port, registers a
    /// client, signs in as alice through the login and consent pages with the relying
    /// party, prints the validated ID token claims and the UserInfo response, and stops.
    #[command(after_help = EXIT_NETWORK)]
    Demo(crate::serve::args::DemoArgs),
}

/// `authcore oauth2 ...`
#[derive(Debug, Subcommand)]
pub enum OAuth2Command {
    /// Client credentials grant (RFC 6749 §4.4): print the token response as JSON.
    #[command(name = "client-credentials", after_help = EXIT_NETWORK)]
    ClientCredentials(ClientCredentialsArgs),
    /// Device authorization grant (RFC 8628): show the user code and verification URI on
    /// stderr, poll the token endpoint as the server says, print the tokens as JSON.
    ///
    /// Polling ends with the tokens, the server's refusal (`access_denied`,
    /// `expired_token`), or when the device code expires (exit 1).
    #[command(after_help = EXIT_NETWORK)]
    Device(DeviceArgs),
    /// Refresh token grant (RFC 6749 §6): print the new token response as JSON.
    ///
    /// When the server rotated the refresh token, the new one is in the output and a note
    /// says so on stderr: the old one must not be used again. An ID token in the response is
    /// printed as received, not validated (there is no original ID token to compare with).
    #[command(after_help = EXIT_NETWORK)]
    Refresh(RefreshArgs),
    /// Token introspection (RFC 7662): print the server's answer as JSON.
    ///
    /// An inactive token is a valid answer: `{"active": false}` with exit status 0.
    #[command(after_help = EXIT_NETWORK)]
    Introspect(TokenArgs),
    /// Token revocation (RFC 7009): prints `{"revoked": true}`.
    ///
    /// The server answers the same for a revoked token and one that was already invalid. A
    /// 503 from the server (retry later) is exit status 1.
    #[command(after_help = EXIT_NETWORK)]
    Revoke(TokenArgs),
    /// Dynamic client registration (RFC 7591) at the server's `registration_endpoint`:
    /// prints the client information response as JSON, with the secret and the registration
    /// access token (RFC 7592) to keep as secrets.
    #[command(after_help = EXIT_NETWORK)]
    Register(crate::register::RegisterArgs),
}

/// `authcore oidc ...`
#[derive(Debug, Subcommand)]
pub enum OidcCommand {
    /// Fetch and validate the provider's metadata (OpenID Connect Discovery 1.0) and print
    /// the document as JSON.
    ///
    /// The document is fetched from `ISSUER/.well-known/openid-configuration`; its `issuer`
    /// must equal ISSUER exactly, the required members must be present and well typed.
    #[command(after_help = EXIT_NETWORK)]
    Discover(DiscoverArgs),
    /// Fetch the UserInfo claims (OpenID Connect Core §5.3) with an access token and print
    /// them as JSON.
    ///
    /// The endpoint is the discovered `userinfo_endpoint`. With `--dpop-key` the token is
    /// presented as a DPoP-bound token with a proof signed by that key (RFC 9449 §7; a
    /// server nonce is honoured), else as a Bearer token. Signed or encrypted UserInfo
    /// responses are refused. With `--sub`, claims about another subject are rejected.
    #[command(after_help = EXIT_NETWORK)]
    Userinfo(UserinfoArgs),
}

/// Where the server is.
#[derive(Debug, Args)]
pub struct IssuerArgs {
    /// The issuer identifier (an `https` URL; `http` is accepted for loopback hosts such as
    /// 127.0.0.1). The server's metadata is discovered from it.
    #[arg(long, value_name = "ISSUER")]
    pub issuer: String,

    /// How the server is reached.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How the tool reaches a server: the issuer's scheme it accepts and the HTTP client's
/// settings (every command that talks to an issuer takes them).
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Accept an `http` issuer on a non-loopback host (the tool refuses it otherwise): its
    /// metadata is then fetched in clear text. The endpoints used after discovery must still
    /// be ones the protocol core accepts: `https`, or `http` on a loopback host; credentials
    /// and tokens never travel in clear text to another host.
    #[arg(long)]
    pub allow_http: bool,

    /// Timeout of each HTTP exchange, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub http_timeout: u64,

    /// TLS settings.
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// TLS settings of the HTTP client.
#[derive(Debug, Args, Default)]
pub struct TlsArgs {
    /// A PEM file with a client certificate chain and its private key, presented in every
    /// TLS handshake (mutual TLS, RFC 8705). With it the server's `mtls_endpoint_aliases`
    /// are used, and the default `--auth-method` is `tls_client_auth`.
    #[arg(long, value_name = "PEM_FILE")]
    pub client_cert: Option<PathBuf>,

    /// A PEM file of root certificates to trust besides the system's (a private CA).
    #[arg(long, value_name = "PEM_FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// The client's identity and how it authenticates.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The client identifier. It may begin with `-`: a registration endpoint issues random
    /// base64url identifiers (RFC 7591 §3.2.1), one in 64 of them does.
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    pub client_id: String,

    /// The client secret; prefer the environment variable, which does not show in process
    /// listings.
    #[arg(
        long,
        value_name = "SECRET",
        env = "AUTHCORE_CLIENT_SECRET",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub client_secret: Option<String>,

    /// A private JWK, a JWK Set with one key, or a PEM PKCS#8 key, for `private_key_jwt`
    /// client authentication; the assertion algorithm is the key's `alg` unless
    /// `--assertion-alg` names it.
    #[arg(long, value_name = "JWK_FILE")]
    pub private_key: Option<PathBuf>,

    /// How the client authenticates at the token, device, introspection and revocation
    /// endpoints. Default: `private_key_jwt` with `--private-key`, `client_secret_basic`
    /// with a secret, `tls_client_auth` with `--client-cert`, else `none` (a public client).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub auth_method: Option<AuthMethod>,

    /// Algorithm of the client assertion: HS256 (default), HS384 or HS512 for
    /// `client_secret_jwt`; for `private_key_jwt`, when the key has no `alg`.
    #[arg(long, value_name = "ALG", value_parser = parse_alg)]
    pub assertion_alg: Option<JwsAlgorithm>,
}

/// Client authentication methods (`token_endpoint_auth_method`, RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMethod {
    /// A public client: `client_id` in the request body, no credentials.
    #[value(name = "none")]
    None,
    /// HTTP Basic with the client id and secret (RFC 6749 §2.3.1).
    #[value(name = "client_secret_basic")]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the request body (RFC 6749 §2.3.1).
    #[value(name = "client_secret_post")]
    ClientSecretPost,
    /// An HMAC-signed JWT assertion keyed with the secret (RFC 7523).
    #[value(name = "client_secret_jwt")]
    ClientSecretJwt,
    /// A JWT assertion signed with `--private-key` (RFC 7523).
    #[value(name = "private_key_jwt")]
    PrivateKeyJwt,
    /// The `--client-cert` certificate, issued by a CA the server trusts (RFC 8705 §2.1).
    #[value(name = "tls_client_auth")]
    TlsClientAuth,
    /// The `--client-cert` certificate, self-signed and registered with the server (RFC
    /// 8705 §2.2).
    #[value(name = "self_signed_tls_client_auth")]
    SelfSignedTlsClientAuth,
}

/// DPoP (RFC 9449) for the token requests.
#[derive(Debug, Args)]
pub struct DpopArgs {
    /// Request DPoP-bound tokens (RFC 9449), with a fresh ES256 key unless `--dpop-key`
    /// names one. A fresh key is printed in the output (`dpop_key`): the tokens are useless
    /// without it.
    #[arg(long)]
    pub dpop: bool,

    /// The private JWK to prove possession with (implies `--dpop`).
    #[arg(long, value_name = "JWK_FILE")]
    pub dpop_key: Option<PathBuf>,
}

/// Arguments of `oauth2 client-credentials`.
#[derive(Debug, Args)]
pub struct ClientCredentialsArgs {
    #[command(flatten)]
    /// The server.
    pub issuer: IssuerArgs,
    #[command(flatten)]
    /// The client.
    pub client: ClientArgs,
    /// The scope to request (space-separated).
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// A resource indicator (RFC 8707); repeatable.
    #[arg(long = "resource", value_name = "URI")]
    pub resources: Vec<String>,
    #[command(flatten)]
    /// DPoP.
    pub dpop: DpopArgs,
}

/// Arguments of `oauth2 device`.
#[derive(Debug, Args)]
pub struct DeviceArgs {
    #[command(flatten)]
    /// The server.
    pub issuer: IssuerArgs,
    #[command(flatten)]
    /// The client.
    pub client: ClientArgs,
    /// The scope to request (space-separated).
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    #[command(flatten)]
    /// DPoP.
    pub dpop: DpopArgs,
}

/// Arguments of `oauth2 refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    /// The server.
    pub issuer: IssuerArgs,
    #[command(flatten)]
    /// The client.
    pub client: ClientArgs,
    /// The refresh token (also from the environment, out of process listings).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "AUTHCORE_REFRESH_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub refresh_token: String,
    /// Ask for a narrower scope (space-separated; RFC 6749 §6).
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    #[command(flatten)]
    /// DPoP (the key the refresh token is bound to).
    pub dpop: DpopArgs,
}

/// Arguments of `oauth2 introspect` and `oauth2 revoke`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    /// The server.
    pub issuer: IssuerArgs,
    #[command(flatten)]
    /// The client.
    pub client: ClientArgs,
    /// The token (also from the environment, out of process listings).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "AUTHCORE_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub token: String,
    /// `token_type_hint`.
    #[arg(long, value_enum, value_name = "HINT")]
    pub token_type_hint: Option<TokenHint>,
}

/// Values of `token_type_hint` (RFC 7009 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenHint {
    /// An access token.
    #[value(name = "access_token")]
    AccessToken,
    /// A refresh token.
    #[value(name = "refresh_token")]
    RefreshToken,
}

/// Arguments of `oidc discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// The issuer identifier (an `https` URL; `http` for loopback hosts).
    #[arg(value_name = "ISSUER")]
    pub issuer: String,

    /// How the server is reached.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `oidc userinfo`.
#[derive(Debug, Args)]
pub struct UserinfoArgs {
    #[command(flatten)]
    /// The server.
    pub issuer: IssuerArgs,
    /// The access token (also from the environment, out of process listings).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "AUTHCORE_ACCESS_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub access_token: String,
    /// The private JWK the access token is DPoP-bound to.
    #[arg(long, value_name = "JWK_FILE")]
    pub dpop_key: Option<PathBuf>,
    /// The `sub` the claims must be about: the ID token's (OpenID Connect Core §5.3.2).
    /// Without it or --id-token the response's subject is not checked (stderr says so). It
    /// may begin with `-` (pairwise subjects are random base64url, Core §8.1).
    #[arg(
        long,
        value_name = "SUB",
        conflicts_with = "id_token",
        allow_hyphen_values = true
    )]
    pub sub: Option<String>,
    /// The ID token the access token came with (text, a file, or `-` for stdin): the claims
    /// must be about its `sub` (OpenID Connect Core §5.3.2).
    #[arg(long, value_name = "ID_TOKEN", allow_hyphen_values = true)]
    pub id_token: Option<String>,
}

/// Arguments of `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    /// The provider.
    pub issuer: IssuerArgs,
    #[command(flatten)]
    /// The client.
    pub client: ClientArgs,
    /// The loopback redirect URI: `http://127.0.0.1:PORT/PATH` (or `http://[::1]:PORT/PATH`);
    /// PORT 0 or no port picks a free port.
    #[arg(long, value_name = "URI", default_value = "http://127.0.0.1:0/cb")]
    pub redirect_uri: String,
    /// The scope (space-separated); `openid` is always included.
    #[arg(long, value_name = "SCOPE", default_value = "openid profile")]
    pub scope: String,
    /// Send the authorization request through the PAR endpoint (RFC 9126); automatic when
    /// the provider requires it.
    #[arg(long)]
    pub par: bool,
    #[command(flatten)]
    /// DPoP.
    pub dpop: DpopArgs,
    /// Do not try to open a browser; only print the URL.
    #[arg(long)]
    pub no_browser: bool,
    /// How long to wait for the redirect, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
    /// Accepted ID token signature algorithm (repeatable). Default: the asymmetric
    /// algorithms the provider lists in `id_token_signing_alg_values_supported`, plus its
    /// HMAC ones when a client secret is given.
    #[arg(long = "id-token-alg", value_name = "ALG", value_parser = parse_alg)]
    pub id_token_algs: Vec<JwsAlgorithm>,
    /// Clock skew tolerated when checking the ID token's times, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub leeway: u64,
}

/// `authcore jws ...`
#[derive(Debug, Subcommand)]
pub enum JwsCommand {
    /// Verify a JWS and print its payload bytes to stdout, exactly.
    ///
    /// The JWS may be compact (`header.payload.signature`) or JSON (flattened or general;
    /// recognised by a leading `{`). A JSON JWS with several signatures is accepted when one
    /// of them verifies with a trusted key.
    #[command(after_help = EXIT_VERIFY)]
    Verify(JwsVerifyArgs),
    /// Sign the payload read from stdin and print the JWS.
    ///
    /// Prints compact serialization by default, flattened JSON with `--json`. With
    /// `--detached` the payload is left out of the output (RFC 7515 Appendix F); if `--header`
    /// sets `"b64": false`, the payload is signed unencoded (RFC 7797) and `b64` is added to
    /// `crit`.
    #[command(after_help = EXIT_TOOL)]
    Sign(JwsSignArgs),
}

/// `authcore jwe ...`
#[derive(Debug, Subcommand)]
pub enum JweCommand {
    /// Decrypt a JWE and print its plaintext bytes to stdout, exactly.
    ///
    /// The JWE may be compact (five parts) or JSON (flattened or general; recognised by a
    /// leading `{`); a general JSON JWE decrypts when the key fits one of its recipients. The
    /// key management algorithm comes from the key's `alg` or `--alg`, never from the token;
    /// `--enc` limits the content encryption (default: every one the provider has). A
    /// compressed (`zip: DEF`) plaintext is inflated, to at most 250 kB.
    #[command(after_help = EXIT_DECRYPT)]
    Decrypt(JweDecryptArgs),
    /// Encrypt the plaintext read from stdin and print the JWE.
    ///
    /// The key is the recipient's: a public key (a private one is accepted; its public part
    /// is used), or the shared secret for `A*KW`, `A*GCMKW` and `dir`, or a password for
    /// PBES2 (an `oct` JWK whose bytes are the password). Prints the compact serialization,
    /// or the flattened JSON one with `--json`. The content key and IVs are drawn from the
    /// system's random source.
    #[command(after_help = EXIT_TOOL)]
    Encrypt(JweEncryptArgs),
}

/// `authcore jwt ...`
#[derive(Debug, Subcommand)]
pub enum JwtCommand {
    /// Print a JWT's header and claims WITHOUT verifying anything.
    ///
    /// Prints `{"header": ..., "claims": ..., "verified": false}` and a warning on stderr.
    /// Use `jwt verify` to check the signature and the claims.
    #[command(after_help = EXIT_DECODE)]
    Decode(JwtDecodeArgs),
    /// Verify a JWT's signature and claims and print the claims as JSON.
    ///
    /// Checks: the signature with the given key (the key fixes the algorithm); `exp` is
    /// required and must be after now; `nbf` and `iat` must not be after now; `iss`, `aud`,
    /// `sub` and the header `typ` when asked for. A token with an `aud` claim is rejected
    /// unless `--aud` is given (RFC 7519 §4.1.3).
    #[command(after_help = EXIT_VERIFY)]
    Verify(JwtVerifyArgs),
    /// Sign the JSON claims object read from stdin and print the compact JWT.
    ///
    /// The header gets `typ: JWT` unless `--typ` or `--header` says otherwise. With
    /// `--exp-in SECS`, `iat` is set to now and `exp` to now + SECS, replacing any `iat` and
    /// `exp` the input has: the command line states the intent explicitly.
    #[command(after_help = EXIT_TOOL)]
    Sign(JwtSignArgs),
    /// Decrypt a nested JWT (a JWE whose plaintext is a signed JWT, RFC 7519 §5.2) and, with
    /// `--verify-key`, verify the inner JWT and print its claims as JSON.
    ///
    /// The JWE header must have `cty: JWT`. With `--verify-key` the inner JWT is checked as
    /// by `jwt verify` (signature, `exp`, `nbf`, `iat`, and `iss`, `aud`, `sub`, `typ` when
    /// asked for) and the claims are printed. Without it the inner JWT is printed as it is,
    /// NOT verified (a warning says so on stderr), to be checked with `jwt verify`.
    #[command(after_help = EXIT_DECRYPT)]
    Decrypt(JwtDecryptArgs),
}

/// `authcore jwk ...`
#[derive(Debug, Subcommand)]
pub enum JwkCommand {
    /// Generate a new private key for an algorithm and print it as a JWK.
    ///
    /// EC, OKP and oct keys work with every provider; RSA, ES512 and ES256K key generation
    /// need a build with the `aws-lc-rs` feature (the default provider then has them). The JWK carries `alg` and a `kid` (by default its RFC 7638
    /// SHA-256 thumbprint). Keep the output secret; `jwk public` derives the public key.
    #[command(after_help = EXIT_TOOL)]
    Generate(JwkGenerateArgs),
    /// Print the public part of a JWK, a JWK Set or a PEM key (private members removed).
    ///
    /// Symmetric (`oct`) keys have no public part and are refused.
    #[command(after_help = EXIT_TOOL)]
    Public(JwkFileArgs),
    /// Print the RFC 7638 thumbprint of a key (base64url).
    ///
    /// The thumbprint covers only the required public members, so a private key and its
    /// public part have the same thumbprint.
    #[command(after_help = EXIT_TOOL)]
    Thumbprint(JwkThumbprintArgs),
    /// Convert a PEM key or certificate to a JWK.
    ///
    /// Accepts SPKI public keys (`PUBLIC KEY`), PKCS#8 private keys (`PRIVATE KEY`) and X.509
    /// certificates (`CERTIFICATE`; the subject public key is taken, the certificate is not
    /// validated).
    #[command(name = "from-pem", after_help = EXIT_TOOL)]
    FromPem(JwkFromPemArgs),
}

/// Where verification keys come from and which algorithms they may verify.
#[derive(Debug, Args)]
pub struct VerifyKeyArgs {
    /// Key file: a JWK, a JWK Set, or a PEM public key or certificate (`-` for stdin). A
    /// private JWK is accepted; only its public part is used.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Allowed algorithm (repeatable). A key without `alg` needs it: one verification key is
    /// made per algorithm given. For a single key with `alg`, that `alg` must be listed (when
    /// any is). For a JWK Set it is the allow-list; keys with `alg` keep theirs. One of HS256,
    /// HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES256K,
    /// EdDSA, Ed25519.
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_alg)]
    pub algs: Vec<JwsAlgorithm>,
}

/// Arguments of `jws verify`.
#[derive(Debug, Args)]
pub struct JwsVerifyArgs {
    #[command(flatten)]
    /// The trusted keys.
    pub keys: VerifyKeyArgs,

    /// Verify a detached JWS (empty payload part, or no `payload` member) against the payload
    /// in this file (`-` for stdin); with `b64: false` in the header the file is the unencoded
    /// payload (RFC 7797).
    #[arg(long, value_name = "PAYLOAD_FILE")]
    pub detached: Option<PathBuf>,

    /// The JWS (compact or JSON), `-` to read it from stdin, or a file that holds it.
    #[arg(value_name = "TOKEN")]
    pub token: String,
}

/// Where a signing key comes from.
#[derive(Debug, Args)]
pub struct SignKeyArgs {
    /// Private key file: a private JWK (or oct JWK), or a PEM PKCS#8 private key.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Signing algorithm; required when the key has no `alg`, and must equal it otherwise.
    #[arg(long, value_name = "ALG", value_parser = parse_alg)]
    pub alg: Option<JwsAlgorithm>,

    /// `kid` header value; defaults to the key's `kid`, if it has one.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,

    /// Extra protected header members as a JSON object, merged into the header (`alg`, if
    /// present, must equal the signing algorithm).
    #[arg(long, value_name = "JSON")]
    pub header: Option<String>,
}

/// Arguments of `jws sign`.
#[derive(Debug, Args)]
pub struct JwsSignArgs {
    #[command(flatten)]
    /// The signing key and header.
    pub key: SignKeyArgs,

    /// Print the flattened JSON serialization instead of compact.
    #[arg(long)]
    pub json: bool,

    /// Leave the payload out of the output (detached content).
    #[arg(long)]
    pub detached: bool,
}

/// Where decryption keys come from and which algorithms they may decrypt.
#[derive(Debug, Args)]
pub struct DecryptKeyArgs {
    /// Key file: a private JWK (or an `oct` JWK: the shared key, or the PBES2 password), a
    /// JWK Set, or a PEM PKCS#8 private key (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Allowed key management algorithm (repeatable). A key without `alg` needs it: one
    /// decryption key is made per algorithm given. For a single key with `alg`, that `alg`
    /// must be listed (when any is). For a JWK Set it is the allow-list; keys with `alg` keep
    /// theirs. One of RSA-OAEP, RSA-OAEP-256, RSA-OAEP-384, RSA-OAEP-512, RSA1_5, A128KW,
    /// A192KW, A256KW, dir, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A192KW, ECDH-ES+A256KW,
    /// A128GCMKW, A192GCMKW, A256GCMKW, PBES2-HS256+A128KW, PBES2-HS384+A192KW,
    /// PBES2-HS512+A256KW.
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_key_alg)]
    pub algs: Vec<KeyManagementAlgorithm>,

    /// Allowed content encryption (repeatable); default: every one the provider has (for
    /// `dir`, those of the key's length). One of A128CBC-HS256, A192CBC-HS384,
    /// A256CBC-HS512, A128GCM, A192GCM, A256GCM.
    #[arg(long = "enc", value_name = "ENC", value_parser = parse_enc)]
    pub encs: Vec<ContentEncryptionAlgorithm>,

    /// Decrypt `RSA1_5` JWEs, a legacy algorithm open to padding-oracle attacks (RFC 7516
    /// §11.5; the countermeasure is applied). Off by default: such a JWE is rejected.
    #[arg(long)]
    pub legacy_rsa1_5: bool,
}

/// Arguments of `jwe decrypt`.
#[derive(Debug, Args)]
pub struct JweDecryptArgs {
    #[command(flatten)]
    /// The decryption keys.
    pub keys: DecryptKeyArgs,

    /// The JWE (compact or JSON), `-` to read it from stdin, or a file that holds it.
    #[arg(value_name = "TOKEN")]
    pub token: String,
}

/// Arguments of `jwe encrypt`.
#[derive(Debug, Args)]
pub struct JweEncryptArgs {
    /// The recipient's key file: a JWK (public, private or `oct`), a JWK Set (the key is
    /// chosen by `--kid` and `--alg`), or a PEM key or certificate.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,

    /// Key management algorithm; required when the key has no `alg`, and must equal it
    /// otherwise. One of RSA-OAEP, RSA-OAEP-256, RSA-OAEP-384, RSA-OAEP-512, A128KW, A192KW,
    /// A256KW, dir, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A192KW, ECDH-ES+A256KW, A128GCMKW,
    /// A192GCMKW, A256GCMKW, PBES2-HS256+A128KW, PBES2-HS384+A192KW, PBES2-HS512+A256KW
    /// (RSA1_5 is for decrypting legacy tokens only).
    #[arg(long, value_name = "ALG", value_parser = parse_key_alg)]
    pub alg: Option<KeyManagementAlgorithm>,

    /// Content encryption. For `dir` it must fit the key's length.
    #[arg(long, value_name = "ENC", value_parser = parse_enc, default_value = "A256GCM")]
    pub enc: ContentEncryptionAlgorithm,

    /// `kid` header value; defaults to the key's `kid`, if it has one. With a JWK Set it also
    /// selects the key.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,

    /// Protected `cty` header (the plaintext's media type); `JWT` makes a nested JWT of a
    /// signed JWT read from stdin (RFC 7519 §5.2; surrounding whitespace such as a trailing
    /// newline is removed), which `jwt decrypt` reads.
    #[arg(long, value_name = "CTY")]
    pub cty: Option<String>,

    /// Compress the plaintext with DEFLATE before encrypting (`zip: DEF`).
    #[arg(long)]
    pub zip: bool,

    /// Print the flattened JSON serialization instead of compact.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `jwt decode`.
#[derive(Debug, Args)]
pub struct JwtDecodeArgs {
    /// The compact JWT, `-` to read it from stdin, or a file that holds it.
    #[arg(value_name = "TOKEN")]
    pub token: String,
}

/// The claims checks of a verified JWT.
#[derive(Debug, Args)]
pub struct ClaimsArgs {
    /// Required issuer (`iss`, exact match); repeatable: any one may match.
    #[arg(long = "iss", value_name = "ISS")]
    pub issuers: Vec<String>,

    /// Accepted audience; repeatable: the token's `aud` must contain at least one.
    #[arg(long = "aud", value_name = "AUD")]
    pub audiences: Vec<String>,

    /// Required subject (`sub`, exact match; it may begin with `-`).
    #[arg(long, value_name = "SUB", allow_hyphen_values = true)]
    pub sub: Option<String>,

    /// Required header `typ`, e.g. `JWT` or `at+jwt` (compared case-insensitively,
    /// `application/` optional).
    #[arg(long, value_name = "TYP")]
    pub typ: Option<String>,

    /// Clock skew tolerated for `exp`, `nbf` and `iat`, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub leeway: u64,

    /// Reject tokens whose `iat` is older than this many seconds (makes `iat` required).
    #[arg(long, value_name = "SECS")]
    pub max_age: Option<u64>,

    /// Use this time (seconds since the Unix epoch) instead of the system clock.
    #[arg(long, value_name = "UNIX")]
    pub now: Option<u64>,
}

/// Arguments of `jwt verify`.
#[derive(Debug, Args)]
pub struct JwtVerifyArgs {
    #[command(flatten)]
    /// The trusted keys.
    pub keys: VerifyKeyArgs,

    #[command(flatten)]
    /// The claims checks.
    pub claims: ClaimsArgs,

    /// The compact JWT, `-` to read it from stdin, or a file that holds it.
    #[arg(value_name = "TOKEN")]
    pub token: String,
}

/// Arguments of `jwt decrypt`.
#[derive(Debug, Args)]
pub struct JwtDecryptArgs {
    #[command(flatten)]
    /// The decryption keys.
    pub keys: DecryptKeyArgs,

    /// Verify the inner JWT with this key file (a JWK, a JWK Set, or a PEM public key or
    /// certificate) and print the claims; without it the inner JWT is printed unverified.
    #[arg(long, value_name = "FILE")]
    pub verify_key: Option<PathBuf>,

    /// Allowed signature algorithm of the inner JWT (repeatable), as `--alg` of `jwt verify`:
    /// needed when the verification key has no `alg`. One of HS256, HS384, HS512, RS256,
    /// RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES256K, EdDSA, Ed25519.
    #[arg(long = "verify-alg", value_name = "ALG", value_parser = parse_alg, requires = "verify_key")]
    pub verify_algs: Vec<JwsAlgorithm>,

    #[command(flatten)]
    /// The claims checks (with `--verify-key`).
    pub claims: ClaimsArgs,

    /// The compact JWE, `-` to read it from stdin, or a file that holds it.
    #[arg(value_name = "TOKEN")]
    pub token: String,
}

/// Arguments of `jwt sign`.
#[derive(Debug, Args)]
pub struct JwtSignArgs {
    #[command(flatten)]
    /// The signing key and header.
    pub key: SignKeyArgs,

    /// Set `iat` to now and `exp` to now + SECS (replacing values in the input).
    #[arg(long, value_name = "SECS")]
    pub exp_in: Option<u64>,

    /// Header `typ` (default `JWT`).
    #[arg(long, value_name = "TYP")]
    pub typ: Option<String>,

    /// Use this time (seconds since the Unix epoch) instead of the system clock for
    /// `--exp-in`.
    #[arg(long, value_name = "UNIX", requires = "exp_in")]
    pub now: Option<u64>,
}

/// Arguments of `jwk generate`.
#[derive(Debug, Args)]
pub struct JwkGenerateArgs {
    /// The algorithm the key is for: a signature algorithm (HS256, HS384, HS512, RS256,
    /// RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, ES256K, EdDSA or Ed25519) or
    /// a JWE key management algorithm (RSA-OAEP, RSA-OAEP-256, RSA-OAEP-384, RSA-OAEP-512,
    /// A128KW, A192KW, A256KW, dir, ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A192KW,
    /// ECDH-ES+A256KW, A128GCMKW, A192GCMKW, A256GCMKW). Encryption keys get `use: enc`.
    #[arg(long, value_name = "ALG", value_parser = parse_any_alg)]
    pub alg: Algorithm,

    /// The curve of an `ECDH-ES*` key: P-256 (default), P-384, P-521 or X25519.
    #[arg(long, value_name = "CRV")]
    pub crv: Option<String>,

    /// The content encryption a `dir` key is for (its length is the key's; default A256GCM).
    #[arg(long, value_name = "ENC", value_parser = parse_enc)]
    pub enc: Option<ContentEncryptionAlgorithm>,

    /// Key id; defaults to the RFC 7638 SHA-256 thumbprint.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,
}

/// A command that takes one key file.
#[derive(Debug, Args)]
pub struct JwkFileArgs {
    /// JWK, JWK Set or PEM file, or `-` for stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Arguments of `jwk thumbprint`.
#[derive(Debug, Args)]
pub struct JwkThumbprintArgs {
    /// Hash function.
    #[arg(long, value_enum, default_value_t = ThumbprintHash::Sha256)]
    pub hash: ThumbprintHash,

    /// JWK or PEM file, or `-` for stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Hash functions offered for thumbprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThumbprintHash {
    /// SHA-256 (the usual `kid` and DPoP `jkt` value).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// Arguments of `jwk from-pem`.
#[derive(Debug, Args)]
pub struct JwkFromPemArgs {
    /// Set the JWK's `alg` (checked against the key type).
    #[arg(long, value_name = "ALG", value_parser = parse_alg)]
    pub alg: Option<JwsAlgorithm>,

    /// Set the JWK's `kid`.
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,

    /// PEM file, or `-` for stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Parses a JWE key management algorithm name (case-sensitive, as registered).
fn parse_key_alg(s: &str) -> Result<KeyManagementAlgorithm, String> {
    s.parse().map_err(|_| {
        format!("unknown key management algorithm `{s}` (expected one of {KEY_ALG_HELP})")
    })
}

/// Parses a JWE content encryption algorithm name (case-sensitive, as registered).
fn parse_enc(s: &str) -> Result<ContentEncryptionAlgorithm, String> {
    s.parse()
        .map_err(|_| format!("unknown content encryption `{s}` (expected one of {ENC_HELP})"))
}

/// Parses a signature or key management algorithm name: what a key can be generated for.
fn parse_any_alg(s: &str) -> Result<Algorithm, String> {
    match s.parse::<Algorithm>() {
        Ok(Algorithm::ContentEncryption(_)) | Err(_) => Err(format!(
            "unknown algorithm `{s}` (expected a signature algorithm, one of {ALG_HELP}, or a \
             key management algorithm, one of {KEY_ALG_HELP})"
        )),
        Ok(alg) => Ok(alg),
    }
}

/// Parses a JWS algorithm name (case-sensitive, as registered; `none` is not one).
fn parse_alg(s: &str) -> Result<JwsAlgorithm, String> {
    s.parse()
        .map_err(|_| format!("unknown signature algorithm `{s}` (expected one of {ALG_HELP})"))
}
