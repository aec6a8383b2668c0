//! ID token validation (OpenID Connect Core 1.0 §3.1.3.7, §3.2.2.11, §3.3.2.12, §12.2).

use core::fmt;

use authcore_jose::crypto::{self, CryptoProvider, Provider};
use authcore_jose::{
    AlgorithmFamily, Error as JoseError, JwsAlgorithm, JwsHeader, JwsOptions, KeySource, UnixTime,
    VerifyingKey, VerifyingKeys, b64, constant_time_eq, jws,
};
use authcore_oauth2::ClientSecret;

use crate::claims::IdTokenClaims;
use crate::error::{Error, Result, TokenError};
use crate::flow::ResponseType;

/// Default acceptance window for `iat`: an ID token issued more than this many seconds before
/// `now` is rejected (OpenID Connect Core 1.0 §3.1.3.7 step 10 leaves the bound to the client).
pub const DEFAULT_IAT_WINDOW: u64 = 600;

/// The hash claim value for `value` under the JWS algorithm `alg` (OpenID Connect Core 1.0
/// §3.1.3.6 `at_hash`, §3.3.2.11 `c_hash`): the base64url encoding of the left half of the
/// hash of the ASCII octets of `value`, with the hash function of `alg` (SHA-512 for
/// `EdDSA`/`Ed25519`).
///
/// ```
/// use authcore_jose::{crypto, JwsAlgorithm};
/// // OpenID Connect Core 1.0 §A.3: the at_hash of the example access token.
/// let h = authcore_oidc::token_hash(
///     JwsAlgorithm::RS256,
///     "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
///     crypto::default_provider(),
/// );
/// assert_eq!(h, "77QmUPtjPfzWtF2AnpK9RQ");
/// ```
pub fn token_hash(alg: JwsAlgorithm, value: &str, provider: &CryptoProvider) -> String {
    let digest = provider.digest(alg.digest(), value.as_bytes());
    b64::encode(&digest[..digest.len() / 2])
}

/// How the `iss` of an ID token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum IssuerCheck {
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

/// What the client knows about the request an ID token answers, for the request-specific
/// checks: `nonce`, `max_age`, essential `acr` values, and the values covered by `at_hash`,
/// `c_hash` and `s_hash`.
///
/// [`PendingAuthentication`](crate::PendingAuthentication) fills this in itself; build one
/// directly only when driving the checks by hand.
#[derive(Clone, Default)]
#[must_use]
pub struct IdTokenExpectations<'a> {
    front_channel: Option<ResponseType>,
    nonce: Option<&'a str>,
    max_age: Option<u64>,
    acr_values: &'a [String],
    access_token: Option<&'a str>,
    code: Option<&'a str>,
    state: Option<&'a str>,
    require_s_hash: bool,
}

impl fmt::Debug for IdTokenExpectations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenExpectations")
            .field("front_channel", &self.front_channel)
            .field("nonce", &self.nonce.map(|_| "[REDACTED]"))
            .field("max_age", &self.max_age)
            .field("acr_values", &self.acr_values)
            .finish_non_exhaustive()
    }
}

impl<'a> IdTokenExpectations<'a> {
    /// An ID token from the token endpoint (authorization code flow, or the second ID token of
    /// a hybrid flow).
    pub fn token_endpoint() -> Self {
        IdTokenExpectations::default()
    }

    /// An ID token from the authorization endpoint, in a response of `response_type` (implicit
    /// or hybrid): `nonce` is then required, and `at_hash`/`c_hash` as the type demands.
    pub fn authorization_endpoint(response_type: ResponseType) -> Self {
        IdTokenExpectations {
            front_channel: Some(response_type),
            ..IdTokenExpectations::default()
        }
    }

    /// The `nonce` sent in the authentication request.
    pub fn nonce(mut self, nonce: &'a str) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// The `max_age` sent: `auth_time` becomes required and must be recent enough.
    pub fn max_age(mut self, secs: u64) -> Self {
        self.max_age = Some(secs);
        self
    }

    /// `acr` values requested as essential: `acr` must be one of them.
    pub fn essential_acr_values(mut self, values: &'a [String]) -> Self {
        self.acr_values = values;
        self
    }

    /// The access token issued with the ID token, checked against `at_hash`.
    pub fn access_token(mut self, token: &'a str) -> Self {
        self.access_token = Some(token);
        self
    }

    /// The authorization code issued with the ID token, checked against `c_hash`.
    pub fn code(mut self, code: &'a str) -> Self {
        self.code = Some(code);
        self
    }

    /// The `state` of the response, checked against `s_hash` when present.
    pub fn state(mut self, state: &'a str) -> Self {
        self.state = Some(state);
        self
    }

    /// Requires `s_hash` (Financial-grade API 1.0 Part 2 §5.2.2.1, detached signature).
    pub fn require_s_hash(mut self) -> Self {
        self.require_s_hash = true;
        self
    }
}

/// Validates ID tokens for one client of one OpenID provider.
///
/// Built once (keys for an HMAC client secret are prepared here, not per token) and used for
/// every token. The checks are those of OpenID Connect Core 1.0 §3.1.3.7 (code flow),
/// §3.2.2.11 (implicit), §3.3.2.12 (hybrid) and §12.2 (refresh):
///
/// 1. The JWS signature, with the provider's keys (a [`KeySource`], usually the
///    [`JwksCache`](crate::JwksCache)) or, for `HS256`/`HS384`/`HS512`, the client secret's
///    UTF-8 bytes; the header `alg` must be in the allow-list: the registered
///    `id_token_signed_response_alg` (default `RS256`) or an explicit list. `typ`, if present,
///    must be `JWT`.
/// 2. `iss` exactly the provider's issuer.
/// 3. `aud` contains the client id; any other audience must be explicitly trusted.
/// 4. `azp` required when there are several audiences, equal to the client id when present.
/// 5. `exp` after `now`; `iat` not in the future and within the window; `nbf` honoured.
/// 6. `nonce` equal (constant time) when one was sent; required for implicit and hybrid.
/// 7. `acr` among the essential values requested.
/// 8. `auth_time` present and within `max_age` when `max_age` was requested (or always, with
///    [`IdTokenVerifier::require_auth_time`]).
/// 9. `at_hash`, `c_hash`, `s_hash` with the hash of `alg`, required where the flow says.
///
/// All time comparisons allow [`IdTokenVerifier::leeway`] seconds of clock skew (default 0).
pub struct IdTokenVerifier {
    issuer: IssuerCheck,
    client_id: String,
    trusted_audiences: Vec<String>,
    algorithms: Vec<JwsAlgorithm>,
    client_secret: Option<ClientSecret>,
    hmac_keys: VerifyingKeys,
    leeway: u64,
    iat_window: u64,
    require_auth_time: bool,
    provider: Provider,
    jws: JwsOptions,
}

impl fmt::Debug for IdTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenVerifier")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("trusted_audiences", &self.trusted_audiences)
            .field("algorithms", &self.algorithms)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("leeway", &self.leeway)
            .field("iat_window", &self.iat_window)
            .field("require_auth_time", &self.require_auth_time)
            .field("provider", &self.provider.name())
            .finish()
    }
}

impl IdTokenVerifier {
    /// A verifier for tokens from `issuer` (compared exactly) to `client_id`, accepting `RS256`
    /// only (the default `id_token_signed_response_alg`, OpenID Connect Dynamic Client
    /// Registration 1.0 §2), with the default crypto provider.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        IdTokenVerifier {
            issuer: IssuerCheck::Exact(issuer.into()),
            client_id: client_id.into(),
            trusted_audiences: Vec::new(),
            algorithms: vec![JwsAlgorithm::RS256],
            client_secret: None,
            hmac_keys: VerifyingKeys::new(),
            leeway: 0,
            iat_window: DEFAULT_IAT_WINDOW,
            require_auth_time: false,
            provider: crypto::default_provider().into(),
            jws: JwsOptions::default(),
        }
    }

    /// Accepts only `alg`: the client's registered `id_token_signed_response_alg`.
    pub fn id_token_signed_response_alg(self, alg: JwsAlgorithm) -> Result<Self> {
        self.allowed_algorithms([alg])
    }

    /// Accepts exactly these algorithms (an explicit allow-list; must not be empty).
    pub fn allowed_algorithms(
        mut self,
        algs: impl IntoIterator<Item = JwsAlgorithm>,
    ) -> Result<Self> {
        let algs: Vec<JwsAlgorithm> = algs.into_iter().collect();
        if algs.is_empty() {
            return Err(Error::Misuse("an allow-list of algorithms is required"));
        }
        self.algorithms = algs;
        self.rebuild_hmac_keys()?;
        Ok(self)
    }

    /// The client secret, whose UTF-8 bytes are the key of `HS256`/`HS384`/`HS512` ID tokens
    /// (OpenID Connect Core 1.0 §10.1) when those algorithms are allowed. The keys are built
    /// here, once; a secret shorter than the hash output of an allowed HMAC algorithm (32, 48
    /// or 64 bytes, RFC 7518 §3.2) is refused.
    pub fn client_secret(mut self, secret: &ClientSecret) -> Result<Self> {
        self.client_secret = Some(secret.clone());
        self.rebuild_hmac_keys()?;
        Ok(self)
    }

    fn rebuild_hmac_keys(&mut self) -> Result<()> {
        let mut keys = VerifyingKeys::new();
        if let Some(secret) = &self.client_secret {
            for &alg in &self.algorithms {
                if alg.family() == AlgorithmFamily::Hmac {
                    keys.push(VerifyingKey::hmac(
                        alg,
                        secret.secret().as_bytes(),
                        &self.provider,
                    )?);
                }
            }
        }
        self.hmac_keys = keys;
        Ok(())
    }

    /// Accepts `audience` in `aud` besides the client id (OpenID Connect Core 1.0 §3.1.3.7
    /// step 3: other audiences are rejected unless trusted).
    pub fn trust_audience(mut self, audience: impl Into<String>) -> Self {
        self.trusted_audiences.push(audience.into());
        self
    }

    /// Seconds of clock skew tolerated in every time comparison (default 0).
    pub fn leeway(mut self, secs: u64) -> Self {
        self.leeway = secs;
        self
    }

    /// How long after `iat` a token is still accepted (default [`DEFAULT_IAT_WINDOW`]).
    pub fn iat_window(mut self, secs: u64) -> Self {
        self.iat_window = secs;
        self
    }

    /// Requires `auth_time` in every ID token (the client registered `require_auth_time`).
    pub fn require_auth_time(mut self) -> Self {
        self.require_auth_time = true;
        self
    }

    /// Uses `provider` for hashes and HMAC keys: a `&'static CryptoProvider`, or one built at
    /// run time (`Arc<CryptoProvider>` or an owned `CryptoProvider`), which need not be leaked.
    pub fn with_crypto_provider(mut self, provider: impl Into<Provider>) -> Result<Self> {
        self.provider = provider.into();
        self.rebuild_hmac_keys()?;
        Ok(self)
    }

    /// Accepts an issuer *template* instead of an exact issuer: `iss` must equal `template`
    /// with `placeholder` replaced by the value of the token's claim `claim`.
    ///
    /// This is the multi-tenant scheme of Microsoft's identity platform, whose common
    /// discovery document announces `https://login.microsoftonline.com/{tenantid}/v2.0` and
    /// whose ID tokens carry the tenant in `tid`:
    /// `.insecure_issuer_template("https://login.microsoftonline.com/{tenantid}/v2.0",
    /// "{tenantid}", "tid")`. Any tenant is then accepted: restrict tenants yourself by
    /// checking `iss` or `tid` of the validated claims.
    pub fn insecure_issuer_template(
        mut self,
        template: impl Into<String>,
        placeholder: impl Into<String>,
        claim: impl Into<String>,
    ) -> Self {
        self.issuer = IssuerCheck::Template {
            template: template.into(),
            placeholder: placeholder.into(),
            claim: claim.into(),
        };
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The accepted algorithms.
    pub fn algorithms(&self) -> &[JwsAlgorithm] {
        &self.algorithms
    }

    /// The crypto provider.
    pub fn crypto_provider(&self) -> &CryptoProvider {
        &self.provider
    }

    /// Validates an ID token with every check that applies to it (see the type's
    /// documentation). `keys` are the provider's keys; HMAC tokens use the client secret.
    ///
    /// On [`TokenError::UnknownKeyId`] the key set may be stale: let the
    /// [`JwksCache`](crate::JwksCache) refetch it and validate again.
    pub fn validate(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
        expect: &IdTokenExpectations<'_>,
        now: UnixTime,
    ) -> Result<IdTokenClaims> {
        let (alg, claims) = self.verify_common(token, keys, now)?;
        self.check_request_bound(alg, &claims, expect, now)?;
        Ok(claims)
    }

    /// Validates an ID token returned by a refresh (OpenID Connect Core 1.0 §12.2) against
    /// the ID token of the original authentication: the common checks, then `iss`, `sub`,
    /// `aud` and `azp` unchanged, `auth_time` (if present) unchanged, and a `nonce` (none is
    /// required) only if it is the original one. `access_token`, if given, is checked
    /// against `at_hash` when present.
    pub fn validate_refreshed(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
        previous: &IdTokenClaims,
        access_token: Option<&str>,
        now: UnixTime,
    ) -> Result<IdTokenClaims> {
        let (alg, claims) = self.verify_common(token, keys, now)?;
        if claims.iss != previous.iss {
            return Err(TokenError::ChangedClaim("iss").into());
        }
        if claims.sub != previous.sub {
            return Err(TokenError::ChangedClaim("sub").into());
        }
        let mut a = claims.aud.clone();
        let mut b = previous.aud.clone();
        a.sort();
        a.dedup();
        b.sort();
        b.dedup();
        if a != b {
            return Err(TokenError::ChangedClaim("aud").into());
        }
        if claims.azp.is_some() && previous.azp.is_some() && claims.azp != previous.azp {
            return Err(TokenError::ChangedClaim("azp").into());
        }
        if let Some(t) = claims.auth_time {
            if previous.auth_time.is_some_and(|p| p != t) {
                return Err(TokenError::ChangedClaim("auth_time").into());
            }
        }
        if let Some(n) = &claims.nonce {
            let same = previous
                .nonce
                .as_deref()
                .is_some_and(|p| constant_time_eq(p.as_bytes(), n.as_bytes()));
            if !same {
                return Err(TokenError::ChangedClaim("nonce").into());
            }
        }
        if let (Some(h), Some(t)) = (&claims.at_hash, access_token) {
            self.check_hash(alg, h, t, "at_hash")?;
        }
        Ok(claims)
    }

    /// Validates the ID token of a token endpoint response in a hybrid flow (OpenID Connect
    /// Core 1.0 §3.3.3.6): the usual checks, and `iss` and `sub` equal to those of the ID
    /// token received from the authorization endpoint.
    pub fn validate_hybrid_token_endpoint(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
        expect: &IdTokenExpectations<'_>,
        front_channel: &IdTokenClaims,
        now: UnixTime,
    ) -> Result<IdTokenClaims> {
        let claims = self.validate(token, keys, expect, now)?;
        if claims.iss != front_channel.iss {
            return Err(TokenError::ChangedClaim("iss").into());
        }
        if claims.sub != front_channel.sub {
            return Err(TokenError::ChangedClaim("sub").into());
        }
        Ok(claims)
    }

    /// Signature, `alg`, `typ`, `iss`, `aud`, `azp` and time checks.
    fn verify_common(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<(JwsAlgorithm, IdTokenClaims)> {
        let verified = verify_signature(token, keys, &self.hmac_keys, &self.algorithms, &self.jws)?;
        let alg = verified.header.alg;
        check_jwt_typ(&verified.header)?;
        let claims = IdTokenClaims::from_payload(&verified.payload)?;
        self.check_issuer(&claims)?;
        check_audience(
            &claims.aud,
            claims.azp.as_deref(),
            &self.client_id,
            &self.trusted_audiences,
        )?;
        check_times(
            claims.exp,
            claims.iat,
            claims.nbf,
            now,
            self.leeway,
            self.iat_window,
        )?;
        Ok((alg, claims))
    }

    fn check_issuer(&self, claims: &IdTokenClaims) -> Result<()> {
        Ok(self.check_issuer_str(&claims.iss, &claims.extra)?)
    }

    /// Checks `iss` (exactly, or against the template with the claim from `extra`).
    pub(crate) fn check_issuer_str(
        &self,
        iss: &str,
        extra: &serde_json::Map<String, serde_json::Value>,
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

    pub(crate) fn trusted_audiences(&self) -> &[String] {
        &self.trusted_audiences
    }

    pub(crate) fn leeway_secs(&self) -> u64 {
        self.leeway
    }

    pub(crate) fn iat_window_secs(&self) -> u64 {
        self.iat_window
    }

    pub(crate) fn hmac_keys(&self) -> &VerifyingKeys {
        &self.hmac_keys
    }

    pub(crate) fn jws_options(&self) -> &JwsOptions {
        &self.jws
    }

    fn check_request_bound(
        &self,
        alg: JwsAlgorithm,
        claims: &IdTokenClaims,
        expect: &IdTokenExpectations<'_>,
        now: UnixTime,
    ) -> Result<()> {
        // §3.2.2.11 step 11, §3.3.2.12: implicit and hybrid requests carry a nonce.
        if expect.front_channel.is_some() && expect.nonce.is_none() {
            return Err(TokenError::NonceRequired.into());
        }
        // §3.1.3.7 step 11.
        if let Some(sent) = expect.nonce {
            let got = claims
                .nonce
                .as_deref()
                .ok_or(TokenError::MissingClaim("nonce"))?;
            if !constant_time_eq(sent.as_bytes(), got.as_bytes()) {
                return Err(TokenError::NonceMismatch.into());
            }
        }
        // §3.1.3.7 step 12.
        if !expect.acr_values.is_empty()
            && !claims
                .acr
                .as_ref()
                .is_some_and(|a| expect.acr_values.contains(a))
        {
            return Err(TokenError::AcrNotSatisfied {
                requested: expect.acr_values.to_vec(),
                received: claims.acr.clone(),
            }
            .into());
        }
        // §3.1.3.7 step 13, §2 `auth_time`.
        if expect.max_age.is_some() || self.require_auth_time {
            let auth_time = claims
                .auth_time
                .ok_or(TokenError::MissingClaim("auth_time"))?;
            if auth_time > now.as_secs().saturating_add(self.leeway) {
                return Err(TokenError::IssuedInFuture {
                    now,
                    iat: auth_time,
                }
                .into());
            }
            if let Some(max_age) = expect.max_age {
                let limit = auth_time
                    .saturating_add(max_age)
                    .saturating_add(self.leeway);
                if now.as_secs() > limit {
                    return Err(TokenError::AuthenticationTooOld {
                        now,
                        auth_time,
                        max_age,
                    }
                    .into());
                }
            }
        }
        // Hash claims: required where the response type says (§3.2.2.10, §3.3.2.11), and
        // checked whenever present and the covered value is known.
        let (need_at, need_c) = match expect.front_channel {
            Some(rt) => (
                rt.returns_access_token() && rt.returns_id_token(),
                rt.returns_code() && rt.returns_id_token(),
            ),
            None => (false, false),
        };
        self.hash_claim(
            alg,
            claims.at_hash.as_deref(),
            expect.access_token,
            need_at,
            "at_hash",
        )?;
        self.hash_claim(alg, claims.c_hash.as_deref(), expect.code, need_c, "c_hash")?;
        self.hash_claim(
            alg,
            claims.s_hash.as_deref(),
            expect.state,
            expect.require_s_hash,
            "s_hash",
        )?;
        Ok(())
    }

    fn hash_claim(
        &self,
        alg: JwsAlgorithm,
        claim: Option<&str>,
        value: Option<&str>,
        required: bool,
        name: &'static str,
    ) -> Result<()> {
        match (claim, value) {
            (Some(h), Some(v)) => self.check_hash(alg, h, v, name),
            (None, _) if required => Err(TokenError::MissingClaim(name).into()),
            // Required but the covered value is unknown: the caller did not pass it.
            (Some(_), None) if required => Err(Error::Misuse(
                "the value covered by a required hash claim was not supplied",
            )),
            _ => Ok(()),
        }
    }

    fn check_hash(
        &self,
        alg: JwsAlgorithm,
        claim: &str,
        value: &str,
        name: &'static str,
    ) -> Result<()> {
        let expected = token_hash(alg, value, &self.provider);
        if constant_time_eq(expected.as_bytes(), claim.as_bytes()) {
            Ok(())
        } else {
            Err(TokenError::HashMismatch(name).into())
        }
    }
}

/// Verifies a compact JWS whose header `alg` must be in `algorithms`: with `keys`, or with
/// `hmac_keys` for HMAC algorithms. An unknown `kid` becomes [`TokenError::UnknownKeyId`].
pub(crate) fn verify_signature(
    token: &str,
    keys: &(impl KeySource + ?Sized),
    hmac_keys: &VerifyingKeys,
    algorithms: &[JwsAlgorithm],
    options: &JwsOptions,
) -> Result<jws::VerifiedJws> {
    let first = match jws::verify_compact(token, keys, options) {
        Ok(v) => {
            if !algorithms.contains(&v.header.alg) {
                return Err(TokenError::AlgorithmNotAllowed(v.header.alg.name().to_owned()).into());
            }
            return Ok(v);
        }
        Err(e) => e,
    };
    match first {
        JoseError::AlgorithmNotAllowed(name) => {
            let alg: Option<JwsAlgorithm> = name.parse().ok();
            match alg {
                Some(a) if algorithms.contains(&a) && a.family() == AlgorithmFamily::Hmac => Ok(
                    jws::verify_compact(token, hmac_keys, options).map_err(|e| match e {
                        JoseError::AlgorithmNotAllowed(_) => Error::Misuse(
                            "an HMAC algorithm is allowed but no client secret is set",
                        ),
                        other => Error::Jose(other),
                    })?,
                ),
                // Allowed, but the key set has no key of it (yet): a rotation to a new key.
                Some(a) if algorithms.contains(&a) => unknown_key(token, keys),
                _ => Err(TokenError::AlgorithmNotAllowed(name).into()),
            }
        }
        JoseError::NoMatchingKey => unknown_key(token, keys),
        other => Err(other.into()),
    }
}

/// No trusted key fits the token: [`TokenError::UnknownKeyId`] when its `kid` is not in the
/// set, else [`JoseError::NoMatchingKey`]. Only the failure path looks at the header again.
fn unknown_key(token: &str, keys: &(impl KeySource + ?Sized)) -> Result<jws::VerifiedJws> {
    match jws::decode_header_unverified(token) {
        Ok(JwsHeader { kid: Some(kid), .. })
            if !keys
                .verifying_keys()
                .iter()
                .any(|k| k.kid() == Some(kid.as_str())) =>
        {
            Err(TokenError::UnknownKeyId(kid).into())
        }
        _ => Err(JoseError::NoMatchingKey.into()),
    }
}

/// An ID token is a plain JWT: `typ`, when present, is `JWT` (OpenID Connect Core 1.0 §2 puts
/// no other value; explicit types of other tokens such as `logout+jwt` or `at+jwt` are
/// rejected so those tokens cannot pass as ID tokens).
fn check_jwt_typ(header: &JwsHeader) -> Result<()> {
    match &header.typ {
        None => Ok(()),
        Some(_) if header.typ_matches("JWT") => Ok(()),
        Some(t) => Err(TokenError::Type(t.clone()).into()),
    }
}

/// `aud` and `azp` (OpenID Connect Core 1.0 §3.1.3.7 steps 3-5).
pub(crate) fn check_audience(
    aud: &[String],
    azp: Option<&str>,
    client_id: &str,
    trusted: &[String],
) -> Result<()> {
    if !aud.iter().any(|a| a == client_id) {
        return Err(TokenError::AudienceMissingClient {
            client_id: client_id.to_owned(),
        }
        .into());
    }
    if let Some(other) = aud
        .iter()
        .find(|a| a.as_str() != client_id && !trusted.contains(a))
    {
        return Err(TokenError::UntrustedAudience(other.clone()).into());
    }
    let distinct = aud.iter().any(|a| a != client_id);
    match azp {
        None if distinct => Err(TokenError::AzpRequired.into()),
        Some(p) if p != client_id => Err(TokenError::AzpMismatch {
            received: p.to_owned(),
        }
        .into()),
        _ => Ok(()),
    }
}

/// `exp`, `iat` and `nbf` against `now`.
pub(crate) fn check_times(
    exp: u64,
    iat: u64,
    nbf: Option<u64>,
    now: UnixTime,
    leeway: u64,
    iat_window: u64,
) -> Result<()> {
    let t = now.as_secs();
    if exp.saturating_add(leeway) <= t {
        return Err(TokenError::Expired { now, exp }.into());
    }
    if iat > t.saturating_add(leeway) {
        return Err(TokenError::IssuedInFuture { now, iat }.into());
    }
    if iat.saturating_add(iat_window).saturating_add(leeway) < t {
        return Err(TokenError::IssuedTooLongAgo {
            now,
            iat,
            window: iat_window,
        }
        .into());
    }
    if let Some(nbf) = nbf {
        if nbf > t.saturating_add(leeway) {
            return Err(TokenError::NotYetValid { now, nbf }.into());
        }
    }
    Ok(())
}
