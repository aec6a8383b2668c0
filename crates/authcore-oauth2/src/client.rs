//! The client's identity and authentication (RFC 6749 §2.3, RFC 7523 §2.2, RFC 8705 §2), and
//! the endpoints of the authorization server it talks to.

use core::fmt;
use std::sync::Arc;

use authcore_jose::crypto::{CryptoProvider, Provider};
use authcore_jose::{JwsAlgorithm, JwsHeader, JwsSigner, SecureRandom, SigningKey, UnixTime, jwt};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use serde_json::json;
use url::Url;

use crate::error::{Error, Result};
use crate::form::{ClientAuthParams, encode_component};
use crate::metadata::AuthorizationServerMetadata;
use crate::secret::{ClientSecret, random_jti};
use crate::wire::{FormPost, check_endpoint, check_server_endpoint};

/// The `client_assertion_type` of JWT client authentication (RFC 7523 §2.2).
pub const JWT_BEARER_CLIENT_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the client authenticates to the token, PAR, revocation and introspection endpoints.
#[non_exhaustive]
pub enum ClientAuthentication {
    /// A public client: `client_id` in the body, no credentials (`none`, RFC 7591 §2).
    None,
    /// `client_secret_basic`: HTTP Basic with the form-urlencoded client id and secret
    /// (RFC 6749 §2.3.1).
    ClientSecretBasic(ClientSecret),
    /// `client_secret_post`: `client_id` and `client_secret` in the body (RFC 6749 §2.3.1).
    ClientSecretPost(ClientSecret),
    /// `client_secret_jwt`: an HMAC-signed assertion keyed with the secret (RFC 7523 §2.2,
    /// OpenID Connect Core §9).
    ClientSecretJwt {
        /// The shared secret.
        secret: ClientSecret,
        /// The HMAC algorithm (HS256, HS384 or HS512).
        algorithm: JwsAlgorithm,
    },
    /// `private_key_jwt`: an assertion signed with the client's private key, local or
    /// external (RFC 7523 §2.2).
    PrivateKeyJwt(Arc<dyn JwsSigner>),
    /// `tls_client_auth`: mutual TLS with a PKI certificate (RFC 8705 §2.1). The TLS is the
    /// HTTP adapter's; the body carries `client_id`.
    TlsClientAuth,
    /// `self_signed_tls_client_auth`: mutual TLS with a self-signed certificate (RFC 8705
    /// §2.2). The TLS is the HTTP adapter's; the body carries `client_id`.
    SelfSignedTlsClientAuth,
}

impl ClientAuthentication {
    /// The method's registered name (`token_endpoint_auth_method`, RFC 7591 §2).
    pub fn method_name(&self) -> &'static str {
        match self {
            ClientAuthentication::None => "none",
            ClientAuthentication::ClientSecretBasic(_) => "client_secret_basic",
            ClientAuthentication::ClientSecretPost(_) => "client_secret_post",
            ClientAuthentication::ClientSecretJwt { .. } => "client_secret_jwt",
            ClientAuthentication::PrivateKeyJwt(_) => "private_key_jwt",
            ClientAuthentication::TlsClientAuth => "tls_client_auth",
            ClientAuthentication::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
        }
    }
}

impl fmt::Debug for ClientAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAuthentication::PrivateKeyJwt(s) => f
                .debug_struct("PrivateKeyJwt")
                .field("algorithm", &s.algorithm())
                .field("key_id", &s.key_id())
                .finish(),
            ClientAuthentication::ClientSecretJwt { algorithm, .. } => f
                .debug_struct("ClientSecretJwt")
                .field("secret", &"[REDACTED]")
                .field("algorithm", algorithm)
                .finish(),
            ClientAuthentication::ClientSecretBasic(_) => {
                f.write_str("ClientSecretBasic([REDACTED])")
            }
            ClientAuthentication::ClientSecretPost(_) => {
                f.write_str("ClientSecretPost([REDACTED])")
            }
            other => f.write_str(other.method_name()),
        }
    }
}

/// The `aud` of JWT client assertions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AssertionAudience {
    /// The token endpoint URL, as RFC 7523 §3 describes (the default; every server accepts it).
    #[default]
    TokenEndpoint,
    /// The authorization server's issuer identifier, which newer profiles (FAPI 2.0) require
    /// to prevent audience-injection attacks. Requires a known issuer.
    Issuer,
}

/// The client: its `client_id`, how it authenticates, and assertion settings.
///
/// ```
/// use authcore_oauth2::{Client, ClientAuthentication, ClientSecret};
/// let client = Client::new(
///     "s6BhdRkqt3",
///     ClientAuthentication::ClientSecretBasic(ClientSecret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
/// );
/// assert_eq!(client.client_id(), "s6BhdRkqt3");
/// ```
#[derive(Debug)]
pub struct Client {
    client_id: String,
    auth: ClientAuthentication,
    audience: AssertionAudience,
    assertion_lifetime: u64,
    provider: Provider,
}

impl Client {
    /// A client with the default crypto provider, assertions for the token endpoint and a
    /// 60-second assertion lifetime.
    pub fn new(client_id: impl Into<String>, auth: ClientAuthentication) -> Self {
        Client {
            client_id: client_id.into(),
            auth,
            audience: AssertionAudience::default(),
            assertion_lifetime: 60,
            provider: authcore_jose::crypto::default_provider().into(),
        }
    }

    /// Sets the crypto provider used for `client_secret_jwt` and PKCE.
    /// A `&'static CryptoProvider` or one built at run time (`Arc`/owned, never leaked).
    pub fn with_crypto_provider(mut self, provider: impl Into<Provider>) -> Self {
        self.provider = provider.into();
        self
    }

    /// Sets the `aud` of client assertions.
    pub fn with_assertion_audience(mut self, audience: AssertionAudience) -> Self {
        self.audience = audience;
        self
    }

    /// Sets the lifetime of client assertions in seconds (`exp` - `iat`; default 60).
    pub fn with_assertion_lifetime(mut self, secs: u64) -> Self {
        self.assertion_lifetime = secs;
        self
    }

    /// The `client_id`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The authentication method.
    pub fn authentication(&self) -> &ClientAuthentication {
        &self.auth
    }

    /// The crypto provider.
    pub fn crypto_provider(&self) -> &CryptoProvider {
        &self.provider
    }

    /// The crypto provider as a handle to store elsewhere (cheap to clone).
    pub fn crypto_provider_handle(&self) -> &Provider {
        &self.provider
    }

    /// Adds the client's credentials to a request for `server`'s token-like endpoint.
    pub(crate) fn authenticate(
        &self,
        post: &mut FormPost,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<()> {
        // The body parameters of each method are a `ClientAuthParams`, the one place that
        // names and orders them for clients and servers alike.
        let params = match &self.auth {
            ClientAuthentication::None
            | ClientAuthentication::TlsClientAuth
            | ClientAuthentication::SelfSignedTlsClientAuth => {
                ClientAuthParams::public(self.client_id.clone())
            }
            ClientAuthentication::ClientSecretBasic(secret) => {
                // RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
                let raw = format!(
                    "{}:{}",
                    encode_component(&self.client_id),
                    encode_component(secret.secret())
                );
                let mut value = HeaderValue::try_from(format!("Basic {}", STANDARD.encode(raw)))
                    .map_err(|_| Error::Misuse("credentials do not fit a header"))?;
                value.set_sensitive(true);
                post.authorization = Some(value);
                ClientAuthParams::none()
            }
            ClientAuthentication::ClientSecretPost(secret) => {
                ClientAuthParams::secret_post(self.client_id.clone(), secret.clone())
            }
            ClientAuthentication::ClientSecretJwt { secret, algorithm } => {
                let key = SigningKey::hmac(*algorithm, secret.secret().as_bytes(), &self.provider)?;
                self.assertion_params(self.client_assertion(&key, server, now, rng)?)
            }
            ClientAuthentication::PrivateKeyJwt(signer) => {
                self.assertion_params(self.client_assertion(signer.as_ref(), server, now, rng)?)
            }
        };
        let mut pairs = Vec::with_capacity(ClientAuthParams::NAMES.len());
        params.push_pairs(&mut pairs);
        for (name, value) in pairs {
            post.param(name, value);
        }
        Ok(())
    }

    fn assertion_params(&self, assertion: String) -> ClientAuthParams {
        ClientAuthParams::assertion(
            Some(self.client_id.clone()),
            JWT_BEARER_CLIENT_ASSERTION_TYPE,
            assertion,
        )
    }

    /// Builds an RFC 7523 §2.2 client assertion: `iss` = `sub` = `client_id`, `aud`, a random
    /// `jti`, `iat` = `now`, `exp` = `now` + lifetime.
    pub fn client_assertion(
        &self,
        signer: &dyn JwsSigner,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<String> {
        let aud = match self.audience {
            AssertionAudience::TokenEndpoint => server.token_endpoint()?.as_str().to_owned(),
            AssertionAudience::Issuer => server
                .issuer()
                .ok_or(Error::Misuse(
                    "issuer-audience assertions need a known issuer",
                ))?
                .to_owned(),
        };
        let claims = json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "jti": random_jti(rng)?,
            "iat": now.as_secs(),
            "exp": now.saturating_add(self.assertion_lifetime).as_secs(),
        });
        let header = JwsHeader::new(signer.algorithm());
        Ok(jwt::encode(&header, &claims, signer)?)
    }
}

/// The endpoints and relevant capabilities of an authorization server.
///
/// Build it from [`AuthorizationServerMetadata`] or by hand. Endpoint URLs must be absolute
/// `https` URLs (`http` only for loopback hosts) without a fragment.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthorizationServer {
    issuer: Option<String>,
    authorization_endpoint: Option<Url>,
    token_endpoint: Option<Url>,
    par_endpoint: Option<Url>,
    device_authorization_endpoint: Option<Url>,
    revocation_endpoint: Option<Url>,
    introspection_endpoint: Option<Url>,
    iss_parameter_supported: bool,
    require_par: bool,
}

// By hand: `url::Url`'s derived `Debug` prints its parse internals (`serialization`,
// `scheme_end`, `host_start`, ...), which bury the endpoints a reader is looking for.
impl fmt::Debug for AuthorizationServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn url(u: &Option<Url>) -> Option<&str> {
            u.as_ref().map(Url::as_str)
        }
        f.debug_struct("AuthorizationServer")
            .field("issuer", &self.issuer)
            .field("authorization_endpoint", &url(&self.authorization_endpoint))
            .field("token_endpoint", &url(&self.token_endpoint))
            .field("par_endpoint", &url(&self.par_endpoint))
            .field(
                "device_authorization_endpoint",
                &url(&self.device_authorization_endpoint),
            )
            .field("revocation_endpoint", &url(&self.revocation_endpoint))
            .field("introspection_endpoint", &url(&self.introspection_endpoint))
            .field("iss_parameter_supported", &self.iss_parameter_supported)
            .field("require_par", &self.require_par)
            .finish()
    }
}

macro_rules! endpoint_accessors {
    ($($field:ident, $setter:ident, $what:literal;)*) => {
        $(
            #[doc = concat!("Sets the ", $what, ".")]
            pub fn $setter(mut self, url: &str) -> Result<Self> {
                self.$field = Some(check_endpoint(url)?);
                Ok(self)
            }

            #[doc = concat!("The ", $what, ", or a misuse error when unknown.")]
            pub fn $field(&self) -> Result<&Url> {
                self.$field.as_ref().ok_or(Error::Misuse(concat!("the ", $what, " is not configured")))
            }
        )*
    };
}

impl AuthorizationServer {
    /// A server known by its issuer identifier (RFC 8414 §2); endpoints are added with the
    /// `with_*` setters.
    pub fn new(issuer: impl Into<String>) -> Self {
        AuthorizationServer {
            issuer: Some(issuer.into()),
            ..Default::default()
        }
    }

    /// A server whose issuer identifier is unknown. No RFC 9207 `iss` check is possible: an
    /// `iss` in a callback is accepted unchecked (see
    /// [`PendingAuthorization::handle_callback`](crate::PendingAuthorization::handle_callback)),
    /// and [`AuthorizationServer::with_iss_parameter_supported`] makes building an
    /// authorization request fail. Only for a client that talks to a single server.
    pub fn without_issuer() -> Self {
        AuthorizationServer::default()
    }

    /// The server described by a validated metadata document.
    ///
    /// An endpoint that is not `https` (or `http` to a loopback host) is the server's fault:
    /// [`ProtocolError::InvalidEndpoint`](crate::ProtocolError::InvalidEndpoint) naming the
    /// metadata member.
    pub fn from_metadata(m: &AuthorizationServerMetadata) -> Result<Self> {
        let opt = |u: &Option<String>, name| {
            u.as_deref()
                .map(|u| check_server_endpoint(u, name))
                .transpose()
        };
        Ok(AuthorizationServer {
            issuer: Some(m.issuer.clone()),
            authorization_endpoint: opt(&m.authorization_endpoint, "authorization_endpoint")?,
            token_endpoint: opt(&m.token_endpoint, "token_endpoint")?,
            par_endpoint: opt(
                &m.pushed_authorization_request_endpoint,
                "pushed_authorization_request_endpoint",
            )?,
            device_authorization_endpoint: opt(
                &m.device_authorization_endpoint,
                "device_authorization_endpoint",
            )?,
            revocation_endpoint: opt(&m.revocation_endpoint, "revocation_endpoint")?,
            introspection_endpoint: opt(&m.introspection_endpoint, "introspection_endpoint")?,
            iss_parameter_supported: m.authorization_response_iss_parameter_supported,
            require_par: m.require_pushed_authorization_requests,
        })
    }

    /// The server as a client that uses mutual TLS sees it (RFC 8705 §5): the token, PAR,
    /// device authorization, revocation and introspection endpoints are replaced by their
    /// `mtls_endpoint_aliases` entries where the metadata has one. A client authenticating
    /// with `tls_client_auth` or `self_signed_tls_client_auth`, or holding
    /// certificate-bound access tokens, must use these. The authorization endpoint is the
    /// browser's and stays as it is.
    pub fn from_metadata_for_mtls(m: &AuthorizationServerMetadata) -> Result<Self> {
        let mut server = Self::from_metadata(m)?;
        for (name, slot) in [
            ("token_endpoint", &mut server.token_endpoint),
            (
                "pushed_authorization_request_endpoint",
                &mut server.par_endpoint,
            ),
            (
                "device_authorization_endpoint",
                &mut server.device_authorization_endpoint,
            ),
            ("revocation_endpoint", &mut server.revocation_endpoint),
            ("introspection_endpoint", &mut server.introspection_endpoint),
        ] {
            if let Some(alias) = m.mtls_endpoint_alias(name)? {
                *slot = Some(check_server_endpoint(alias, "mtls_endpoint_aliases")?);
            }
        }
        Ok(server)
    }

    endpoint_accessors! {
        authorization_endpoint, with_authorization_endpoint, "authorization endpoint";
        token_endpoint, with_token_endpoint, "token endpoint";
        par_endpoint, with_par_endpoint, "pushed authorization request endpoint";
        device_authorization_endpoint, with_device_authorization_endpoint, "device authorization endpoint";
        revocation_endpoint, with_revocation_endpoint, "revocation endpoint";
        introspection_endpoint, with_introspection_endpoint, "introspection endpoint";
    }

    /// Declares that the server sends `iss` in authorization responses (RFC 9207 §3), which
    /// makes `iss` required in callbacks. Needs the issuer identifier: authorization requests
    /// for a server without one are refused.
    pub fn with_iss_parameter_supported(mut self, supported: bool) -> Self {
        self.iss_parameter_supported = supported;
        self
    }

    /// Declares that the server accepts authorization requests only through PAR (RFC 9126
    /// §5), which makes [`AuthorizationRequest::build_url`](crate::AuthorizationRequest::build_url)
    /// and `build_signed_url` refuse to build a front-channel request.
    pub fn with_require_pushed_authorization_requests(mut self, required: bool) -> Self {
        self.require_par = required;
        self
    }

    /// Whether the server requires pushed authorization requests (RFC 9126 §5).
    pub fn require_pushed_authorization_requests(&self) -> bool {
        self.require_par
    }

    /// The issuer identifier, if known.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Whether the server sends `iss` in authorization responses (RFC 9207).
    pub fn iss_parameter_supported(&self) -> bool {
        self.iss_parameter_supported
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_form_encodes_before_base64() {
        let c = Client::new(
            "client:id",
            ClientAuthentication::ClientSecretBasic(ClientSecret::new("s e+c%ret")),
        );
        let server = AuthorizationServer::new("https://as.example")
            .with_token_endpoint("https://as.example/token")
            .unwrap();
        let mut post = FormPost::new(server.token_endpoint().unwrap());
        let rng = authcore_jose::InsecureTestRandom::new(1);
        c.authenticate(&mut post, &server, UnixTime::from_secs(0), &rng)
            .unwrap();
        let h = post.authorization.unwrap();
        assert!(h.is_sensitive());
        let b64 = h.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap();
        assert_eq!(decoded, "client%3Aid:s+e%2Bc%25ret");
        assert!(
            post.params.is_empty(),
            "no client_id in the body with Basic"
        );
    }

    #[test]
    fn debug_shows_endpoints_as_strings() {
        let server = AuthorizationServer::new("https://as.example")
            .with_token_endpoint("https://as.example/token")
            .unwrap()
            .with_authorization_endpoint("https://as.example/authorize?tenant=a")
            .unwrap();
        let debug = format!("{server:?}");
        assert!(
            debug.contains(r#"token_endpoint: Some("https://as.example/token")"#),
            "{debug}"
        );
        assert!(
            debug.contains(
                r#"authorization_endpoint: Some("https://as.example/authorize?tenant=a")"#
            ),
            "{debug}"
        );
        assert!(debug.contains("revocation_endpoint: None"), "{debug}");
        // None of `url::Url`'s parse internals.
        for internal in ["serialization", "scheme_end", "host_start", "query_start"] {
            assert!(!debug.contains(internal), "{internal} in {debug}");
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let a = ClientAuthentication::ClientSecretPost(ClientSecret::new("hunter2"));
        assert!(!format!("{a:?}").contains("hunter2"));
        let c = Client::new(
            "x",
            ClientAuthentication::ClientSecretBasic(ClientSecret::new("hunter2")),
        );
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
