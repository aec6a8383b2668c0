//! Unsecured JWS (`alg: none`, RFC 7515 Appendix A.5, RFC 7519 §6).
//!
//! Kept apart on purpose: nothing in this module verifies anything, and no verifying API of
//! this crate accepts `none` (RFC 8725 §3.2). Use it only for tokens whose integrity is
//! guaranteed by other means, such as a TLS channel in a test harness.

use serde_json::{Map, Value};

use crate::b64;
use crate::error::{Error, Result};
use crate::json;

/// Encodes `payload` as an unsecured compact JWS (`{"alg":"none"}` plus `extra_header`),
/// with an empty signature.
pub fn encode_unsecured(extra_header: &Map<String, Value>, payload: &[u8]) -> Result<String> {
    if extra_header.contains_key("alg") {
        return Err(Error::Misuse(
            "the unsecured header's `alg` is always `none`",
        ));
    }
    let mut header = extra_header.clone();
    header.insert("alg".into(), "none".into());
    Ok(format!(
        "{}.{}.",
        b64::encode(Value::Object(header).to_string()),
        b64::encode(payload)
    ))
}

/// Decodes an unsecured compact JWS: the header must say `alg: none` and the signature part
/// must be empty. Returns the header and payload. Nothing is verified.
pub fn decode_unsecured(token: &str) -> Result<(Map<String, Value>, Vec<u8>)> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Malformed("a compact JWS has three parts"));
    };
    if !s.is_empty() {
        return Err(Error::Malformed("an unsecured JWS has an empty signature"));
    }
    let header = json::parse_object(&b64::decode(h)?)?;
    if header.get("alg") != Some(&Value::String("none".into())) {
        return Err(Error::Malformed("not an unsecured JWS"));
    }
    Ok((header, b64::decode(p)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let t = encode_unsecured(&Map::new(), b"{}").unwrap();
        assert_eq!(t, "eyJhbGciOiJub25lIn0.e30.");
        let (h, p) = decode_unsecured(&t).unwrap();
        assert_eq!(h["alg"], "none");
        assert_eq!(p, b"{}");
        assert!(decode_unsecured("eyJhbGciOiJub25lIn0.e30.AAAA").is_err());
        assert!(decode_unsecured("eyJhbGciOiJIUzI1NiJ9.e30.").is_err());
        let mut m = Map::new();
        m.insert("alg".into(), "HS256".into());
        assert!(encode_unsecured(&m, b"").is_err());
    }
}
