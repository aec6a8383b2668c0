//! Client authentication at the token endpoint and every other back-channel endpoint
//! (RFC 6749 §2.3, RFC 7521 §4.2, RFC 7523 §2.2 and §3, RFC 8705 §2): `client_secret_basic`,
//! `client_secret_post`, `client_secret_jwt`, `private_key_jwt`, `none`, `tls_client_auth` and
//! `self_signed_tls_client_auth`.
//!
//! Two phases, as every endpoint here: [`ClientCredentials::from_request`] reads what the
//! request presents without any data (and refuses a request that uses more than one method,
//! RFC 6749 §2.3); the endpoint then asks for [`Need::Client`](crate::Need::Client) and
//! [`ClientCredentials::authenticate`] checks the presented credentials against the record.
//! The client must use the one method it registered. Secrets are compared in constant time
//! through their hashes ([`StoredSecret`]); an assertion's `jti` is single use through the
//! [`Write::InsertIfAbsent`](crate::Write::InsertIfAbsent) the endpoint puts first in its
//! write batch ([`AuthenticatedClient::replay_guard`]).
//!
//! The TLS client certificate is an input from the adapter ([`ClientCertificate`]): the
//! adapter has terminated TLS and checked the handshake's proof of possession.

use core::fmt;

use authcore_jose::crypto::VerifyOptions;
use authcore_jose::jwt::{self, Validation};
use authcore_jose::{
    DigestAlgorithm, JwsAlgorithm, SecretBytes, SecureRandom, UnixTime, VerifyingKey,
    VerifyingKeys, constant_time_eq,
};
use authcore_oauth2::ClientAuthParams;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::error::{OAuthError, ServerError};
use crate::model::{ClientAuthMethod, ClientRecord, StoredSecret, TlsClientIdentity, TokenHash};
use crate::step::Context;
use crate::tokens::CredentialKind;

/// `client_assertion_type` for JWT client assertions (RFC 7523 §2.2).
pub const JWT_BEARER_CLIENT_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Largest client assertion accepted, in bytes.
pub const MAX_ASSERTION_BYTES: usize = 16 * 1024;

/// The TLS client certificate the adapter saw, for `tls_client_auth`,
/// `self_signed_tls_client_auth` and certificate-bound tokens (RFC 8705).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ClientCertificate {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The subject distinguished name in RFC 4514 string form.
    pub subject_dn: Option<String>,
    /// dNSName subject alternative names.
    pub san_dns: Vec<String>,
    /// uniformResourceIdentifier subject alternative names.
    pub san_uri: Vec<String>,
    /// iPAddress subject alternative names, in text form.
    pub san_ip: Vec<String>,
    /// rfc822Name subject alternative names.
    pub san_email: Vec<String>,
}

impl ClientCertificate {
    /// A certificate from its DER bytes; the adapter adds the subject and alternative names
    /// it parsed.
    pub fn new(der: Vec<u8>) -> Self {
        ClientCertificate {
            der,
            ..Default::default()
        }
    }

    /// The `x5t#S256` thumbprint: base64url SHA-256 of the DER (RFC 8705 §3.1).
    pub fn thumbprint_s256(&self, provider: &authcore_jose::crypto::CryptoProvider) -> String {
        URL_SAFE_NO_PAD.encode(provider.digest(DigestAlgorithm::Sha256, &self.der))
    }

    fn matches(&self, identity: &TlsClientIdentity) -> bool {
        let any = |list: &[String], want: &str| list.iter().any(|v| v == want);
        match identity {
            TlsClientIdentity::SubjectDn(dn) => self.subject_dn.as_deref() == Some(dn.as_str()),
            TlsClientIdentity::SanDns(v) => any(&self.san_dns, v),
            TlsClientIdentity::SanUri(v) => any(&self.san_uri, v),
            TlsClientIdentity::SanIp(v) => any(&self.san_ip, v),
            TlsClientIdentity::SanEmail(v) => any(&self.san_email, v),
        }
    }
}

/// What a request presented to authenticate its client.
#[derive(Clone, PartialEq, Eq)]
enum Presented {
    /// HTTP Basic (RFC 6749 §2.3.1).
    Basic { secret: String },
    /// `client_secret` in the body.
    Post { secret: String },
    /// A JWT client assertion (RFC 7523 §2.2).
    Assertion { assertion: String },
    /// Only a `client_id`: `none`, or one of the TLS methods.
    IdOnly,
}

/// The client credentials a request presented, read without any data.
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    presented: Presented,
    certificate: Option<ClientCertificate>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = match self.presented {
            Presented::Basic { .. } => "basic",
            Presented::Post { .. } => "post",
            Presented::Assertion { .. } => "assertion",
            Presented::IdOnly => "client_id only",
        };
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("presented", &method)
            .field("certificate", &self.certificate.is_some())
            .finish()
    }
}

/// A client that authenticated: its record and how it did.
#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    /// The client's record.
    pub client: ClientRecord,
    /// The method it used (the one it registered).
    pub method: ClientAuthMethod,
    /// For JWT assertions: the replay key of the assertion's `jti` and when it may be
    /// forgotten. The endpoint writes it as
    /// [`Write::InsertIfAbsent`](crate::Write::InsertIfAbsent) first; a conflict is a
    /// replayed assertion, answered `invalid_client`.
    pub replay_guard: Option<(String, UnixTime)>,
    /// The certificate the request came with, when any (for RFC 8705 §3 binding).
    pub certificate: Option<ClientCertificate>,
}

/// The verified claims of a JWT assertion, with its replay key.
#[derive(Debug, Clone)]
pub struct VerifiedAssertion {
    /// The verified JWT.
    pub jwt: jwt::VerifiedJwt,
    /// `<purpose>:<iss>:<jti>`, the key of its single-use check.
    pub replay_key: String,
    /// Its `exp`: until then the key must be remembered.
    pub expires_at: UnixTime,
}

/// Checks a JWT assertion, for client authentication and for the JWT bearer grant alike
/// (RFC 7523 §3): the signature with `keys`; `iss` (and `sub`, when `subject` is given);
/// `aud` holding one of `audiences`; `exp` present, not past, and no further than
/// [`Lifetimes::max_assertion`](crate::config::Lifetimes) away; `nbf` and `iat` within the
/// leeway; `jti` present. The one place these rules are written.
pub fn verify_assertion(
    assertion: &str,
    keys: &VerifyingKeys,
    issuer: &str,
    subject: Option<&str>,
    audiences: &[&str],
    purpose: &str,
    ctx: &Context<'_>,
) -> Result<VerifiedAssertion, &'static str> {
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err("the assertion is too large");
    }
    let lifetimes = &ctx.config.lifetimes;
    let mut v = Validation::new()
        .issuer(issuer)
        .leeway(lifetimes.leeway)
        .require("jti");
    if let Some(sub) = subject {
        v = v.subject(sub);
    } else {
        v = v.require("sub");
    }
    for a in audiences {
        v = v.audience(*a);
    }
    let verified = jwt::verify(assertion, keys, &v, ctx.now)
        .map_err(|_| "the assertion's signature or claims are not valid")?;
    let r = &verified.claims.registered;
    let exp = r
        .exp
        .map(|e| e.secs())
        .ok_or("the assertion has no `exp`")?;
    // RFC 7523 §3 item 4: the server may reject assertions with an unreasonably far `exp`;
    // bounding it bounds how long the `jti` must be remembered.
    if exp
        > ctx
            .now
            .as_secs()
            .saturating_add(lifetimes.max_assertion + lifetimes.leeway)
    {
        return Err("the assertion's `exp` is too far in the future");
    }
    let jti = r.jti.as_deref().ok_or("the assertion has no `jti`")?;
    if jti.is_empty() {
        return Err("the assertion's `jti` is empty");
    }
    Ok(VerifiedAssertion {
        replay_key: format!("{purpose}:{issuer}:{jti}"),
        expires_at: UnixTime::from_secs(exp.saturating_add(lifetimes.leeway)),
        jwt: verified,
    })
}

/// Decodes the `Authorization: Basic` credentials (RFC 7617 §2), each part form-urldecoded
/// (RFC 6749 §2.3.1). `Ok(None)`: no `Authorization` header, or another scheme.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(OAuthError::invalid_request(
            "more than one Authorization header",
        ));
    }
    let bad = || OAuthError::invalid_client("malformed HTTP Basic credentials", true);
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, rest)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(rest.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let id = form_urldecode(id).ok_or_else(bad)?;
    let secret = form_urldecode(secret).ok_or_else(bad)?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok(Some((id, secret)))
}

/// `application/x-www-form-urlencoded` decoding of one value (`+` is a space); `None` when
/// the result is not UTF-8.
fn form_urldecode(s: &str) -> Option<String> {
    let bytes: Vec<u8> = url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())?;
    // `parse` replaces invalid UTF-8 with U+FFFD; refuse instead of guessing.
    let raw_has_replacement = s.contains('\u{FFFD}');
    let text = String::from_utf8(bytes).ok()?;
    if text.contains('\u{FFFD}') && !raw_has_replacement {
        return None;
    }
    Some(text)
}

impl ClientCredentials {
    /// Reads the client credentials of a request: the `Authorization` header, the body's
    /// client parameters, and the adapter's certificate. More than one method is
    /// `invalid_request` (RFC 6749 §2.3); an unknown `client_assertion_type` is
    /// `invalid_client`; no client identification at all is `invalid_client`.
    pub fn from_request(
        headers: &HeaderMap,
        params: &ClientAuthParams,
        certificate: Option<&ClientCertificate>,
    ) -> Result<Self, OAuthError> {
        let basic = basic_credentials(headers)?;
        let body_id = params.client_id.clone();
        let (client_id, presented) = match (basic, &params.client_secret, &params.client_assertion)
        {
            (Some((id, secret)), None, None) => {
                // A `client_id` in the body as well must name the same client.
                if body_id.as_ref().is_some_and(|b| b != &id) {
                    return Err(OAuthError::invalid_request(
                        "client_id in the body differs from the Basic credentials",
                    ));
                }
                (id, Presented::Basic { secret })
            }
            (None, Some(secret), None) => {
                let id = body_id.ok_or_else(|| {
                    OAuthError::invalid_request("client_secret without client_id")
                })?;
                (
                    id,
                    Presented::Post {
                        secret: secret.secret().to_owned(),
                    },
                )
            }
            (None, None, Some(assertion)) => {
                if params.client_assertion_type.as_deref() != Some(JWT_BEARER_CLIENT_ASSERTION_TYPE)
                {
                    return Err(OAuthError::invalid_client(
                        "unsupported client_assertion_type",
                        false,
                    ));
                }
                // RFC 7523 §3: `sub` is the client_id. Read unverified only to find the
                // client; the signature and claims are checked against its record.
                let sub = jwt::decode_unverified(assertion)
                    .ok()
                    .and_then(|(_, c)| c.registered.sub)
                    .ok_or_else(|| {
                        OAuthError::invalid_client("the client assertion has no `sub`", false)
                    })?;
                if body_id.as_ref().is_some_and(|b| b != &sub) {
                    return Err(OAuthError::invalid_client(
                        "client_id differs from the client assertion's `sub`",
                        false,
                    ));
                }
                (
                    sub,
                    Presented::Assertion {
                        assertion: assertion.clone(),
                    },
                )
            }
            (None, None, None) => match body_id {
                Some(id) => (id, Presented::IdOnly),
                None => {
                    return Err(OAuthError::invalid_client(
                        "no client authentication",
                        false,
                    ));
                }
            },
            _ => {
                return Err(OAuthError::invalid_request(
                    "more than one client authentication method (RFC 6749 §2.3)",
                ));
            }
        };
        Ok(ClientCredentials {
            client_id,
            presented,
            certificate: certificate.cloned(),
        })
    }

    /// The `client_id` the request names: what to ask for with
    /// [`Need::Client`](crate::Need::Client).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether the client tried HTTP Basic (an `invalid_client` answer then carries a
    /// `WWW-Authenticate: Basic` challenge, RFC 6749 §5.2).
    pub fn used_basic(&self) -> bool {
        matches!(self.presented, Presented::Basic { .. })
    }

    fn invalid(&self, description: &str) -> OAuthError {
        OAuthError::invalid_client(description, self.used_basic())
    }

    /// Checks the credentials against the client's record (`None`: no such client).
    /// `endpoint` is the URL of the endpoint the request came to: an assertion's `aud` must
    /// be it, the issuer or the token endpoint (RFC 7523 §3).
    pub fn authenticate(
        &self,
        record: Option<&ClientRecord>,
        endpoint: &str,
        ctx: &Context<'_>,
    ) -> Result<AuthenticatedClient, OAuthError> {
        let client = record.ok_or_else(|| self.invalid("unknown client"))?;
        let method = client.auth_method;
        if !ctx.config.client_auth_methods.contains(&method) {
            return Err(self.invalid("the client's authentication method is not enabled"));
        }
        let mut replay_guard = None;
        // The client must use the one method it registered (RFC 7591 §2).
        match (&self.presented, method) {
            (Presented::Basic { secret }, ClientAuthMethod::ClientSecretBasic)
            | (Presented::Post { secret }, ClientAuthMethod::ClientSecretPost) => {
                self.check_secret(client, secret, ctx)?;
            }
            (Presented::Assertion { assertion }, ClientAuthMethod::PrivateKeyJwt)
            | (Presented::Assertion { assertion }, ClientAuthMethod::ClientSecretJwt) => {
                let keys = self.assertion_keys(client, ctx)?;
                let v = verify_assertion(
                    assertion,
                    &keys,
                    &client.client_id,
                    Some(&client.client_id),
                    // RFC 7523 §3: the token endpoint URL identifies the authorization
                    // server too, so an assertion made for it (the client-side default) is
                    // good at every endpoint that authenticates clients.
                    &[
                        endpoint,
                        ctx.config.issuer.as_str(),
                        ctx.config.endpoints.token.as_str(),
                    ],
                    "client_assertion",
                    ctx,
                )
                .map_err(|reason| self.invalid(reason))?;
                replay_guard = Some((v.replay_key, v.expires_at));
            }
            (Presented::IdOnly, ClientAuthMethod::None) => {}
            (Presented::IdOnly, ClientAuthMethod::TlsClientAuth) => {
                let cert = self
                    .certificate
                    .as_ref()
                    .ok_or_else(|| self.invalid("no client certificate"))?;
                let identity = client
                    .tls_identity
                    .as_ref()
                    .ok_or_else(|| self.invalid("no certificate subject registered"))?;
                if !cert.matches(identity) {
                    return Err(self.invalid("the certificate does not match the client"));
                }
            }
            (Presented::IdOnly, ClientAuthMethod::SelfSignedTlsClientAuth) => {
                let cert = self
                    .certificate
                    .as_ref()
                    .ok_or_else(|| self.invalid("no client certificate"))?;
                // RFC 8705 §2.2.2: the certificate must be one the client registered (in the
                // `x5c` of a key of its JWK Set).
                let registered = client.jwks.as_ref().is_some_and(|set| {
                    set.keys.iter().any(|k| {
                        k.x5c
                            .as_ref()
                            .and_then(|c| c.first())
                            .and_then(|b64| STANDARD.decode(b64).ok())
                            .is_some_and(|der| constant_time_eq(&der, &cert.der))
                    })
                });
                if !registered {
                    return Err(self.invalid("the certificate is not registered for the client"));
                }
            }
            _ => {
                return Err(
                    self.invalid("the client did not use its registered authentication method")
                );
            }
        }
        if matches!(
            method,
            ClientAuthMethod::ClientSecretBasic
                | ClientAuthMethod::ClientSecretPost
                | ClientAuthMethod::ClientSecretJwt
        ) && client.secret_expires_at.is_some_and(|e| ctx.now >= e)
        {
            return Err(self.invalid("the client secret has expired"));
        }
        Ok(AuthenticatedClient {
            client: client.clone(),
            method,
            replay_guard,
            certificate: self.certificate.clone(),
        })
    }

    fn check_secret(
        &self,
        client: &ClientRecord,
        presented: &str,
        ctx: &Context<'_>,
    ) -> Result<(), OAuthError> {
        let ok = match &client.secret {
            Some(stored) => secret_matches(stored, presented, ctx),
            None => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.invalid("client authentication failed"))
        }
    }

    fn assertion_keys(
        &self,
        client: &ClientRecord,
        ctx: &Context<'_>,
    ) -> Result<VerifyingKeys, OAuthError> {
        let provider = ctx.keys.provider;
        let algs: Vec<JwsAlgorithm> =
            assertion_algorithms(ctx.config, client.auth_method).collect();
        match client.auth_method {
            ClientAuthMethod::PrivateKeyJwt => {
                let set = client
                    .jwks
                    .as_ref()
                    .ok_or_else(|| self.invalid("no keys registered"))?;
                if algs.is_empty() {
                    return Err(self.invalid("no assertion algorithm enabled"));
                }
                VerifyingKeys::from_jwk_set(set, &algs, provider, &VerifyOptions::default())
                    .map_err(|_| self.invalid("no usable registered key"))
            }
            _ => {
                // client_secret_jwt: the HMAC key is the secret itself (RFC 7523 §2.2).
                let Some(StoredSecret::Plain(secret)) = &client.secret else {
                    return Err(self.invalid("no secret usable for client_secret_jwt"));
                };
                let mut keys = VerifyingKeys::new();
                for alg in algs {
                    if let Ok(k) = VerifyingKey::hmac(alg, secret.expose(), provider) {
                        keys.push(k);
                    }
                }
                if keys.is_empty() {
                    return Err(self.invalid("the secret is too short for HMAC"));
                }
                Ok(keys)
            }
        }
    }
}

/// The algorithms a client assertion of `method` may be signed with (RFC 7523 §3): the
/// asymmetric ones of [`ServerConfig::client_assertion_algorithms`] for `private_key_jwt`,
/// the HMAC ones for `client_secret_jwt` (the secret is the key, RFC 7523 §2.2), none for
/// the other methods. The token endpoint verifies with these and the metadata advertises
/// them (`token_endpoint_auth_signing_alg_values_supported`).
///
/// [`ServerConfig::client_assertion_algorithms`]: crate::ServerConfig::client_assertion_algorithms
pub(crate) fn assertion_algorithms(
    config: &crate::ServerConfig,
    method: ClientAuthMethod,
) -> impl Iterator<Item = JwsAlgorithm> + '_ {
    let wanted_hmac = match method {
        ClientAuthMethod::PrivateKeyJwt => Some(false),
        ClientAuthMethod::ClientSecretJwt => Some(true),
        _ => None,
    };
    config
        .client_assertion_algorithms
        .iter()
        .copied()
        .filter(move |a| wanted_hmac == Some(a.family() == authcore_jose::AlgorithmFamily::Hmac))
}

/// Whether `presented` is the secret `stored` stands for, compared in constant time.
pub(crate) fn secret_matches(stored: &StoredSecret, presented: &str, ctx: &Context<'_>) -> bool {
    match stored {
        StoredSecret::Argon2id(phc) => {
            use argon2::password_hash::{PasswordHash, PasswordVerifier};
            PasswordHash::new(phc).is_ok_and(|h| {
                argon2::Argon2::default()
                    .verify_password(presented.as_bytes(), &h)
                    .is_ok()
            })
        }
        StoredSecret::Keyed(hash) => ctx
            .keys
            .secret_hashing
            .hash_presented(CredentialKind::ClientSecret, presented)
            .is_some_and(|h| constant_time_eq(h.as_str().as_bytes(), hash.as_str().as_bytes())),
        StoredSecret::Plain(secret) => constant_time_eq(secret.expose(), presented.as_bytes()),
    }
}

/// Hashes a human-chosen client secret with Argon2id (RFC 9106 §4 second recommended
/// parameters, the `argon2` crate's defaults: m=19 MiB, t=2, p=1) and a 16-byte salt from
/// `rng`.
pub fn hash_chosen_secret(
    secret: &str,
    rng: &dyn SecureRandom,
) -> Result<StoredSecret, ServerError> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt: [u8; 16] = authcore_jose::random_array(rng).map_err(|_| ServerError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| ServerError::Crypto)?;
    let phc = argon2::Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|_| ServerError::Crypto)?;
    Ok(StoredSecret::Argon2id(phc.to_string()))
}

/// Generates a client secret (256 bits, `accs_` prefix): the secret to hand to the client
/// once, and the keyed hash to store.
pub fn generate_secret(ctx: &Context<'_>) -> Result<(SecretBytes, StoredSecret), ServerError> {
    let (secret, hash): (String, TokenHash) = ctx
        .keys
        .secret_hashing
        .mint(CredentialKind::ClientSecret, ctx.rng)?;
    Ok((
        SecretBytes::new(secret.into_bytes()),
        StoredSecret::Keyed(hash),
    ))
}
