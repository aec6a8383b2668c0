//! End-user accounts: `authcore user add`, and the `--dev` user.

use std::io::{BufRead, Read};

use authcore_hyper::{AccountRecord, ProviderStore};
use authcore_jose::SecureRandom;
use serde_json::{Map, Value};

use crate::Failure;

/// The longest password accepted: Argon2 takes any length, but a bound keeps stdin reads
/// and hashing time in check.
const MAX_PASSWORD_BYTES: usize = 1024;

/// The `--dev` user.
pub const DEV_USERNAME: &str = "alice";
/// The `--dev` user's password.
pub const DEV_PASSWORD: &str = "wonderland";

/// The claims of the `--dev` user (OpenID Connect Core §5.1).
pub fn dev_claims() -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in [
        ("name", Value::from("Alice Liddell")),
        ("given_name", Value::from("Alice")),
        ("family_name", Value::from("Liddell")),
        ("preferred_username", Value::from("alice")),
        ("email", Value::from("alice@example.com")),
        ("email_verified", Value::from(true)),
        ("locale", Value::from("en-GB")),
    ] {
        m.insert(k.to_owned(), v);
    }
    m
}

/// Parses `NAME=VALUE` claim arguments: a value that parses as JSON is that value, any
/// other is a string.
pub fn parse_claims(args: &[String]) -> Result<Map<String, Value>, Failure> {
    let mut claims = Map::new();
    for arg in args {
        let Some((name, value)) = arg.split_once('=') else {
            return Err(Failure::usage(format!(
                "--claim {arg}: expected NAME=VALUE"
            )));
        };
        if name.is_empty() {
            return Err(Failure::usage(format!("--claim {arg}: the name is empty")));
        }
        // `sub` is the account's subject identifier, never a free claim (Core §5.1).
        if name == "sub" {
            return Err(Failure::usage(
                "--claim sub: the subject is set with --subject",
            ));
        }
        let value = serde_json::from_str::<Value>(value)
            .ok()
            .filter(|v| !v.is_string())
            .unwrap_or_else(|| Value::String(value.to_owned()));
        if claims.insert(name.to_owned(), value).is_some() {
            return Err(Failure::usage(format!("--claim {name} is given twice")));
        }
    }
    Ok(claims)
}

/// Reads the password: the first line of `input`, without its line ending.
pub fn read_password(input: impl Read) -> Result<String, Failure> {
    let mut line = String::new();
    std::io::BufReader::new(input.take(MAX_PASSWORD_BYTES as u64 + 2))
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the password from stdin: {e}")))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(Failure::usage(
            "no password on stdin (give it as the first line of standard input)",
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Failure::usage(format!(
            "the password is longer than {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(password.to_owned())
}

/// A fresh subject identifier: 128 random bits, base64url (OpenID Connect Core §2: locally
/// unique, never reassigned).
pub fn new_subject(rng: &dyn SecureRandom) -> Result<String, Failure> {
    let raw: [u8; 16] = authcore_jose::random_array(rng)
        .map_err(|_| Failure::usage("the system random generator failed"))?;
    Ok(authcore_jose::b64::encode(raw))
}

/// Stores the account `username` with `password` and `claims`: a new subject for a new
/// username (or `subject` if given), the existing subject for an existing one, whose claims
/// are kept when `claims` is empty.
pub async fn add_user(
    store: &dyn ProviderStore,
    username: &str,
    password: &str,
    claims: Map<String, Value>,
    subject: Option<String>,
    rng: &dyn SecureRandom,
) -> Result<AccountRecord, Failure> {
    if username.is_empty() || username.len() > 255 || username.chars().any(char::is_control) {
        return Err(Failure::usage(
            "the username must be 1 to 255 characters without control characters",
        ));
    }
    let existing = store
        .account_by_username(username.to_owned())
        .await
        .map_err(store_failure)?;
    // An existing account keeps its claims unless new ones are given (a password change).
    let claims = match &existing {
        Some(e) if claims.is_empty() => e.claims.clone(),
        _ => claims,
    };
    let subject = match (subject, existing) {
        (Some(s), Some(e)) if s != e.subject => {
            return Err(Failure::usage(format!(
                "user {username} exists with another subject; a subject never changes"
            )));
        }
        (Some(s), _) => s,
        (None, Some(e)) => e.subject,
        (None, None) => new_subject(rng)?,
    };
    let password_hash = authcore_hyper::accounts::hash_password(password, rng)
        .map_err(|e| Failure::usage(format!("cannot hash the password: {e}")))?;
    let account = AccountRecord {
        subject,
        username: username.to_owned(),
        password_hash,
        claims,
    };
    store
        .put_account(account.clone())
        .await
        .map_err(store_failure)?;
    Ok(account)
}

/// A store failure as the tool reports it.
pub fn store_failure(e: authcore_hyper::StoreError) -> Failure {
    Failure::usage(format!("the data directory's database: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_json_or_strings() {
        let c = parse_claims(&[
            "name=Alice".into(),
            "email_verified=true".into(),
            "age=42".into(),
            "address={\"country\":\"NL\"}".into(),
            "nickname=\"quoted\"".into(),
            "note=a=b".into(),
        ])
        .unwrap();
        assert_eq!(c["name"], "Alice");
        assert_eq!(c["email_verified"], true);
        assert_eq!(c["age"], 42);
        assert_eq!(c["address"]["country"], "NL");
        assert_eq!(c["nickname"], "\"quoted\"");
        assert_eq!(c["note"], "a=b");
    }

    #[test]
    fn bad_claims_are_refused() {
        for bad in [&["novalue"][..], &["=x"], &["sub=1"], &["a=1", "a=2"]] {
            let args: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
            assert!(parse_claims(&args).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_password_is_the_first_line() {
        assert_eq!(read_password(&b"secret\nrest"[..]).unwrap(), "secret");
        assert_eq!(read_password(&b"secret\r\n"[..]).unwrap(), "secret");
        assert_eq!(read_password(&b"no newline"[..]).unwrap(), "no newline");
        assert!(read_password(&b""[..]).is_err());
        assert!(read_password(&b"\n"[..]).is_err());
        let long = vec![b'x'; MAX_PASSWORD_BYTES + 1];
        assert!(read_password(&long[..]).is_err());
    }
}
