//! Authorization server metadata (RFC 8414).

use authcore_jose::{KeySource, UnixTime, jwt};
use http::{Request, Response};
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, ProtocolError, Result, SecurityError};
use crate::json_object::{JsonObject, json_members};
use crate::wire::{self, ContentTypeCheck};
use crate::wire_write::JsonWriter;

/// The well-known suffix of OAuth 2.0 authorization server metadata (RFC 8414 §3).
pub const OAUTH_AUTHORIZATION_SERVER: &str = "oauth-authorization-server";

/// The metadata URL for `issuer` and a well-known `suffix` (RFC 8414 §3.1): the well-known
/// segment goes *between* the host and the issuer's path, so `https://as.example/tenant1`
/// becomes `https://as.example/.well-known/oauth-authorization-server/tenant1`.
///
/// The issuer must be an `https` URL without query or fragment (RFC 8414 §2).
///
/// ```
/// use authcore_oauth2::{metadata_url, OAUTH_AUTHORIZATION_SERVER};
/// let u = metadata_url("https://as.example/tenant1", OAUTH_AUTHORIZATION_SERVER)?;
/// assert_eq!(u.as_str(), "https://as.example/.well-known/oauth-authorization-server/tenant1");
/// let u = metadata_url("https://as.example", OAUTH_AUTHORIZATION_SERVER)?;
/// assert_eq!(u.as_str(), "https://as.example/.well-known/oauth-authorization-server");
/// # Ok::<(), authcore_oauth2::Error>(())
/// ```
pub fn metadata_url(issuer: &str, suffix: &str) -> Result<Url> {
    let u = check_issuer(issuer)?;
    let path = u.path().trim_end_matches('/');
    let mut out = u.clone();
    // RFC 8414 §3.1: a terminating "/" of the issuer's path is removed before insertion.
    out.set_path(&format!("/.well-known/{suffix}{path}"));
    Ok(out)
}

fn check_issuer(issuer: &str) -> Result<Url> {
    let u = wire::check_endpoint(issuer).map_err(|_| Error::Misuse("an issuer is an https URL"))?;
    if u.query().is_some() || u.fragment().is_some() {
        return Err(Error::Misuse(
            "an issuer has no query or fragment (RFC 8414 §2)",
        ));
    }
    Ok(u)
}

/// The GET request for `issuer`'s RFC 8414 metadata.
pub fn build_metadata_request(issuer: &str) -> Result<Request<Vec<u8>>> {
    wire::get_json(&metadata_url(issuer, OAUTH_AUTHORIZATION_SERVER)?)
}

/// Authorization server metadata (RFC 8414 §2, plus the members of later RFCs this crate
/// uses). Every other member is kept in `extra`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AuthorizationServerMetadata {
    /// `issuer`, checked to be exactly the expected issuer.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: Option<String>,
    /// `jwks_uri`.
    pub jwks_uri: Option<String>,
    /// `registration_endpoint`.
    pub registration_endpoint: Option<String>,
    /// `scopes_supported`.
    pub scopes_supported: Option<Vec<String>>,
    /// `response_types_supported` (required by RFC 8414, kept optional here for servers that
    /// only offer non-redirect grants).
    pub response_types_supported: Option<Vec<String>>,
    /// `response_modes_supported`.
    pub response_modes_supported: Option<Vec<String>>,
    /// `grant_types_supported`.
    pub grant_types_supported: Option<Vec<String>>,
    /// `token_endpoint_auth_methods_supported`.
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `token_endpoint_auth_signing_alg_values_supported`.
    pub token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    /// `revocation_endpoint` (RFC 7009 via RFC 8414).
    pub revocation_endpoint: Option<String>,
    /// `introspection_endpoint` (RFC 7662 via RFC 8414).
    pub introspection_endpoint: Option<String>,
    /// `code_challenge_methods_supported` (RFC 7636 via RFC 8414).
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// `device_authorization_endpoint` (RFC 8628 §4).
    pub device_authorization_endpoint: Option<String>,
    /// `pushed_authorization_request_endpoint` (RFC 9126 §5).
    pub pushed_authorization_request_endpoint: Option<String>,
    /// `require_pushed_authorization_requests` (RFC 9126 §5).
    pub require_pushed_authorization_requests: bool,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3).
    pub authorization_response_iss_parameter_supported: bool,
    /// `dpop_signing_alg_values_supported` (RFC 9449 §5.1).
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// `request_object_signing_alg_values_supported` (RFC 9101 §10.5).
    pub request_object_signing_alg_values_supported: Option<Vec<String>>,
    /// `require_signed_request_object` (RFC 9101 §10.5).
    pub require_signed_request_object: bool,
    /// `introspection_signing_alg_values_supported` (RFC 9701 §7): the `alg` values of JWT
    /// introspection responses.
    pub introspection_signing_alg_values_supported: Option<Vec<String>>,
    /// `introspection_encryption_alg_values_supported` (RFC 9701 §7): the JWE `alg` values
    /// of encrypted JWT introspection responses.
    pub introspection_encryption_alg_values_supported: Option<Vec<String>>,
    /// `introspection_encryption_enc_values_supported` (RFC 9701 §7): the JWE `enc` values
    /// of encrypted JWT introspection responses.
    pub introspection_encryption_enc_values_supported: Option<Vec<String>>,
    /// `tls_client_certificate_bound_access_tokens` (RFC 8705 §3.3).
    pub tls_client_certificate_bound_access_tokens: bool,
    /// `mtls_endpoint_aliases` (RFC 8705 §5), as received.
    pub mtls_endpoint_aliases: Option<Map<String, Value>>,
    /// Every other member.
    pub extra: Map<String, Value>,
}

impl AuthorizationServerMetadata {
    /// The `mtls_endpoint_aliases` entry for the endpoint metadata member `name` (such as
    /// `token_endpoint`), if the server has one (RFC 8705 §5). An entry that is not a string is
    /// an error.
    pub fn mtls_endpoint_alias(&self, name: &str) -> Result<Option<&str>> {
        match self
            .mtls_endpoint_aliases
            .as_ref()
            .and_then(|m| m.get(name))
        {
            None => Ok(None),
            Some(Value::String(url)) => Ok(Some(url)),
            Some(_) => Err(ProtocolError::InvalidParameter {
                name: "mtls_endpoint_aliases",
                reason: "an alias is not a string",
            }
            .into()),
        }
    }

    /// Metadata for `issuer` with no other member set, for a server to fill in.
    pub fn new(issuer: impl Into<String>) -> Self {
        AuthorizationServerMetadata {
            issuer: issuer.into(),
            authorization_endpoint: None,
            token_endpoint: None,
            jwks_uri: None,
            registration_endpoint: None,
            scopes_supported: None,
            response_types_supported: None,
            response_modes_supported: None,
            grant_types_supported: None,
            token_endpoint_auth_methods_supported: None,
            token_endpoint_auth_signing_alg_values_supported: None,
            revocation_endpoint: None,
            introspection_endpoint: None,
            code_challenge_methods_supported: None,
            device_authorization_endpoint: None,
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
            authorization_response_iss_parameter_supported: false,
            dpop_signing_alg_values_supported: None,
            request_object_signing_alg_values_supported: None,
            require_signed_request_object: false,
            introspection_signing_alg_values_supported: None,
            introspection_encryption_alg_values_supported: None,
            introspection_encryption_enc_values_supported: None,
            tls_client_certificate_bound_access_tokens: false,
            mtls_endpoint_aliases: None,
            extra: Map::new(),
        }
    }

    /// Parses a metadata document and checks that its `issuer` is exactly `expected_issuer`
    /// (RFC 8414 §3.3: no normalization, a mismatch means the document must not be used).
    /// This is [`AuthorizationServerMetadata::parse_json`] followed by the client's issuer
    /// check.
    pub fn from_json(body: &[u8], expected_issuer: &str) -> Result<Self> {
        Self::parse_json(body)?.checked_for(expected_issuer)
    }

    /// Parses a metadata document strictly, without comparing its `issuer` with anything:
    /// members of the wrong JSON type and `none` among the token endpoint signing algorithms
    /// (RFC 8414 §2) are errors, unknown members are kept (RFC 8414 §2: extensions allowed).
    /// A client should use [`AuthorizationServerMetadata::from_json`] instead.
    pub fn parse_json(body: &[u8]) -> Result<Self> {
        Self::read(&mut wire::parse_json_document::<MetadataMembers, 26>(body)?)
    }

    /// The JSON document (RFC 8414 §3.2): absent members and `false` booleans omitted (their
    /// absence means `false`).
    pub fn to_json(&self) -> Vec<u8> {
        self.writer().finish()
    }

    /// The document as a JSON object, for documents that extend this one (OpenID Connect
    /// Discovery).
    pub fn to_json_object(&self) -> Map<String, Value> {
        self.writer().into_map()
    }

    /// The metadata endpoint's HTTP response: 200 and `Content-Type: application/json`.
    pub fn to_http_response(&self) -> http::Response<Vec<u8>> {
        let mut resp = http::Response::new(self.to_json());
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        resp
    }

    fn writer(&self) -> JsonWriter {
        let mut w = JsonWriter::new();
        w.string("issuer", Some(&self.issuer));
        for (name, v) in [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("jwks_uri", &self.jwks_uri),
            ("registration_endpoint", &self.registration_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
            ("introspection_endpoint", &self.introspection_endpoint),
            (
                "device_authorization_endpoint",
                &self.device_authorization_endpoint,
            ),
            (
                "pushed_authorization_request_endpoint",
                &self.pushed_authorization_request_endpoint,
            ),
        ] {
            w.string(name, v.as_deref());
        }
        for (name, v) in [
            ("scopes_supported", &self.scopes_supported),
            ("response_types_supported", &self.response_types_supported),
            ("response_modes_supported", &self.response_modes_supported),
            ("grant_types_supported", &self.grant_types_supported),
            (
                "token_endpoint_auth_methods_supported",
                &self.token_endpoint_auth_methods_supported,
            ),
            (
                "token_endpoint_auth_signing_alg_values_supported",
                &self.token_endpoint_auth_signing_alg_values_supported,
            ),
            (
                "code_challenge_methods_supported",
                &self.code_challenge_methods_supported,
            ),
            (
                "dpop_signing_alg_values_supported",
                &self.dpop_signing_alg_values_supported,
            ),
            (
                "request_object_signing_alg_values_supported",
                &self.request_object_signing_alg_values_supported,
            ),
            (
                "introspection_signing_alg_values_supported",
                &self.introspection_signing_alg_values_supported,
            ),
            (
                "introspection_encryption_alg_values_supported",
                &self.introspection_encryption_alg_values_supported,
            ),
            (
                "introspection_encryption_enc_values_supported",
                &self.introspection_encryption_enc_values_supported,
            ),
        ] {
            w.strings(name, v.as_deref());
        }
        for (name, v) in [
            (
                "require_pushed_authorization_requests",
                self.require_pushed_authorization_requests,
            ),
            (
                "authorization_response_iss_parameter_supported",
                self.authorization_response_iss_parameter_supported,
            ),
            (
                "require_signed_request_object",
                self.require_signed_request_object,
            ),
            (
                "tls_client_certificate_bound_access_tokens",
                self.tls_client_certificate_bound_access_tokens,
            ),
        ] {
            w.flag(name, v);
        }
        w.object("mtls_endpoint_aliases", self.mtls_endpoint_aliases.as_ref());
        w.extra(&self.extra);
        w
    }

    /// The client's check (RFC 8414 §3.3): `issuer` is exactly the issuer the document was
    /// fetched for.
    fn checked_for(self, expected_issuer: &str) -> Result<Self> {
        if self.issuer != expected_issuer {
            return Err(SecurityError::MetadataIssuerMismatch {
                expected: expected_issuer.to_owned(),
                received: self.issuer,
            }
            .into());
        }
        Ok(self)
    }

    /// Parses a metadata document whose `signed_metadata` (RFC 8414 §2.1) is verified and
    /// applied: the JWT must be signed by one of `keys` and carry `iss` = `attester` (the party
    /// vouching for the values, which may be the server itself or a federation authority);
    /// `exp` and `nbf`, when present, are checked against `now`. Its metadata values then take
    /// precedence over the plain JSON members, and the result is checked as
    /// [`AuthorizationServerMetadata::from_json`] checks a document, the exact `issuer` match
    /// included. A document without `signed_metadata` is refused here.
    ///
    /// ```
    /// use authcore_oauth2::jose::crypto::default_provider;
    /// use authcore_oauth2::jose::{InsecureTestRandom, Jwk, JwsAlgorithm, JwsHeader};
    /// use authcore_oauth2::jose::{SigningKey, UnixTime, VerifyingKey, jwt};
    /// use authcore_oauth2::AuthorizationServerMetadata;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let p = default_provider();
    /// let jwk = Jwk::generate(JwsAlgorithm::EdDSA, p, &InsecureTestRandom::new(3))?;
    /// let key = SigningKey::from_jwk(&jwk, None, p)?;
    /// let signed = jwt::encode(
    ///     &JwsHeader::new(JwsAlgorithm::EdDSA),
    ///     &serde_json::json!({
    ///         "iss": "https://federation.example",
    ///         "issuer": "https://as.example",
    ///         "token_endpoint": "https://as.example/signed-token",
    ///     }),
    ///     &key,
    /// )?;
    /// let doc = serde_json::json!({
    ///     "issuer": "https://as.example",
    ///     "token_endpoint": "https://as.example/token",
    ///     "signed_metadata": signed,
    /// });
    /// let keys = VerifyingKey::from_jwk(&jwk.to_public()?, None, p)?;
    /// let m = AuthorizationServerMetadata::from_json_with_signed_metadata(
    ///     doc.to_string().as_bytes(),
    ///     "https://as.example",
    ///     &keys,
    ///     "https://federation.example",
    ///     UnixTime::from_secs(1_700_000_000), // fixed test value
    /// )?;
    /// assert_eq!(m.token_endpoint.as_deref(), Some("https://as.example/signed-token"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_json_with_signed_metadata(
        body: &[u8],
        expected_issuer: &str,
        keys: &(impl KeySource + ?Sized),
        attester: &str,
        now: UnixTime,
    ) -> Result<Self> {
        let mut o = wire::parse_json_object(body)?;
        let token = match o.get("signed_metadata") {
            Some(Value::String(t)) => t.clone(),
            Some(_) => {
                return Err(ProtocolError::InvalidParameter {
                    name: "signed_metadata",
                    reason: "not a string",
                }
                .into());
            }
            None => return Err(ProtocolError::MissingParameter("signed_metadata").into()),
        };
        let validation = jwt::Validation::new()
            .required_claims(["iss"])
            .issuer(attester);
        let verified = jwt::verify(&token, keys, &validation, now)
            .map_err(SecurityError::InvalidJwtResponse)?;
        // The metadata values of the JWT override the plain ones; its JWT claims (the
        // attester, times, identifier) are not metadata.
        for (name, value) in verified.claims.extra {
            o.insert(name, value);
        }
        Self::read(&mut JsonObject::<MetadataMembers, 26>::from_map(o))?
            .checked_for(expected_issuer)
    }

    fn read(o: &mut JsonObject<'_, MetadataMembers, 26>) -> Result<Self> {
        let issuer = o.req_string("issuer")?;
        let s = |o: &mut JsonObject<'_, MetadataMembers, 26>, n| o.opt_string(n);
        let a = |o: &mut JsonObject<'_, MetadataMembers, 26>, n| o.opt_strings(n);
        let b = |o: &mut JsonObject<'_, MetadataMembers, 26>, n| {
            o.opt_bool(n).map(|v| v.unwrap_or(false))
        };
        let mtls_endpoint_aliases = o.opt_object("mtls_endpoint_aliases")?;
        let m = AuthorizationServerMetadata {
            issuer,
            authorization_endpoint: s(o, "authorization_endpoint")?,
            token_endpoint: s(o, "token_endpoint")?,
            jwks_uri: s(o, "jwks_uri")?,
            registration_endpoint: s(o, "registration_endpoint")?,
            scopes_supported: a(o, "scopes_supported")?,
            response_types_supported: a(o, "response_types_supported")?,
            response_modes_supported: a(o, "response_modes_supported")?,
            grant_types_supported: a(o, "grant_types_supported")?,
            token_endpoint_auth_methods_supported: a(o, "token_endpoint_auth_methods_supported")?,
            token_endpoint_auth_signing_alg_values_supported: a(
                o,
                "token_endpoint_auth_signing_alg_values_supported",
            )?,
            revocation_endpoint: s(o, "revocation_endpoint")?,
            introspection_endpoint: s(o, "introspection_endpoint")?,
            code_challenge_methods_supported: a(o, "code_challenge_methods_supported")?,
            device_authorization_endpoint: s(o, "device_authorization_endpoint")?,
            pushed_authorization_request_endpoint: s(o, "pushed_authorization_request_endpoint")?,
            require_pushed_authorization_requests: b(o, "require_pushed_authorization_requests")?,
            authorization_response_iss_parameter_supported: b(
                o,
                "authorization_response_iss_parameter_supported",
            )?,
            dpop_signing_alg_values_supported: a(o, "dpop_signing_alg_values_supported")?,
            request_object_signing_alg_values_supported: a(
                o,
                "request_object_signing_alg_values_supported",
            )?,
            require_signed_request_object: b(o, "require_signed_request_object")?,
            introspection_signing_alg_values_supported: a(
                o,
                "introspection_signing_alg_values_supported",
            )?,
            introspection_encryption_alg_values_supported: a(
                o,
                "introspection_encryption_alg_values_supported",
            )?,
            introspection_encryption_enc_values_supported: a(
                o,
                "introspection_encryption_enc_values_supported",
            )?,
            tls_client_certificate_bound_access_tokens: b(
                o,
                "tls_client_certificate_bound_access_tokens",
            )?,
            mtls_endpoint_aliases,
            extra: o.take_extra(),
        };
        // RFC 8414 §2: `none` is not a valid token endpoint signing algorithm.
        if m.token_endpoint_auth_signing_alg_values_supported
            .as_ref()
            .is_some_and(|v| v.iter().any(|a| a == "none"))
        {
            return Err(ProtocolError::InvalidParameter {
                name: "token_endpoint_auth_signing_alg_values_supported",
                reason: "contains `none`",
            }
            .into());
        }
        Ok(m)
    }

    /// Whether the server advertises PKCE `S256`.
    pub fn supports_pkce_s256(&self) -> bool {
        self.code_challenge_methods_supported
            .as_ref()
            .is_some_and(|v| v.iter().any(|m| m == "S256"))
    }
}

json_members! {
    MetadataMembers[26] = [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
        "scopes_supported",
        "response_types_supported",
        "response_modes_supported",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "token_endpoint_auth_signing_alg_values_supported",
        "revocation_endpoint",
        "introspection_endpoint",
        "code_challenge_methods_supported",
        "device_authorization_endpoint",
        "pushed_authorization_request_endpoint",
        "require_pushed_authorization_requests",
        "authorization_response_iss_parameter_supported",
        "dpop_signing_alg_values_supported",
        "request_object_signing_alg_values_supported",
        "require_signed_request_object",
        "introspection_signing_alg_values_supported",
        "introspection_encryption_alg_values_supported",
        "introspection_encryption_enc_values_supported",
        "tls_client_certificate_bound_access_tokens",
        "mtls_endpoint_aliases",
    ];
}

/// Parses the metadata response for `expected_issuer` (RFC 8414 §3.2, §3.3): 200 with a JSON
/// object whose `issuer` is exactly `expected_issuer`.
pub fn parse_metadata_response(
    resp: &Response<Vec<u8>>,
    expected_issuer: &str,
) -> Result<AuthorizationServerMetadata> {
    if resp.status() != http::StatusCode::OK {
        return Err(ProtocolError::UnexpectedStatus {
            status: resp.status().as_u16(),
        }
        .into());
    }
    // The strict wire reading, then the client's issuer check.
    AuthorizationServerMetadata::read(&mut wire::read_json_object::<MetadataMembers, 26>(
        resp,
        ContentTypeCheck::Json,
    )?)?
    .checked_for(expected_issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_insertion() {
        let cases = [
            (
                "https://example.com",
                "https://example.com/.well-known/oauth-authorization-server",
            ),
            (
                "https://example.com/",
                "https://example.com/.well-known/oauth-authorization-server",
            ),
            (
                "https://example.com/issuer1",
                "https://example.com/.well-known/oauth-authorization-server/issuer1",
            ),
            (
                "https://example.com/a/b/",
                "https://example.com/.well-known/oauth-authorization-server/a/b",
            ),
            (
                "http://localhost:8080/t",
                "http://localhost:8080/.well-known/oauth-authorization-server/t",
            ),
        ];
        for (issuer, expected) in cases {
            assert_eq!(
                metadata_url(issuer, OAUTH_AUTHORIZATION_SERVER)
                    .unwrap()
                    .as_str(),
                expected
            );
        }
        for bad in [
            "http://example.com",
            "https://example.com/?q=1",
            "https://example.com/#f",
            "example.com",
        ] {
            assert!(
                metadata_url(bad, OAUTH_AUTHORIZATION_SERVER).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn exact_issuer_and_types() {
        let doc = br#"{"issuer":"https://server.example.com","token_endpoint":"https://server.example.com/token","x-custom":1}"#;
        let m = AuthorizationServerMetadata::from_json(doc, "https://server.example.com").unwrap();
        assert_eq!(m.extra["x-custom"], 1);
        // Exact comparison: a trailing slash is a different issuer.
        assert!(matches!(
            AuthorizationServerMetadata::from_json(doc, "https://server.example.com/"),
            Err(Error::Security(
                SecurityError::MetadataIssuerMismatch { .. }
            ))
        ));
        let bad = br#"{"issuer":"https://s.example","scopes_supported":"openid"}"#;
        assert!(AuthorizationServerMetadata::from_json(bad, "https://s.example").is_err());
        let none = br#"{"issuer":"https://s.example","token_endpoint_auth_signing_alg_values_supported":["none"]}"#;
        assert!(AuthorizationServerMetadata::from_json(none, "https://s.example").is_err());
        let dup = br#"{"issuer":"https://s.example","issuer":"https://evil.example"}"#;
        assert!(AuthorizationServerMetadata::from_json(dup, "https://s.example").is_err());
    }
}
