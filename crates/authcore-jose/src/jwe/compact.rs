//! The JWE compact serialization (RFC 7516 §7.1).

use std::borrow::Cow;

use serde_json::Map;

use crate::b64;
use crate::error::{Error, Result};
use crate::json;

use super::{DecryptedJwe, DecryptionKeySource, JweHeader, JweOptions, Parsed, Recipient};

/// The names of a compact JWE's parts, in order (RFC 7516 §7.1).
const PART_NAMES: [&str; 5] = ["header", "encrypted key", "iv", "ciphertext", "tag"];

/// Splits a compact JWE into exactly five parts.
fn split(token: &str, max: usize) -> Result<[&str; 5]> {
    if token.len() > max {
        return Err(Error::TooLarge {
            what: "JWE",
            limit: max,
        });
    }
    let mut parts = token.split('.');
    let mut out = [""; 5];
    for slot in &mut out {
        *slot = parts.next().ok_or_else(|| wrong_parts(token))?;
    }
    if parts.next().is_some() {
        return Err(wrong_parts(token));
    }
    Ok(out)
}

#[cold]
fn wrong_parts(token: &str) -> Error {
    // Three parts is JWS compact (RFC 7515 §7.1).
    if token.matches('.').count() == 2 {
        Error::Malformed("a JWS was given to the JWE API")
    } else {
        Error::Malformed("a compact JWE has five parts")
    }
}

/// A base64url or structure failure caused by whitespace says so and names the part.
#[cold]
fn explain(token: &str, e: Error) -> Error {
    match e {
        Error::Base64 | Error::Malformed(_) => match b64::whitespace_part(token, &PART_NAMES) {
            Some(segment) => Error::Whitespace { segment },
            None => e,
        },
        e => e,
    }
}

fn parse<'t>(token: &'t str, options: &JweOptions) -> Result<Parsed<'t>> {
    let [header, encrypted_key, iv, ciphertext, tag] = split(token, options.max_bytes)?;
    let protected = json::parse_object(&b64::decode(header)?)?;
    Ok(Parsed {
        protected_b64: Cow::Borrowed(header),
        protected,
        shared: Map::new(),
        recipients: vec![Recipient {
            header: Map::new(),
            encrypted_key: b64::decode(encrypted_key)?,
        }],
        iv: b64::decode(iv)?,
        ciphertext: b64::decode(ciphertext)?,
        tag: b64::decode(tag)?,
        aad: None,
    })
}

/// Decrypts a compact JWE.
///
/// Rejects: anything but five parts (a three-part JWS in particular), headers with duplicate
/// members, an `alg` or `enc` no key allows, a non-understood `crit`, and every failure to
/// decrypt as the one [`Error::Decryption`].
pub fn decrypt_compact(
    token: &str,
    keys: &(impl DecryptionKeySource + ?Sized),
    options: &JweOptions,
) -> Result<DecryptedJwe> {
    parse(token, options)
        .map_err(|e| explain(token, e))?
        .decrypt(keys, options)
}

/// Decodes a compact JWE's protected header *without decrypting anything*, for routing (which
/// key, which algorithm) and diagnostics.
pub fn decode_header_unverified(token: &str) -> Result<JweHeader> {
    let [header, ..] = split(token, super::DEFAULT_MAX_JWE_BYTES).map_err(|e| explain(token, e))?;
    b64::decode(header)
        .and_then(|h| JweHeader::from_json(&h))
        .map_err(|e| explain(token, e))
}
