//! The command-line interface: every command, argument and help text.

use std::path::PathBuf;

use authcore_jose::JwsAlgorithm;
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_VERIFY: &str = "\
Exit status:
  0  the token verified; its payload or claims are on stdout
  1  the token was rejected: malformed, bad signature, algorithm not allowed, no matching key,
     or (for JWTs) expired, not yet valid, wrong issuer, audience or typ.
     The reason is one line on stderr.
  2  usage error, or unreadable or unusable input (key file, payload file, stdin)";

const EXIT_ALL: &str = "\
Exit status (every command):
  0  success
  1  the token was rejected or is not a valid token (verify, decode)
  2  usage error, or unreadable or unusable input (arguments, key files, stdin)
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

const ALG_HELP: &str = "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, \
                        ES384, ES512, ES256K, EdDSA or Ed25519";

/// JOSE tools: verify, sign and inspect JWS, JWT and JWK.
///
/// Keys are files: a JWK, a JWK Set, or a PEM key or certificate. The algorithm always comes
/// from the key's `alg` member or from `--alg`, never from the token being verified.
#[derive(Debug, Parser)]
#[command(name = "authcore", version, propagate_version = true, after_help = EXIT_ALL)]
pub struct Cli {
    /// Crypto provider to use (aws-lc-rs adds ES512, ES256K and RSA key generation; it is
    /// available when the tool was built with the `aws-lc-rs` feature).
    #[arg(long, global = true, value_enum, default_value_t = ProviderName::Ring)]
    pub provider: ProviderName,

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
    /// JSON Web Token (RFC 7519): decode, verify and sign claims.
    #[command(subcommand, after_help = EXIT_ALL)]
    Jwt(JwtCommand),
    /// JSON Web Key (RFC 7517): generate keys, extract public keys, thumbprints, PEM import.
    #[command(subcommand, after_help = EXIT_ALL)]
    Jwk(JwkCommand),
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
}

/// `authcore jwk ...`
#[derive(Debug, Subcommand)]
pub enum JwkCommand {
    /// Generate a new private key for an algorithm and print it as a JWK.
    ///
    /// EC, OKP and oct keys work with every provider; RSA key generation needs
    /// `--provider aws-lc-rs`. The JWK carries `alg` and a `kid` (by default its RFC 7638
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

/// Arguments of `jwt decode`.
#[derive(Debug, Args)]
pub struct JwtDecodeArgs {
    /// The compact JWT, `-` to read it from stdin, or a file that holds it.
    #[arg(value_name = "TOKEN")]
    pub token: String,
}

/// Arguments of `jwt verify`.
#[derive(Debug, Args)]
pub struct JwtVerifyArgs {
    #[command(flatten)]
    /// The trusted keys.
    pub keys: VerifyKeyArgs,

    /// Required issuer (`iss`, exact match); repeatable: any one may match.
    #[arg(long = "iss", value_name = "ISS")]
    pub issuers: Vec<String>,

    /// Accepted audience; repeatable: the token's `aud` must contain at least one.
    #[arg(long = "aud", value_name = "AUD")]
    pub audiences: Vec<String>,

    /// Required subject (`sub`, exact match).
    #[arg(long, value_name = "SUB")]
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

    /// The compact JWT, `-` to read it from stdin, or a file that holds it.
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
    /// The algorithm the key is for: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384,
    /// PS512, ES256, ES384, ES512, ES256K, EdDSA or Ed25519.
    #[arg(long, value_name = "ALG", value_parser = parse_alg)]
    pub alg: JwsAlgorithm,

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

/// Parses a JWS algorithm name (case-sensitive, as registered; `none` is not one).
fn parse_alg(s: &str) -> Result<JwsAlgorithm, String> {
    s.parse()
        .map_err(|_| format!("unknown signature algorithm `{s}` (expected one of {ALG_HELP})"))
}
