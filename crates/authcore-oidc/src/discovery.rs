//! OpenID provider metadata (OpenID Connect Discovery 1.0, RFC 8414).

use authcore_jose::JwsAlgorithm;
use authcore_oauth2::{AuthorizationServer, AuthorizationServerMetadata, JweAlgorithms};
use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, MetadataError, Result};
use crate::jwks::JwksCache;

/// The well-known suffix of OpenID provider metadata (OpenID Connect Discovery 1.0 §4).
pub const OPENID_CONFIGURATION: &str = "openid-configuration";

/// Largest discovery document accepted, in bytes.
pub const MAX_METADATA_BYTES: usize = authcore_oauth2::MAX_RESPONSE_BYTES;

/// The discovery URL of OpenID Connect Discovery 1.0 §4.1: `/.well-known/openid-configuration`
/// *appended* to the issuer (a trailing `/` of the issuer removed first), so
/// `https://op.example/tenant1` gives `https://op.example/tenant1/.well-known/openid-configuration`.
///
/// The issuer must be an `https` URL (or `http` to a loopback host) without query or fragment.
///
/// ```
/// let u = authcore_oidc::discovery_url("https://op.example/tenant1/")?;
/// assert_eq!(u.as_str(), "https://op.example/tenant1/.well-known/openid-configuration");
/// # Ok::<(), authcore_oidc::Error>(())
/// ```
pub fn discovery_url(issuer: &str) -> Result<Url> {
    // Validates the issuer the way RFC 8414 does (https, no query or fragment).
    authcore_oauth2::metadata_url(issuer, OPENID_CONFIGURATION)?;
    let mut u = Url::parse(issuer).map_err(|_| Error::Misuse("an issuer is an https URL"))?;
    let path = u.path().trim_end_matches('/').to_owned();
    u.set_path(&format!("{path}/.well-known/{OPENID_CONFIGURATION}"));
    Ok(u)
}

/// The RFC 8414 §5 form of the discovery URL: the well-known segment *inserted* between host
/// and issuer path (`https://op.example/.well-known/openid-configuration/tenant1`). Identical
/// to [`discovery_url`] for issuers without a path.
pub fn discovery_url_rfc8414(issuer: &str) -> Result<Url> {
    Ok(authcore_oauth2::metadata_url(issuer, OPENID_CONFIGURATION)?)
}

/// The GET request for `issuer`'s discovery document ([`discovery_url`]).
pub fn build_discovery_request(issuer: &str) -> Result<Request<Vec<u8>>> {
    get_json(&discovery_url(issuer)?)
}

fn get_json(url: &Url) -> Result<Request<Vec<u8>>> {
    Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| Error::Misuse("URL is not a valid HTTP URI"))
}

/// How a discovery document is checked beyond the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveryOptions {
    issuer_template: Option<String>,
}

impl DiscoveryOptions {
    /// The defaults: `issuer` must equal the expected issuer exactly.
    pub fn new() -> Self {
        DiscoveryOptions::default()
    }

    /// Also accepts a document whose `issuer` is exactly `template`, a templated issuer such
    /// as Microsoft's `https://login.microsoftonline.com/{tenantid}/v2.0` (served for the
    /// `common` and `organizations` tenants). ID tokens of such a provider need
    /// [`IdTokenVerifier::insecure_issuer_template`](crate::IdTokenVerifier::insecure_issuer_template).
    pub fn insecure_accept_issuer_template(mut self, template: impl Into<String>) -> Self {
        self.issuer_template = Some(template.into());
        self
    }
}

/// OpenID provider metadata (OpenID Connect Discovery 1.0 §3), on top of the OAuth 2.0
/// authorization server metadata (RFC 8414) it extends.
///
/// The required members are checked when parsing: `issuer`, `authorization_endpoint`,
/// `jwks_uri`, `response_types_supported`, `subject_types_supported`,
/// `id_token_signing_alg_values_supported`, and `token_endpoint` unless the provider supports
/// only the implicit flow. Unknown members are kept in `oauth.extra`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The OAuth 2.0 members (`issuer`, endpoints, `scopes_supported`, ...) and, in its
    /// `extra`, every member neither crate knows.
    pub oauth: AuthorizationServerMetadata,
    /// `userinfo_endpoint`.
    pub userinfo_endpoint: Option<String>,
    /// `subject_types_supported` (`public`, `pairwise`).
    pub subject_types_supported: Vec<String>,
    /// `id_token_signing_alg_values_supported`.
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// `id_token_encryption_alg_values_supported`.
    pub id_token_encryption_alg_values_supported: Option<Vec<String>>,
    /// `id_token_encryption_enc_values_supported`.
    pub id_token_encryption_enc_values_supported: Option<Vec<String>>,
    /// `userinfo_signing_alg_values_supported`.
    pub userinfo_signing_alg_values_supported: Option<Vec<String>>,
    /// `userinfo_encryption_alg_values_supported`.
    pub userinfo_encryption_alg_values_supported: Option<Vec<String>>,
    /// `userinfo_encryption_enc_values_supported`.
    pub userinfo_encryption_enc_values_supported: Option<Vec<String>>,
    /// `request_object_encryption_alg_values_supported`: the JWE `alg` values the provider
    /// decrypts request objects with (Discovery §3).
    pub request_object_encryption_alg_values_supported: Option<Vec<String>>,
    /// `request_object_encryption_enc_values_supported` (Discovery §3).
    pub request_object_encryption_enc_values_supported: Option<Vec<String>>,
    /// `acr_values_supported`.
    pub acr_values_supported: Option<Vec<String>>,
    /// `display_values_supported`.
    pub display_values_supported: Option<Vec<String>>,
    /// `claim_types_supported`.
    pub claim_types_supported: Option<Vec<String>>,
    /// `claims_supported`.
    pub claims_supported: Option<Vec<String>>,
    /// `claims_locales_supported`.
    pub claims_locales_supported: Option<Vec<String>>,
    /// `ui_locales_supported`.
    pub ui_locales_supported: Option<Vec<String>>,
    /// `claims_parameter_supported` (default `false`).
    pub claims_parameter_supported: bool,
    /// `request_parameter_supported` (default `false`).
    pub request_parameter_supported: bool,
    /// `request_uri_parameter_supported` (default `true`).
    pub request_uri_parameter_supported: bool,
    /// `require_request_uri_registration` (default `false`).
    pub require_request_uri_registration: bool,
    /// `service_documentation`.
    pub service_documentation: Option<String>,
    /// `op_policy_uri`.
    pub op_policy_uri: Option<String>,
    /// `op_tos_uri`.
    pub op_tos_uri: Option<String>,
    /// `end_session_endpoint` (RP-Initiated Logout 1.0 §2.1).
    pub end_session_endpoint: Option<String>,
    /// `check_session_iframe` (Session Management 1.0 §3.3).
    pub check_session_iframe: Option<String>,
    /// `frontchannel_logout_supported`.
    pub frontchannel_logout_supported: bool,
    /// `frontchannel_logout_session_supported`.
    pub frontchannel_logout_session_supported: bool,
    /// `backchannel_logout_supported`.
    pub backchannel_logout_supported: bool,
    /// `backchannel_logout_session_supported`.
    pub backchannel_logout_session_supported: bool,
    /// Whether `issuer` is a template accepted through
    /// [`DiscoveryOptions::insecure_accept_issuer_template`].
    pub templated_issuer: bool,
}

const OIDC_MEMBERS: &[&str] = &[
    "userinfo_endpoint",
    "subject_types_supported",
    "id_token_signing_alg_values_supported",
    "id_token_encryption_alg_values_supported",
    "id_token_encryption_enc_values_supported",
    "userinfo_signing_alg_values_supported",
    "userinfo_encryption_alg_values_supported",
    "userinfo_encryption_enc_values_supported",
    "request_object_encryption_alg_values_supported",
    "request_object_encryption_enc_values_supported",
    "acr_values_supported",
    "display_values_supported",
    "claim_types_supported",
    "claims_supported",
    "claims_locales_supported",
    "ui_locales_supported",
    "claims_parameter_supported",
    "request_parameter_supported",
    "request_uri_parameter_supported",
    "require_request_uri_registration",
    "service_documentation",
    "op_policy_uri",
    "op_tos_uri",
    "end_session_endpoint",
    "check_session_iframe",
    "frontchannel_logout_supported",
    "frontchannel_logout_session_supported",
    "backchannel_logout_supported",
    "backchannel_logout_session_supported",
];

fn invalid(name: &'static str, reason: &'static str) -> Error {
    MetadataError::InvalidMember { name, reason }.into()
}

fn take_string(m: &mut Map<String, Value>, name: &'static str) -> Result<Option<String>> {
    match m.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(name, "not a string")),
    }
}

fn take_strings(m: &mut Map<String, Value>, name: &'static str) -> Result<Option<Vec<String>>> {
    match m.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(invalid(name, "not an array of strings")),
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(invalid(name, "not an array of strings")),
    }
}

fn take_bool(m: &mut Map<String, Value>, name: &'static str, default: bool) -> Result<bool> {
    match m.remove(name) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(invalid(name, "not a boolean")),
    }
}

impl ProviderMetadata {
    /// Parses a discovery document fetched for `expected_issuer`, whose `issuer` must be
    /// exactly `expected_issuer` (OpenID Connect Discovery 1.0 §4.3: no normalization).
    pub fn from_json(body: &[u8], expected_issuer: &str) -> Result<Self> {
        Self::from_json_with(body, expected_issuer, &DiscoveryOptions::default())
    }

    /// As [`ProviderMetadata::from_json`], with options.
    pub fn from_json_with(
        body: &[u8],
        expected_issuer: &str,
        options: &DiscoveryOptions,
    ) -> Result<Self> {
        if body.len() > MAX_METADATA_BYTES {
            return Err(authcore_oauth2::ProtocolError::TooLarge {
                limit: MAX_METADATA_BYTES,
            }
            .into());
        }
        // The issuer comparison comes first, before any other member is trusted.
        let obj = authcore_jose::json::parse_object(body)
            .map_err(|e| authcore_oauth2::ProtocolError::Json(e.to_string()))?;
        let issuer = match obj.get("issuer") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(invalid("issuer", "not a string")),
            None => return Err(MetadataError::MissingMember("issuer").into()),
        };
        let templated = options
            .issuer_template
            .as_ref()
            .is_some_and(|t| *t == issuer && t.contains('{'));
        if issuer != expected_issuer && !templated {
            return Err(MetadataError::IssuerMismatch {
                expected: expected_issuer.to_owned(),
                received: issuer,
            }
            .into());
        }
        let oauth = AuthorizationServerMetadata::from_json(body, &issuer)?;
        let metadata = Self::from_oauth(oauth, templated)?;
        // The relying party learns every endpoint here, so an unusable one is refused here,
        // before an authorization code exists to be sent to it (RFC 6749 §3.1, §3.2 and
        // OpenID Connect Discovery 1.0 §3 ask for TLS; loopback hosts are exempt, RFC 8252
        // §7.3).
        metadata.check_endpoints()?;
        Ok(metadata)
    }

    /// Provider metadata with the members OpenID Connect Discovery 1.0 §3 requires beyond
    /// RFC 8414's (`subject_types_supported`, `id_token_signing_alg_values_supported`), for a
    /// provider to fill in and serve. `oauth` holds the RFC 8414 members; the OpenID Connect
    /// booleans start at their defaults.
    pub fn new(
        oauth: AuthorizationServerMetadata,
        subject_types_supported: Vec<String>,
        id_token_signing_alg_values_supported: Vec<String>,
    ) -> Self {
        ProviderMetadata {
            oauth,
            userinfo_endpoint: None,
            subject_types_supported,
            id_token_signing_alg_values_supported,
            id_token_encryption_alg_values_supported: None,
            id_token_encryption_enc_values_supported: None,
            userinfo_signing_alg_values_supported: None,
            userinfo_encryption_alg_values_supported: None,
            userinfo_encryption_enc_values_supported: None,
            request_object_encryption_alg_values_supported: None,
            request_object_encryption_enc_values_supported: None,
            acr_values_supported: None,
            display_values_supported: None,
            claim_types_supported: None,
            claims_supported: None,
            claims_locales_supported: None,
            ui_locales_supported: None,
            claims_parameter_supported: false,
            request_parameter_supported: false,
            request_uri_parameter_supported: true,
            require_request_uri_registration: false,
            service_documentation: None,
            op_policy_uri: None,
            op_tos_uri: None,
            end_session_endpoint: None,
            check_session_iframe: None,
            frontchannel_logout_supported: false,
            frontchannel_logout_session_supported: false,
            backchannel_logout_supported: false,
            backchannel_logout_session_supported: false,
            templated_issuer: false,
        }
    }

    /// Parses a discovery document strictly, without comparing its `issuer` with anything:
    /// members of the wrong JSON type and missing required members (Discovery §3) are
    /// errors, unknown members are kept in `oauth.extra`. A client should use
    /// [`ProviderMetadata::from_json`], which adds the issuer check of Discovery §4.3.
    pub fn parse_json(body: &[u8]) -> Result<Self> {
        if body.len() > MAX_METADATA_BYTES {
            return Err(authcore_oauth2::ProtocolError::TooLarge {
                limit: MAX_METADATA_BYTES,
            }
            .into());
        }
        Self::from_oauth(AuthorizationServerMetadata::parse_json(body)?, false)
    }

    /// The JSON document (Discovery §3, §4.2): the RFC 8414 members of `oauth` and the OpenID
    /// Connect members; absent members omitted, booleans written only when they differ from
    /// their default.
    pub fn to_json(&self) -> Vec<u8> {
        let mut o = self.oauth.to_json_object();
        let mut put = |name: &str, v: Value| {
            o.insert(name.to_owned(), v);
        };
        let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
        if let Some(u) = &self.userinfo_endpoint {
            put("userinfo_endpoint", Value::String(u.clone()));
        }
        put(
            "subject_types_supported",
            strings(&self.subject_types_supported),
        );
        put(
            "id_token_signing_alg_values_supported",
            strings(&self.id_token_signing_alg_values_supported),
        );
        for (name, v) in [
            (
                "id_token_encryption_alg_values_supported",
                &self.id_token_encryption_alg_values_supported,
            ),
            (
                "id_token_encryption_enc_values_supported",
                &self.id_token_encryption_enc_values_supported,
            ),
            (
                "userinfo_signing_alg_values_supported",
                &self.userinfo_signing_alg_values_supported,
            ),
            (
                "userinfo_encryption_alg_values_supported",
                &self.userinfo_encryption_alg_values_supported,
            ),
            (
                "userinfo_encryption_enc_values_supported",
                &self.userinfo_encryption_enc_values_supported,
            ),
            (
                "request_object_encryption_alg_values_supported",
                &self.request_object_encryption_alg_values_supported,
            ),
            (
                "request_object_encryption_enc_values_supported",
                &self.request_object_encryption_enc_values_supported,
            ),
            ("acr_values_supported", &self.acr_values_supported),
            ("display_values_supported", &self.display_values_supported),
            ("claim_types_supported", &self.claim_types_supported),
            ("claims_supported", &self.claims_supported),
            ("claims_locales_supported", &self.claims_locales_supported),
            ("ui_locales_supported", &self.ui_locales_supported),
        ] {
            if let Some(v) = v {
                put(name, strings(v));
            }
        }
        for (name, v) in [
            ("service_documentation", &self.service_documentation),
            ("op_policy_uri", &self.op_policy_uri),
            ("op_tos_uri", &self.op_tos_uri),
            ("end_session_endpoint", &self.end_session_endpoint),
            ("check_session_iframe", &self.check_session_iframe),
        ] {
            if let Some(v) = v {
                put(name, Value::String(v.clone()));
            }
        }
        for (name, v, default) in [
            (
                "claims_parameter_supported",
                self.claims_parameter_supported,
                false,
            ),
            (
                "request_parameter_supported",
                self.request_parameter_supported,
                false,
            ),
            (
                "request_uri_parameter_supported",
                self.request_uri_parameter_supported,
                true,
            ),
            (
                "require_request_uri_registration",
                self.require_request_uri_registration,
                false,
            ),
            (
                "frontchannel_logout_supported",
                self.frontchannel_logout_supported,
                false,
            ),
            (
                "frontchannel_logout_session_supported",
                self.frontchannel_logout_session_supported,
                false,
            ),
            (
                "backchannel_logout_supported",
                self.backchannel_logout_supported,
                false,
            ),
            (
                "backchannel_logout_session_supported",
                self.backchannel_logout_session_supported,
                false,
            ),
        ] {
            if v != default {
                put(name, Value::Bool(v));
            }
        }
        serde_json::to_vec(&Value::Object(o)).unwrap_or_default()
    }

    /// The discovery endpoint's HTTP response: 200 and `Content-Type: application/json`
    /// (Discovery §4.2).
    pub fn to_http_response(&self) -> Response<Vec<u8>> {
        let mut resp = Response::new(self.to_json());
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        resp
    }

    fn from_oauth(mut oauth: AuthorizationServerMetadata, templated_issuer: bool) -> Result<Self> {
        let x = &mut oauth.extra;
        let m = ProviderMetadata {
            userinfo_endpoint: take_string(x, "userinfo_endpoint")?,
            subject_types_supported: take_strings(x, "subject_types_supported")?
                .ok_or(MetadataError::MissingMember("subject_types_supported"))?,
            id_token_signing_alg_values_supported: take_strings(
                x,
                "id_token_signing_alg_values_supported",
            )?
            .ok_or(MetadataError::MissingMember(
                "id_token_signing_alg_values_supported",
            ))?,
            id_token_encryption_alg_values_supported: take_strings(
                x,
                "id_token_encryption_alg_values_supported",
            )?,
            id_token_encryption_enc_values_supported: take_strings(
                x,
                "id_token_encryption_enc_values_supported",
            )?,
            userinfo_signing_alg_values_supported: take_strings(
                x,
                "userinfo_signing_alg_values_supported",
            )?,
            userinfo_encryption_alg_values_supported: take_strings(
                x,
                "userinfo_encryption_alg_values_supported",
            )?,
            userinfo_encryption_enc_values_supported: take_strings(
                x,
                "userinfo_encryption_enc_values_supported",
            )?,
            request_object_encryption_alg_values_supported: take_strings(
                x,
                "request_object_encryption_alg_values_supported",
            )?,
            request_object_encryption_enc_values_supported: take_strings(
                x,
                "request_object_encryption_enc_values_supported",
            )?,
            acr_values_supported: take_strings(x, "acr_values_supported")?,
            display_values_supported: take_strings(x, "display_values_supported")?,
            claim_types_supported: take_strings(x, "claim_types_supported")?,
            claims_supported: take_strings(x, "claims_supported")?,
            claims_locales_supported: take_strings(x, "claims_locales_supported")?,
            ui_locales_supported: take_strings(x, "ui_locales_supported")?,
            claims_parameter_supported: take_bool(x, "claims_parameter_supported", false)?,
            request_parameter_supported: take_bool(x, "request_parameter_supported", false)?,
            request_uri_parameter_supported: take_bool(x, "request_uri_parameter_supported", true)?,
            require_request_uri_registration: take_bool(
                x,
                "require_request_uri_registration",
                false,
            )?,
            service_documentation: take_string(x, "service_documentation")?,
            op_policy_uri: take_string(x, "op_policy_uri")?,
            op_tos_uri: take_string(x, "op_tos_uri")?,
            end_session_endpoint: take_string(x, "end_session_endpoint")?,
            check_session_iframe: take_string(x, "check_session_iframe")?,
            frontchannel_logout_supported: take_bool(x, "frontchannel_logout_supported", false)?,
            frontchannel_logout_session_supported: take_bool(
                x,
                "frontchannel_logout_session_supported",
                false,
            )?,
            backchannel_logout_supported: take_bool(x, "backchannel_logout_supported", false)?,
            backchannel_logout_session_supported: take_bool(
                x,
                "backchannel_logout_session_supported",
                false,
            )?,
            templated_issuer,
            oauth,
        };
        debug_assert!(OIDC_MEMBERS.iter().all(|k| !m.oauth.extra.contains_key(*k)));
        m.check_required()?;
        Ok(m)
    }

    fn check_required(&self) -> Result<()> {
        let o = &self.oauth;
        if o.authorization_endpoint.is_none() {
            return Err(MetadataError::MissingMember("authorization_endpoint").into());
        }
        if o.jwks_uri.is_none() {
            return Err(MetadataError::MissingMember("jwks_uri").into());
        }
        let types = o
            .response_types_supported
            .as_ref()
            .ok_or(MetadataError::MissingMember("response_types_supported"))?;
        if types.is_empty() {
            return Err(invalid("response_types_supported", "empty"));
        }
        if self.subject_types_supported.is_empty() {
            return Err(invalid("subject_types_supported", "empty"));
        }
        if self.id_token_signing_alg_values_supported.is_empty() {
            return Err(invalid("id_token_signing_alg_values_supported", "empty"));
        }
        // Discovery §3: the token endpoint is required unless only the implicit flow is used.
        let implicit_only = types
            .iter()
            .all(|t| !t.split(' ').any(|part| part == "code"));
        if o.token_endpoint.is_none() && !implicit_only {
            return Err(MetadataError::MissingMember("token_endpoint").into());
        }
        Ok(())
    }

    /// `issuer`.
    pub fn issuer(&self) -> &str {
        &self.oauth.issuer
    }

    /// `authorization_endpoint` (checked present).
    pub fn authorization_endpoint(&self) -> &str {
        self.oauth.authorization_endpoint.as_deref().unwrap_or("")
    }

    /// `jwks_uri` (checked present).
    pub fn jwks_uri(&self) -> &str {
        self.oauth.jwks_uri.as_deref().unwrap_or("")
    }

    /// `response_types_supported` (checked present).
    pub fn response_types_supported(&self) -> &[String] {
        self.oauth
            .response_types_supported
            .as_deref()
            .unwrap_or(&[])
    }

    /// The members nobody knows.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.oauth.extra
    }

    /// The `id_token_signing_alg_values_supported` this crate implements (`none` and unknown
    /// names skipped).
    pub fn id_token_signing_algorithms(&self) -> Vec<JwsAlgorithm> {
        self.id_token_signing_alg_values_supported
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect()
    }

    /// Checks that the provider encrypts ID tokens with `algorithms`, the client's
    /// `id_token_encrypted_response_alg/enc` (Discovery §3
    /// `id_token_encryption_alg_values_supported` and `..._enc_values_supported` list
    /// them): a client refuses to expect what the provider does not produce.
    pub fn check_id_token_encryption(&self, algorithms: &JweAlgorithms) -> Result<()> {
        Ok(algorithms.check_listed(
            (
                "id_token_encryption_alg_values_supported",
                self.id_token_encryption_alg_values_supported.as_deref(),
            ),
            (
                "id_token_encryption_enc_values_supported",
                self.id_token_encryption_enc_values_supported.as_deref(),
            ),
        )?)
    }

    /// Checks that the provider encrypts UserInfo responses with `algorithms`, the client's
    /// `userinfo_encrypted_response_alg/enc` (Discovery §3
    /// `userinfo_encryption_alg_values_supported` and `..._enc_values_supported`).
    pub fn check_userinfo_encryption(&self, algorithms: &JweAlgorithms) -> Result<()> {
        Ok(algorithms.check_listed(
            (
                "userinfo_encryption_alg_values_supported",
                self.userinfo_encryption_alg_values_supported.as_deref(),
            ),
            (
                "userinfo_encryption_enc_values_supported",
                self.userinfo_encryption_enc_values_supported.as_deref(),
            ),
        )?)
    }

    /// Checks that the provider decrypts request objects encrypted with `algorithms`
    /// (Discovery §3 `request_object_encryption_alg_values_supported` and
    /// `..._enc_values_supported`), before the client encrypts one for it.
    pub fn check_request_object_encryption(&self, algorithms: &JweAlgorithms) -> Result<()> {
        Ok(algorithms.check_listed(
            (
                "request_object_encryption_alg_values_supported",
                self.request_object_encryption_alg_values_supported
                    .as_deref(),
            ),
            (
                "request_object_encryption_enc_values_supported",
                self.request_object_encryption_enc_values_supported
                    .as_deref(),
            ),
        )?)
    }

    /// Checks that the provider encrypts JWT introspection responses with `algorithms` (RFC
    /// 9701 §7; see
    /// [`AuthorizationServerMetadata::check_introspection_encryption`]).
    pub fn check_introspection_encryption(&self, algorithms: &JweAlgorithms) -> Result<()> {
        Ok(self.oauth.check_introspection_encryption(algorithms)?)
    }

    /// The OAuth 2.0 view of the provider, for the authorization, token, PAR, revocation and
    /// introspection requests of `authcore-oauth2` (endpoints must be `https`).
    pub fn authorization_server(&self) -> Result<AuthorizationServer> {
        Ok(AuthorizationServer::from_metadata(&self.oauth)?)
    }

    /// [`ProviderMetadata::authorization_server`] for a client that uses mutual TLS: the
    /// `mtls_endpoint_aliases` of RFC 8705 §5 replace the endpoints they name (see
    /// [`AuthorizationServer::from_metadata_for_mtls`]).
    pub fn authorization_server_for_mtls(&self) -> Result<AuthorizationServer> {
        Ok(AuthorizationServer::from_metadata_for_mtls(&self.oauth)?)
    }

    /// The UserInfo endpoint for a client that uses mutual TLS: its `mtls_endpoint_aliases`
    /// entry (RFC 8705 §5) when there is one, `userinfo_endpoint` otherwise.
    pub fn userinfo_endpoint_for_mtls(&self) -> Result<Option<&str>> {
        Ok(self
            .oauth
            .mtls_endpoint_alias("userinfo_endpoint")?
            .or(self.userinfo_endpoint.as_deref()))
    }

    /// A [`JwksCache`] for this provider's `jwks_uri`, building keys for `algorithms`.
    ///
    /// A `jwks_uri` that is not `https` (or `http` to a loopback host) is the provider's
    /// fault: [`MetadataError::InvalidEndpoint`], not the caller's misuse.
    pub fn jwks_cache(&self, algorithms: &[JwsAlgorithm]) -> Result<JwksCache> {
        check_metadata_endpoint(self.jwks_uri(), "jwks_uri")?;
        JwksCache::new(self.jwks_uri(), algorithms)
    }

    /// Checks every endpoint the document names (the RFC 8414 ones, `jwks_uri`,
    /// `userinfo_endpoint`, `end_session_endpoint`, `check_session_iframe` and the string
    /// values of `mtls_endpoint_aliases`): each must be an absolute `https` URL without a
    /// fragment, or `http` to a loopback host. A failure is the provider's fault,
    /// [`MetadataError::InvalidEndpoint`] naming the member.
    ///
    /// [`ProviderMetadata::from_json`] runs this check, so a relying party refuses such a
    /// provider at discovery, before any code is exchanged. [`ProviderMetadata::parse_json`]
    /// does not (it reads documents for any party); a client built from its result should call
    /// this first.
    pub fn check_endpoints(&self) -> Result<()> {
        let o = &self.oauth;
        let members = [
            ("authorization_endpoint", &o.authorization_endpoint),
            ("token_endpoint", &o.token_endpoint),
            ("jwks_uri", &o.jwks_uri),
            ("registration_endpoint", &o.registration_endpoint),
            ("revocation_endpoint", &o.revocation_endpoint),
            ("introspection_endpoint", &o.introspection_endpoint),
            (
                "device_authorization_endpoint",
                &o.device_authorization_endpoint,
            ),
            (
                "pushed_authorization_request_endpoint",
                &o.pushed_authorization_request_endpoint,
            ),
            ("userinfo_endpoint", &self.userinfo_endpoint),
            ("end_session_endpoint", &self.end_session_endpoint),
            ("check_session_iframe", &self.check_session_iframe),
        ];
        for (name, url) in members {
            if let Some(url) = url {
                check_metadata_endpoint(url, name)?;
            }
        }
        // RFC 8705 §5: the aliases are endpoints too. A member of the wrong type is refused
        // where the alias is looked up.
        let aliases = o.mtls_endpoint_aliases.iter().flat_map(|m| m.values());
        for url in aliases.filter_map(Value::as_str) {
            check_metadata_endpoint(url, "mtls_endpoint_aliases")?;
        }
        Ok(())
    }
}

/// The endpoint rule of [`authcore_oauth2::check_server_endpoint`] for a member of this
/// document: a failure is [`MetadataError::InvalidEndpoint`].
fn check_metadata_endpoint(url: &str, name: &'static str) -> Result<()> {
    match authcore_oauth2::check_server_endpoint(url, name) {
        Ok(_) => Ok(()),
        Err(authcore_oauth2::Error::Protocol(
            authcore_oauth2::ProtocolError::InvalidEndpoint { name, reason, .. },
        )) => Err(MetadataError::InvalidEndpoint { name, reason }.into()),
        Err(other) => Err(other.into()),
    }
}

/// Parses the discovery response for `expected_issuer`: status 200, a JSON body of at most
/// [`MAX_METADATA_BYTES`], validated as [`ProviderMetadata::from_json_with`] says.
pub fn parse_discovery_response(
    resp: &Response<Vec<u8>>,
    expected_issuer: &str,
    options: &DiscoveryOptions,
) -> Result<ProviderMetadata> {
    if resp.status() != StatusCode::OK {
        return Err(authcore_oauth2::ProtocolError::UnexpectedStatus {
            status: resp.status().as_u16(),
        }
        .into());
    }
    if !authcore_oauth2::wire::has_json_content_type(resp) {
        return Err(authcore_oauth2::ProtocolError::ContentType {
            expected: "application/json",
            received: resp
                .headers()
                .get(http::header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        }
        .into());
    }
    ProviderMetadata::from_json_with(resp.body(), expected_issuer, options)
}
