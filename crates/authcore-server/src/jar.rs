//! JWT-Secured Authorization Requests (RFC 9101): a signed request object, by value
//! (`request`, §5.1) or by reference (`request_uri`, §5.2), whose claims are the whole
//! authorization request.
//!
//! The signature is checked with authcore-jose's JWS validation against the client's own keys
//! (the key decides the algorithm; `none` is never accepted), then `typ` (§10.8), `iss` (the
//! client), `aud` (this server's issuer), `exp` and `nbf`. Only the object's parameters are
//! used (§5: parameters outside it are ignored, except `client_id`, which must match); the
//! object's claims go through the same strict parser as a query string, so one rule decides
//! what a valid authorization request is.

use authcore_jose::crypto::VerifyOptions;
use authcore_jose::jwt::{self, Validation};
use authcore_jose::{AlgorithmFamily, JwsAlgorithm, KeySource, UnixTime, VerifyingKeys};
use authcore_oauth2::wire::{AuthorizationRequestParams, ErrorCode};
use serde_json::Value;
use url::Url;

use crate::authorize::describe;
use authcore_jose::crypto::CryptoProvider;
use authcore_jose::jwe::{DecryptionKeySource, DecryptionKeys, JweOptions};
use authcore_jose::{ContentEncryptionAlgorithm, JwkSet, KeyManagementAlgorithm};

use crate::ConfigError;
use crate::config::{ServerConfig, ServerKeys};
use crate::model::ClientRecord;
use crate::step::Context;

/// The `typ` header of a request object (RFC 9101 §10.8, §8.1): it keeps a token of another
/// kind, signed by the same client key, from being taken as an authorization request.
pub const REQUEST_OBJECT_TYP: &str = "oauth-authz-req+jwt";

/// The media type a `request_uri` fetch must answer with (RFC 9101 §5.2.3, §8.2).
pub const REQUEST_OBJECT_MEDIA_TYPE: &str = "application/oauth-authz-req+jwt";

/// Longest lifetime (`exp` - `nbf`) a request object may claim, in seconds: a long-lived
/// signed request could be replayed long after it was made (FAPI 2.0 Message Signing §5.3.2
/// allows at most 60 minutes).
pub const MAX_REQUEST_OBJECT_LIFETIME: u64 = 3600;

/// Largest request object accepted, in bytes (the form limit of a query string carrying it).
pub const MAX_REQUEST_OBJECT_BYTES: usize = authcore_oauth2::MAX_FORM_BYTES;

/// The claims that describe the object itself and are not authorization parameters.
const ENVELOPE_CLAIMS: &[&str] = &["iss", "aud", "exp", "nbf", "iat", "jti", "sub"];

/// Why a request object was refused; every case is `invalid_request_object` (RFC 9101 §6.3)
/// except a `client_id` mismatch, which is `invalid_request` (§5).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestObjectError {
    /// The signature, `typ`, `iss`, `aud`, `exp` or `nbf` check failed, or the object is not
    /// a JWS (the description says which, except for signatures, which stay opaque).
    Invalid(String),
    /// `exp` - `nbf` is longer than [`MAX_REQUEST_OBJECT_LIFETIME`].
    TooLongLived,
    /// The object carries `request` or `request_uri` (RFC 9101 §4 forbids both).
    Nested,
    /// The claims do not form a valid authorization request.
    Parameters(String),
    /// The object's `client_id` differs from the one the request was sent with (RFC 9101
    /// §5).
    ClientIdMismatch,
}

impl core::fmt::Display for RequestObjectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RequestObjectError::Invalid(why) => write!(f, "request object refused: {why}"),
            RequestObjectError::TooLongLived => f.write_str("request object lives too long"),
            RequestObjectError::Nested => {
                f.write_str("request object holds request or request_uri")
            }
            RequestObjectError::Parameters(why) => write!(f, "request object: {why}"),
            RequestObjectError::ClientIdMismatch => {
                f.write_str("client_id differs from the request object's")
            }
        }
    }
}

/// Verifies a signed request object of the client `client_id` at the server `issuer` and
/// returns the authorization request it holds.
///
/// `keys` are the client's registered keys (its `jwks` or fetched `jwks_uri`); their algorithms
/// are the allow-list. `now` is the current time, with no leeway beyond `leeway` seconds.
pub fn verify_request_object(
    request_object: &str,
    keys: &(impl KeySource + ?Sized),
    client_id: &str,
    issuer: &str,
    now: UnixTime,
    leeway: u64,
) -> Result<AuthorizationRequestParams, RequestObjectError> {
    if request_object.len() > MAX_REQUEST_OBJECT_BYTES {
        return Err(RequestObjectError::Invalid("too large".into()));
    }
    let validation = Validation::new()
        .typ(REQUEST_OBJECT_TYP)
        .issuer(client_id)
        .audience(issuer)
        .require("nbf")
        .leeway(leeway);
    let verified = jwt::verify(request_object, keys, &validation, now)
        .map_err(|e| RequestObjectError::Invalid(e.to_string()))?;
    let r = &verified.claims.registered;
    if let (Some(exp), Some(nbf)) = (r.exp, r.nbf) {
        if exp.secs().saturating_sub(nbf.secs()) > MAX_REQUEST_OBJECT_LIFETIME {
            return Err(RequestObjectError::TooLongLived);
        }
    }
    let claims = &verified.claims.extra;
    if claims.contains_key("request") || claims.contains_key("request_uri") {
        return Err(RequestObjectError::Nested);
    }
    let params = request_object_params(claims).map_err(RequestObjectError::Parameters)?;
    if params.client_id != client_id {
        return Err(RequestObjectError::ClientIdMismatch);
    }
    Ok(params)
}

/// The authorization request in a request object's claims: each claim becomes the parameter
/// of its name (a number as its decimal, an object or a non-`resource` array as its JSON
/// text, each `resource` array element as one `resource` parameter, RFC 8707 §2), and the
/// resulting form is parsed as strictly as a query string. The inverse of authcore-oauth2's
/// `request_object_claims`.
pub fn request_object_params(
    claims: &serde_json::Map<String, Value>,
) -> Result<AuthorizationRequestParams, String> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in claims {
        if ENVELOPE_CLAIMS.contains(&name.as_str()) {
            continue;
        }
        match value {
            Value::String(s) => {
                form.append_pair(name, s);
            }
            Value::Number(n) => {
                form.append_pair(name, &n.to_string());
            }
            Value::Array(items) if name == "resource" => {
                for item in items {
                    let Value::String(s) = item else {
                        return Err("resource is not a string or an array of strings".into());
                    };
                    form.append_pair(name, s);
                }
            }
            Value::Object(_) | Value::Array(_) => {
                form.append_pair(name, &value.to_string());
            }
            Value::Bool(_) | Value::Null => {
                return Err(format!("parameter {name} is not a string"));
            }
        }
    }
    AuthorizationRequestParams::parse(form.finish().as_bytes()).map_err(|e| describe(&e))
}

impl RequestObjectError {
    /// The error code the client is told (RFC 9101 §6.3, §5).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            RequestObjectError::ClientIdMismatch => ErrorCode::InvalidRequest,
            _ => ErrorCode::InvalidRequestObject,
        }
    }
}

/// The keys a client's request objects are verified with: its registered `jwks`, for the
/// asymmetric algorithms the server accepts from clients (a request object is signed with
/// the client's private key, RFC 9101 §4; shared-secret MACs are not accepted for it here).
pub(crate) fn client_request_object_keys(
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<VerifyingKeys, RequestObjectError> {
    let Some(jwks) = &client.jwks else {
        return Err(RequestObjectError::Invalid(
            "the client registered no keys".into(),
        ));
    };
    VerifyingKeys::from_jwk_set(
        jwks,
        &request_object_algorithms(ctx.config),
        ctx.keys.provider,
        &VerifyOptions::default(),
    )
    .map_err(|e| RequestObjectError::Invalid(e.to_string()))
}

/// The algorithms request objects may be signed with
/// (`request_object_signing_alg_values_supported`, RFC 9101 §10.5): the asymmetric ones of
/// the client assertion algorithms.
pub fn request_object_algorithms(config: &ServerConfig) -> Vec<JwsAlgorithm> {
    config
        .client_assertion_algorithms
        .iter()
        .copied()
        .filter(|a| a.family() != AlgorithmFamily::Hmac)
        .collect()
}

/// [`verify_request_object`] for a registered client at this server: its keys, this
/// server's issuer, the time and leeway of `ctx`.
pub(crate) fn verify_client_request_object(
    request_object: &str,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<AuthorizationRequestParams, RequestObjectError> {
    let signed = open_request_object(request_object, ctx.keys)?;
    let keys = client_request_object_keys(client, ctx)?;
    verify_request_object(
        &signed,
        &keys,
        &client.client_id,
        &ctx.config.issuer,
        ctx.now,
        ctx.config.lifetimes.leeway,
    )
}

/// The provider's keys for encrypted request objects (OpenID Connect Core §6.1, RFC 9101 §4:
/// signed, then encrypted to the provider): private asymmetric keys (RSA, EC, OKP), whose
/// public halves are published at `jwks_uri` with `use` `enc` so clients can find them.
pub struct RequestObjectDecryptionKeys {
    keys: DecryptionKeys,
    public: JwkSet,
}

impl core::fmt::Debug for RequestObjectDecryptionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RequestObjectDecryptionKeys")
            .field("keys", &self.keys.len())
            .field("public", &self.public)
            .finish()
    }
}

impl RequestObjectDecryptionKeys {
    /// Keys from a private JWK Set: every key must be an asymmetric private key with a
    /// unique `kid` (a client names it in its JWE header) and no `use` other than `enc`; the
    /// key management algorithms are those the crypto provider has for the key
    /// ([`crate::oidc::encryption::key_management_algorithms`], or the key's own `alg`), the
    /// content encryption algorithms every one it has.
    pub fn from_private_jwks(set: &JwkSet, provider: &CryptoProvider) -> Result<Self, ConfigError> {
        let mut public = JwkSet::default();
        for jwk in &set.keys {
            let Some(kid) = &jwk.kid else {
                return Err(ConfigError::InvalidKeyId(String::new()));
            };
            if public.keys.iter().any(|k| k.kid.as_deref() == Some(kid)) {
                return Err(ConfigError::DuplicateKeyId(kid.clone()));
            }
            if !jwk.is_private() || jwk.key_use.as_deref().is_some_and(|u| u != "enc") {
                return Err(ConfigError::Crypto(authcore_jose::Error::Misuse(
                    "a request object decryption key is a private asymmetric key for `enc`",
                )));
            }
            let mut p = jwk.to_public().map_err(ConfigError::Crypto)?;
            // RFC 7517 §4.2: the published key says it is for encryption only.
            p.key_use = Some("enc".into());
            public.keys.push(p);
        }
        let algs: Vec<KeyManagementAlgorithm> =
            crate::oidc::encryption::key_management_algorithms(provider)
                .into_iter()
                .filter(|a| !crate::oidc::encryption::is_symmetric(*a))
                .collect();
        let encs = crate::oidc::encryption::content_encryption_algorithms(provider);
        let keys = DecryptionKeys::from_jwk_set(set, &algs, &encs, provider)
            .map_err(ConfigError::Crypto)?;
        Ok(RequestObjectDecryptionKeys { keys, public })
    }

    /// The public keys, as published (`use` `enc`).
    pub fn public_jwks(&self) -> &JwkSet {
        &self.public
    }

    /// The key management algorithms the keys decrypt, without repeats
    /// (`request_object_encryption_alg_values_supported`).
    pub fn algorithms(&self) -> Vec<KeyManagementAlgorithm> {
        let mut out = Vec::new();
        for k in self.keys.decryption_keys() {
            if !out.contains(&k.algorithm()) {
                out.push(k.algorithm());
            }
        }
        out
    }

    /// The content encryption algorithms the keys decrypt, without repeats
    /// (`request_object_encryption_enc_values_supported`).
    pub fn content_encryption(&self) -> Vec<ContentEncryptionAlgorithm> {
        let mut out = Vec::new();
        for k in self.keys.decryption_keys() {
            for e in k.content_encryption() {
                if !out.contains(e) {
                    out.push(*e);
                }
            }
        }
        out
    }
}

/// The request object encryption the provider decrypts: the algorithms of its
/// [`RequestObjectDecryptionKeys`], nothing without them.
pub fn request_object_encryption_algorithms(
    keys: &ServerKeys,
) -> (Vec<KeyManagementAlgorithm>, Vec<ContentEncryptionAlgorithm>) {
    match &keys.request_object_decryption {
        Some(k) => (k.algorithms(), k.content_encryption()),
        None => (Vec::new(), Vec::new()),
    }
}

/// The signed request object inside `request_object`: itself when it is a JWS; decrypted with
/// the provider's [`RequestObjectDecryptionKeys`] when it is a compact JWE, which must hold a
/// nested JWT (`cty` `JWT`, RFC 7519 §5.2; Core §6.1 signs, then encrypts). A JWE the
/// provider has no key for (encrypted to another key, or while it holds none) is refused as
/// an invalid request object; every failure to decrypt is one opaque reason.
pub fn open_request_object<'o>(
    request_object: &'o str,
    keys: &ServerKeys,
) -> Result<std::borrow::Cow<'o, str>, RequestObjectError> {
    if !authcore_oauth2::is_compact_jwe(request_object) {
        return Ok(std::borrow::Cow::Borrowed(request_object));
    }
    let Some(decryption) = &keys.request_object_decryption else {
        return Err(RequestObjectError::Invalid(
            "this provider does not accept encrypted request objects".into(),
        ));
    };
    let options = JweOptions::default().with_max_bytes(MAX_REQUEST_OBJECT_BYTES);
    let opened = authcore_jose::jwe::decrypt_compact(request_object, &decryption.keys, &options)
        .map_err(|_| RequestObjectError::Invalid("the request object does not decrypt".into()))?;
    if !opened.header.cty_is_jwt() {
        return Err(RequestObjectError::Invalid(
            "an encrypted request object must hold a signed JWT (cty JWT)".into(),
        ));
    }
    String::from_utf8(opened.plaintext)
        .map(std::borrow::Cow::Owned)
        .map_err(|_| {
            RequestObjectError::Invalid("the decrypted request object is not UTF-8".into())
        })
}

/// Whether the server may fetch `uri` as a request object of `client` (RFC 9101 §5.2): an
/// `https` URL, and one of the client's registered `request_uris` when it registered any
/// (OpenID Connect Registration §2). The fetch itself is the caller's ([`Need::Fetch`],
/// under the adapter contract: no redirects, a timeout, a size cap).
///
/// [`Need::Fetch`]: crate::Need::Fetch
pub(crate) fn request_uri_allowed(uri: &str, client: &ClientRecord) -> bool {
    if !Url::parse(uri).is_ok_and(|u| u.scheme() == "https" && u.host().is_some()) {
        return false;
    }
    match client.extra.get("request_uris") {
        Some(Value::Array(registered)) => registered.iter().any(|r| r.as_str() == Some(uri)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::{
        InsecureTestRandom, Jwk, JwsAlgorithm, JwsHeader, SigningKey, VerifyingKey, crypto,
    };
    use serde_json::json;

    struct Keys {
        signer: SigningKey,
        verifier: VerifyingKey,
    }

    fn keys(seed: u64) -> Keys {
        let provider = crypto::default_provider();
        let rng = InsecureTestRandom::new(seed);
        let private = Jwk::generate(JwsAlgorithm::ES256, provider, &rng).unwrap();
        Keys {
            signer: SigningKey::from_jwk(&private, None, provider).unwrap(),
            verifier: VerifyingKey::from_jwk(&private.to_public().unwrap(), None, provider)
                .unwrap(),
        }
    }

    const NOW: u64 = 1_700_000_000;

    fn claims() -> Value {
        json!({
            "iss": "c1", "aud": "https://as.example", "nbf": NOW, "exp": NOW + 300,
            "iat": NOW, "jti": "j1",
            "response_type": "code", "client_id": "c1",
            "redirect_uri": "https://app.example/cb", "scope": "read write",
            "state": "s1", "max_age": 60,
            "resource": ["https://r1.example/", "https://r2.example/"],
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256"
        })
    }

    fn sign(k: &Keys, typ: &str, claims: &Value) -> String {
        jwt::encode(
            &JwsHeader::new(JwsAlgorithm::ES256).with_typ(typ),
            claims,
            &k.signer,
        )
        .unwrap()
    }

    fn verify(jwt: &str, k: &Keys) -> Result<AuthorizationRequestParams, RequestObjectError> {
        verify_request_object(
            jwt,
            &k.verifier,
            "c1",
            "https://as.example",
            UnixTime::from_secs(NOW + 10),
            0,
        )
    }

    #[test]
    fn accepts_a_valid_object_and_reads_every_parameter() {
        let k = keys(1);
        let p = verify(&sign(&k, REQUEST_OBJECT_TYP, &claims()), &k).unwrap();
        assert_eq!(p.client_id, "c1");
        assert_eq!(p.scope, ["read", "write"]);
        assert_eq!(p.max_age, Some(60));
        assert_eq!(p.resource.len(), 2);
        assert_eq!(p.state.as_deref(), Some("s1"));
        assert!(p.extra.is_empty(), "envelope claims are not parameters");
    }

    #[test]
    fn refuses_wrong_typ_key_issuer_audience_and_times() {
        let k = keys(1);
        let other = keys(2);
        assert!(matches!(
            verify(&sign(&k, "JWT", &claims()), &k),
            Err(RequestObjectError::Invalid(_))
        ));
        assert!(matches!(
            verify(&sign(&other, REQUEST_OBJECT_TYP, &claims()), &k),
            Err(RequestObjectError::Invalid(_))
        ));
        for (name, value) in [
            ("iss", json!("c2")),
            ("aud", json!("https://other.example")),
            ("exp", json!(NOW + 5)),
            ("nbf", json!(NOW + 60)),
        ] {
            let mut c = claims();
            c[name] = value;
            assert!(
                matches!(
                    verify(&sign(&k, REQUEST_OBJECT_TYP, &c), &k),
                    Err(RequestObjectError::Invalid(_))
                ),
                "{name}"
            );
        }
        for name in ["nbf", "exp"] {
            let mut c = claims();
            c.as_object_mut().unwrap().remove(name);
            assert!(
                matches!(
                    verify(&sign(&k, REQUEST_OBJECT_TYP, &c), &k),
                    Err(RequestObjectError::Invalid(_))
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn refuses_long_lived_nested_and_mismatched_objects() {
        let k = keys(1);
        let mut c = claims();
        c["exp"] = json!(NOW + MAX_REQUEST_OBJECT_LIFETIME + 1);
        assert_eq!(
            verify(&sign(&k, REQUEST_OBJECT_TYP, &c), &k),
            Err(RequestObjectError::TooLongLived)
        );
        let mut c = claims();
        c["request_uri"] = json!("https://evil.example/ro");
        assert_eq!(
            verify(&sign(&k, REQUEST_OBJECT_TYP, &c), &k),
            Err(RequestObjectError::Nested)
        );
        let mut c = claims();
        c["client_id"] = json!("c2");
        assert_eq!(
            verify(&sign(&k, REQUEST_OBJECT_TYP, &c), &k),
            Err(RequestObjectError::ClientIdMismatch)
        );
        let mut c = claims();
        c["state"] = json!(true);
        assert!(matches!(
            verify(&sign(&k, REQUEST_OBJECT_TYP, &c), &k),
            Err(RequestObjectError::Parameters(_))
        ));
        let mut c = claims();
        c["code_challenge"] = json!("short");
        assert!(matches!(
            verify(&sign(&k, REQUEST_OBJECT_TYP, &c), &k),
            Err(RequestObjectError::Parameters(_))
        ));
    }

    proptest::proptest! {
        /// A request turned into request object claims by authcore-oauth2's client reads
        /// back to the same request.
        #[test]
        fn claims_round_trip(
            scope in proptest::collection::vec("[a-z]{1,8}", 0..4),
            state in proptest::option::of("[ -~]{1,40}"),
            resource in proptest::collection::vec("https://[a-z]{1,8}\\.example/[a-z]{0,6}", 0..3),
            max_age in proptest::option::of(0u64..100_000),
        ) {
            let mut p = AuthorizationRequestParams::new(
                authcore_oauth2::ResponseType::Code,
                "c1",
            );
            p.redirect_uri = Some("https://app.example/cb".into());
            p.scope = scope;
            p.state = state;
            p.resource = resource;
            p.max_age = max_age;
            let claims = authcore_oauth2::request_object_claims(p.to_pairs()).unwrap();
            proptest::prop_assert_eq!(request_object_params(&claims).unwrap(), p);
        }

        #[test]
        fn claims_never_panic(json in "\\{[ -~]{0,200}\\}") {
            if let Ok(Value::Object(claims)) = serde_json::from_str::<Value>(&json) {
                let _ = request_object_params(&claims);
            }
        }
    }

    #[test]
    fn encrypted_objects_need_the_providers_key_and_a_nested_jwt() {
        use authcore_jose::jwe::{EncryptionKey, JweBuilder};
        use authcore_jose::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Kma};
        let provider = crypto::default_provider();
        let rng = InsecureTestRandom::new(3);
        let keys = ServerKeys::generate(provider, &rng).unwrap();
        let secret = [7u8; 32];
        let to_nobody = EncryptionKey::symmetric(Kma::Dir, &secret, provider).unwrap();
        let jwe = JweBuilder::new(Enc::A256Gcm)
            .cty("JWT")
            .recipient(&to_nobody)
            .encrypt_compact(b"a.b.c", &rng)
            .unwrap();
        // No decryption keys: refused, not passed on as if it were signed.
        assert!(matches!(
            open_request_object(&jwe, &keys),
            Err(RequestObjectError::Invalid(_))
        ));
        // A JWS passes through unchanged.
        assert_eq!(open_request_object("a.b.c", &keys).unwrap(), "a.b.c");
        // Symmetric keys are not provider decryption keys (they cannot be published).
        let oct = JwkSet::new(vec![{
            let mut k = Jwk::symmetric(secret.to_vec());
            k.kid = Some("k".into());
            k
        }]);
        assert!(RequestObjectDecryptionKeys::from_private_jwks(&oct, provider).is_err());
        // A key without kid, and a public key, are refused too.
        let private = Jwk::generate(JwsAlgorithm::ES256, provider, &rng).unwrap();
        let mut no_kid = private.clone();
        no_kid.alg = None;
        assert!(
            RequestObjectDecryptionKeys::from_private_jwks(&JwkSet::new(vec![no_kid]), provider)
                .is_err()
        );
        let mut public = private.to_public().unwrap();
        public.kid = Some("p".into());
        assert!(
            RequestObjectDecryptionKeys::from_private_jwks(&JwkSet::new(vec![public]), provider)
                .is_err()
        );
    }

    #[test]
    fn unsigned_objects_are_refused() {
        let k = keys(1);
        let header = authcore_jose::b64::encode(br#"{"alg":"none","typ":"oauth-authz-req+jwt"}"#);
        let payload = authcore_jose::b64::encode(claims().to_string().as_bytes());
        let unsigned = format!("{header}.{payload}.");
        assert!(matches!(
            verify(&unsigned, &k),
            Err(RequestObjectError::Invalid(_))
        ));
    }
}
