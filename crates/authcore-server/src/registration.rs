//! Dynamic client registration (RFC 7591), its management protocol (RFC 7592) and the
//! OpenID Connect Registration 1.0 metadata.
//!
//! - `POST <registration endpoint>` registers a client (RFC 7591 §3.1): open, or with the
//!   configured initial access token as a bearer token (§3). The metadata is validated
//!   ([`validate_metadata`]); a software statement (§2.3) is verified against the configured
//!   trusted keys and its claims take precedence over the plain members. The server draws the
//!   `client_id`, a secret for the `client_secret_*` methods (kept as the keyed hash client
//!   authentication compares, or in plain for `client_secret_jwt`, which needs the key), and a
//!   registration access token (kept only as its keyed hash).
//! - `GET`, `PUT`, `DELETE <registration endpoint>/<client_id>` read, replace and remove the
//!   registration (RFC 7592 §2.1–§2.3) with that registration access token.
//!
//! A `sector_identifier_uri` (OpenID Connect Registration §5, Core §8.1) is fetched through
//! [`Need::Fetch`]: the document must be a JSON array holding every redirect URI.
//!
//! The request and response bodies are authcore-oauth2's RFC 7591 wire types
//! ([`ClientMetadata`], [`ClientInformationResponse`]).

use authcore_jose::jwt::{self, Validation};
use authcore_jose::{JwkSet, JwsAlgorithm, SecretBytes, VerifyingKeys, constant_time_eq};
use authcore_oauth2::wire::{ClientInformationResponse, ClientMetadata};
use authcore_oauth2::{ClientSecret, ErrorCode};
use http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::client_auth::generate_secret;
use crate::error::{OAuthError, ServerError};
use crate::model::{
    ApplicationType, ClientAuthMethod, ClientRecord, StoredSecret, TlsClientIdentity, TokenHash,
};
use crate::step::{Answer, Context, Endpoint, Need, Step, Supplied, Write, WriteOutcome};
use crate::tokens::CredentialKind;

/// Largest registration request body accepted, in bytes.
pub const MAX_REGISTRATION_REQUEST_BYTES: usize = 64 * 1024;

/// Largest `sector_identifier_uri` document considered, in bytes.
pub const MAX_SECTOR_IDENTIFIER_BYTES: usize = 64 * 1024;

/// The metadata members the record keeps in its own fields; every other registered member
/// is kept in [`ClientRecord::extra`].
/// (`jwks` is in both: parsed into [`ClientRecord::jwks`], and kept as registered so a read
/// returns the members the client sent.)
const RECORD_FIELDS: [&str; 6] = [
    "redirect_uris",
    "token_endpoint_auth_method",
    "grant_types",
    "response_types",
    "scope",
    "application_type",
];

/// Members the server issues and a client never registers (RFC 7591 §3.2.1, RFC 7592 §3).
const ISSUED_MEMBERS: [&str; 6] = [
    "client_id",
    "client_secret",
    "client_id_issued_at",
    "client_secret_expires_at",
    "registration_access_token",
    "registration_client_uri",
];

/// The `tls_client_auth` subject members (RFC 8705 §2.1.2).
const TLS_IDENTITY_MEMBERS: [&str; 5] = [
    "tls_client_auth_subject_dn",
    "tls_client_auth_san_dns",
    "tls_client_auth_san_uri",
    "tls_client_auth_san_ip",
    "tls_client_auth_san_email",
];

/// What a registration request asks for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RegistrationRequest {
    /// RFC 7591 §3.1: register a client with this metadata; `initial_access_token` is the
    /// bearer token presented, if any.
    Create {
        /// The metadata.
        metadata: ClientMetadata,
        /// The bearer token presented.
        initial_access_token: Option<String>,
    },
    /// RFC 7592 §2.1: read the registration of `client_id`.
    Read {
        /// The client.
        client_id: String,
        /// The registration access token presented.
        access_token: String,
    },
    /// RFC 7592 §2.2: replace the registration of `client_id` with `metadata`.
    Update {
        /// The client.
        client_id: String,
        /// The registration access token presented.
        access_token: String,
        /// The new metadata.
        metadata: ClientMetadata,
    },
    /// RFC 7592 §2.3: delete the registration of `client_id`.
    Delete {
        /// The client.
        client_id: String,
        /// The registration access token presented.
        access_token: String,
    },
}

fn invalid_metadata(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, description)
}

fn invalid_redirect_uri(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidRedirectUri, description)
}

/// RFC 6750 §3.1 / RFC 7592 §2: a missing or wrong bearer token is answered 401 without
/// saying whether the client exists.
fn invalid_token(description: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidToken, description).with_status(StatusCode::UNAUTHORIZED)
}

fn bearer_token(request: &Request<Vec<u8>>) -> Result<Option<String>, OAuthError> {
    let mut values = request.headers().get_all(AUTHORIZATION).iter();
    let Some(v) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(OAuthError::invalid_request(
            "more than one Authorization header",
        ));
    }
    let v = v
        .to_str()
        .map_err(|_| OAuthError::invalid_request("the Authorization header is not text"))?;
    match v.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(invalid_token(
            "the Authorization header is not a bearer token",
        )),
    }
}

fn json_body(request: &Request<Vec<u8>>) -> Result<ClientMetadata, OAuthError> {
    let is_json = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(OAuthError::invalid_request(
            "the body must be application/json (RFC 7591 §3.1)",
        ));
    }
    if request.body().len() > MAX_REGISTRATION_REQUEST_BYTES {
        return Err(OAuthError::invalid_request("the request body is too large")
            .with_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    ClientMetadata::from_json(request.body()).map_err(|e| invalid_metadata(e.to_string()))
}

/// Parses a registration or management request without any data: the method and path
/// against the configured `registration_endpoint`, the bearer token, and a JSON body of at
/// most [`MAX_REGISTRATION_REQUEST_BYTES`] parsed strictly by [`ClientMetadata::from_json`].
/// The fuzz target's entry point.
pub fn parse_registration_request(
    request: &Request<Vec<u8>>,
    registration_endpoint: &Url,
) -> Result<RegistrationRequest, OAuthError> {
    let not_found =
        || OAuthError::invalid_request("no such registration").with_status(StatusCode::NOT_FOUND);
    let base = registration_endpoint.path().trim_end_matches('/');
    let path = request.uri().path();
    let token = bearer_token(request)?;
    if path == base || path == registration_endpoint.path() {
        if request.method() != Method::POST {
            return Err(OAuthError::invalid_request("registration takes POST")
                .with_status(StatusCode::METHOD_NOT_ALLOWED));
        }
        return Ok(RegistrationRequest::Create {
            metadata: json_body(request)?,
            initial_access_token: token,
        });
    }
    let client_id = path
        .strip_prefix(base)
        .and_then(|p| p.strip_prefix('/'))
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .ok_or_else(not_found)?
        .to_owned();
    let access_token =
        token.ok_or_else(|| invalid_token("a registration access token is required"))?;
    match *request.method() {
        Method::GET => Ok(RegistrationRequest::Read {
            client_id,
            access_token,
        }),
        Method::PUT => Ok(RegistrationRequest::Update {
            client_id,
            access_token,
            metadata: json_body(request)?,
        }),
        Method::DELETE => Ok(RegistrationRequest::Delete {
            client_id,
            access_token,
        }),
        _ => Err(
            OAuthError::invalid_request("the method is not GET, PUT or DELETE")
                .with_status(StatusCode::METHOD_NOT_ALLOWED),
        ),
    }
}

/// The metadata as one JSON object (members of `extra` included).
fn metadata_object(metadata: &ClientMetadata) -> Map<String, Value> {
    match serde_json::from_slice(&metadata.to_json()) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

fn opt_str<'m>(m: &'m Map<String, Value>, name: &str) -> Result<Option<&'m str>, OAuthError> {
    match m.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_metadata(format!("{name} must be a string"))),
    }
}

fn opt_strings(m: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>, OAuthError> {
    match m.get(name) {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| invalid_metadata(format!("{name} must be an array of strings"))),
        Some(_) => Err(invalid_metadata(format!(
            "{name} must be an array of strings"
        ))),
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Checks one URI a client will be sent to (a redirect URI, a post-logout redirect URI):
/// absolute, without fragment (RFC 6749 §3.1.2); `https` for web clients (OpenID Connect
/// Registration §2); for native clients also `http` on a loopback host (RFC 8252 §7.3) or a
/// private-use scheme in reverse-domain form (RFC 8252 §7.1).
fn check_client_uri(
    name: &str,
    uri: &str,
    application_type: ApplicationType,
) -> Result<(), OAuthError> {
    let url = Url::parse(uri).map_err(|_| invalid_redirect_uri(format!("{name}: not a URL")))?;
    if url.fragment().is_some() {
        return Err(invalid_redirect_uri(format!("{name}: has a fragment")));
    }
    let ok = match (application_type, url.scheme()) {
        (_, "https") => true,
        (ApplicationType::Native, "http") => is_loopback_host(&url),
        (ApplicationType::Native, scheme) => scheme.contains('.'),
        (ApplicationType::Web, _) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid_redirect_uri(format!(
            "{name}: {uri} is not allowed for a {} client (https; native clients also \
             loopback http or a reverse-domain private scheme, RFC 8252 §7)",
            match application_type {
                ApplicationType::Web => "web",
                ApplicationType::Native => "native",
            }
        )))
    }
}

/// A `backchannel_logout_uri` (Back-Channel Logout 1.0 §2.2): an `https` URL, or, only when
/// the issuer itself is plain `http` on a loopback host (a provider run for development and
/// tests, which `ServerConfig::new` admits), plain `http` on a loopback host too, so an
/// application under development on the same machine can receive logout tokens. A provider
/// with an `https` issuer never POSTs logout tokens in the clear.
fn check_backchannel_logout_uri(uri: &str, issuer: &str) -> Result<(), OAuthError> {
    let name = "backchannel_logout_uri";
    let loopback_http =
        |u: &str| Url::parse(u).is_ok_and(|u| u.scheme() == "http" && is_loopback_host(&u));
    if loopback_http(issuer) && loopback_http(uri) {
        let url = Url::parse(uri).map_err(|_| invalid_metadata(format!("{name}: not a URL")))?;
        if url.fragment().is_some() {
            return Err(invalid_metadata(format!("{name}: has a fragment")));
        }
        return Ok(());
    }
    check_https(name, uri)
}

/// An `https` URL the server itself will call or fetch (`jwks_uri`,
/// `sector_identifier_uri`, `backchannel_logout_uri`), without fragment.
fn check_https(name: &str, uri: &str) -> Result<(), OAuthError> {
    let url = Url::parse(uri).map_err(|_| invalid_metadata(format!("{name}: not a URL")))?;
    if url.scheme() != "https" || url.fragment().is_some() {
        return Err(invalid_metadata(format!(
            "{name} must be an https URL without fragment"
        )));
    }
    Ok(())
}

fn check_jws_alg(
    m: &Map<String, Value>,
    name: &str,
    allowed: Option<&[JwsAlgorithm]>,
) -> Result<(), OAuthError> {
    let Some(alg) = opt_str(m, name)? else {
        return Ok(());
    };
    let parsed: JwsAlgorithm = alg
        .parse()
        .map_err(|_| invalid_metadata(format!("{name}: {alg} is not a supported algorithm")))?;
    if allowed.is_some_and(|a| !a.contains(&parsed)) {
        return Err(invalid_metadata(format!(
            "{name}: {alg} is not enabled at this server"
        )));
    }
    Ok(())
}

/// What validated metadata turns into: the record (without identifiers and credentials),
/// and the `sector_identifier_uri` to fetch and check, if any.
#[derive(Debug, Clone)]
pub struct ValidatedMetadata {
    /// The record, with `client_id`, secret and registration access token still to set.
    pub record: ClientRecord,
    /// The `sector_identifier_uri` whose document must list every redirect URI.
    pub sector_identifier_uri: Option<String>,
}

/// Validates registration metadata against this server's configuration and turns it into a
/// [`ClientRecord`] (RFC 7591 §2, OpenID Connect Registration 1.0 §2).
pub fn validate_metadata(
    metadata: &ClientMetadata,
    config: &crate::ServerConfig,
) -> Result<ValidatedMetadata, OAuthError> {
    let m = metadata_object(metadata);
    if let Some(name) = ISSUED_MEMBERS.iter().find(|n| m.contains_key(**n)) {
        return Err(invalid_metadata(format!(
            "{name} is issued, not registered"
        )));
    }
    let application_type = match opt_str(&m, "application_type")? {
        None | Some("web") => ApplicationType::Web,
        Some("native") => ApplicationType::Native,
        Some(other) => {
            return Err(invalid_metadata(format!(
                "application_type {other} is neither web nor native"
            )));
        }
    };
    let auth_method = match metadata.token_endpoint_auth_method.as_deref() {
        // RFC 7591 §2: the default is client_secret_basic.
        None => ClientAuthMethod::ClientSecretBasic,
        Some(name) => ClientAuthMethod::parse(name).ok_or_else(|| {
            invalid_metadata(format!("token_endpoint_auth_method {name} is unknown"))
        })?,
    };
    if !config.client_auth_methods.contains(&auth_method) {
        return Err(invalid_metadata(format!(
            "token_endpoint_auth_method {} is not enabled",
            auth_method.as_str()
        )));
    }

    // RFC 7591 §2.1: grant_types and response_types must be consistent; the defaults are
    // authorization_code and code.
    let grant_types = metadata
        .grant_types
        .clone()
        .unwrap_or_else(|| vec!["authorization_code".into()]);
    let response_types = metadata
        .response_types
        .clone()
        .unwrap_or_else(|| vec!["code".into()]);
    let mut supported = crate::token::grants::supported_grant_types(config);
    if config.legacy.implicit_grant {
        supported.push("implicit");
    }
    if config.endpoints.authorization.is_none() {
        supported.retain(|g| *g != "authorization_code");
    }
    if let Some(g) = grant_types
        .iter()
        .find(|g| !supported.contains(&g.as_str()))
    {
        return Err(invalid_metadata(format!("grant type {g} is not supported")));
    }
    let front_channel = grant_types
        .iter()
        .any(|g| g == "authorization_code" || g == "implicit");
    for rt in &response_types {
        let words: Vec<&str> = rt.split(' ').collect();
        if words
            .iter()
            .any(|w| !matches!(*w, "code" | "token" | "id_token" | "none"))
        {
            return Err(invalid_metadata(format!("response type {rt} is unknown")));
        }
        if words.contains(&"code") && !grant_types.iter().any(|g| g == "authorization_code") {
            return Err(invalid_metadata(format!(
                "response type {rt} needs the authorization_code grant type (RFC 7591 §2.1)"
            )));
        }
        if words.iter().any(|w| *w == "token" || *w == "id_token")
            && !grant_types.iter().any(|g| g == "implicit")
        {
            return Err(invalid_metadata(format!(
                "response type {rt} needs the implicit grant type (RFC 7591 §2.1)"
            )));
        }
    }
    if front_channel && metadata.response_types.as_ref().is_some_and(Vec::is_empty) {
        return Err(invalid_metadata(
            "a front-channel grant type needs a response type (RFC 7591 §2.1)",
        ));
    }
    if auth_method.is_public() && grant_types.iter().any(|g| g == "client_credentials") {
        return Err(invalid_metadata(
            "a public client cannot use client_credentials (RFC 6749 §4.4)",
        ));
    }

    // Redirect URIs: required for the front-channel grants (RFC 7591 §2), each checked.
    let redirect_uris = metadata.redirect_uris.clone().unwrap_or_default();
    if front_channel && redirect_uris.is_empty() {
        return Err(invalid_redirect_uri(
            "redirect_uris is required for the authorization_code and implicit grants",
        ));
    }
    for uri in &redirect_uris {
        check_client_uri("redirect_uris", uri, application_type)?;
    }
    let post_logout_redirect_uris =
        opt_strings(&m, "post_logout_redirect_uris")?.unwrap_or_default();
    for uri in &post_logout_redirect_uris {
        check_client_uri("post_logout_redirect_uris", uri, application_type)?;
    }
    for name in ["frontchannel_logout_uri", "jwks_uri"] {
        if let Some(uri) = opt_str(&m, name)? {
            check_https(name, uri)?;
        }
    }
    if let Some(uri) = opt_str(&m, "backchannel_logout_uri")? {
        check_backchannel_logout_uri(uri, &config.issuer)?;
    }

    // Keys: by value or by reference, never both (RFC 7591 §2; the wire type refuses both).
    let jwks = match &metadata.jwks {
        None => None,
        Some(set) => {
            let bytes = serde_json::to_vec(set).map_err(|_| invalid_metadata("jwks"))?;
            let parsed =
                JwkSet::from_json(&bytes).map_err(|e| invalid_metadata(format!("jwks: {e}")))?;
            // A client registers public keys only (RFC 7591 §2 `jwks`).
            let private = set
                .get("keys")
                .and_then(Value::as_array)
                .is_some_and(|keys| {
                    keys.iter()
                        .any(|k| k.get("d").is_some() || k.get("k").is_some())
                });
            if private {
                return Err(invalid_metadata(
                    "jwks holds private or symmetric key material",
                ));
            }
            Some(parsed)
        }
    };
    let mut tls_identity = None;
    match auth_method {
        // The assertion keys are the registered `jwks` (see `client_auth`).
        ClientAuthMethod::PrivateKeyJwt | ClientAuthMethod::SelfSignedTlsClientAuth
            if jwks.is_none() =>
        {
            return Err(invalid_metadata(format!(
                "{} needs jwks",
                auth_method.as_str()
            )));
        }
        ClientAuthMethod::TlsClientAuth => {
            // RFC 8705 §2.1.2: exactly one subject member.
            let given: Vec<(&str, &str)> = TLS_IDENTITY_MEMBERS
                .iter()
                .filter_map(|n| opt_str(&m, n).transpose().map(|v| v.map(|v| (*n, v))))
                .collect::<Result<_, _>>()?;
            let [(name, value)] = given[..] else {
                return Err(invalid_metadata(
                    "tls_client_auth needs exactly one tls_client_auth_* subject (RFC 8705 §2.1.2)",
                ));
            };
            let value = value.to_owned();
            tls_identity = Some(match name {
                "tls_client_auth_subject_dn" => TlsClientIdentity::SubjectDn(value),
                "tls_client_auth_san_dns" => TlsClientIdentity::SanDns(value),
                "tls_client_auth_san_uri" => TlsClientIdentity::SanUri(value),
                "tls_client_auth_san_ip" => TlsClientIdentity::SanIp(value),
                _ => TlsClientIdentity::SanEmail(value),
            });
        }
        _ => {}
    }

    // Algorithm choices against what this server does.
    let assertion_algs = &config.client_assertion_algorithms;
    check_jws_alg(&m, "token_endpoint_auth_signing_alg", Some(assertion_algs))?;
    let request_object_algs = crate::jar::request_object_algorithms(config);
    check_jws_alg(&m, "request_object_signing_alg", Some(&request_object_algs))?;
    check_jws_alg(&m, "id_token_signed_response_alg", None)?;
    check_jws_alg(&m, "userinfo_signed_response_alg", None)?;
    // Encryption (Registration §2): the pairs this provider can honour; the enc default
    // (A128CBC-HS256) is registered explicitly, so a read returns what applies. Whether the
    // crypto provider has the parts is checked by the endpoint, which holds it
    // ([`check_encryption_support`]).
    let mut m = m;
    for (alg, enc) in ENCRYPTION_MEMBERS {
        let pair = crate::oidc::encryption::read_algorithms(&m, alg, enc, None)
            .map_err(|e| invalid_metadata(e.0))?;
        if let Some(pair) = pair {
            if crate::oidc::encryption::is_symmetric(pair.alg())
                && !matches!(
                    auth_method,
                    ClientAuthMethod::ClientSecretBasic
                        | ClientAuthMethod::ClientSecretPost
                        | ClientAuthMethod::ClientSecretJwt
                )
            {
                // Core §10.2: the symmetric key is derived from the client secret.
                return Err(invalid_metadata(format!(
                    "{alg}: {} needs a client secret (OpenID Connect Core §10.2)",
                    pair.alg().name()
                )));
            }
            if !crate::oidc::encryption::is_symmetric(pair.alg())
                && alg != "request_object_encryption_alg"
                && jwks.is_none()
                && !m.contains_key("jwks_uri")
            {
                return Err(invalid_metadata(format!(
                    "{alg}: encrypting to the client needs its jwks or jwks_uri"
                )));
            }
            m.insert(enc.to_owned(), pair.enc().name().into());
        }
    }
    // JWT-secured authorization responses (JARM) are not offered: refuse rather than answer
    // in the clear.
    for name in [
        "authorization_encrypted_response_alg",
        "authorization_encrypted_response_enc",
    ] {
        if m.contains_key(name) {
            return Err(invalid_metadata(format!(
                "{name}: encrypted authorization responses are not supported by this server"
            )));
        }
    }
    match opt_str(&m, "subject_type")? {
        None | Some("public") | Some("pairwise") => {}
        Some(other) => {
            return Err(invalid_metadata(format!("subject_type {other} is unknown")));
        }
    }
    let sector_identifier_uri = opt_str(&m, "sector_identifier_uri")?.map(str::to_owned);
    if let Some(uri) = &sector_identifier_uri {
        check_https("sector_identifier_uri", uri)?;
    }

    // Scope: what the client asked for, limited to what the server offers.
    let allowed_scopes = match &metadata.scope {
        None => config.registration.default_scopes.clone(),
        Some(asked) => {
            if !config.scopes_supported.is_empty() {
                if let Some(s) = asked.iter().find(|s| !config.scopes_supported.contains(s)) {
                    return Err(invalid_metadata(format!("scope {s} is not offered")));
                }
            }
            asked.clone()
        }
    };

    let mut record = ClientRecord::new(String::new(), auth_method);
    record.redirect_uris = redirect_uris;
    record.grant_types = grant_types;
    record.response_types = response_types;
    record.allowed_scopes = allowed_scopes;
    record.application_type = application_type;
    record.jwks = jwks;
    record.tls_identity = tls_identity;
    // The logout registrations the provider's logout module reads from the record (they are
    // also kept in `extra`, like the other flags, so a read returns them as registered).
    record.post_logout_redirect_uris = post_logout_redirect_uris;
    record.backchannel_logout_uri = opt_str(&m, "backchannel_logout_uri")?.map(str::to_owned);
    record.frontchannel_logout_uri = opt_str(&m, "frontchannel_logout_uri")?.map(str::to_owned);
    for (flag, name) in [
        (
            &mut record.require_pushed_authorization_requests,
            "require_pushed_authorization_requests",
        ),
        (
            &mut record.dpop_bound_access_tokens,
            "dpop_bound_access_tokens",
        ),
        (
            &mut record.tls_client_certificate_bound_access_tokens,
            "tls_client_certificate_bound_access_tokens",
        ),
        (
            &mut record.backchannel_logout_session_required,
            "backchannel_logout_session_required",
        ),
        (
            &mut record.frontchannel_logout_session_required,
            "frontchannel_logout_session_required",
        ),
    ] {
        match m.get(name) {
            None => {}
            Some(Value::Bool(b)) => *flag = *b,
            Some(_) => return Err(invalid_metadata(format!("{name} must be a boolean"))),
        }
    }
    record.extra = m
        .into_iter()
        .filter(|(k, _)| !RECORD_FIELDS.contains(&k.as_str()))
        .collect();
    Ok(ValidatedMetadata {
        record,
        sector_identifier_uri,
    })
}

/// Whether the provider keys something with the client's secret, so it must keep the secret
/// itself rather than its hash: an HS* ID token or UserInfo signature (Core §10.1), or a
/// symmetric encryption (§10.2).
pub fn keys_with_secret(record: &ClientRecord) -> bool {
    let hs = [
        crate::oidc::id_token::SIGNED_RESPONSE_ALG,
        crate::userinfo::SIGNED_RESPONSE_ALG,
    ]
    .iter()
    .any(|m| {
        record
            .extra
            .get(*m)
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<JwsAlgorithm>().ok())
            .is_some_and(|a| a.family() == authcore_jose::AlgorithmFamily::Hmac)
    });
    let symmetric = ENCRYPTION_MEMBERS.iter().any(|(alg, _)| {
        record
            .extra
            .get(*alg)
            .and_then(Value::as_str)
            .and_then(|a| a.parse().ok())
            .is_some_and(crate::oidc::encryption::is_symmetric)
    });
    hs || symmetric
}

/// The client metadata members that register encryption, as (`alg`, `enc`) pairs
/// (OpenID Connect Registration §2).
pub const ENCRYPTION_MEMBERS: [(&str, &str); 3] = [
    (
        "id_token_encrypted_response_alg",
        "id_token_encrypted_response_enc",
    ),
    (
        "userinfo_encrypted_response_alg",
        "userinfo_encrypted_response_enc",
    ),
    (
        "request_object_encryption_alg",
        "request_object_encryption_enc",
    ),
];

/// Checks the encryption `record` registered against what this provider does: the ID token
/// and UserInfo pairs against the crypto provider's parts
/// ([`crate::oidc::encryption::encrypts_with`]), the request object pair against the
/// provider's own decryption keys ([`crate::jar::request_object_encryption_algorithms`]).
/// Refused: `invalid_client_metadata` naming the member.
pub fn check_encryption_support(
    record: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<(), OAuthError> {
    let provider = ctx.keys.provider;
    for (alg, enc) in &ENCRYPTION_MEMBERS[..2] {
        crate::oidc::encryption::read_algorithms(&record.extra, alg, enc, Some(provider))
            .map_err(|e| invalid_metadata(e.0))?;
    }
    let (alg, enc) = ENCRYPTION_MEMBERS[2];
    if let Some(pair) = crate::oidc::encryption::read_algorithms(&record.extra, alg, enc, None)
        .map_err(|e| invalid_metadata(e.0))?
    {
        let (algs, encs) = crate::jar::request_object_encryption_algorithms(ctx.keys);
        if !algs.contains(&pair.alg()) {
            return Err(invalid_metadata(format!(
                "{alg}: {} is not offered by this provider",
                pair.alg().name()
            )));
        }
        if !encs.contains(&pair.enc()) {
            return Err(invalid_metadata(format!(
                "{enc}: {} is not offered by this provider",
                pair.enc().name()
            )));
        }
    }
    Ok(())
}

/// The registered metadata of `record`, as a read (RFC 7592 §3) returns it.
pub fn client_metadata(record: &ClientRecord) -> ClientMetadata {
    let mut m = record.extra.clone();
    let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    m.insert("redirect_uris".into(), strings(&record.redirect_uris));
    m.insert(
        "token_endpoint_auth_method".into(),
        Value::String(record.auth_method.as_str().into()),
    );
    m.insert("grant_types".into(), strings(&record.grant_types));
    m.insert("response_types".into(), strings(&record.response_types));
    if !record.allowed_scopes.is_empty() {
        m.insert(
            "scope".into(),
            Value::String(record.allowed_scopes.join(" ")),
        );
    }
    m.insert(
        "application_type".into(),
        Value::String(
            match record.application_type {
                ApplicationType::Web => "web",
                ApplicationType::Native => "native",
            }
            .into(),
        ),
    );
    for name in ISSUED_MEMBERS {
        m.remove(name);
    }
    serde_json::to_vec(&Value::Object(m))
        .ok()
        .and_then(|b| ClientMetadata::from_json(&b).ok())
        .unwrap_or_default()
}

/// Verifies a software statement (RFC 7591 §2.3) against the configured trusted keys and
/// returns its claims, which take precedence over the plain metadata members (§2.3).
pub fn verify_software_statement(
    statement: &str,
    ctx: &Context<'_>,
) -> Result<Map<String, Value>, OAuthError> {
    let settings = &ctx.config.registration;
    let Some(set) = &settings.software_statement_keys else {
        return Err(OAuthError::new(
            ErrorCode::UnapprovedSoftwareStatement,
            "this server trusts no software statement issuer",
        ));
    };
    let keys = VerifyingKeys::from_jwk_set(
        set,
        &settings.software_statement_algorithms,
        ctx.keys.provider,
        &Default::default(),
    )
    .map_err(|_| OAuthError::server_error(ServerError::Crypto))?;
    // RFC 7591 §2.3: a JWT with an `iss`; no audience is defined for it, and a statement
    // is long-lived (its example has no `exp`; one that has it is still checked).
    let validation = Validation::new()
        .insecure_ignore_audience()
        .required_claims(["iss"])
        .leeway(ctx.config.lifetimes.leeway);
    let verified = jwt::verify(statement, &keys, &validation, ctx.now).map_err(|e| {
        OAuthError::new(
            ErrorCode::UnapprovedSoftwareStatement,
            format!("the software statement is not signed by a trusted key: {e}"),
        )
    })?;
    let mut claims = verified.claims.extra.clone();
    if let Some(iss) = &verified.claims.registered.iss {
        claims.insert("iss".into(), Value::String(iss.clone()));
    }
    Ok(claims)
}

/// The metadata with a verified software statement's claims merged over it (RFC 7591 §2.3:
/// the statement's values take precedence).
fn apply_software_statement(
    metadata: &ClientMetadata,
    ctx: &Context<'_>,
) -> Result<ClientMetadata, OAuthError> {
    let Some(statement) = &metadata.software_statement else {
        if ctx.config.registration.require_software_statement {
            return Err(OAuthError::new(
                ErrorCode::InvalidSoftwareStatement,
                "a software statement is required",
            ));
        }
        return Ok(metadata.clone());
    };
    let claims = verify_software_statement(statement, ctx)?;
    let mut m = metadata_object(metadata);
    for (k, v) in claims {
        // The JWT's own envelope is not client metadata.
        if !matches!(k.as_str(), "iss" | "iat" | "exp" | "nbf" | "jti" | "aud") {
            m.insert(k, v);
        }
    }
    let bytes = serde_json::to_vec(&Value::Object(m))
        .map_err(|_| OAuthError::server_error(ServerError::Crypto))?;
    ClientMetadata::from_json(&bytes).map_err(|e| {
        OAuthError::new(
            ErrorCode::InvalidSoftwareStatement,
            format!("the software statement's metadata: {e}"),
        )
    })
}

/// Checks a fetched `sector_identifier_uri` document: a JSON array of strings holding every
/// redirect URI (OpenID Connect Registration §5).
fn check_sector_document(body: &[u8], redirect_uris: &[String]) -> Result<(), OAuthError> {
    if body.len() > MAX_SECTOR_IDENTIFIER_BYTES {
        return Err(invalid_metadata(
            "the sector_identifier_uri document is too large",
        ));
    }
    let listed: Vec<String> = serde_json::from_slice(body).map_err(|_| {
        invalid_metadata("the sector_identifier_uri document is not a JSON array of URIs")
    })?;
    if let Some(missing) = redirect_uris.iter().find(|u| !listed.contains(u)) {
        return Err(invalid_redirect_uri(format!(
            "{missing} is not listed at the sector_identifier_uri"
        )));
    }
    Ok(())
}

#[derive(Debug)]
enum Phase {
    Deciding,
    /// The write is out; the response is ready once it applied.
    Writing(Response<Vec<u8>>),
    Done,
}

/// The registration endpoint and the registration management endpoint for one request.
#[derive(Debug)]
pub struct RegistrationEndpoint {
    request: Request<Vec<u8>>,
    phase: Phase,
}

fn no_store(mut r: Response<Vec<u8>>) -> Response<Vec<u8>> {
    r.headers_mut()
        .insert(CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    r
}

impl RegistrationEndpoint {
    /// Starts handling `request` (a POST to the registration endpoint, or a GET, PUT or
    /// DELETE of a `registration_client_uri`).
    pub fn new(request: &Request<Vec<u8>>) -> Self {
        RegistrationEndpoint {
            request: request.clone(),
            phase: Phase::Deciding,
        }
    }

    fn client_uri(endpoint: &Url, client_id: &str) -> String {
        let mut u = endpoint.clone();
        let path = format!("{}/{}", endpoint.path().trim_end_matches('/'), client_id);
        u.set_path(&path);
        u.to_string()
    }

    /// The validated record for `metadata`, or the `sector_identifier_uri` fetch it needs.
    fn validated(
        metadata: &ClientMetadata,
        ctx: &Context<'_>,
        supplied: &Supplied,
    ) -> Result<Result<ClientRecord, Need>, OAuthError> {
        let metadata = apply_software_statement(metadata, ctx)?;
        let v = validate_metadata(&metadata, ctx.config)?;
        check_encryption_support(&v.record, ctx)?;
        if let Some(uri) = v.sector_identifier_uri {
            let need = Need::Fetch(uri);
            match supplied.get(&need) {
                None => return Ok(Err(need)),
                Some(Answer::Fetched(Some(body))) => {
                    check_sector_document(body, &v.record.redirect_uris)?;
                }
                Some(_) => {
                    return Err(invalid_metadata(
                        "the sector_identifier_uri could not be fetched",
                    ));
                }
            }
        }
        Ok(Ok(v.record))
    }

    /// A secret for the methods that use one: a keyed hash for the `client_secret_basic` and
    /// `client_secret_post` comparisons, the secret itself for `client_secret_jwt`'s HMAC and
    /// whenever the provider keys something with it (`keep_plain`: HS* signatures, Core
    /// §10.1; symmetric encryption, §10.2); `None` for the methods without a secret. Clients
    /// registered by other means (a provider's configuration, an administration command) get
    /// their secrets here too.
    pub fn issue_secret(
        method: ClientAuthMethod,
        keep_plain: bool,
        ctx: &Context<'_>,
    ) -> Result<Option<(SecretBytes, StoredSecret)>, ServerError> {
        match method {
            ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost
                if !keep_plain =>
            {
                generate_secret(ctx).map(Some)
            }
            ClientAuthMethod::ClientSecretBasic
            | ClientAuthMethod::ClientSecretPost
            | ClientAuthMethod::ClientSecretJwt => {
                let (secret, _) = generate_secret(ctx)?;
                let kept = StoredSecret::Plain(secret.clone());
                Ok(Some((secret, kept)))
            }
            _ => Ok(None),
        }
    }

    fn information(
        record: &ClientRecord,
        secret: Option<&SecretBytes>,
        access_token: Option<String>,
        endpoint: &Url,
    ) -> ClientInformationResponse {
        let mut info = ClientInformationResponse::new(&record.client_id, client_metadata(record));
        if let Some(issued) = record
            .extra
            .get("client_id_issued_at")
            .and_then(Value::as_u64)
        {
            info = info.with_client_id_issued_at(issued);
        }
        if let Some(s) = secret {
            let expires = record.secret_expires_at.map_or(0, |t| t.as_secs());
            info = info.with_client_secret(
                ClientSecret::new(String::from_utf8_lossy(s.expose()).into_owned()),
                expires,
            );
        }
        if let Some(t) = access_token {
            info = info.with_registration_access(
                ClientSecret::new(t),
                Self::client_uri(endpoint, &record.client_id),
            );
        }
        info
    }

    fn decide(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Result<Step, OAuthError> {
        let endpoint = ctx.config.endpoints.registration.as_ref().ok_or_else(|| {
            OAuthError::invalid_request("registration is not offered")
                .with_status(StatusCode::NOT_FOUND)
        })?;
        match parse_registration_request(&self.request, endpoint)? {
            RegistrationRequest::Create {
                metadata,
                initial_access_token,
            } => {
                if let Some(expected) = &ctx.config.registration.initial_access_token {
                    let presented = initial_access_token
                        .ok_or_else(|| invalid_token("an initial access token is required"))?;
                    if !constant_time_eq(presented.as_bytes(), expected.expose()) {
                        return Err(invalid_token("the initial access token is not valid"));
                    }
                }
                let mut record = match Self::validated(&metadata, ctx, supplied)? {
                    Ok(r) => r,
                    Err(need) => return Ok(Step::Need(vec![need])),
                };
                let raw: [u8; 16] =
                    authcore_jose::random_array(ctx.rng).map_err(|_| ServerError::Random)?;
                use base64::Engine as _;
                record.client_id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
                let secret =
                    Self::issue_secret(record.auth_method, keys_with_secret(&record), ctx)?;
                if let Some((_, stored)) = &secret {
                    record.secret = Some(stored.clone());
                    record.secret_expires_at = ctx
                        .config
                        .registration
                        .secret_lifetime
                        .map(|l| ctx.now.saturating_add(l));
                }
                let (token, hash) = ctx
                    .keys
                    .token_hashing
                    .mint(CredentialKind::RegistrationAccessToken, ctx.rng)?;
                record.registration_access_token = Some(hash);
                record
                    .extra
                    .insert("client_id_issued_at".into(), Value::from(ctx.now.as_secs()));
                let info = Self::information(
                    &record,
                    secret.as_ref().map(|(s, _)| s),
                    Some(token),
                    endpoint,
                );
                self.phase = Phase::Writing(info.to_http_response());
                Ok(Step::Write(vec![Write::InsertClient(record)]))
            }
            RegistrationRequest::Read {
                client_id,
                access_token,
            } => {
                let current = match Self::authorized(&client_id, &access_token, ctx, supplied)? {
                    Ok(r) => r,
                    Err(need) => return Ok(Step::Need(vec![need])),
                };
                Ok(Step::Respond(
                    Self::information(&current, None, None, endpoint).to_http_read_response(),
                ))
            }
            RegistrationRequest::Update {
                client_id,
                access_token,
                metadata,
            } => {
                let current = match Self::authorized(&client_id, &access_token, ctx, supplied)? {
                    Ok(r) => r,
                    Err(need) => return Ok(Step::Need(vec![need])),
                };
                // RFC 7592 §2.2: the body carries the client_id, which must match; a secret,
                // when sent, must be the current one (this server issues new ones only on
                // registration, so any other value is refused).
                let mut members = metadata_object(&metadata);
                if members.remove("client_id") != Some(Value::String(client_id.clone())) {
                    return Err(invalid_metadata("client_id must be the registered one"));
                }
                if let Some(Value::String(s)) = members.remove("client_secret") {
                    let matches = current
                        .secret
                        .as_ref()
                        .is_some_and(|stored| crate::client_auth::secret_matches(stored, &s, ctx));
                    if !matches {
                        return Err(invalid_metadata("client_secret is not the issued one"));
                    }
                }
                let bytes =
                    serde_json::to_vec(&Value::Object(members)).map_err(|_| ServerError::Crypto)?;
                let metadata = ClientMetadata::from_json(&bytes)
                    .map_err(|e| invalid_metadata(e.to_string()))?;
                let mut record = match Self::validated(&metadata, ctx, supplied)? {
                    Ok(r) => r,
                    Err(need) => return Ok(Step::Need(vec![need])),
                };
                if record.auth_method != current.auth_method {
                    return Err(invalid_metadata(
                        "token_endpoint_auth_method cannot change after registration",
                    ));
                }
                // The secret is kept as registered; one stored only as its keyed hash cannot
                // key an HS* signature or a symmetric encryption (Core §10.1, §10.2) the
                // update would now ask for.
                if keys_with_secret(&record)
                    && !matches!(current.secret, Some(StoredSecret::Plain(_)))
                {
                    return Err(invalid_metadata(
                        "HS* signatures and symmetric encryption need a secret kept since registration; register anew",
                    ));
                }
                record.client_id = current.client_id.clone();
                record.secret = current.secret.clone();
                record.secret_expires_at = current.secret_expires_at;
                record.registration_access_token = current.registration_access_token.clone();
                if let Some(issued) = current.extra.get("client_id_issued_at") {
                    record
                        .extra
                        .insert("client_id_issued_at".into(), issued.clone());
                }
                let info = Self::information(&record, None, None, endpoint);
                self.phase = Phase::Writing(info.to_http_read_response());
                Ok(Step::Write(vec![Write::UpdateClient(record)]))
            }
            RegistrationRequest::Delete {
                client_id,
                access_token,
            } => {
                if let Err(need) = Self::authorized(&client_id, &access_token, ctx, supplied)? {
                    return Ok(Step::Need(vec![need]));
                }
                // RFC 7592 §2.3: 204 No Content.
                let mut r = Response::new(Vec::new());
                *r.status_mut() = StatusCode::NO_CONTENT;
                self.phase = Phase::Writing(no_store(r));
                Ok(Step::Write(vec![Write::DeleteClient(client_id)]))
            }
        }
    }

    /// The registered client whose registration access token was presented (RFC 7592 §2:
    /// an unknown client and a wrong token are the same 401).
    fn authorized(
        client_id: &str,
        access_token: &str,
        ctx: &Context<'_>,
        supplied: &Supplied,
    ) -> Result<Result<ClientRecord, Need>, OAuthError> {
        let presented = ctx
            .keys
            .token_hashing
            .hash_presented(CredentialKind::RegistrationAccessToken, access_token)
            .ok_or_else(|| invalid_token("the registration access token is not valid"))?;
        let need = Need::Client(client_id.to_owned());
        let Some(Answer::Client(record)) = supplied.get(&need) else {
            return Ok(Err(need));
        };
        let matches = |stored: &TokenHash| {
            constant_time_eq(stored.as_str().as_bytes(), presented.as_str().as_bytes())
        };
        match record {
            Some(r) if r.registration_access_token.as_ref().is_some_and(matches) => {
                Ok(Ok(r.clone()))
            }
            _ => Err(invalid_token("the registration access token is not valid")),
        }
    }
}

impl Endpoint for RegistrationEndpoint {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        match core::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Deciding => match self.decide(ctx, supplied) {
                Ok(step) => {
                    if matches!(step, Step::Need(_)) && matches!(self.phase, Phase::Done) {
                        self.phase = Phase::Deciding;
                    }
                    step
                }
                Err(e) => Step::Respond(e.to_http_response(&ctx.config.issuer)),
            },
            Phase::Writing(response) => {
                let applied = supplied
                    .last_outcomes()
                    .is_some_and(|o| o.iter().all(|w| *w == WriteOutcome::Applied));
                Step::Respond(if applied {
                    response
                } else {
                    OAuthError::new(ErrorCode::ServerError, "the registration was not stored")
                        .with_status(StatusCode::INTERNAL_SERVER_ERROR)
                        .to_http_response(&ctx.config.issuer)
                })
            }
            Phase::Done => Step::Respond(
                OAuthError::invalid_request("the exchange is over")
                    .to_http_response(&ctx.config.issuer),
            ),
        }
    }
}
