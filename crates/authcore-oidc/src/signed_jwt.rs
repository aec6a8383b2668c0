//! The JWT rules every signed token from the provider passes: ID tokens (OpenID Connect Core
//! 1.0 §3.1.3.7), logout tokens (Back-Channel Logout 1.0 §2.6) and signed UserInfo responses
//! (Core §5.3.2). The signature with the allow-listed algorithms, `iss`, and the generic claim
//! checks (`exp`, `nbf`, `iat`, `aud`) live here once; the generic checks themselves are
//! `authcore_jose::jwt::Validation`'s, so a token gets the same answer here as from
//! `authcore_jose::jwt::verify`. Each token kind adds its own checks on top (nonce, hashes,
//! `auth_time`, `events`, ...).

use authcore_jose::jwt::{NumericDate, Validation};
use authcore_jose::{
    AlgorithmFamily, Error as JoseError, JwsAlgorithm, JwsHeader, JwsOptions, KeySource, UnixTime,
    ValidationError, VerifyingKeys, jws,
};
use serde_json::{Map, Value};

use crate::error::{Error, Result, TokenError};

/// How `iss` is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IssuerCheck {
    /// Exactly this string (OpenID Connect Core 1.0 §3.1.3.7 step 2).
    Exact(String),
    /// A template (Microsoft's multi-tenant `https://login.microsoftonline.com/{tenantid}/v2.0`):
    /// `iss` must equal the template with `placeholder` replaced by the token's `claim`.
    Template {
        template: String,
        placeholder: String,
        claim: String,
    },
}

/// The time claims of a token as NumericDates (RFC 7519 §2: fractions kept), read next to its
/// typed claims, for [`TokenRules::check_claims`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TimeClaims {
    pub(crate) exp: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
}

/// What every token from one provider to one client is checked against.
pub(crate) struct TokenRules {
    pub(crate) issuer: IssuerCheck,
    pub(crate) client_id: String,
    pub(crate) algorithms: Vec<JwsAlgorithm>,
    /// Keys made from the client secret for the allowed HMAC algorithms (Core §10.1).
    pub(crate) hmac_keys: VerifyingKeys,
    pub(crate) jws: JwsOptions,
    /// `exp`, `nbf`, `iat` (future, and within the window) with the leeway; `aud` holding the
    /// client id and otherwise only trusted audiences (Core §3.1.3.7 steps 3, 9, 10).
    pub(crate) validation: Validation,
    /// Signed UserInfo (Core §5.3.2): `aud`, when present, holds the client id.
    pub(crate) userinfo: Validation,
}

impl TokenRules {
    /// Rules for tokens from `issuer` to `client_id`, accepting `RS256` only, with the default
    /// window for `iat` and no leeway.
    pub(crate) fn new(issuer: String, client_id: String, iat_window: u64) -> Self {
        let userinfo = Validation::new()
            .required_claims::<_, String>([])
            .audience(client_id.as_str());
        let mut rules = TokenRules {
            issuer: IssuerCheck::Exact(issuer),
            client_id,
            algorithms: vec![JwsAlgorithm::RS256],
            hmac_keys: VerifyingKeys::new(),
            jws: JwsOptions::default(),
            validation: Validation::new(),
            userinfo,
        };
        rules.set_claim_rules(0, iat_window, &[]);
        rules
    }

    /// Rebuilds the claim checks from the verifier's settings.
    pub(crate) fn set_claim_rules(&mut self, leeway: u64, iat_window: u64, trusted: &[String]) {
        // Presence is the typed claims' business (each token kind requires its own set).
        let mut v = Validation::new()
            .required_claims::<_, String>([])
            .leeway(leeway)
            .max_age(iat_window)
            .audience(self.client_id.as_str())
            .reject_untrusted_audiences();
        for a in trusted {
            v = v.trust_audience(a.as_str());
        }
        self.validation = v;
    }

    /// The refusal of header algorithm `alg`, naming the accepted ones.
    fn not_allowed(&self, alg: String) -> Error {
        TokenError::AlgorithmNotAllowed {
            alg,
            allowed: self.algorithms.clone(),
        }
        .into()
    }

    /// Verifies a compact JWS whose header `alg` must be in the allow-list: with `keys`, or
    /// with the client-secret keys for HMAC algorithms. An unknown `kid` becomes
    /// [`TokenError::UnknownKeyId`].
    pub(crate) fn verify_signature(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
    ) -> Result<jws::VerifiedJws> {
        let algorithms = &self.algorithms;
        let first = match jws::verify_compact(token, keys, &self.jws) {
            Ok(v) => {
                if !algorithms.contains(&v.header.alg) {
                    return Err(self.not_allowed(v.header.alg.name().to_owned()));
                }
                return Ok(v);
            }
            Err(e) => e,
        };
        match first {
            JoseError::AlgorithmNotAllowed { alg: name, .. } => {
                let alg: Option<JwsAlgorithm> = name.parse().ok();
                match alg {
                    Some(a) if algorithms.contains(&a) && a.family() == AlgorithmFamily::Hmac => {
                        Ok(
                            jws::verify_compact(token, &self.hmac_keys, &self.jws).map_err(
                                |e| match e {
                                    JoseError::AlgorithmNotAllowed { .. } => Error::Misuse(
                                        "an HMAC algorithm is allowed but no client secret is set",
                                    ),
                                    other => Error::Jose(other),
                                },
                            )?,
                        )
                    }
                    // Allowed, but the key set has no key of it (yet): a rotation to a new key.
                    Some(a) if algorithms.contains(&a) => unknown_key(token, keys),
                    _ => Err(self.not_allowed(name)),
                }
            }
            JoseError::NoMatchingKey => unknown_key(token, keys),
            other => Err(other.into()),
        }
    }

    /// Checks `iss` (exactly, or against the template with the claim from `extra`).
    pub(crate) fn check_issuer(
        &self,
        iss: &str,
        extra: &Map<String, Value>,
    ) -> Result<(), TokenError> {
        let expected = match &self.issuer {
            IssuerCheck::Exact(i) => {
                if iss == i {
                    return Ok(());
                }
                i.clone()
            }
            IssuerCheck::Template {
                template,
                placeholder,
                claim,
            } => {
                let value = extra.get(claim.as_str()).and_then(|v| v.as_str());
                match value {
                    // The substituted value must be one path segment of safe characters.
                    Some(v)
                        if !v.is_empty()
                            && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
                    {
                        let expected = template.replace(placeholder.as_str(), v);
                        if iss == expected {
                            return Ok(());
                        }
                        expected
                    }
                    _ => template.clone(),
                }
            }
        };
        Err(TokenError::Issuer {
            expected,
            received: iss.to_owned(),
        })
    }

    /// `aud` and `azp` (Core §3.1.3.7 steps 3-5), then `exp`, `iat` and `nbf` against `now`
    /// (steps 9-10), through the one JWT validation of `authcore_jose`.
    pub(crate) fn check_claims(
        &self,
        aud: &[String],
        azp: Option<&str>,
        times: TimeClaims,
        now: UnixTime,
    ) -> Result<()> {
        self.validation
            .validate_audience(Some(aud))
            .map_err(|e| self.claims_error(e))?;
        // Steps 4-5: an audience besides the client needs `azp`; an `azp` must be the client.
        // (`aud` holds the client id here, so a single audience is the client alone.)
        let distinct = aud.len() > 1 && aud.iter().any(|a| *a != self.client_id);
        match azp {
            None if distinct => return Err(TokenError::AzpRequired.into()),
            Some(p) if p != self.client_id => {
                return Err(TokenError::AzpMismatch {
                    received: p.to_owned(),
                }
                .into());
            }
            _ => {}
        }
        self.validation
            .validate_times(times.exp, times.nbf, times.iat, now)
            .map_err(|e| self.claims_error(e))
    }

    /// The `aud` of a signed UserInfo response, when present, holds the client id (§5.3.2).
    pub(crate) fn check_userinfo_audience(&self, aud: &[String]) -> Result<(), TokenError> {
        self.userinfo
            .validate_audience(Some(aud))
            .map_err(|e| match self.claims_error(e) {
                Error::Token(t) => t,
                _ => TokenError::AudienceMissingClient {
                    client_id: self.client_id.clone(),
                },
            })
    }

    /// A rejection by the JWT validation, in this crate's terms.
    fn claims_error(&self, e: JoseError) -> Error {
        let JoseError::Validation(v) = e else {
            return e.into();
        };
        let t = match v {
            ValidationError::Expired { now, exp } => TokenError::Expired { now, exp },
            ValidationError::NotYetValid { now, nbf } => TokenError::NotYetValid { now, nbf },
            ValidationError::IssuedInFuture { now, iat } => TokenError::IssuedInFuture { now, iat },
            ValidationError::TooOld { now, iat, max_age } => TokenError::IssuedTooLongAgo {
                now,
                iat,
                window: max_age,
            },
            ValidationError::Audience => TokenError::AudienceMissingClient {
                client_id: self.client_id.clone(),
            },
            ValidationError::UntrustedAudience(a) => TokenError::UntrustedAudience(a),
            ValidationError::MissingClaim(c) => TokenError::MissingClaim(c),
            ValidationError::WrongType(c) => TokenError::WrongType(c),
            other => return JoseError::Validation(other).into(),
        };
        t.into()
    }
}

/// No trusted key fits the token: [`TokenError::DroppedKey`] when its `kid` names a key the
/// source dropped (with the reason), [`TokenError::UnknownKeyId`] when it is not in the set
/// at all, else [`JoseError::NoMatchingKey`]. Only the failure path looks at the header
/// again.
fn unknown_key(token: &str, keys: &(impl KeySource + ?Sized)) -> Result<jws::VerifiedJws> {
    match jws::decode_header_unverified(token) {
        Ok(JwsHeader { kid: Some(kid), .. })
            if !keys
                .verifying_keys()
                .iter()
                .any(|k| k.kid() == Some(kid.as_str())) =>
        {
            Err(match keys.skipped_key(&kid) {
                Some(skipped) => TokenError::DroppedKey {
                    reason: skipped.reason.clone(),
                    kid,
                },
                None => TokenError::UnknownKeyId(kid),
            }
            .into())
        }
        _ => Err(JoseError::NoMatchingKey.into()),
    }
}
