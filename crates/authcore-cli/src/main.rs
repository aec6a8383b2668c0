//! The `authcore` command-line tool: JOSE tools and OAuth 2.0 / OpenID Connect client flows on
//! the authcore protocol core, and an OpenID provider (`serve`) with its administration
//! commands.
//!
//! ```text
//! authcore jws verify --key FILE [--alg ALG]... [--detached PAYLOAD_FILE] TOKEN
//! authcore jws sign   --key FILE [--alg ALG] [--kid KID] [--header JSON] [--json] [--detached] < PAYLOAD
//! authcore jwe decrypt --key FILE [--alg ALG]... [--enc ENC]... [--legacy-rsa1-5] TOKEN
//! authcore jwe encrypt --key FILE [--alg ALG] [--enc ENC] [--kid KID] [--cty CTY] [--zip] [--json]
//!                      < PLAINTEXT
//! authcore jwt decode TOKEN
//! authcore jwt verify --key FILE [--alg ALG]... [--iss ISS]... [--aud AUD]... [--sub SUB]
//!                     [--typ TYP] [--leeway SECS] [--max-age SECS] [--now UNIX] TOKEN
//! authcore jwt sign   --key FILE [--alg ALG] [--kid KID] [--header JSON] [--typ TYP]
//!                     [--exp-in SECS [--now UNIX]] < CLAIMS_JSON
//! authcore jwt decrypt --key FILE [--alg ALG]... [--enc ENC]... [--verify-key FILE
//!                       [--verify-alg ALG]... [--iss ISS]... [--aud AUD]... ...] TOKEN
//! authcore jwk generate --alg ALG [--crv CRV] [--enc ENC] [--kid KID]
//! authcore jwk public FILE
//! authcore jwk thumbprint [--hash sha256|sha384|sha512] FILE
//! authcore jwk from-pem [--alg ALG] [--kid KID] FILE
//!
//! authcore oidc discover ISSUER
//! authcore oidc userinfo --issuer ISSUER --access-token T [--dpop-key JWK_FILE]
//!                        [--sub SUB | --id-token ID_TOKEN]
//! authcore login --issuer ISSUER CLIENT [--redirect-uri http://127.0.0.1:PORT/cb]
//!                [--scope "openid profile"] [--par] [DPOP] [--no-browser] [--timeout SECS]
//!                [--id-token-alg ALG]... [--leeway SECS]
//! authcore oauth2 client-credentials --issuer ISSUER CLIENT [--scope S] [--resource URI]... [DPOP]
//! authcore oauth2 device     --issuer ISSUER CLIENT [--scope S] [DPOP]
//! authcore oauth2 refresh    --issuer ISSUER CLIENT --refresh-token T [--scope S] [DPOP]
//! authcore oauth2 introspect --issuer ISSUER CLIENT --token T [--token-type-hint H]
//! authcore oauth2 revoke     --issuer ISSUER CLIENT --token T [--token-type-hint H]
//!
//! authcore oauth1 sign   --consumer-key K [--consumer-secret S | --rsa-key FILE]
//!                        [--token T --token-secret TS] [--method HMAC-SHA1] [--placement header]
//!                        [--callback URI] [--verifier V] [--now UNIX] METHOD URL [--data BODY]
//! authcore oauth1 verify [--consumer-secret S | --rsa-key FILE] [--token-secret TS]
//!                        [-H 'Authorization: OAuth ...'] [--allow-plaintext] [--now UNIX]
//!                        METHOD URL [--data BODY]
//!
//! authcore serve --issuer URL [--listen ADDR] [STORE] [--config FILE] [--dev]
//!                [--tls-cert PEM --tls-key PEM]
//! authcore user add STORE USERNAME [--claim NAME=VALUE]... [--subject SUB] < PASSWORD
//! authcore client add STORE [--client-id ID] [--name NAME] [--redirect-uri URI]...
//!                     [--public | --auth-method METHOD] [--grant-type G]... [--scope S]
//! authcore keys rotate|list STORE
//! authcore migrate STORE
//! authcore demo [--issuer URL [--username USER]]
//!
//! CLIENT = --client-id ID [--client-secret S | --private-key JWK_FILE]
//!          [--auth-method none|client_secret_basic|client_secret_post|client_secret_jwt|private_key_jwt]
//!          [--assertion-alg ALG]
//! DPOP   = --dpop (a fresh ES256 key) | --dpop-key JWK_FILE
//! STORE  = --data DIR | --store postgres://USER[:PASSWORD]@HOST[:PORT]/DB | --store DIR
//!          (or AUTHCORE_STORE)
//! every OAuth command also takes [--allow-http] [--http-timeout SECS]
//! ```
//!
//! JOSE: `TOKEN` and `FILE` may be `-` for stdin; `TOKEN` may also name a file holding the
//! token. Without `--provider` the default crypto provider is used: built with the
//! `aws-lc-rs` feature, it takes each algorithm from the faster backend (aws-lc-rs for RSA,
//! ECDSA including ES512 and ES256K, and EdDSA; ring for HMAC); otherwise ring.
//! `--provider ring|aws-lc-rs` forces one backend for every command.
//!
//! OAuth: the server's metadata is discovered from the issuer (OpenID Connect Discovery, RFC
//! 8414 as a fallback for the `oauth2` commands). Issuers must be `https`, or `http` on a
//! loopback host; `--allow-http` lifts the tool's refusal of other `http` issuers. Secrets
//! and tokens can come from the environment (`AUTHCORE_CLIENT_SECRET`,
//! `AUTHCORE_REFRESH_TOKEN`, `AUTHCORE_TOKEN`, `AUTHCORE_ACCESS_TOKEN`) so that they do not
//! show in process listings. Results are JSON on stdout, progress (the device code, the
//! authorization URL) on stderr. `login` listens on the loopback redirect URI (RFC 8252
//! §7.3), validates the ID token (signature with the provider's JWK Set, `iss`, `aud`, `exp`,
//! `iat`, `nonce`, `at_hash`) and prints `{"tokens": ..., "claims": ...}`; `--dpop` prints the
//! generated key as `dpop_key` next to the tokens bound to it.
//!
//! Exit status: 0 success; 1 the token was rejected (or did not decrypt) or is not a valid token, the server
//! refused (its `error` and `error_description` are printed) or its answer failed validation;
//! 2 usage error, unreadable input or a network error. The reason is one line on stderr.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cli;
mod commands;
mod io;
mod keys;
mod loopback;
mod oauth;
mod oauth1;
mod register;
mod serve;

use std::process::ExitCode;

use clap::Parser;

/// Why a command failed; decides the exit status.
#[derive(Debug)]
pub enum Failure {
    /// Exit 1: the token was rejected or is not a valid token; the server refused, or its
    /// answer failed validation.
    Rejected(String),
    /// Exit 2: bad arguments, input (a key, a payload, stdin) that cannot be read or used, or
    /// a network error.
    Usage(String),
}

impl Failure {
    /// A usage failure with a message.
    pub fn usage(msg: impl Into<String>) -> Self {
        Failure::Usage(msg.into())
    }

    /// A rejection with a message.
    pub fn rejected(msg: impl Into<String>) -> Self {
        Failure::Rejected(msg.into())
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(msg)) => {
            eprintln!("authcore: rejected: {}", one_line(&msg));
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("authcore: error: {}", one_line(&msg));
            ExitCode::from(2)
        }
    }
}

/// Keeps the reason on one line whatever the message contains.
fn one_line(msg: &str) -> String {
    msg.split_whitespace().collect::<Vec<_>>().join(" ")
}
