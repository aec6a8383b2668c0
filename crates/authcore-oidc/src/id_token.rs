//! ID token validation (OpenID Connect Core 1.0 §3.1.3.7, §3.2.2.11, §3.3.2.12, §12.2).

use core::fmt;

use authcore_jose::crypto::{self, CryptoProvider, Provider};
use authcore_jose::jwe::{DecryptionKeySource, JweOptions};
use authcore_jose::{
    AlgorithmFamily, JwsAlgorithm, JwsHeader, KeySource, UnixTime, VerifyingKey, VerifyingKeys,
    b64, constant_time_eq,
};
use authcore_oauth2::{ClientSecret, IdToken, JweAlgorithms};
use std::sync::Arc;

use crate::claims::IdTokenClaims;
use crate::encrypted::{Decryption, Plaintext, Presence};
use crate::error::{Error, Result, TokenError};
use crate::logout::{self, LogoutToken};
use crate::signed_jwt::{IssuerCheck, TimeClaims, TokenRules};
use authcore_oauth2::ResponseType;

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
    /// The JWT rules shared with logout tokens and signed UserInfo, built from the settings
    /// below.
    rules: TokenRules,
    trusted_audiences: Vec<String>,
    client_secret: Option<ClientSecret>,
    leeway: u64,
    iat_window: u64,
    require_auth_time: bool,
    provider: Provider,
    /// The client's decryption keys and registered encryption (Core §10.2).
    decryption: Decryption,
}

impl fmt::Debug for IdTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenVerifier")
            .field("issuer", &self.rules.issuer)
            .field("client_id", &self.rules.client_id)
            .field("trusted_audiences", &self.trusted_audiences)
            .field("algorithms", &self.rules.algorithms)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("leeway", &self.leeway)
            .field("iat_window", &self.iat_window)
            .field("require_auth_time", &self.require_auth_time)
            .field("provider", &self.provider.name())
            .field("decryption", &self.decryption)
            .finish()
    }
}

impl IdTokenVerifier {
    /// A verifier for tokens from `issuer` (compared exactly) to `client_id`, accepting `RS256`
    /// only (the default `id_token_signed_response_alg`, OpenID Connect Dynamic Client
    /// Registration 1.0 §2), with the default crypto provider.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        IdTokenVerifier {
            rules: TokenRules::new(issuer.into(), client_id.into(), DEFAULT_IAT_WINDOW),
            trusted_audiences: Vec::new(),
            client_secret: None,
            leeway: 0,
            iat_window: DEFAULT_IAT_WINDOW,
            require_auth_time: false,
            provider: crypto::default_provider().into(),
            decryption: Decryption::default(),
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
        self.rules.algorithms = algs;
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
            for &alg in &self.rules.algorithms {
                if alg.family() == AlgorithmFamily::Hmac {
                    keys.push(VerifyingKey::hmac(
                        alg,
                        secret.secret().as_bytes(),
                        &self.provider,
                    )?);
                }
            }
        }
        self.rules.hmac_keys = keys;
        Ok(())
    }

    /// Rebuilds the claim checks of the rules from the settings.
    fn rebuild_claim_rules(&mut self) {
        self.rules
            .set_claim_rules(self.leeway, self.iat_window, &self.trusted_audiences);
    }

    /// Accepts `audience` in `aud` besides the client id (OpenID Connect Core 1.0 §3.1.3.7
    /// step 3: other audiences are rejected unless trusted).
    pub fn trust_audience(mut self, audience: impl Into<String>) -> Self {
        self.trusted_audiences.push(audience.into());
        self.rebuild_claim_rules();
        self
    }

    /// Seconds of clock skew tolerated in every time comparison (default 0).
    pub fn leeway(mut self, secs: u64) -> Self {
        self.leeway = secs;
        self.rebuild_claim_rules();
        self
    }

    /// How long after `iat` a token is still accepted (default [`DEFAULT_IAT_WINDOW`]).
    pub fn iat_window(mut self, secs: u64) -> Self {
        self.iat_window = secs;
        self.rebuild_claim_rules();
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

    /// The client's private keys for the encrypted tokens and responses it registered (OpenID
    /// Connect Core 1.0 §10.2): a [`DecryptionKeys`](authcore_jose::DecryptionKeys) built from
    /// the client's own JWK Set (whose public half the provider encrypts to), or a single
    /// [`DecryptionKey`](authcore_jose::DecryptionKey). Each key allows its `alg` and `enc`
    /// values; what a message must use is what the client registered
    /// ([`IdTokenVerifier::id_token_encrypted_response`],
    /// [`IdTokenVerifier::userinfo_encrypted_response`]).
    pub fn decryption_keys(self, keys: impl DecryptionKeySource + Send + Sync + 'static) -> Self {
        self.shared_decryption_keys(Arc::new(keys))
    }

    /// [`IdTokenVerifier::decryption_keys`] with keys shared with other users (the JWT
    /// introspection of the same client).
    pub fn shared_decryption_keys(
        mut self,
        keys: Arc<dyn DecryptionKeySource + Send + Sync>,
    ) -> Self {
        self.decryption.keys = Some(keys);
        self
    }

    /// The client registered `id_token_encrypted_response_alg/enc` (OpenID Connect Dynamic
    /// Client Registration 1.0 §2): every ID token must then be a JWE with exactly these
    /// algorithms, decrypted with the [decryption keys](IdTokenVerifier::decryption_keys),
    /// holding (`cty` `JWT`) the signed ID token, which is then checked as usual. An ID token
    /// that is only signed is refused ([`TokenError::EncryptionRequired`]), as Core §3.1.3.7
    /// step 1 advises: otherwise whoever can make the provider skip encryption could read
    /// the claims. Logout tokens may then arrive encrypted the same way (Back-Channel Logout
    /// 1.0 §2.6 step 1).
    ///
    /// Check that the provider offers the pair first with
    /// [`ProviderMetadata::check_id_token_encryption`](crate::ProviderMetadata::check_id_token_encryption).
    ///
    /// The signing key's `kid` travels inside the encryption, so
    /// [`JwksCache::poll_for_token`](crate::JwksCache::poll_for_token) cannot see it in an
    /// encrypted token: give it the signed token inside
    /// ([`IdTokenVerifier::id_token_hint`]), as `authcore-reqwest`'s `Client` does, or on
    /// [`TokenError::UnknownKeyId`] call
    /// [`JwksCache::request_refetch`](crate::JwksCache::request_refetch), let the cache fetch,
    /// and validate again.
    pub fn id_token_encrypted_response(mut self, algorithms: JweAlgorithms) -> Self {
        self.decryption.id_token = Some(algorithms);
        self
    }

    /// The client registered `userinfo_encrypted_response_alg/enc` (OpenID Connect Dynamic
    /// Client Registration 1.0 §2): every UserInfo response must be a JWE with exactly these
    /// algorithms. See [`parse_signed_userinfo_response`](crate::parse_signed_userinfo_response)
    /// (signed, then encrypted) and
    /// [`parse_encrypted_userinfo_response`](crate::parse_encrypted_userinfo_response)
    /// (encrypted only).
    pub fn userinfo_encrypted_response(mut self, algorithms: JweAlgorithms) -> Self {
        self.decryption.userinfo = Some(algorithms);
        self
    }

    /// The JWE limits used when decrypting (PBES2 iterations, `zip` limits, the legacy
    /// `RSA1_5` opt-in); the defaults of [`JweOptions`] otherwise.
    pub fn jwe_options(mut self, options: JweOptions) -> Self {
        self.decryption.options = options;
        self
    }

    /// The ID token to send as `id_token_hint` (authentication requests, RP-Initiated
    /// Logout): the signed ID token inside an encrypted one, which the provider could not
    /// read (OpenID Connect Core 1.0 §3.1.2.1: the client must decrypt an encrypted ID token
    /// before using it as a hint). Decrypted as [`IdTokenVerifier::validate`] does (the
    /// registered algorithms, `cty` `JWT`); an unencrypted token is returned unchanged. The
    /// signature is not checked here: the token is one this verifier validated.
    pub fn id_token_hint(&self, id_token: &IdToken) -> Result<IdToken> {
        let token = self.decryption.open(
            id_token.secret(),
            self.decryption.id_token.as_ref(),
            Presence::Optional,
            Plaintext::NestedJwt,
        )?;
        Ok(IdToken::new(token.into_owned()))
    }

    /// The registered ID token encryption, if any.
    pub fn id_token_encryption(&self) -> Option<&JweAlgorithms> {
        self.decryption.id_token.as_ref()
    }

    /// The registered UserInfo encryption, if any.
    pub fn userinfo_encryption(&self) -> Option<&JweAlgorithms> {
        self.decryption.userinfo.as_ref()
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
        self.rules.issuer = IssuerCheck::Template {
            template: template.into(),
            placeholder: placeholder.into(),
            claim: claim.into(),
        };
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.rules.client_id
    }

    /// The accepted algorithms.
    pub fn algorithms(&self) -> &[JwsAlgorithm] {
        &self.rules.algorithms
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

    /// Validates a back-channel logout token as Back-Channel Logout 1.0 §2.6 says: the
    /// signature and `alg` as for ID tokens (`none` never), `typ` absent, `JWT` or
    /// `logout+jwt`; `iss`, `aud` (and `azp`), `iat` and `exp` (if present) as for ID tokens;
    /// `jti` present; `sub` and/or `sid` present; `events` a JSON object whose
    /// [`BACKCHANNEL_LOGOUT_EVENT`](crate::BACKCHANNEL_LOGOUT_EVENT) member is a JSON object; no `nonce` (so an ID token cannot
    /// pass as a logout token).
    ///
    /// Replay detection with `jti`, and matching `sub`/`sid` with the RP's sessions, are the
    /// caller's.
    ///
    /// ```
    /// use authcore_jose::{JwsAlgorithm, UnixTime, VerifyingKeys};
    /// use authcore_oauth2::ClientSecret;
    /// use authcore_oidc::{IdTokenVerifier, logout_response, parse_logout_request_body};
    /// # use authcore_jose::{crypto, jwt, JwsHeader, SigningKey};
    /// let secret = ClientSecret::new("a-client-secret-of-at-least-32-bytes");
    /// let verifier = IdTokenVerifier::new("https://op.example", "s6BhdRkqt3")
    ///     .id_token_signed_response_alg(JwsAlgorithm::HS256)?
    ///     .client_secret(&secret)?;
    /// # let key = SigningKey::hmac(JwsAlgorithm::HS256, secret.secret().as_bytes(), crypto::default_provider())?;
    /// # let claims = serde_json::json!({
    /// #     "iss": "https://op.example", "aud": "s6BhdRkqt3", "iat": 1_700_000_000, "jti": "bWJq",
    /// #     "sid": "08a5019c", "events": {authcore_oidc::BACKCHANNEL_LOGOUT_EVENT: {}}});
    /// # let token = jwt::encode(&JwsHeader::new(JwsAlgorithm::HS256).with_typ("logout+jwt"), &claims, &key)?;
    /// # let body = format!("logout_token={token}");
    /// // The form body the provider POSTed to the back-channel logout URI.
    /// let token = parse_logout_request_body(body.as_bytes())?;
    /// let now = UnixTime::from_secs(1_700_000_005); // fixed test value
    /// let result = verifier.validate_logout_token(&token, &VerifyingKeys::new(), now);
    /// assert_eq!(result.as_ref().unwrap().sid.as_deref(), Some("08a5019c"));
    /// // End the sessions of `sid` (or `sub`), remember `jti` against replays, then answer.
    /// let response = logout_response(result.is_ok());
    /// assert_eq!(response.status(), 200);
    /// # Ok::<(), authcore_oidc::Error>(())
    /// ```
    pub fn validate_logout_token(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<LogoutToken> {
        let token = self.decryption.open(
            token,
            self.decryption.id_token.as_ref(),
            Presence::Optional,
            Plaintext::NestedJwt,
        )?;
        logout::validate_logout_token(&self.rules, &token, keys, now)
    }

    /// Signature, `alg`, `typ`, `iss`, `aud`, `azp` and time checks.
    fn verify_common(
        &self,
        token: &str,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<(JwsAlgorithm, IdTokenClaims)> {
        // Core §3.1.3.7 step 1: decrypt first, with the registered algorithms.
        let token = self.decryption.open(
            token,
            self.decryption.id_token.as_ref(),
            Presence::Required,
            Plaintext::NestedJwt,
        )?;
        let verified = self.rules.verify_signature(&token, keys)?;
        let alg = verified.header.alg;
        check_jwt_typ(&verified.header)?;
        let mut times = TimeClaims::default();
        let claims = IdTokenClaims::from_payload(&verified.payload, &mut times)?;
        self.rules.check_issuer(&claims.iss, &claims.extra)?;
        self.rules
            .check_claims(&claims.aud, claims.azp.as_deref(), times, now)?;
        Ok((alg, claims))
    }

    /// The JWT rules shared with logout tokens and signed UserInfo responses.
    pub(crate) fn rules(&self) -> &TokenRules {
        &self.rules
    }

    /// The client's decryption keys and registered encryption.
    pub(crate) fn decryption(&self) -> &Decryption {
        &self.decryption
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
