//! The JWS JSON serializations (RFC 7515 §7.2): general (several signatures) and flattened.

use serde_json::{Map, Value};

use crate::b64;
use crate::error::{Error, Result};
use crate::json;
use crate::keys::{JwsSigner, KeySource};

use super::compact::detached_signing_input;
use super::{
    JwsHeader, JwsOptions, VerifiedJws, check_crit, mark_unencoded, protected_b64, sign_input,
    verify_signature,
};

/// A JWS in the JSON serialization (RFC 7515 §7.2), flattened or general.
#[derive(Debug, Clone, PartialEq)]
pub struct JwsJson {
    /// The `payload` member as it appears (base64url, or raw for `b64: false`); `None` when
    /// detached.
    pub payload: Option<String>,
    /// The signatures.
    pub signatures: Vec<JwsJsonSignature>,
    /// Whether the input was the flattened syntax.
    pub flattened: bool,
}

/// One signature of a JSON-serialized JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct JwsJsonSignature {
    /// The `protected` member (base64url of the protected header), if present.
    pub protected: Option<String>,
    /// The protected header, parsed.
    pub protected_header: Map<String, Value>,
    /// The unprotected `header` member.
    pub header: Map<String, Value>,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Most signatures accepted in one general-JSON JWS.
pub const MAX_SIGNATURES: usize = 16;

impl JwsJson {
    /// Parses either JSON serialization, strictly.
    pub fn parse(bytes: &[u8], options: &JwsOptions) -> Result<Self> {
        if bytes.len() > options.max_bytes {
            return Err(Error::TooLarge {
                what: "JWS",
                limit: options.max_bytes,
            });
        }
        let mut top = json::parse_object(bytes)?;
        if top.contains_key("ciphertext") {
            // RFC 7516 §7.2.1: `ciphertext` is the one member every JWE JSON serialization has.
            return Err(Error::Malformed("a JWE was given to the JWS API"));
        }
        let payload = match top.remove("payload") {
            None => None,
            Some(Value::String(p)) => Some(p),
            Some(_) => return Err(Error::Malformed("`payload` must be a string")),
        };
        let flattened_members = ["protected", "header", "signature"];
        let has_flat = flattened_members.iter().any(|m| top.contains_key(*m));
        let general = top.contains_key("signatures");
        let signatures = match top.remove("signatures") {
            Some(_) if has_flat => {
                return Err(Error::Malformed("both general and flattened JWS members"));
            }
            Some(Value::Array(sigs)) => {
                if sigs.is_empty() || sigs.len() > MAX_SIGNATURES {
                    return Err(Error::Malformed("`signatures` must hold 1 to 16 entries"));
                }
                sigs.into_iter()
                    .map(|s| match s {
                        Value::Object(s) => parse_signature(s),
                        _ => Err(Error::Malformed("signature entries must be objects")),
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            Some(_) => return Err(Error::Malformed("`signatures` must be an array")),
            None => {
                let mut s = Map::new();
                for m in flattened_members {
                    if let Some(v) = top.remove(m) {
                        s.insert(m.to_owned(), v);
                    }
                }
                vec![parse_signature(s)?]
            }
        };
        Ok(JwsJson {
            payload,
            signatures,
            flattened: !general,
        })
    }

    /// Verifies: succeeds when at least one signature verifies with a trusted key (RFC 7515
    /// §7.2 leaves the policy to the application; this is the common one). Every signature's
    /// header is checked (`crit`, disjointness) before any is trusted.
    pub fn verify(
        &self,
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        let Some(payload) = &self.payload else {
            return Err(Error::Misuse(
                "detached payload: use JwsJson::verify_detached",
            ));
        };
        self.verify_inner(payload.as_bytes(), None, false, keys, options)
    }

    /// Verifies a JSON JWS whose attached payload may be unencoded (RFC 7797 §4.2: `b64:
    /// false`, listed in `crit`, the `payload` member holding the payload as is). This is the
    /// only attached-payload entry point that processes `b64: false`; [`JwsJson::verify`]
    /// refuses it so that a caller not expecting raw payloads never receives one. Encoded
    /// payloads verify here too.
    pub fn verify_unencoded(
        &self,
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        let Some(payload) = &self.payload else {
            return Err(Error::Misuse(
                "detached payload: use JwsJson::verify_detached",
            ));
        };
        self.verify_inner(payload.as_bytes(), None, true, keys, options)
    }

    /// Verifies a JSON JWS whose payload is supplied separately (raw bytes; encoded here when
    /// the header does not say `b64: false`).
    pub fn verify_detached(
        &self,
        payload: &[u8],
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        if self.payload.is_some() {
            return Err(Error::Malformed("payload is attached"));
        }
        self.verify_inner(payload, Some(payload), true, keys, options)
    }

    fn verify_inner(
        &self,
        payload_member: &[u8],
        detached: Option<&[u8]>,
        unencoded_api: bool,
        keys: &(impl KeySource + ?Sized),
        options: &JwsOptions,
    ) -> Result<VerifiedJws> {
        let mut headers = Vec::with_capacity(self.signatures.len());
        for sig in &self.signatures {
            let header = merged_header(sig)?;
            let protected = |n: &str| sig.protected_header.contains_key(n);
            check_crit(&header, &protected, options, unencoded_api)?;
            headers.push(header);
        }
        // Every signature must agree on `b64` (RFC 7797 §3).
        let encoded = headers[0].payload_is_encoded();
        if headers.iter().any(|h| h.payload_is_encoded() != encoded) {
            return Err(Error::Header("signatures disagree on `b64`".into()));
        }
        let mut last = Error::NoMatchingKey;
        for (i, (sig, header)) in self.signatures.iter().zip(headers).enumerate() {
            let protected_b64 = sig.protected.as_deref().unwrap_or("");
            let input = match detached {
                Some(p) => detached_signing_input(protected_b64, p, encoded),
                None => {
                    let mut v = Vec::with_capacity(protected_b64.len() + 1 + payload_member.len());
                    v.extend_from_slice(protected_b64.as_bytes());
                    v.push(b'.');
                    v.extend_from_slice(payload_member);
                    v
                }
            };
            match verify_signature(keys, &header, &input, &sig.signature) {
                Ok(()) => {
                    let payload = match detached {
                        Some(p) => p.to_vec(),
                        None if encoded => b64::decode(payload_member)?,
                        None => payload_member.to_vec(),
                    };
                    return Ok(VerifiedJws {
                        header,
                        payload,
                        signature_index: i,
                    });
                }
                Err(
                    e @ (Error::InvalidSignature
                    | Error::NoMatchingKey
                    | Error::AlgorithmNotAllowed { .. }),
                ) => {
                    // Prefer reporting a signature failure over "no key" when both happened.
                    if !matches!(last, Error::InvalidSignature) {
                        last = e;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }
}

fn parse_signature(mut s: Map<String, Value>) -> Result<JwsJsonSignature> {
    let protected = match s.remove("protected") {
        None => None,
        Some(Value::String(p)) => Some(p),
        Some(_) => return Err(Error::Malformed("`protected` must be a string")),
    };
    let protected_header = match &protected {
        Some(p) => json::parse_object(&b64::decode(p)?)?,
        None => Map::new(),
    };
    let header = match s.remove("header") {
        None => Map::new(),
        Some(Value::Object(h)) => h,
        Some(_) => return Err(Error::Malformed("`header` must be an object")),
    };
    let signature = match s.remove("signature") {
        Some(Value::String(sig)) => b64::decode(sig)?,
        _ => return Err(Error::Malformed("missing `signature`")),
    };
    if protected.is_none() && header.is_empty() {
        return Err(Error::Malformed(
            "a signature needs a protected or unprotected header",
        ));
    }
    Ok(JwsJsonSignature {
        protected,
        protected_header,
        header,
        signature,
    })
}

/// The JOSE header of one signature: the protected and unprotected headers, which must be
/// disjoint (RFC 7515 §7.2.1).
fn merged_header(sig: &JwsJsonSignature) -> Result<JwsHeader> {
    let mut merged = sig.protected_header.clone();
    for (k, v) in &sig.header {
        if merged.insert(k.clone(), v.clone()).is_some() {
            return Err(Error::Header(format!(
                "`{k}` is in both the protected and the unprotected header"
            )));
        }
    }
    JwsHeader::from_map(merged)
}

/// One signer's part of a JSON-serialized JWS.
pub struct SignatureSpec<'a> {
    /// The protected header (its `alg` must be the signer's).
    pub protected: JwsHeader,
    /// The unprotected header; must not share names with the protected one.
    pub unprotected: Map<String, Value>,
    /// The signer.
    pub signer: &'a dyn JwsSigner,
}

/// Signs `payload` into the general JSON serialization with one signature per spec
/// (RFC 7515 §7.2.1); with one spec and `flattened`, the flattened syntax (§7.2.2).
/// With `detached`, the `payload` member is omitted. Protected headers saying `b64: false`
/// sign the payload as is (RFC 7797; `b64` is added to `crit`; all signatures must agree, and
/// an attached unencoded payload must be UTF-8).
pub fn sign_json(
    payload: &[u8],
    specs: &[SignatureSpec<'_>],
    flattened: bool,
    detached: bool,
) -> Result<Value> {
    if specs.is_empty() || specs.len() > MAX_SIGNATURES || (flattened && specs.len() != 1) {
        return Err(Error::Misuse(
            "general JSON takes 1 to 16 signatures, flattened exactly 1",
        ));
    }
    // RFC 7797 §3: every signature of one JWS agrees on `b64`.
    let encoded = specs[0].protected.payload_is_encoded();
    if specs
        .iter()
        .any(|s| s.protected.payload_is_encoded() != encoded)
    {
        return Err(Error::Misuse("signatures must agree on `b64`"));
    }
    // RFC 7797 §5.2: an attached unencoded payload is a JSON string, so it must be UTF-8.
    // A detached unencoded payload is any bytes; only the signing input carries it.
    let payload_member: Vec<u8> = if encoded {
        b64::encode(payload).into_bytes()
    } else if detached {
        payload.to_vec()
    } else {
        std::str::from_utf8(payload)
            .map_err(|_| Error::Misuse("an attached unencoded payload must be UTF-8"))?;
        payload.to_vec()
    };
    let mut sigs = Vec::with_capacity(specs.len());
    for spec in specs {
        let mut protected = spec.protected.clone();
        if !encoded {
            mark_unencoded(&mut protected);
        }
        let prot = protected_b64(&protected, spec.signer)?;
        let prot_map = protected.to_map();
        if let Some(k) = spec.unprotected.keys().find(|k| prot_map.contains_key(*k)) {
            return Err(Error::Header(format!("`{k}` is in both headers")));
        }
        let mut input = Vec::with_capacity(prot.len() + 1 + payload_member.len());
        input.extend_from_slice(prot.as_bytes());
        input.push(b'.');
        input.extend_from_slice(&payload_member);
        let sig = sign_input(spec.signer, &input)?;
        let mut s = Map::new();
        s.insert("protected".into(), prot.into());
        if !spec.unprotected.is_empty() {
            s.insert("header".into(), Value::Object(spec.unprotected.clone()));
        }
        s.insert("signature".into(), b64::encode(sig).into());
        sigs.push(s);
    }
    let mut out = Map::new();
    if !detached {
        // Valid UTF-8: base64url text, or an attached payload checked above.
        out.insert(
            "payload".into(),
            String::from_utf8_lossy(&payload_member).into_owned().into(),
        );
    }
    if flattened {
        out.extend(sigs.pop().unwrap_or_default());
    } else {
        out.insert(
            "signatures".into(),
            sigs.into_iter().map(Value::Object).collect(),
        );
    }
    Ok(Value::Object(out))
}
