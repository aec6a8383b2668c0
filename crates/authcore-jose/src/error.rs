//! The crate's single error type.

use core::fmt;

use crate::alg::{Algorithm, JwsAlgorithm};
use crate::time::UnixTime;

/// Everything that can go wrong in `authcore-jose`.
///
/// The variants say who is at fault: the input was malformed ([`Error::Malformed`],
/// [`Error::Base64`], [`Error::Json`]), the caller misused the API ([`Error::Misuse`]),
/// a key cannot serve the request ([`Error::InvalidKey`], [`Error::KeyUsage`],
/// [`Error::UnsupportedAlgorithm`]), or a security check failed ([`Error::InvalidSignature`],
/// [`Error::Validation`], ...). Signature failures are deliberately opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input does not have the structure the specification requires.
    Malformed(&'static str),
    /// A base64url value is not strict, unpadded, canonical base64url (RFC 7515 §2).
    Base64,
    /// A JSON text is invalid, has a duplicate member name, is nested too deeply, or a member
    /// has the wrong JSON type.
    Json(String),
    /// The input is larger than the configured limit.
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The algorithm is unknown, not usable here, or not provided by the crypto provider.
    UnsupportedAlgorithm(String),
    /// The key material is unusable (wrong type or size, inconsistent, too short).
    InvalidKey(String),
    /// The key's `use` or `key_ops` does not permit the operation, or its `alg` differs.
    KeyUsage(String),
    /// The header names an algorithm the verifying keys do not allow (RFC 8725 §3.1).
    AlgorithmNotAllowed {
        /// The header's `alg`, as written.
        alg: String,
        /// The algorithms the trusted keys verify, in key order without repeats. Each key's
        /// algorithm is fixed when the key is built: its JWK's `alg`, or the allow-list given to
        /// `VerifyingKeys::from_jwk_set`.
        allowed: Vec<JwsAlgorithm>,
    },
    /// Building [`crate::VerifyingKeys`] from a JWK Set left no key at all: each entry was skipped
    /// for the reason given, so every token would later fail with "algorithm not allowed".
    NoUsableKeys {
        /// The allow-list the keys were built for.
        allowed: Vec<JwsAlgorithm>,
        /// Every entry of the set and why it was skipped, in document order.
        skipped: Vec<SkippedKey>,
        /// Entries that were not valid JWKs and whose reasons were not kept (the set was parsed
        /// by `JwkSet::from_json`, which only counts them); not in `skipped`.
        unparsed: usize,
    },
    /// A part of a compact serialization holds whitespace, which RFC 7515 §7.1 and RFC 7516
    /// §7.1 do not allow (usually a trailing newline from a file or a header copied with
    /// spaces around it).
    Whitespace {
        /// Which part: `header`, `payload`, `signature`, ...
        segment: &'static str,
    },
    /// No trusted key matches the header's `kid` and `alg`.
    NoMatchingKey,
    /// The signature does not verify. Deliberately carries no detail.
    InvalidSignature,
    /// A `crit` header parameter is not understood, or `crit` itself is malformed
    /// (RFC 7515 §4.1.11).
    Crit(String),
    /// A JWS header parameter is not acceptable (for example `b64` outside the unencoded API).
    Header(String),
    /// A JWT claim failed validation.
    Validation(ValidationError),
    /// The caller used the API in a way it does not allow.
    Misuse(&'static str),
    /// The crypto provider failed for a reason it did not explain.
    Crypto,
    /// A JWE did not decrypt. Deliberately carries no detail: a padding failure, a wrong tag
    /// and a failed key unwrap are indistinguishable (RFC 7516 §11.4, §11.5).
    Decryption,
    /// A JWE header names a key management `alg` or a content encryption `enc` that the
    /// decryption keys do not allow (RFC 8725 §3.1): the keys, not the header, decide.
    EncryptionAlgorithmNotAllowed {
        /// The header's `alg` or `enc`, as written.
        alg: String,
        /// What the decryption keys allow in its place (key management algorithms for an
        /// `alg`, content encryption algorithms for an `enc`), without repeats.
        allowed: Vec<Algorithm>,
    },
    /// Building [`crate::jwe::DecryptionKeys`] from a JWK Set left no key at all; each entry
    /// was skipped for the reason given.
    NoUsableDecryptionKeys {
        /// The key management and content encryption algorithms the keys were built for.
        allowed: Vec<Algorithm>,
        /// Every entry of the set and why it was skipped, in document order.
        skipped: Vec<SkippedKey>,
    },
}

/// Why JWT claims were rejected (RFC 7519 §4.1, RFC 8725).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// A required claim is absent.
    MissingClaim(&'static str),
    /// A claim is present but has the wrong JSON type (it is never treated as absent).
    WrongType(&'static str),
    /// `exp` is not after `now` (leeway included).
    Expired {
        /// The time the check used.
        now: UnixTime,
        /// The token's `exp`, in whole seconds (rounded down).
        exp: u64,
    },
    /// `nbf` is after `now` (leeway included).
    NotYetValid {
        /// The time the check used.
        now: UnixTime,
        /// The token's `nbf`, in whole seconds (rounded down).
        nbf: u64,
    },
    /// `iat` is after `now` (leeway included).
    IssuedInFuture {
        /// The time the check used.
        now: UnixTime,
        /// The token's `iat`, in whole seconds (rounded down).
        iat: u64,
    },
    /// `iat` is older than the configured maximum age.
    TooOld {
        /// The time the check used.
        now: UnixTime,
        /// The token's `iat`, in whole seconds (rounded down).
        iat: u64,
        /// The configured maximum age in seconds.
        max_age: u64,
    },
    /// `iss` is not one of the expected issuers.
    Issuer,
    /// `aud` does not contain an expected audience, or `aud` is present and no audience was
    /// configured.
    Audience,
    /// `aud` holds a value that is neither expected nor trusted (see
    /// `Validation::reject_untrusted_audiences`).
    UntrustedAudience(String),
    /// `sub` is not the expected subject.
    Subject,
    /// The header `typ` is not the expected type (RFC 8725 §3.11).
    Type,
    /// A claim check supplied by the caller failed.
    Custom(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed(what) => write!(f, "malformed input: {what}"),
            Error::Base64 => f.write_str("invalid base64url"),
            Error::Json(msg) => write!(f, "invalid JSON: {msg}"),
            Error::TooLarge { what, limit } => write!(f, "{what} exceeds {limit} bytes"),
            Error::UnsupportedAlgorithm(a) => write!(f, "unsupported algorithm: {a}"),
            Error::InvalidKey(m) => write!(f, "invalid key: {m}"),
            Error::KeyUsage(m) => write!(f, "key not permitted for this use: {m}"),
            Error::AlgorithmNotAllowed { alg, allowed } => {
                write!(f, "algorithm `{alg}` not allowed: ")?;
                if allowed.is_empty() {
                    f.write_str("there are no verifying keys")?;
                } else {
                    f.write_str("the verifying keys allow only ")?;
                    write_algorithms(f, allowed)?;
                }
                f.write_str(
                    " (each key's algorithm is its JWK's `alg` or, for a JWK without one, \
                     the allow-list the key set was built with)",
                )
            }
            Error::NoUsableKeys {
                allowed,
                skipped,
                unparsed,
            } => {
                f.write_str("no usable verifying key for the allow-list ")?;
                write_algorithms(f, allowed)?;
                if skipped.is_empty() && *unparsed == 0 {
                    return f.write_str(": the JWK Set has no keys");
                }
                f.write_str(":")?;
                for s in skipped {
                    write!(f, " {s};")?;
                }
                if *unparsed > 0 {
                    write!(f, " {unparsed} entries are not valid JWKs;")?;
                }
                Ok(())
            }
            Error::Whitespace { segment } => write!(
                f,
                "the {segment} part of the compact token contains whitespace, which is not \
                 allowed (RFC 7515 §7.1): trim the token (a trailing newline?)"
            ),
            Error::NoMatchingKey => f.write_str("no trusted key matches the token"),
            Error::InvalidSignature => f.write_str("invalid signature"),
            Error::Crit(m) => write!(f, "unacceptable crit header: {m}"),
            Error::Header(m) => write!(f, "unacceptable header: {m}"),
            Error::Validation(v) => write!(f, "claims rejected: {v}"),
            Error::Misuse(m) => write!(f, "API misuse: {m}"),
            Error::Crypto => f.write_str("crypto provider failure"),
            Error::Decryption => f.write_str("decryption failed"),
            Error::EncryptionAlgorithmNotAllowed { alg, allowed } => {
                write!(f, "JWE algorithm `{alg}` not allowed: ")?;
                if allowed.is_empty() {
                    return f.write_str("there are no decryption keys for it");
                }
                f.write_str("the decryption keys allow only ")?;
                for (i, a) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                Ok(())
            }
            Error::NoUsableDecryptionKeys { allowed, skipped } => {
                f.write_str("no usable decryption key for the allow-list")?;
                for a in allowed {
                    write!(f, " {a}")?;
                }
                if skipped.is_empty() {
                    return f.write_str(": the JWK Set has no keys");
                }
                f.write_str(":")?;
                for s in skipped {
                    write!(f, " {s};")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationError::MissingClaim(c) => write!(f, "missing required claim `{c}`"),
            ValidationError::WrongType(c) => write!(f, "claim `{c}` has the wrong JSON type"),
            ValidationError::Expired { now, exp } => {
                write!(f, "token expired (exp {exp}, now {})", now.as_secs())
            }
            ValidationError::NotYetValid { now, nbf } => {
                write!(f, "token not yet valid (nbf {nbf}, now {})", now.as_secs())
            }
            ValidationError::IssuedInFuture { now, iat } => {
                write!(
                    f,
                    "token issued in the future (iat {iat}, now {})",
                    now.as_secs()
                )
            }
            ValidationError::TooOld { now, iat, max_age } => write!(
                f,
                "token too old (iat {iat}, now {}, max age {max_age}s)",
                now.as_secs()
            ),
            ValidationError::Issuer => f.write_str("unexpected issuer"),
            ValidationError::Audience => f.write_str("audience not accepted"),
            ValidationError::UntrustedAudience(a) => write!(f, "untrusted audience `{a}`"),
            ValidationError::Subject => f.write_str("unexpected subject"),
            ValidationError::Type => f.write_str("unexpected typ header"),
            ValidationError::Custom(m) => write!(f, "{m}"),
        }
    }
}

/// Writes `[A, B]`.
fn write_algorithms(f: &mut fmt::Formatter<'_>, algs: &[JwsAlgorithm]) -> fmt::Result {
    f.write_str("[")?;
    for (i, a) in algs.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(a.name())?;
    }
    f.write_str("]")
}

/// A JWK Set entry that yielded no verifying key, and why (see [`Error::NoUsableKeys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Where the entry is in the set's `keys` array.
    pub index: usize,
    /// Its `kid`, if it has one that is a string.
    pub kid: Option<String>,
    /// Its `kty`, if it has one that is a string.
    pub kty: Option<String>,
    /// Its `alg`, if it has one that is a string.
    pub alg: Option<String>,
    /// Its `use`, if it has one that is a string.
    pub key_use: Option<String>,
    /// Why no key was built from it.
    pub reason: String,
}

impl fmt::Display for SkippedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "key #{}", self.index)?;
        for (name, v) in [
            ("kid", &self.kid),
            ("kty", &self.kty),
            ("alg", &self.alg),
            ("use", &self.key_use),
        ] {
            if let Some(v) = v {
                write!(f, " {name} `{v}`")?;
            }
        }
        write!(f, " skipped: {}", self.reason)
    }
}

impl std::error::Error for Error {}
impl std::error::Error for ValidationError {}

impl From<ValidationError> for Error {
    fn from(v: ValidationError) -> Self {
        Error::Validation(v)
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
