//! DPoP proof verification (RFC 9449 §4.3), for the token endpoint and the resource server.
//!
//! [`DpopVerifier::verify`] runs every check of RFC 9449 §4.3 that needs no stored data: one
//! `DPoP` header, `typ` `dpop+jwt`, an allowed asymmetric `alg`, a public `jwk` that verifies
//! the signature, `htm` and `htu` (normalized as the client side writes it,
//! [`authcore_oauth2::normalize_htu`]), `iat` within the window, `ath` when an access token is
//! presented, and the server nonce when the policy demands one. What it cannot decide alone,
//! whether the `jti` was seen before, it hands back as [`VerifiedDpopProof::replay_id`]: the
//! endpoint asks for a replay check (`Need::ReplayCheck`) and records it with a conditional
//! insert that expires at [`VerifiedDpopProof::replay_until`].
//!
//! Server nonces (RFC 9449 §8, §9) are stateless here: [`DpopNonces`] issues a nonce that is
//! a MAC over the current time window under a server secret and accepts nonces of the current
//! and the previous window, so no nonce needs storing.

use core::fmt;

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{
    AlgorithmFamily, Jwk, JwsAlgorithm, JwsHeader, JwsSigner, SigningKey, UnixTime, VerifyingKey,
    b64, jws, jwt,
};
use authcore_oauth2::{
    DPOP, DPOP_PROOF_TYP, ErrorCode, ErrorResponse, access_token_hash, is_nonce_syntax,
    normalize_htu,
};
use http::{HeaderMap, Method};

use crate::config::DpopSettings;
use crate::token::DpopBinding;
use subtle::ConstantTimeEq;

/// Largest `DPoP` header value accepted, in bytes: a proof with an RSA 4096 `jwk` is about
/// 1.5 KiB.
pub const MAX_DPOP_PROOF_BYTES: usize = 8 * 1024;

/// Longest `jti` accepted, in bytes: it is stored for replay detection, so it is bounded.
pub const MAX_DPOP_JTI_BYTES: usize = 256;

/// Why a proof was refused. Each maps to the RFC 9449 error code the endpoint answers with:
/// [`DpopError::UseNonce`] to `use_dpop_nonce`, everything else to `invalid_dpop_proof`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DpopError {
    /// No `DPoP` header where one is needed.
    Missing,
    /// More than one `DPoP` header (RFC 9449 §4.3 step 1).
    Multiple,
    /// The proof broke a rule of RFC 9449 §4.3; the text says which.
    Invalid(&'static str),
    /// The policy demands a server nonce and the proof has none, or a stale one (RFC 9449
    /// §8, §9): the client retries with the nonce of the `DPoP-Nonce` response header.
    UseNonce,
    /// The proof's `jti` was already used (RFC 9449 §11.1): reported by the endpoint after the
    /// replay check, never by [`DpopVerifier::verify`] itself.
    Replayed,
}

impl DpopError {
    /// The RFC 9449 §7 / §8 error code.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            DpopError::UseNonce => ErrorCode::UseDpopNonce,
            _ => ErrorCode::InvalidDpopProof,
        }
    }

    /// A human-readable reason, for `error_description`.
    pub fn description(&self) -> &'static str {
        match self {
            DpopError::Missing => "a DPoP proof is required",
            DpopError::Multiple => "more than one DPoP header",
            DpopError::Invalid(why) => why,
            DpopError::UseNonce => "the DPoP proof needs the server's current nonce",
            DpopError::Replayed => "the DPoP proof was already used",
        }
    }

    /// The token endpoint's error response (RFC 9449 §5, §8: 400 with `invalid_dpop_proof`
    /// or `use_dpop_nonce`); the caller adds the `DPoP-Nonce` header for
    /// [`DpopError::UseNonce`].
    pub fn to_error_response(&self) -> ErrorResponse {
        ErrorResponse::new(self.error_code()).with_description(self.description())
    }
}

impl fmt::Display for DpopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_code(), self.description())
    }
}

impl std::error::Error for DpopError {}

/// The request a proof must match: its method (`htm`), its absolute URI as the client
/// addressed it (`htu`; the adapter or the configuration knows the external origin, a request
/// line often carries only the path), and for resource requests the access token (`ath`).
#[derive(Debug, Clone, Copy)]
pub struct ProofTarget<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The absolute request URI; query and fragment are ignored (RFC 9449 §4.3 step 9).
    pub uri: &'a str,
    /// The access token presented with the request, at a resource server (RFC 9449 §7.1).
    pub access_token: Option<&'a str>,
}

/// A proof that passed every check of [`DpopVerifier::verify`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VerifiedDpopProof {
    /// The RFC 7638 SHA-256 thumbprint of the proof's key: the `cnf.jkt` of tokens bound to
    /// it (RFC 9449 §6.1) and what `dpop_jkt` is compared with (§10).
    pub jkt: String,
    /// The proof's `jti`.
    pub jti: String,
    /// The proof's `iat` (whole seconds).
    pub iat: u64,
    /// The public key of the proof.
    pub jwk: Jwk,
    /// Until when the proof's `jti` must be remembered: after it, the `iat` check refuses the
    /// proof anyway.
    pub replay_until: UnixTime,
}

impl VerifiedDpopProof {
    /// The identifier to check and record for replay detection (RFC 9449 §11.1): the `jti`
    /// scoped by the key, so two clients' `jti`s never collide.
    pub fn replay_id(&self) -> String {
        format!("dpop:{}:{}", self.jkt, self.jti)
    }

    /// What the token endpoint binds its tokens to and records single use
    /// ([`crate::TokenEndpoint::with_dpop`], RFC 9449 §5).
    pub fn token_endpoint_binding(&self) -> DpopBinding {
        DpopBinding {
            jkt: self.jkt.clone(),
            replay_key: self.replay_id(),
            expires_at: self.replay_until,
        }
    }

    /// Whether the proof's key is the one a token or code is bound to (`cnf.jkt`, RFC 9449
    /// §6.1; `dpop_jkt`, §10), compared in constant time.
    pub fn key_matches(&self, jkt: &str) -> bool {
        self.jkt.as_bytes().ct_eq(jkt.as_bytes()).into()
    }
}

/// Verifies proofs under the server's [`DpopSettings`] (accepted algorithms, the `iat`
/// window) and, optionally, its server nonces. Cheap to build for each request.
#[derive(Debug, Clone, Copy)]
pub struct DpopVerifier<'a> {
    settings: &'a DpopSettings,
    nonces: Option<&'a DpopNonces>,
}

impl<'a> DpopVerifier<'a> {
    /// A verifier under `settings`, without server nonces.
    pub fn new(settings: &'a DpopSettings) -> Self {
        DpopVerifier {
            settings,
            nonces: None,
        }
    }

    /// Demands server nonces from `nonces` (RFC 9449 §8, §9).
    pub fn with_nonces(mut self, nonces: &'a DpopNonces) -> Self {
        self.nonces = Some(nonces);
        self
    }

    /// The accepted algorithms that are asymmetric, as announced to clients
    /// (`dpop_signing_alg_values_supported`, the `algs` of a resource server's challenge).
    pub fn announced_algs(&self) -> impl Iterator<Item = JwsAlgorithm> + 'a {
        self.settings
            .algorithms
            .iter()
            .copied()
            .filter(|a| a.family() != AlgorithmFamily::Hmac)
    }

    /// The nonce to send in a `DPoP-Nonce` header at `now`, when nonces are demanded.
    pub fn current_nonce(&self, now: UnixTime) -> Option<String> {
        self.nonces.map(|n| n.issue(now))
    }

    /// Verifies the `DPoP` header of a request (RFC 9449 §4.3 steps 1–12; the `jti` replay
    /// check is the caller's, through [`VerifiedDpopProof::replay_id`]). `Ok(None)` when the
    /// request carries no proof at all: the endpoint decides whether one was needed.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        target: &ProofTarget<'_>,
        now: UnixTime,
        provider: &CryptoProvider,
    ) -> Result<Option<VerifiedDpopProof>, DpopError> {
        let mut values = headers.get_all(DPOP).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(DpopError::Multiple);
        }
        if value.len() > MAX_DPOP_PROOF_BYTES {
            return Err(DpopError::Invalid("the DPoP proof is too large"));
        }
        let proof = value
            .to_str()
            .map_err(|_| DpopError::Invalid("the DPoP header is not a JWT"))?;
        self.verify_proof(proof, target, now, provider).map(Some)
    }

    /// Verifies one proof JWT (the value of the `DPoP` header).
    pub fn verify_proof(
        &self,
        proof: &str,
        target: &ProofTarget<'_>,
        now: UnixTime,
        provider: &CryptoProvider,
    ) -> Result<VerifiedDpopProof, DpopError> {
        // Step 2: a well-formed compact JWS; its header decides which key and algorithm.
        let header = jws::decode_header_unverified(proof)
            .map_err(|_| DpopError::Invalid("the DPoP proof is not a well-formed JWT"))?;
        // Step 4: explicit typing.
        if !header.typ_matches(DPOP_PROOF_TYP) {
            return Err(DpopError::Invalid("the DPoP proof's typ is not dpop+jwt"));
        }
        // Step 5: an asymmetric algorithm of the allow-list (`none` cannot even be parsed
        // as a JWS algorithm).
        if header.alg.family() == AlgorithmFamily::Hmac
            || !self.settings.algorithms.contains(&header.alg)
        {
            return Err(DpopError::Invalid(
                "the DPoP proof's alg is not an accepted asymmetric algorithm",
            ));
        }
        let jwk = proof_key(&header)?;
        let key = VerifyingKey::from_jwk(&jwk, Some(header.alg), provider)
            .map_err(|_| DpopError::Invalid("the DPoP proof's jwk does not fit its alg"))?;
        // Step 6 and 3: the signature, then the required claims. The `iat` window of step 11
        // is symmetric (RFC 9449 §11.1: "within an acceptable window"), checked below.
        let window = self.settings.iat_window;
        let validation = jwt::Validation::new()
            .required_claims(["jti", "iat", "htm", "htu"])
            .typ(DPOP_PROOF_TYP)
            .max_age(window)
            .allow_future_iat()
            .insecure_ignore_audience();
        let stale = DpopError::Invalid("the DPoP proof's iat is outside the accepted window");
        let verified = jwt::verify(proof, &key, &validation, now).map_err(|e| match e {
            authcore_jose::Error::Validation(authcore_jose::ValidationError::TooOld { .. }) => {
                stale.clone()
            }
            authcore_jose::Error::Validation(authcore_jose::ValidationError::MissingClaim(_)) => {
                DpopError::Invalid("the DPoP proof lacks jti, htm, htu or iat")
            }
            authcore_jose::Error::InvalidSignature => {
                DpopError::Invalid("the DPoP proof's signature does not verify")
            }
            _ => DpopError::Invalid("the DPoP proof is not a valid JWT"),
        })?;
        let iat = verified
            .claims
            .registered
            .iat
            .map(|d| d.secs())
            .unwrap_or_default();
        if iat > now.saturating_add(window).as_secs() {
            return Err(stale);
        }
        let claims = &verified.claims;
        let jti = claims.registered.jti.clone().unwrap_or_default();
        if jti.is_empty() || jti.len() > MAX_DPOP_JTI_BYTES {
            return Err(DpopError::Invalid(
                "the DPoP proof's jti is empty or too long",
            ));
        }
        // Step 8: the method, compared exactly (RFC 9110 §9.1: methods are case-sensitive).
        if string_claim(claims, "htm")? != target.method.as_str() {
            return Err(DpopError::Invalid(
                "the DPoP proof's htm is not the request method",
            ));
        }
        // Step 9: the URI without query and fragment, both sides in normal form.
        let expected = normalize_htu(target.uri)
            .ok_or(DpopError::Invalid("the request URI is not absolute"))?;
        match normalize_htu(string_claim(claims, "htu")?) {
            Some(htu) if htu == expected => {}
            _ => {
                return Err(DpopError::Invalid(
                    "the DPoP proof's htu is not the request URI",
                ));
            }
        }
        // Step 10: the server nonce, when the policy demands one.
        if let Some(nonces) = &self.nonces {
            match claims.extra.get("nonce") {
                Some(serde_json::Value::String(n)) if nonces.accepts(n, now) => {}
                Some(serde_json::Value::String(_)) | None => return Err(DpopError::UseNonce),
                Some(_) => {
                    return Err(DpopError::Invalid("the DPoP proof's nonce is not a string"));
                }
            }
        }
        // Step 12: `ath` binds a resource request's proof to the token presented with it.
        match (target.access_token, claims.extra.get("ath")) {
            (Some(token), Some(serde_json::Value::String(ath))) => {
                let expected = access_token_hash(provider, token);
                if !bool::from(expected.as_bytes().ct_eq(ath.as_bytes())) {
                    return Err(DpopError::Invalid(
                        "the DPoP proof's ath is not the hash of the access token",
                    ));
                }
            }
            (Some(_), _) => {
                return Err(DpopError::Invalid("the DPoP proof lacks a valid ath"));
            }
            (None, _) => {}
        }
        Ok(VerifiedDpopProof {
            jkt: jwk.thumbprint_sha256(provider),
            jti,
            iat,
            replay_until: UnixTime::from_secs(iat).saturating_add(window.saturating_add(1)),
            jwk,
        })
    }
}

/// Step 7: the `jwk` header, a public key only (RFC 9449 §4.2: it MUST NOT contain a private
/// key; a symmetric key is all private).
fn proof_key(header: &JwsHeader) -> Result<Jwk, DpopError> {
    let jwk = header
        .jwk
        .as_deref()
        .ok_or(DpopError::Invalid("the DPoP proof has no jwk header"))?;
    if jwk.is_private() {
        return Err(DpopError::Invalid(
            "the DPoP proof's jwk holds a private key",
        ));
    }
    let mut public = jwk.clone();
    // The key is the proof's own; `use`/`key_ops` written by the client say nothing the
    // signature check needs, and a verifier must not fail on them.
    public.key_use = None;
    public.key_ops = None;
    public.alg = None;
    Ok(public)
}

fn string_claim<'c>(claims: &'c jwt::Claims, name: &'static str) -> Result<&'c str, DpopError> {
    match claims.extra.get(name) {
        Some(serde_json::Value::String(s)) => Ok(s),
        _ => Err(DpopError::Invalid(
            "the DPoP proof's htm or htu is not a string",
        )),
    }
}

/// Stateless server nonces (RFC 9449 §8, §9): `<window>.<mac>`, a MAC under a server secret
/// over the number of the time window the nonce was issued in. A nonce is accepted during its
/// own window and the next one, so a client always has at least one full window to use it.
pub struct DpopNonces {
    mac: SigningKey,
    window: u64,
}

impl fmt::Debug for DpopNonces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopNonces")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl DpopNonces {
    /// Nonces under `secret` (at least 32 bytes, drawn by the caller's random generator and
    /// shared by every instance of the server), changing every `window_secs` seconds.
    pub fn new(
        secret: &[u8],
        window_secs: u64,
        provider: &CryptoProvider,
    ) -> Result<Self, authcore_jose::Error> {
        if window_secs == 0 {
            return Err(authcore_jose::Error::Misuse(
                "the nonce window must be positive",
            ));
        }
        Ok(DpopNonces {
            mac: SigningKey::hmac(JwsAlgorithm::HS256, secret, provider)?,
            window: window_secs,
        })
    }

    /// The nonce for `now`.
    pub fn issue(&self, now: UnixTime) -> String {
        self.nonce_for(now.as_secs() / self.window)
    }

    fn nonce_for(&self, window: u64) -> String {
        let counter = window.to_be_bytes();
        // HMAC over eight bytes cannot fail with a key the constructor accepted.
        let mac = self.mac.sign(&counter).unwrap_or_default();
        let nonce = format!("{}.{}", b64::encode(counter), b64::encode(mac));
        debug_assert!(is_nonce_syntax(&nonce));
        nonce
    }

    /// Whether `nonce` was issued in the window of `now` or the one before.
    pub fn accepts(&self, nonce: &str, now: UnixTime) -> bool {
        let current = now.as_secs() / self.window;
        [Some(current), current.checked_sub(1)]
            .into_iter()
            .flatten()
            .any(|w| bool::from(self.nonce_for(w).as_bytes().ct_eq(nonce.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::{InsecureTestRandom, crypto};
    use authcore_oauth2::{AccessToken, DpopKey};
    use http::HeaderValue;
    use serde_json::json;

    const URI: &str = "https://as.example/token";

    fn provider() -> &'static CryptoProvider {
        crypto::default_provider()
    }

    fn private_key(seed: u64) -> Jwk {
        let rng = InsecureTestRandom::new(seed);
        Jwk::generate(JwsAlgorithm::EdDSA, provider(), &rng).unwrap()
    }

    fn client_key() -> DpopKey {
        DpopKey::new(
            SigningKey::from_jwk(&private_key(1), None, provider()).unwrap(),
            provider(),
        )
        .unwrap()
    }

    fn headers(proof: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(DPOP, HeaderValue::from_str(proof).unwrap());
        h
    }

    fn target<'a>(method: &'a Method, token: Option<&'a str>) -> ProofTarget<'a> {
        ProofTarget {
            method,
            uri: URI,
            access_token: token,
        }
    }

    fn verify_at(
        policy: &DpopVerifier<'_>,
        proof: &str,
        t: ProofTarget<'_>,
        now: u64,
    ) -> Result<Option<VerifiedDpopProof>, DpopError> {
        policy.verify(&headers(proof), &t, UnixTime::from_secs(now), provider())
    }

    /// A proof signed by the client key with hand-written header and claims, for the checks
    /// the client's builder never breaks.
    fn custom(header: JwsHeader, claims: serde_json::Value) -> String {
        let signer = SigningKey::from_jwk(&private_key(1), None, provider()).unwrap();
        jwt::encode(&header, &claims, &signer).unwrap()
    }

    fn header() -> JwsHeader {
        JwsHeader::new(JwsAlgorithm::EdDSA)
            .with_typ(DPOP_PROOF_TYP)
            .with_jwk(private_key(1).to_public().unwrap())
    }

    fn claims(now: u64) -> serde_json::Value {
        json!({"jti": "j1", "htm": "POST", "htu": URI, "iat": now})
    }

    #[test]
    fn the_clients_proof_verifies() {
        let key = client_key();
        let rng = InsecureTestRandom::new(5);
        let proof = key
            .proof(
                "POST",
                "https://AS.example:443/token?x=1#f",
                None,
                None,
                UnixTime::from_secs(1000),
                &rng,
            )
            .unwrap();
        let v = verify_at(
            &DpopVerifier::new(&DpopSettings::default()),
            &proof,
            target(&Method::POST, None),
            1010,
        )
        .unwrap()
        .unwrap();
        assert_eq!(v.jkt, key.jkt());
        assert!(v.key_matches(key.jkt()));
        assert!(!v.key_matches("other"));
        assert_eq!(v.iat, 1000);
        assert_eq!(v.replay_until, UnixTime::from_secs(1061));
        assert!(v.replay_id().starts_with("dpop:"));
        assert!(!v.jwk.is_private());
    }

    #[test]
    fn no_header_is_none_and_two_are_refused() {
        let settings = DpopSettings::default();
        let p = DpopVerifier::new(&settings);
        let t = target(&Method::POST, None);
        assert_eq!(
            p.verify(&HeaderMap::new(), &t, UnixTime::from_secs(1), provider()),
            Ok(None)
        );
        let proof = custom(header(), claims(1000));
        let mut h = headers(&proof);
        h.append(DPOP, HeaderValue::from_str(&proof).unwrap());
        assert_eq!(
            p.verify(&h, &t, UnixTime::from_secs(1000), provider()),
            Err(DpopError::Multiple)
        );
    }

    #[test]
    fn wrong_htm_and_htu_are_refused() {
        let settings = DpopSettings::default();
        let p = DpopVerifier::new(&settings);
        let proof = custom(header(), claims(1000));
        assert_eq!(
            verify_at(&p, &proof, target(&Method::POST, None), 1000).map(|v| v.is_some()),
            Ok(true)
        );
        assert_eq!(
            verify_at(&p, &proof, target(&Method::GET, None), 1000),
            Err(DpopError::Invalid(
                "the DPoP proof's htm is not the request method"
            ))
        );
        let mut other = target(&Method::POST, None);
        other.uri = "https://as.example/other";
        assert_eq!(
            verify_at(&p, &proof, other, 1000),
            Err(DpopError::Invalid(
                "the DPoP proof's htu is not the request URI"
            ))
        );
        // Query and fragment are ignored, case and default port normalized.
        let mut c = claims(1000);
        c["htu"] = "HTTPS://as.EXAMPLE:443/token?a=b#c".into();
        assert!(verify_at(&p, &custom(header(), c), target(&Method::POST, None), 1000).is_ok());
        let mut c = claims(1000);
        c["htm"] = "post".into();
        assert!(verify_at(&p, &custom(header(), c), target(&Method::POST, None), 1000).is_err());
        let mut c = claims(1000);
        c["htu"] = 7.into();
        assert!(verify_at(&p, &custom(header(), c), target(&Method::POST, None), 1000).is_err());
    }

    #[test]
    fn stale_and_future_iat_are_refused() {
        let settings = DpopSettings::default();
        let p = DpopVerifier::new(&settings);
        let proof = custom(header(), claims(1000));
        let t = || target(&Method::POST, None);
        assert!(verify_at(&p, &proof, t(), 1060).is_ok());
        let stale = Err(DpopError::Invalid(
            "the DPoP proof's iat is outside the accepted window",
        ));
        assert_eq!(verify_at(&p, &proof, t(), 1061), stale);
        assert!(verify_at(&p, &proof, t(), 940).is_ok());
        assert_eq!(verify_at(&p, &proof, t(), 939), stale);
    }

    #[test]
    fn header_rules() {
        let settings = DpopSettings::default();
        let p = DpopVerifier::new(&settings);
        let t = || target(&Method::POST, None);
        // Wrong or missing typ.
        let mut h = header();
        h.typ = Some("JWT".into());
        assert!(verify_at(&p, &custom(h, claims(1000)), t(), 1000).is_err());
        let mut h = header();
        h.typ = None;
        assert!(verify_at(&p, &custom(h, claims(1000)), t(), 1000).is_err());
        // A private key in `jwk`.
        let h = header().with_jwk(private_key(1));
        assert_eq!(
            verify_at(&p, &custom(h, claims(1000)), t(), 1000),
            Err(DpopError::Invalid(
                "the DPoP proof's jwk holds a private key"
            ))
        );
        // No `jwk`.
        let mut h = header();
        h.jwk = None;
        assert!(verify_at(&p, &custom(h, claims(1000)), t(), 1000).is_err());
        // A `jwk` that is not the signer's key: the signature does not verify.
        let h = header().with_jwk(private_key(2).to_public().unwrap());
        assert_eq!(
            verify_at(&p, &custom(h, claims(1000)), t(), 1000),
            Err(DpopError::Invalid(
                "the DPoP proof's signature does not verify"
            ))
        );
        // An algorithm outside the allow-list.
        let es256 = DpopSettings {
            algorithms: vec![JwsAlgorithm::ES256],
            ..Default::default()
        };
        let only_es256 = DpopVerifier::new(&es256);
        assert!(verify_at(&only_es256, &custom(header(), claims(1000)), t(), 1000).is_err());
        // Not a JWT at all; oversized.
        assert!(verify_at(&p, "a.b.c", t(), 1000).is_err());
        let big = "a".repeat(MAX_DPOP_PROOF_BYTES + 1);
        assert_eq!(
            verify_at(&p, &big, t(), 1000),
            Err(DpopError::Invalid("the DPoP proof is too large"))
        );
    }

    #[test]
    fn hmac_and_none_are_refused() {
        let settings = DpopSettings {
            algorithms: vec![JwsAlgorithm::HS256, JwsAlgorithm::EdDSA],
            ..Default::default()
        };
        let p = DpopVerifier::new(&settings);
        let t = || target(&Method::POST, None);
        let mac = SigningKey::hmac(JwsAlgorithm::HS256, &[1u8; 32], provider()).unwrap();
        let h = JwsHeader::new(JwsAlgorithm::HS256)
            .with_typ(DPOP_PROOF_TYP)
            .with_jwk(Jwk::symmetric([1u8; 32]));
        let proof = jwt::encode(&h, &claims(1000), &mac).unwrap();
        assert_eq!(
            verify_at(&p, &proof, t(), 1000),
            Err(DpopError::Invalid(
                "the DPoP proof's alg is not an accepted asymmetric algorithm"
            ))
        );
        assert_eq!(
            p.announced_algs().collect::<Vec<_>>(),
            [JwsAlgorithm::EdDSA]
        );
        let none = format!(
            "{}.{}.",
            b64::encode(
                serde_json::to_vec(&json!({"alg": "none", "typ": "dpop+jwt",
                    "jwk": private_key(1).to_public().unwrap()}))
                .unwrap()
            ),
            b64::encode(serde_json::to_vec(&claims(1000)).unwrap())
        );
        assert!(verify_at(&p, &none, t(), 1000).is_err());
    }

    #[test]
    fn required_claims() {
        let settings = DpopSettings::default();
        let p = DpopVerifier::new(&settings);
        let t = || target(&Method::POST, None);
        for name in ["jti", "htm", "htu", "iat"] {
            let mut c = claims(1000);
            c.as_object_mut().unwrap().remove(name);
            assert!(
                verify_at(&p, &custom(header(), c), t(), 1000).is_err(),
                "{name}"
            );
        }
        let mut c = claims(1000);
        c["jti"] = "x".repeat(MAX_DPOP_JTI_BYTES + 1).into();
        assert!(verify_at(&p, &custom(header(), c), t(), 1000).is_err());
    }

    #[test]
    fn ath_binds_the_access_token() {
        let settings = DpopSettings::default();
        let p = DpopVerifier::new(&settings);
        let key = client_key();
        let rng = InsecureTestRandom::new(9);
        let token = AccessToken::new("tok-123");
        let proof = key
            .proof(
                "GET",
                URI,
                Some(&token),
                None,
                UnixTime::from_secs(1000),
                &rng,
            )
            .unwrap();
        assert!(verify_at(&p, &proof, target(&Method::GET, Some("tok-123")), 1000).is_ok());
        assert_eq!(
            verify_at(&p, &proof, target(&Method::GET, Some("tok-456")), 1000),
            Err(DpopError::Invalid(
                "the DPoP proof's ath is not the hash of the access token"
            ))
        );
        // A proof without `ath` presented with a token.
        let plain = key
            .proof("GET", URI, None, None, UnixTime::from_secs(1000), &rng)
            .unwrap();
        assert_eq!(
            verify_at(&p, &plain, target(&Method::GET, Some("tok-123")), 1000),
            Err(DpopError::Invalid("the DPoP proof lacks a valid ath"))
        );
    }

    #[test]
    fn server_nonces() {
        let nonces = DpopNonces::new(&[3u8; 32], 100, provider()).unwrap();
        let n = nonces.issue(UnixTime::from_secs(1050));
        assert!(is_nonce_syntax(&n));
        assert!(nonces.accepts(&n, UnixTime::from_secs(1000)));
        assert!(nonces.accepts(&n, UnixTime::from_secs(1199)));
        assert!(!nonces.accepts(&n, UnixTime::from_secs(1200)));
        assert!(!nonces.accepts(&n, UnixTime::from_secs(999)));
        assert!(!nonces.accepts("made-up", UnixTime::from_secs(1050)));
        let other = DpopNonces::new(&[4u8; 32], 100, provider()).unwrap();
        assert!(!other.accepts(&n, UnixTime::from_secs(1050)));
        assert!(DpopNonces::new(&[3u8; 32], 0, provider()).is_err());

        let settings = DpopSettings::default();
        let p = DpopVerifier::new(&settings).with_nonces(&nonces);
        let key = client_key();
        let rng = InsecureTestRandom::new(2);
        let now = UnixTime::from_secs(1050);
        let t = || target(&Method::POST, None);
        let without = key.proof("POST", URI, None, None, now, &rng).unwrap();
        assert_eq!(verify_at(&p, &without, t(), 1050), Err(DpopError::UseNonce));
        let stale = key
            .proof("POST", URI, None, Some("stale"), now, &rng)
            .unwrap();
        assert_eq!(verify_at(&p, &stale, t(), 1050), Err(DpopError::UseNonce));
        let current = p.current_nonce(now).unwrap();
        let with = key
            .proof("POST", URI, None, Some(&current), now, &rng)
            .unwrap();
        assert!(verify_at(&p, &with, t(), 1050).is_ok());
        assert_eq!(DpopError::UseNonce.error_code(), ErrorCode::UseDpopNonce);
        assert_eq!(
            DpopError::Replayed.to_error_response().error,
            ErrorCode::InvalidDpopProof
        );
    }
}
