//! Dynamic client registration (RFC 7591): the client metadata a client registers
//! (§2, §3.1), the client information response (§3.2.1); errors are [`ErrorResponse`]s with
//! the codes of §3.2.2.
//!
//! [`ErrorResponse`]: crate::ErrorResponse

use http::{Response, StatusCode};
use serde_json::{Map, Value};

use crate::error::{Error, ProtocolError, Result};
use crate::json_object::{JsonObject, Members, json_members};
use crate::secret::ClientSecret;
use crate::wire::{self, ContentTypeCheck};
use crate::wire_write::{JsonWriter, json_http_response};

json_members! {
    /// The client metadata members of RFC 7591 §2 and §2.3.
    ClientMetadataMembers[16] = [
        "redirect_uris",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "client_name",
        "client_uri",
        "logo_uri",
        "scope",
        "contacts",
        "tos_uri",
        "policy_uri",
        "jwks_uri",
        "jwks",
        "software_id",
        "software_version",
        "software_statement",
    ];
}

json_members! {
    /// The client information members (RFC 7591 §3.2.1, RFC 7592 §3) and the metadata
    /// members.
    ClientInformationMembers[22] = [
        "client_id",
        "registration_access_token",
        "registration_client_uri",
        "client_secret",
        "client_id_issued_at",
        "client_secret_expires_at",
        "redirect_uris",
        "token_endpoint_auth_method",
        "grant_types",
        "response_types",
        "client_name",
        "client_uri",
        "logo_uri",
        "scope",
        "contacts",
        "tos_uri",
        "policy_uri",
        "jwks_uri",
        "jwks",
        "software_id",
        "software_version",
        "software_statement",
    ];
}

/// Client metadata (RFC 7591 §2): the body of a registration request (§3.1) and part of the
/// registration response (§3.2.1). Members for other languages (`client_name#ja-Jpan-JP`,
/// §2.2) and extensions are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ClientMetadata {
    /// `redirect_uris`.
    pub redirect_uris: Option<Vec<String>>,
    /// `token_endpoint_auth_method`.
    pub token_endpoint_auth_method: Option<String>,
    /// `grant_types`.
    pub grant_types: Option<Vec<String>>,
    /// `response_types`.
    pub response_types: Option<Vec<String>>,
    /// `client_name`.
    pub client_name: Option<String>,
    /// `client_uri`.
    pub client_uri: Option<String>,
    /// `logo_uri`.
    pub logo_uri: Option<String>,
    /// `scope`, split into tokens.
    pub scope: Option<Vec<String>>,
    /// `contacts`.
    pub contacts: Option<Vec<String>>,
    /// `tos_uri`.
    pub tos_uri: Option<String>,
    /// `policy_uri`.
    pub policy_uri: Option<String>,
    /// `jwks_uri` (never together with `jwks`, §2).
    pub jwks_uri: Option<String>,
    /// `jwks`, the client's JWK Set by value.
    pub jwks: Option<Map<String, Value>>,
    /// `software_id`.
    pub software_id: Option<String>,
    /// `software_version`.
    pub software_version: Option<String>,
    /// `software_statement` (§2.3), a JWT, not verified here.
    pub software_statement: Option<String>,
    /// Every other member.
    pub extra: Map<String, Value>,
}

impl ClientMetadata {
    /// Metadata with no member set.
    pub fn new() -> Self {
        ClientMetadata::default()
    }

    /// Sets `redirect_uris`.
    pub fn with_redirect_uris<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redirect_uris = Some(uris.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `token_endpoint_auth_method`.
    pub fn with_token_endpoint_auth_method(mut self, method: impl Into<String>) -> Self {
        self.token_endpoint_auth_method = Some(method.into());
        self
    }

    /// Sets `client_name`.
    pub fn with_client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }

    /// The JSON body of a registration request (RFC 7591 §3.1).
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::new();
        self.write(&mut w);
        w.finish()
    }

    /// Parses a registration request body strictly (RFC 7591 §3.1): members of the wrong
    /// JSON type, and `jwks_uri` together with `jwks` (§2), are errors.
    pub fn from_json(body: &[u8]) -> Result<Self> {
        Self::read(&mut wire::parse_json_document::<ClientMetadataMembers, 16>(
            body,
        )?)
    }

    /// The registration request (RFC 7591 §3.1): a JSON POST to `registration_endpoint`,
    /// with `initial_access_token` as a bearer token when the server requires one (§3).
    pub fn build_registration_request(
        &self,
        registration_endpoint: &str,
        initial_access_token: Option<&str>,
    ) -> Result<http::Request<Vec<u8>>> {
        let url = wire::check_endpoint(registration_endpoint)?;
        let mut b = http::Request::builder()
            .method(http::Method::POST)
            .uri(url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json");
        if let Some(t) = initial_access_token {
            let mut v = http::HeaderValue::try_from(format!("Bearer {t}"))
                .map_err(|_| Error::Misuse("the initial access token does not fit a header"))?;
            v.set_sensitive(true);
            b = b.header(http::header::AUTHORIZATION, v);
        }
        b.body(self.to_json())
            .map_err(|_| Error::Misuse("endpoint URL is not a valid HTTP URI"))
    }

    fn write(&self, w: &mut JsonWriter) {
        w.strings("redirect_uris", self.redirect_uris.as_deref());
        w.string(
            "token_endpoint_auth_method",
            self.token_endpoint_auth_method.as_deref(),
        );
        w.strings("grant_types", self.grant_types.as_deref());
        w.strings("response_types", self.response_types.as_deref());
        w.string("client_name", self.client_name.as_deref());
        w.string("client_uri", self.client_uri.as_deref());
        w.string("logo_uri", self.logo_uri.as_deref());
        w.scope("scope", self.scope.as_deref());
        w.strings("contacts", self.contacts.as_deref());
        w.string("tos_uri", self.tos_uri.as_deref());
        w.string("policy_uri", self.policy_uri.as_deref());
        w.string("jwks_uri", self.jwks_uri.as_deref());
        w.object("jwks", self.jwks.as_ref());
        w.string("software_id", self.software_id.as_deref());
        w.string("software_version", self.software_version.as_deref());
        w.string("software_statement", self.software_statement.as_deref());
        w.extra(&self.extra);
    }

    fn read<T: Members<N>, const N: usize>(o: &mut JsonObject<'_, T, N>) -> Result<Self> {
        let m = ClientMetadata {
            redirect_uris: o.opt_strings("redirect_uris")?,
            token_endpoint_auth_method: o.opt_string("token_endpoint_auth_method")?,
            grant_types: o.opt_strings("grant_types")?,
            response_types: o.opt_strings("response_types")?,
            client_name: o.opt_string("client_name")?,
            client_uri: o.opt_string("client_uri")?,
            logo_uri: o.opt_string("logo_uri")?,
            scope: o.opt_string("scope")?.map(|s| wire::split_scope(&s)),
            contacts: o.opt_strings("contacts")?,
            tos_uri: o.opt_string("tos_uri")?,
            policy_uri: o.opt_string("policy_uri")?,
            jwks_uri: o.opt_string("jwks_uri")?,
            jwks: o.opt_object("jwks")?,
            software_id: o.opt_string("software_id")?,
            software_version: o.opt_string("software_version")?,
            software_statement: o.opt_string("software_statement")?,
            extra: o.take_extra(),
        };
        // RFC 7591 §2: "The "jwks_uri" and "jwks" parameters MUST NOT both be present".
        if m.jwks_uri.is_some() && m.jwks.is_some() {
            return Err(ProtocolError::InvalidParameter {
                name: "jwks",
                reason: "present together with jwks_uri (RFC 7591 §2)",
            }
            .into());
        }
        Ok(m)
    }
}

/// The client information response (RFC 7591 §3.2.1): the identifier and credentials issued,
/// and the metadata registered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientInformationResponse {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: Option<ClientSecret>,
    /// `client_id_issued_at`, seconds since the epoch.
    pub client_id_issued_at: Option<u64>,
    /// `client_secret_expires_at`: seconds since the epoch, 0 for never; required when a
    /// secret is issued.
    pub client_secret_expires_at: Option<u64>,
    /// `registration_access_token` (RFC 7592 §3): the bearer token for reading, updating
    /// and deleting the registration at `registration_client_uri`.
    pub registration_access_token: Option<ClientSecret>,
    /// `registration_client_uri` (RFC 7592 §3): where the registration is managed.
    pub registration_client_uri: Option<String>,
    /// The metadata registered, with any values the server changed or added.
    pub metadata: ClientMetadata,
}

impl ClientInformationResponse {
    /// A response for a client without a secret.
    pub fn new(client_id: impl Into<String>, metadata: ClientMetadata) -> Self {
        ClientInformationResponse {
            client_id: client_id.into(),
            client_secret: None,
            client_id_issued_at: None,
            client_secret_expires_at: None,
            registration_access_token: None,
            registration_client_uri: None,
            metadata,
        }
    }

    /// Sets the issued secret and when it expires (0: never), RFC 7591 §3.2.1.
    pub fn with_client_secret(mut self, secret: ClientSecret, expires_at: u64) -> Self {
        self.client_secret = Some(secret);
        self.client_secret_expires_at = Some(expires_at);
        self
    }

    /// Sets the RFC 7592 §3 management credentials: `registration_access_token` and
    /// `registration_client_uri` (both or neither, §3).
    pub fn with_registration_access(
        mut self,
        access_token: ClientSecret,
        client_uri: impl Into<String>,
    ) -> Self {
        self.registration_access_token = Some(access_token);
        self.registration_client_uri = Some(client_uri.into());
        self
    }

    /// The read request of RFC 7592 §2.1: a GET of `registration_client_uri` with the
    /// `registration_access_token` as a bearer token.
    pub fn build_read_request(&self) -> Result<http::Request<Vec<u8>>> {
        self.management_request(http::Method::GET, Vec::new())
    }

    /// The update request of RFC 7592 §2.2: a PUT of the complete `metadata` (which replaces
    /// every registered value, §2.2) with this `client_id` (and the secret, when one was
    /// issued, for the server to compare).
    pub fn build_update_request(
        &self,
        metadata: &ClientMetadata,
    ) -> Result<http::Request<Vec<u8>>> {
        let mut w = JsonWriter::new();
        w.string("client_id", Some(&self.client_id));
        w.string(
            "client_secret",
            self.client_secret.as_ref().map(ClientSecret::secret),
        );
        metadata.write(&mut w);
        self.management_request(http::Method::PUT, w.finish())
    }

    /// The delete request of RFC 7592 §2.3: a DELETE of `registration_client_uri`.
    pub fn build_delete_request(&self) -> Result<http::Request<Vec<u8>>> {
        self.management_request(http::Method::DELETE, Vec::new())
    }

    fn management_request(
        &self,
        method: http::Method,
        body: Vec<u8>,
    ) -> Result<http::Request<Vec<u8>>> {
        let (Some(token), Some(uri)) = (
            self.registration_access_token.as_ref(),
            self.registration_client_uri.as_deref(),
        ) else {
            return Err(Error::Misuse(
                "the registration has no registration_access_token and registration_client_uri",
            ));
        };
        let url = wire::check_endpoint(uri)?;
        let mut v = http::HeaderValue::try_from(format!("Bearer {}", token.secret()))
            .map_err(|_| Error::Misuse("the registration access token does not fit a header"))?;
        v.set_sensitive(true);
        let mut b = http::Request::builder()
            .method(method.clone())
            .uri(url.as_str())
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::AUTHORIZATION, v);
        if method == http::Method::PUT {
            b = b.header(http::header::CONTENT_TYPE, "application/json");
        }
        b.body(body)
            .map_err(|_| Error::Misuse("endpoint URL is not a valid HTTP URI"))
    }

    /// Sets `client_id_issued_at`.
    pub fn with_client_id_issued_at(mut self, issued_at: u64) -> Self {
        self.client_id_issued_at = Some(issued_at);
        self
    }

    /// The JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::new();
        w.string("client_id", Some(&self.client_id));
        w.string(
            "client_secret",
            self.client_secret.as_ref().map(ClientSecret::secret),
        );
        w.u64("client_id_issued_at", self.client_id_issued_at);
        w.u64("client_secret_expires_at", self.client_secret_expires_at);
        w.string(
            "registration_access_token",
            self.registration_access_token
                .as_ref()
                .map(ClientSecret::secret),
        );
        w.string(
            "registration_client_uri",
            self.registration_client_uri.as_deref(),
        );
        self.metadata.write(&mut w);
        w.finish()
    }

    /// The HTTP response: 201 Created, JSON, `Cache-Control: no-store` (RFC 7591 §3.2.1).
    pub fn to_http_response(&self) -> Response<Vec<u8>> {
        json_http_response(StatusCode::CREATED, self.to_json(), None)
    }

    /// The HTTP response of a read or update (RFC 7592 §3): 200 OK, JSON,
    /// `Cache-Control: no-store`.
    pub fn to_http_read_response(&self) -> Response<Vec<u8>> {
        json_http_response(StatusCode::OK, self.to_json(), None)
    }

    /// Parses the JSON body strictly: `client_id` required, `client_secret_expires_at`
    /// required when `client_secret` is present (§3.2.1); an `error` member is
    /// [`Error::Server`].
    pub fn from_json(body: &[u8]) -> Result<Self> {
        let mut obj = wire::parse_json_document::<ClientInformationMembers, 22>(body)?;
        if let Some(e) = obj.take_error(None)? {
            return Err(Error::Server(e));
        }
        Self::read(&mut obj)
    }

    fn read(o: &mut JsonObject<'_, ClientInformationMembers, 22>) -> Result<Self> {
        let client_id = o.req_string("client_id")?;
        let client_secret = o.opt_string("client_secret")?.map(ClientSecret::new);
        let client_id_issued_at = o.opt_u64("client_id_issued_at")?;
        let client_secret_expires_at = o.opt_u64("client_secret_expires_at")?;
        if client_secret.is_some() && client_secret_expires_at.is_none() {
            return Err(ProtocolError::MissingParameter("client_secret_expires_at").into());
        }
        let registration_access_token = o
            .opt_string("registration_access_token")?
            .map(ClientSecret::new);
        let registration_client_uri = o.opt_string("registration_client_uri")?;
        // RFC 7592 §3: the two come together or not at all.
        if registration_access_token.is_some() != registration_client_uri.is_some() {
            return Err(
                ProtocolError::MissingParameter(if registration_access_token.is_some() {
                    "registration_client_uri"
                } else {
                    "registration_access_token"
                })
                .into(),
            );
        }
        Ok(ClientInformationResponse {
            client_id,
            client_secret,
            client_id_issued_at,
            client_secret_expires_at,
            registration_access_token,
            registration_client_uri,
            metadata: ClientMetadata::read(o)?,
        })
    }
}

/// Parses a registration response (RFC 7591 §3.2.1; errors of §3.2.2 are
/// [`Error::Server`]): 201 (any 2xx) with the client information as JSON.
pub fn parse_registration_response(resp: &Response<Vec<u8>>) -> Result<ClientInformationResponse> {
    ClientInformationResponse::read(&mut wire::read_json_object::<ClientInformationMembers, 22>(
        resp,
        ContentTypeCheck::Json,
    )?)
}

/// Checks the response to a delete request (RFC 7592 §2.3): 204 No Content (any 2xx) is
/// success; an error response is [`Error::Server`], any other status an error.
pub fn parse_registration_deletion_response(resp: &Response<Vec<u8>>) -> Result<()> {
    if resp.status().is_success() {
        return Ok(());
    }
    wire::read_json_response(resp, ContentTypeCheck::Json)?;
    Err(ProtocolError::UnexpectedStatus {
        status: resp.status().as_u16(),
    }
    .into())
}
