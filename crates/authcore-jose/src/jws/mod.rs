//! JSON Web Signature (RFC 7515) with unencoded payloads (RFC 7797).
//!
//! Serializations: compact, flattened JSON and general JSON (several signatures); detached
//! payloads; `b64: false` only through the detached/unencoded entry points
//! ([`verify_detached`], [`sign_compact_detached`], [`JwsJson::verify_detached`],
//! [`JwsJson::verify_unencoded`]) and only when listed in `crit`. Keys come from the caller's [`KeySource`]: `jwk`, `jku`, `x5u` and
//! `x5c` header parameters are parsed but never used to find a key.
//!
//! ```
//! use authcore_jose::{crypto, jws, JwsAlgorithm, JwsHeader, SigningKey, VerifyingKey};
//! let provider = crypto::default_provider();
//! let secret = [7u8; 32];
//! let signer = SigningKey::hmac(JwsAlgorithm::HS256, &secret, provider)?;
//! let token = jws::sign_compact(&JwsHeader::new(JwsAlgorithm::HS256), b"hello", &signer)?;
//!
//! let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &secret, provider)?;
//! let verified = jws::verify_compact(&token, &key, &jws::JwsOptions::default())?;
//! assert_eq!(verified.payload, b"hello");
//! # Ok::<(), authcore_jose::Error>(())
//! ```
//!
//! The module is split by concept: [`JwsHeader`] and its readers (`header`), the compact
//! serialization (`compact`) and the JSON serializations (`json_serialization`); what they
//! share (options, the `crit` rules, the signature check, signing helpers) lives here.

mod compact;
mod header;
mod json_serialization;

pub(crate) use compact::verify_compact_into;
pub use compact::{
    decode_header_unverified, decode_unverified, sign_compact, sign_compact_detached,
    verify_compact, verify_compact_unencoded, verify_detached,
};
pub use header::JwsHeader;
pub use json_serialization::{JwsJson, JwsJsonSignature, MAX_SIGNATURES, SignatureSpec, sign_json};

use serde_json::Value;

use crate::b64;
use crate::error::{Error, Result};
use crate::keys::{JwsSigner, KeySource, candidates};
pub(crate) use header::REGISTERED_HEADER_NAMES;

/// Default limit on the size of a JWS in any serialization.
pub const DEFAULT_MAX_JWS_BYTES: usize = 256 * 1024;

/// Verification options shared by every JWS entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwsOptions {
    /// Extension header parameters the application understands and processes, which a `crit`
    /// header may therefore list. Empty by default: any other `crit` entry is rejected.
    pub understood_crit: Vec<String>,
    /// Largest accepted JWS, in bytes.
    pub max_bytes: usize,
}

impl Default for JwsOptions {
    fn default() -> Self {
        JwsOptions {
            understood_crit: Vec::new(),
            max_bytes: DEFAULT_MAX_JWS_BYTES,
        }
    }
}

/// A JWS whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJws {
    /// The header (protected and unprotected, merged) of the signature that verified.
    pub header: JwsHeader,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// Which signature verified (always 0 for compact and flattened serializations).
    pub signature_index: usize,
}

/// Checks `crit` (RFC 7515 §4.1.11, RFC 7797 §6) and the placement of `b64`.
///
/// `protected` is the set of names in the integrity-protected header; `unencoded_api` says
/// whether the caller is the detached/unencoded entry point, the only one that processes `b64`.
pub(super) fn check_crit(
    header: &JwsHeader,
    protected: &dyn Fn(&str) -> bool,
    options: &JwsOptions,
    unencoded_api: bool,
) -> Result<()> {
    if header.b64.is_some() {
        if !protected("b64") {
            return Err(Error::Header("`b64` must be integrity protected".into()));
        }
        if !header
            .crit
            .as_ref()
            .is_some_and(|c| c.iter().any(|n| n == "b64"))
        {
            return Err(Error::Crit("`b64` must be listed in `crit`".into()));
        }
        if header.b64 == Some(false) && !unencoded_api {
            return Err(Error::Header(
                "`b64: false` is only accepted by the detached/unencoded API".into(),
            ));
        }
    }
    let Some(crit) = &header.crit else {
        return Ok(());
    };
    check_crit_names(crit, protected, &|name| {
        name == "b64" || options.understood_crit.iter().any(|u| u == name)
    })
}

/// The `crit` rules JWS and JWE share (RFC 7515 §4.1.11, RFC 7516 §4.1.13): `crit` itself is
/// integrity protected, not empty and without repeats; it lists no registered header
/// parameter; every name in it is understood by the application and present in the
/// protected header.
pub(crate) fn check_crit_names(
    crit: &[String],
    protected: &dyn Fn(&str) -> bool,
    understood: &dyn Fn(&str) -> bool,
) -> Result<()> {
    if !protected("crit") {
        return Err(Error::Crit("`crit` must be integrity protected".into()));
    }
    if crit.is_empty() {
        return Err(Error::Crit("empty list".into()));
    }
    for (i, name) in crit.iter().enumerate() {
        if crit[..i].contains(name) {
            return Err(Error::Crit(format!("`{name}` listed twice")));
        }
        if REGISTERED_HEADER_NAMES.contains(&name.as_str()) {
            return Err(Error::Crit(format!(
                "`{name}` is a registered header parameter"
            )));
        }
        if !understood(name) {
            return Err(Error::Crit(format!("`{name}` is not understood")));
        }
        if !protected(name) {
            return Err(Error::Crit(format!(
                "`{name}` is not in the protected header"
            )));
        }
    }
    Ok(())
}

pub(super) fn verify_signature(
    keys: &(impl KeySource + ?Sized),
    header: &JwsHeader,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<()> {
    let mut tried = false;
    for key in candidates(keys.verifying_keys(), header.alg, header.kid.as_deref())? {
        tried = true;
        if key.verify(signing_input, signature).is_ok() {
            return Ok(());
        }
    }
    if tried {
        Err(Error::InvalidSignature)
    } else {
        Err(Error::NoMatchingKey)
    }
}

pub(super) fn protected_b64(header: &JwsHeader, signer: &dyn JwsSigner) -> Result<String> {
    if header.alg != signer.algorithm() {
        return Err(Error::Misuse(
            "the header `alg` differs from the signer's algorithm",
        ));
    }
    let mut map = header.to_map();
    if header.kid.is_none() {
        if let Some(kid) = signer.key_id() {
            map.insert("kid".into(), kid.into());
        }
    }
    Ok(b64::encode(Value::Object(map).to_string()))
}

pub(super) fn sign_input(signer: &dyn JwsSigner, input: &[u8]) -> Result<Vec<u8>> {
    let sig = signer.sign(input)?;
    if let Some(len) = signer.algorithm().fixed_signature_len() {
        if sig.len() != len {
            // An external ECDSA signer returning DER lands here.
            return Err(Error::Crypto);
        }
    }
    Ok(sig)
}

pub(super) fn mark_unencoded(header: &mut JwsHeader) {
    header.b64 = Some(false);
    let crit = header.crit.get_or_insert_with(Vec::new);
    if !crit.iter().any(|c| c == "b64") {
        crit.push("b64".into());
    }
}
