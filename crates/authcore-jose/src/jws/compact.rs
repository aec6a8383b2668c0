//! The JWS compact serialization (RFC 7515 §7.1), with detached (Appendix F) and unencoded
//! (RFC 7797) payloads.

use crate::alg::JwsAlgorithm;
use crate::b64;
use crate::error::{Error, Result};
use crate::keys::{JwsSigner, KeySource, VerifyingKey, not_allowed};

use super::{
    DEFAULT_MAX_JWS_BYTES, JwsHeader, JwsOptions, VerifiedJws, check_crit, mark_unencoded,
    protected_b64, sign_input, verify_signature,
};

/// The three parts of a compact JWS, split but not yet trusted.
struct CompactParts<'a> {
    header_b64: &'a str,
    payload_b64: &'a str,
    signature_b64: &'a str,
    signing_input: &'a str,
}

/// Splits a compact JWS into exactly three parts.
fn split_compact(token: &str, max: usize) -> Result<CompactParts<'_>> {
    let parts = split_compact_ends(token, max)?;
    if parts.payload_b64.contains('.') {
        return Err(too_many_parts(parts.payload_b64));
    }
    Ok(parts)
}

/// Splits a compact JWS at its first and last `.`, without looking at the payload part in
/// between (see [`split_compact`]).
#[inline]
fn split_compact_ends(token: &str, max: usize) -> Result<CompactParts<'_>> {
    if token.len() > max {
        return Err(Error::TooLarge {
            what: "JWS",
            limit: max,
        });
    }
    // The header and the signature are short, so both ends are found quickly. A stray `.` in
    // the payload part makes the payload invalid base64url.
    let (Some(d1), Some(d2)) = (token.find('.'), token.rfind('.')) else {
        return Err(Error::Malformed("a compact JWS has three parts"));
    };
    if d1 == d2 {
        return Err(Error::Malformed("a compact JWS has three parts"));
    }
    let payload = &token[d1 + 1..d2];
    Ok(CompactParts {
        header_b64: &token[..d1],
        payload_b64: payload,
        signature_b64: &token[d2 + 1..],
        signing_input: &token[..d2],
    })
}

/// The error for a compact token whose middle part `payload` holds more dots.
#[cold]
fn too_many_parts(payload: &str) -> Error {
    // Five parts is JWE compact (RFC 7516 §7.1); anything else is garbage.
    if payload.matches('.').count() == 2 {
        Error::Malformed("a JWE was given to the JWS API")
    } else {
        Error::Malformed("a compact JWS has three parts")
    }
}

/// The names of a compact JWS's parts, in order (RFC 7515 §7.1).
const PART_NAMES: [&str; 3] = ["header", "payload", "signature"];

/// Makes a failure to read a compact JWS say what to do about it: a token that does not
/// decode or verify because it holds whitespace says so and names the part; an `alg` this crate does
/// not know lists the algorithms the keys do verify (as any other refused `alg` does).
#[cold]
fn explain(token: &str, keys: &[VerifyingKey], e: Error) -> Error {
    match e {
        // A signature over a part with whitespace in it cannot verify either; the whitespace
        // is then the useful answer (it says nothing about the keys).
        Error::Base64 | Error::Malformed(_) | Error::InvalidSignature => {
            match b64::whitespace_part(token, &PART_NAMES) {
                Some(segment) => Error::Whitespace { segment },
                None => e,
            }
        }
        Error::AlgorithmNotAllowed { alg, allowed } if allowed.is_empty() => not_allowed(alg, keys),
        e => e,
    }
}

/// [`explain`] where no keys are involved.
#[cold]
fn explain_unverified(token: &str, e: Error) -> Error {
    explain(token, &[], e)
}

/// Header JSON up to this size is decoded on the stack.
const HEADER_STACK_BYTES: usize = 256;

/// Signatures up to this size (RSA-4096) are decoded on the stack.
const SIGNATURE_STACK_BYTES: usize = 512;

/// The work of [`verify_compact`], filling in `header` and `payload` in place (whatever they
/// held before: every member comes from the token).
#[inline]
pub(crate) fn verify_compact_into(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
    header: &mut JwsHeader,
    payload: &mut Vec<u8>,
) -> Result<()> {
    let parts = split_compact_ends(token, options.max_bytes)
        .map_err(|e| explain(token, keys.verifying_keys(), e))?;
    let result = verify_parts(&parts, keys, options, header, payload);
    if result.is_err() && parts.payload_b64.contains('.') {
        // More than three parts: reported as such whatever else failed first.
        return Err(explain(
            token,
            keys.verifying_keys(),
            too_many_parts(parts.payload_b64),
        ));
    }
    result.map_err(|e| explain(token, keys.verifying_keys(), e))
}

/// Verifies split compact parts. A payload part holding a stray `.` (a token of more than
/// three parts) always fails here, at the latest when the payload is decoded.
#[inline]
fn verify_parts(
    parts: &CompactParts<'_>,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
    header: &mut JwsHeader,
    payload: &mut Vec<u8>,
) -> Result<()> {
    let (mut stack, mut heap) = ([0u8; HEADER_STACK_BYTES], Vec::new());
    let header_json = b64::decode_buffered(parts.header_b64.as_bytes(), &mut stack, &mut heap)?;
    header.read_json(header_json)?;
    if header.crit.is_some() || header.b64.is_some() {
        check_crit(header, &|n| header.contains(n), options, false)?;
    }
    let (mut stack, mut heap) = ([0u8; SIGNATURE_STACK_BYTES], Vec::new());
    let signature = b64::decode_buffered(parts.signature_b64.as_bytes(), &mut stack, &mut heap)?;
    verify_signature(keys, header, parts.signing_input.as_bytes(), signature)?;
    *payload = b64::decode(parts.payload_b64)?;
    Ok(())
}

/// Verifies a compact JWS with an attached, base64url-encoded payload.
///
/// Rejects: anything but three parts (a five-part JWE in particular), headers with duplicate
/// members, `alg` values no trusted key has (including `none`), non-understood `crit`, and
/// `b64: false` (use [`verify_detached`]).
pub fn verify_compact(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<VerifiedJws> {
    let mut out = VerifiedJws {
        header: JwsHeader::new(JwsAlgorithm::HS256),
        payload: Vec::new(),
        signature_index: 0,
    };
    verify_compact_into(token, keys, options, &mut out.header, &mut out.payload)?;
    Ok(out)
}

/// Verifies a compact JWS whose payload travels separately (RFC 7515 Appendix F), including
/// RFC 7797 unencoded payloads (`b64: false`, which must then be listed in `crit`).
///
/// The token's payload part must be empty.
pub fn verify_detached(
    token: &str,
    payload: &[u8],
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<JwsHeader> {
    verify_detached_parts(token, payload, keys, options)
        .map_err(|e| explain(token, keys.verifying_keys(), e))
}

fn verify_detached_parts(
    token: &str,
    payload: &[u8],
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<JwsHeader> {
    let parts = split_compact(token, options.max_bytes)?;
    if !parts.payload_b64.is_empty() {
        return Err(Error::Malformed("a detached JWS has an empty payload part"));
    }
    let header = JwsHeader::from_json(&b64::decode(parts.header_b64)?)?;
    check_crit(&header, &|n| header.contains(n), options, true)?;
    let signature = b64::decode(parts.signature_b64)?;
    let input = detached_signing_input(parts.header_b64, payload, header.payload_is_encoded());
    verify_signature(keys, &header, &input, &signature)?;
    Ok(header)
}

/// Verifies a compact JWS whose attached payload may be unencoded (RFC 7797 §5.2: `b64:
/// false` listed in `crit`, the payload part carried as is, which then cannot contain `.`).
/// The plain [`verify_compact`] refuses `b64: false` so that a caller not expecting raw
/// payloads never receives one; this is the explicit opt-in. Encoded payloads verify here too.
pub fn verify_compact_unencoded(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<VerifiedJws> {
    verify_compact_unencoded_parts(token, keys, options)
        .map_err(|e| explain(token, keys.verifying_keys(), e))
}

fn verify_compact_unencoded_parts(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    options: &JwsOptions,
) -> Result<VerifiedJws> {
    let parts = split_compact(token, options.max_bytes)?;
    let header = JwsHeader::from_json(&b64::decode(parts.header_b64)?)?;
    check_crit(&header, &|n| header.contains(n), options, true)?;
    let signature = b64::decode(parts.signature_b64)?;
    // The signing input is the token up to the last `.`, whatever the payload encoding.
    verify_signature(keys, &header, parts.signing_input.as_bytes(), &signature)?;
    let payload = if header.payload_is_encoded() {
        b64::decode(parts.payload_b64)?
    } else {
        parts.payload_b64.as_bytes().to_vec()
    };
    Ok(VerifiedJws {
        header,
        payload,
        signature_index: 0,
    })
}

pub(super) fn detached_signing_input(header_b64: &str, payload: &[u8], encoded: bool) -> Vec<u8> {
    let mut input = Vec::with_capacity(header_b64.len() + 1 + payload.len() * 4 / 3 + 4);
    input.extend_from_slice(header_b64.as_bytes());
    input.push(b'.');
    if encoded {
        let mut s = String::new();
        b64::encode_into(payload, &mut s);
        input.extend_from_slice(s.as_bytes());
    } else {
        input.extend_from_slice(payload);
    }
    input
}

/// Signs `payload` into a compact JWS. The header's `alg` must be the signer's; a missing
/// `kid` is taken from the signer. `b64: false` headers are refused here (use
/// [`sign_compact_detached`]).
pub fn sign_compact(header: &JwsHeader, payload: &[u8], signer: &dyn JwsSigner) -> Result<String> {
    if !header.payload_is_encoded() {
        return Err(Error::Misuse("`b64: false` needs sign_compact_detached"));
    }
    let mut out = protected_b64(header, signer)?;
    out.push('.');
    b64::encode_into(payload, &mut out);
    let sig = sign_input(signer, out.as_bytes())?;
    out.push('.');
    b64::encode_into(sig, &mut out);
    Ok(out)
}

/// Signs a detached payload into a compact JWS with an empty payload part. With
/// `unencoded = true` the payload is signed as is (RFC 7797): `b64: false` is set and `b64`
/// added to `crit`.
pub fn sign_compact_detached(
    header: &JwsHeader,
    payload: &[u8],
    signer: &dyn JwsSigner,
    unencoded: bool,
) -> Result<String> {
    let mut header = header.clone();
    if unencoded {
        mark_unencoded(&mut header);
    }
    let h = protected_b64(&header, signer)?;
    let input = detached_signing_input(&h, payload, header.payload_is_encoded());
    let sig = sign_input(signer, &input)?;
    Ok(format!("{h}..{}", b64::encode(sig)))
}

/// Decodes a compact JWS header *without verifying anything*, for routing and diagnostics.
pub fn decode_header_unverified(token: &str) -> Result<JwsHeader> {
    let parts =
        split_compact(token, DEFAULT_MAX_JWS_BYTES).map_err(|e| explain_unverified(token, e))?;
    b64::decode(parts.header_b64)
        .and_then(|h| JwsHeader::from_json(&h))
        .map_err(|e| explain_unverified(token, e))
}

/// Decodes a compact JWS header and payload *without verifying anything*.
pub fn decode_unverified(token: &str) -> Result<(JwsHeader, Vec<u8>)> {
    decode_unverified_parts(token).map_err(|e| explain_unverified(token, e))
}

fn decode_unverified_parts(token: &str) -> Result<(JwsHeader, Vec<u8>)> {
    let parts = split_compact(token, DEFAULT_MAX_JWS_BYTES)?;
    let header = JwsHeader::from_json(&b64::decode(parts.header_b64)?)?;
    b64::decode(parts.signature_b64)?;
    Ok((header, b64::decode(parts.payload_b64)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alg::JwsAlgorithm;
    use crate::keys::{SigningKey, VerifyingKey};

    #[test]
    fn headers_and_signatures_larger_than_the_stack_buffers() {
        let provider = crate::crypto::default_provider();
        let secret = [3u8; 32];
        let signer = SigningKey::hmac(JwsAlgorithm::HS256, &secret, provider).unwrap();
        let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &secret, provider).unwrap();
        let opts = JwsOptions::default();
        // A header of about 1 KiB (beyond the stack buffer), escaped and plain.
        for (kid, decoded) in [
            ("k".repeat(1000), "k".repeat(1000)),
            (
                format!("{}\\u0041", "k".repeat(600)),
                format!("{}A", "k".repeat(600)),
            ),
        ] {
            let json = format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#);
            assert!(json.len() > HEADER_STACK_BYTES);
            let h = b64::encode(&json);
            let input = format!("{h}.{}", b64::encode(b"payload"));
            let sig = signer.sign(input.as_bytes()).unwrap();
            let token = format!("{input}.{}", b64::encode(&sig));
            let v = verify_compact(&token, &key, &opts).unwrap();
            assert_eq!(v.payload, b"payload");
            assert_eq!(v.header.kid, Some(decoded));
            // The same header with a repeated (escaped) member is still rejected.
            let dup = format!(r#"{{"alg":"HS256","kid":"{kid}","k\u0069d":"x"}}"#);
            let input = format!("{}.{}", b64::encode(&dup), b64::encode(b"payload"));
            let sig = signer.sign(input.as_bytes()).unwrap();
            let token = format!("{input}.{}", b64::encode(&sig));
            assert!(matches!(
                verify_compact(&token, &key, &opts),
                Err(Error::Json(_))
            ));
        }
        // A signature part longer than the stack buffer decodes on the heap, then fails the
        // length check; a malformed one fails decoding.
        let token = sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"p", &signer).unwrap();
        let cut = token.rfind('.').unwrap();
        let long = format!("{}.{}", &token[..cut], b64::encode([7u8; 700]));
        assert_eq!(
            verify_compact(&long, &key, &opts),
            Err(Error::InvalidSignature)
        );
        let bad = format!("{}.{}=", &token[..cut], b64::encode([7u8; 700]));
        assert_eq!(verify_compact(&bad, &key, &opts), Err(Error::Base64));
    }

    #[test]
    fn compact_splitting() {
        let key = VerifyingKey::hmac(
            JwsAlgorithm::HS256,
            &[3u8; 32],
            crate::crypto::default_provider(),
        )
        .unwrap();
        let opts = JwsOptions::default();
        let three = Err(Error::Malformed("a compact JWS has three parts"));
        for t in ["", "abc", "a.b", "a.b.c.d", "a.b.c.d.e.f", "....", "......"] {
            let expected = if t.matches('.').count() == 4 {
                Err(Error::Malformed("a JWE was given to the JWS API"))
            } else {
                three.clone()
            };
            assert_eq!(verify_compact(t, &key, &opts), expected, "{t}");
        }
    }
}
