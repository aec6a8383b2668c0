//! The `authcore` command-line tool: JOSE on the authcore protocol core.
//!
//! ```text
//! authcore jws verify --key FILE [--alg ALG]... [--detached PAYLOAD_FILE] TOKEN
//! authcore jws sign   --key FILE [--alg ALG] [--kid KID] [--header JSON] [--json] [--detached] < PAYLOAD
//! authcore jwt decode TOKEN
//! authcore jwt verify --key FILE [--alg ALG]... [--iss ISS]... [--aud AUD]... [--sub SUB]
//!                     [--typ TYP] [--leeway SECS] [--max-age SECS] [--now UNIX] TOKEN
//! authcore jwt sign   --key FILE [--alg ALG] [--kid KID] [--header JSON] [--typ TYP]
//!                     [--exp-in SECS [--now UNIX]] < CLAIMS_JSON
//! authcore jwk generate --alg ALG [--kid KID]
//! authcore jwk public FILE
//! authcore jwk thumbprint [--hash sha256|sha384|sha512] FILE
//! authcore jwk from-pem [--alg ALG] [--kid KID] FILE
//! ```
//!
//! `TOKEN` and `FILE` may be `-` for stdin; `TOKEN` may also name a file holding the token. Exit status: 0 success, 1 the token was rejected
//! or is not a valid token, 2 usage error or unreadable input; the reason is one line on
//! stderr. `--provider ring|aws-lc-rs` picks the crypto provider (aws-lc-rs with the
//! `aws-lc-rs` feature).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cli;
mod commands;
mod io;
mod keys;
mod loopback;
mod oauth;

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
