//! The JWE JSON serializations (RFC 7516 §7.2): general (several recipients) and flattened.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::b64;
use crate::error::{Error, Result};
use crate::json;

use super::{DecryptedJwe, DecryptionKeySource, JweOptions, Parsed, Recipient};

/// Most recipients accepted in one general-JSON JWE.
pub const MAX_RECIPIENTS: usize = 16;

fn text(top: &mut Map<String, Value>, name: &'static str) -> Result<Option<String>> {
    match top.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::Json(format!("`{name}` must be a string"))),
    }
}

fn object(top: &mut Map<String, Value>, name: &'static str) -> Result<Map<String, Value>> {
    match top.remove(name) {
        None => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(Error::Json(format!("`{name}` must be an object"))),
    }
}

fn binary(top: &mut Map<String, Value>, name: &'static str) -> Result<Vec<u8>> {
    match text(top, name)? {
        Some(s) => b64::decode(s),
        None => Ok(Vec::new()),
    }
}

fn recipient(mut r: Map<String, Value>) -> Result<Recipient> {
    Ok(Recipient {
        header: object(&mut r, "header")?,
        encrypted_key: binary(&mut r, "encrypted_key")?,
    })
}

fn parse(bytes: &[u8], options: &JweOptions) -> Result<Parsed<'static>> {
    if bytes.len() > options.max_bytes {
        return Err(Error::TooLarge {
            what: "JWE",
            limit: options.max_bytes,
        });
    }
    let mut top = json::parse_object(bytes)?;
    if !top.contains_key("ciphertext")
        && ["payload", "signatures", "signature"]
            .iter()
            .any(|m| top.contains_key(*m))
    {
        return Err(Error::Malformed("a JWS was given to the JWE API"));
    }
    let protected_b64 = text(&mut top, "protected")?.unwrap_or_default();
    let protected = if protected_b64.is_empty() {
        Map::new()
    } else {
        json::parse_object(&b64::decode(&protected_b64)?)?
    };
    let shared = object(&mut top, "unprotected")?;
    let flat = top.contains_key("header") || top.contains_key("encrypted_key");
    let recipients = match top.remove("recipients") {
        Some(_) if flat => {
            return Err(Error::Malformed("both general and flattened JWE members"));
        }
        Some(Value::Array(rs)) => {
            if rs.is_empty() || rs.len() > MAX_RECIPIENTS {
                return Err(Error::Malformed("`recipients` must hold 1 to 16 entries"));
            }
            rs.into_iter()
                .map(|r| match r {
                    Value::Object(r) => recipient(r),
                    _ => Err(Error::Json("`recipients` entries must be objects".into())),
                })
                .collect::<Result<Vec<_>>>()?
        }
        Some(_) => return Err(Error::Json("`recipients` must be an array".into())),
        None => vec![Recipient {
            header: object(&mut top, "header")?,
            encrypted_key: binary(&mut top, "encrypted_key")?,
        }],
    };
    let ciphertext =
        text(&mut top, "ciphertext")?.ok_or(Error::Malformed("a JWE without `ciphertext`"))?;
    let aad = match text(&mut top, "aad")? {
        Some(a) => {
            let decoded = b64::decode(&a)?;
            Some((a, decoded))
        }
        None => None,
    };
    Ok(Parsed {
        protected_b64: Cow::Owned(protected_b64),
        protected,
        shared,
        recipients,
        iv: binary(&mut top, "iv")?,
        ciphertext: b64::decode(ciphertext)?,
        tag: binary(&mut top, "tag")?,
        aad,
    })
}

/// Decrypts a JWE in either JSON serialization (general or flattened, RFC 7516 §7.2).
///
/// The recipients are tried in order with the keys that match their `alg` and `kid`; the
/// first that decrypts wins ([`DecryptedJwe::recipient_index`]). Member names must be
/// disjoint across the protected header, the shared `unprotected` header and each
/// recipient's `header` (§7.2.1), `zip` and `crit` must be protected, and a JWS given here is
/// refused as such.
pub fn decrypt_json(
    json: impl AsRef<[u8]>,
    keys: &(impl DecryptionKeySource + ?Sized),
    options: &JweOptions,
) -> Result<DecryptedJwe> {
    parse(json.as_ref(), options)?.decrypt(keys, options)
}
