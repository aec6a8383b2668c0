//! Routing: the paths of the configured endpoints to the core's endpoints, with the rate
//! limits, the drive loop, the store-failure answers and one log line per decision.

use authcore_server::client_auth::ClientCertificate;
use authcore_server::config::ServerConfig;
use authcore_server::device::DeviceAuthorizationEndpoint;
use authcore_server::par::PushedAuthorizationEndpoint;
use authcore_server::registration::RegistrationEndpoint;
use authcore_server::{
    Context, Endpoint, Finished, IntrospectionEndpoint, RevocationEndpoint, TokenEndpoint,
};
use base64::Engine;
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use http::{Method, StatusCode};

use crate::drive::DriveError;
use crate::provider::{PeerInfo, Provider};
use crate::ratelimit::Limited;
use crate::store::StoreErrorKind;

/// The paths served, from the configuration's endpoint URLs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    pub(crate) authorize: Option<String>,
    pub(crate) token: String,
    pub(crate) par: Option<String>,
    pub(crate) device_authorization: Option<String>,
    pub(crate) device_verification: Option<String>,
    pub(crate) revocation: Option<String>,
    pub(crate) introspection: Option<String>,
    pub(crate) jwks: Option<String>,
    pub(crate) end_session: Option<String>,
    pub(crate) registration: Option<String>,
    pub(crate) userinfo: Option<String>,
    /// The issuer's path, without a trailing `/` (empty for an issuer at the root): the
    /// discovery documents and the provider's own pages live under it.
    pub(crate) base: String,
}

impl Routes {
    pub(crate) fn from_config(config: &ServerConfig) -> Self {
        let e = &config.endpoints;
        let path = |u: &Option<url::Url>| u.as_ref().map(|u| u.path().to_owned());
        let base = url::Url::parse(&config.issuer)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        Routes {
            authorize: path(&e.authorization),
            token: e.token.path().to_owned(),
            par: path(&e.pushed_authorization_request),
            device_authorization: path(&e.device_authorization),
            device_verification: e.device_authorization.as_ref().map(|_| {
                e.device_verification
                    .as_ref()
                    .map_or_else(|| format!("{base}/device"), |u| u.path().to_owned())
            }),
            revocation: path(&e.revocation),
            introspection: path(&e.introspection),
            jwks: path(&e.jwks),
            end_session: path(&e.end_session),
            registration: path(&e.registration),
            userinfo: path(&e.userinfo),
            base,
        }
    }

    /// The path of the provider's own page `rest` (`/interaction/…`).
    pub(crate) fn page(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }
}

/// A short plain-text answer (no details of the failure).
pub(crate) fn plain_error(status: StatusCode, message: &str) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(message.as_bytes().to_vec());
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// `429 Too Many Requests` with `Retry-After` (RFC 6585 §4).
pub(crate) fn too_many_requests(wait: u64) -> http::Response<Vec<u8>> {
    let mut r = plain_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too many requests; try again later",
    );
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(RETRY_AFTER, v);
    }
    r
}

/// The answer to a drive that failed: a store that is unavailable is `503` with
/// `Retry-After` (the client may retry; no token or code was issued that could not be
/// stored); anything else is a bare `500`. Neither says more than that.
pub(crate) fn drive_failure(e: &DriveError) -> http::Response<Vec<u8>> {
    match e {
        DriveError::Store(s) if s.kind() == StoreErrorKind::Unavailable => {
            tracing::warn!(error = %s, "store unavailable");
            let mut r = plain_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the service is unavailable; try again later",
            );
            r.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("5"));
            r.headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        DriveError::Store(s) => {
            tracing::error!(error = %s, "store failure");
            plain_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
        DriveError::Runaway => {
            tracing::error!("an endpoint did not finish");
            plain_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// The request as the core sees it: the body as bytes and the URI absolute, on the issuer's
/// origin (DPoP proofs and registration URIs are checked against it).
pub(crate) fn core_request(
    provider: &Provider,
    request: &http::Request<Bytes>,
) -> http::Request<Vec<u8>> {
    let issuer = &provider.inner.settings.server.issuer;
    let origin = url::Url::parse(issuer)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let pq = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut builder = http::Request::builder()
        .method(request.method().clone())
        .uri(format!("{origin}{pq}"));
    if let Some(h) = builder.headers_mut() {
        *h = request.headers().clone();
    }
    builder
        .body(request.body().to_vec())
        .unwrap_or_else(|_| http::Request::new(request.body().to_vec()))
}

/// The `client_id` a back-channel request names (form `client_id`, or the user name of HTTP
/// Basic authentication, RFC 6749 §2.3.1), for rate limits and logs. Not authenticated: the
/// core decides that.
pub(crate) fn claimed_client_id(request: &http::Request<Bytes>) -> Option<String> {
    if let Some(id) = url::form_urlencoded::parse(request.body())
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned())
    {
        return Some(id);
    }
    let auth = request
        .headers()
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = auth
        .strip_prefix("Basic ")
        .or_else(|| auth.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, _) = decoded.split_once(':')?;
    url::form_urlencoded::parse(format!("x={id}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// The `error` code of a response, for the log: the JSON member of an error response, or the
/// `error` parameter of a redirect. Nothing else of the body is read.
pub(crate) fn error_code(response: &http::Response<Vec<u8>>) -> Option<String> {
    if let Some(location) = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|l| l.to_str().ok())
    {
        let url = url::Url::parse(location).ok()?;
        let params = url
            .query()
            .into_iter()
            .chain(url.fragment())
            .flat_map(|q| url::form_urlencoded::parse(q.as_bytes()));
        return params
            .filter(|(k, _)| k == "error")
            .map(|(_, v)| v.into_owned())
            .next();
    }
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json || response.status().is_success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(response.body()).ok()?;
    v.get("error")?.as_str().map(str::to_owned)
}

/// Logs one decision: the endpoint, the client, the outcome and the error code; never a
/// token, code, secret, password or cookie.
pub(crate) fn log_decision(
    endpoint: &'static str,
    client_id: Option<&str>,
    response: &http::Response<Vec<u8>>,
) {
    let error = error_code(response);
    tracing::info!(
        endpoint,
        client_id = client_id.unwrap_or("-"),
        status = response.status().as_u16(),
        error = error.as_deref().unwrap_or("-"),
        "decision"
    );
}

fn address_key(peer: &PeerInfo) -> String {
    peer.addr
        .map_or_else(|| "addr:unknown".to_owned(), |a| format!("addr:{}", a.ip()))
}

/// Checks the rate limit `which` for the request's client and address.
pub(crate) fn rate_limited(
    provider: &Provider,
    which: Limited,
    client_key: Option<&str>,
    peer: &PeerInfo,
) -> Option<http::Response<Vec<u8>>> {
    let addr = address_key(peer);
    let client = client_key.map(|c| format!("client:{c}"));
    let mut keys: Vec<&str> = vec![addr.as_str()];
    if let Some(c) = &client {
        keys.push(c.as_str());
    }
    match provider
        .inner
        .limits
        .check(which, &keys, crate::provider::monotonic_now())
    {
        Ok(()) => None,
        Err(wait) => {
            tracing::info!(
                limit = ?which,
                client_id = client_key.unwrap_or("-"),
                "rate limit reached"
            );
            Some(too_many_requests(wait))
        }
    }
}

/// Drives a back-channel endpoint to its response.
async fn run<E: Endpoint + Send>(
    provider: &Provider,
    endpoint: &mut E,
    ctx: &Context<'_>,
) -> http::Response<Vec<u8>> {
    match provider.drive(endpoint, ctx).await {
        Ok(Finished::Respond(r)) => r,
        Ok(Finished::Interact(i)) => i.to_http_response(),
        Err(e) => drive_failure(&e),
    }
}

fn is(path: &str, route: &Option<String>) -> bool {
    route.as_deref() == Some(path)
}

/// Routes one request.
pub(crate) async fn route(
    provider: &Provider,
    request: http::Request<Bytes>,
    peer: &PeerInfo,
) -> http::Response<Vec<u8>> {
    let routes = &provider.inner.routes;
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let loaded = provider.loaded_keys();
    let config = &provider.inner.settings.server;
    let now = crate::provider::now();
    let ctx = Context::new(config, &loaded.server, now, provider.inner.rng);
    let cert: Option<&ClientCertificate> = peer.certificate.as_ref();

    if path == routes.page("/healthz") && method == Method::GET {
        return plain_error(StatusCode::OK, "ok");
    }
    if (path == routes.page("/.well-known/openid-configuration")
        || path == routes.page("/.well-known/oauth-authorization-server"))
        && method == Method::GET
    {
        return match authcore_server::oidc::discovery::provider_metadata(config, &loaded.server) {
            Some(m) => m.to_http_response(),
            None => authcore_server::metadata::metadata(config).to_http_response(),
        };
    }
    if is(&path, &routes.jwks) && method == Method::GET {
        return authcore_server::oidc::discovery::jwks_response(&loaded.server, now);
    }
    if path == routes.token {
        let client = claimed_client_id(&request);
        if let Some(r) = rate_limited(provider, Limited::Token, client.as_deref(), peer) {
            return r;
        }
        let core = core_request(provider, &request);
        let mut endpoint = TokenEndpoint::new(&core, cert);
        let response = run(provider, &mut endpoint, &ctx).await;
        log_decision("token", client.as_deref(), &response);
        return response;
    }
    if is(&path, &routes.par) {
        let client = claimed_client_id(&request);
        if let Some(r) = rate_limited(provider, Limited::Par, client.as_deref(), peer) {
            return r;
        }
        let core = core_request(provider, &request);
        let mut endpoint = PushedAuthorizationEndpoint::new(&core, cert);
        let response = run(provider, &mut endpoint, &ctx).await;
        log_decision("par", client.as_deref(), &response);
        return response;
    }
    if is(&path, &routes.device_authorization) {
        let client = claimed_client_id(&request);
        if let Some(r) = rate_limited(provider, Limited::Device, client.as_deref(), peer) {
            return r;
        }
        let core = core_request(provider, &request);
        let mut endpoint = DeviceAuthorizationEndpoint::new(&core, cert);
        let response = run(provider, &mut endpoint, &ctx).await;
        log_decision("device_authorization", client.as_deref(), &response);
        return response;
    }
    if is(&path, &routes.revocation) {
        let client = claimed_client_id(&request);
        let core = core_request(provider, &request);
        let mut endpoint = RevocationEndpoint::new(&core, cert);
        let response = run(provider, &mut endpoint, &ctx).await;
        log_decision("revocation", client.as_deref(), &response);
        return response;
    }
    if is(&path, &routes.introspection) {
        let client = claimed_client_id(&request);
        let core = core_request(provider, &request);
        let mut endpoint =
            IntrospectionEndpoint::new(&core, cert, loaded.server.id_token_signing.as_deref());
        let response = run(provider, &mut endpoint, &ctx).await;
        log_decision("introspection", client.as_deref(), &response);
        return response;
    }
    if let Some(reg) = &routes.registration
        && (path == *reg || path.starts_with(&format!("{}/", reg.trim_end_matches('/'))))
    {
        let core = core_request(provider, &request);
        let mut endpoint = RegistrationEndpoint::new(&core);
        let response = run(provider, &mut endpoint, &ctx).await;
        log_decision("registration", None, &response);
        return response;
    }
    if is(&path, &routes.userinfo) {
        let core = core_request(provider, &request);
        let mut endpoint = authcore_server::userinfo::UserInfoEndpoint::new(&core, cert);
        let response = run(provider, &mut endpoint, &ctx).await;
        log_decision("userinfo", None, &response);
        return response;
    }
    if is(&path, &routes.authorize) && (method == Method::GET || method == Method::POST) {
        return crate::interaction::authorize(provider, &request, &ctx, peer).await;
    }
    if let Some(rest) = path.strip_prefix(&routes.page("/interaction/")) {
        return crate::interaction::interaction_page(provider, &request, rest, &ctx, peer).await;
    }
    if is(&path, &routes.device_verification) {
        return crate::interaction::device_page(provider, &request, &ctx, peer).await;
    }
    if is(&path, &routes.end_session) && (method == Method::GET || method == Method::POST) {
        return crate::logout::end_session(provider, &request, &ctx).await;
    }
    plain_error(StatusCode::NOT_FOUND, "not found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claimed_client_comes_from_the_form_or_basic_auth() {
        let r = http::Request::new(Bytes::from_static(b"grant_type=x&client_id=app%201"));
        assert_eq!(claimed_client_id(&r).as_deref(), Some("app 1"));
        let mut r = http::Request::new(Bytes::new());
        let basic = base64::engine::general_purpose::STANDARD.encode("my%3Aapp:secret");
        r.headers_mut().insert(
            http::header::AUTHORIZATION,
            format!("Basic {basic}").parse().unwrap(),
        );
        assert_eq!(claimed_client_id(&r).as_deref(), Some("my:app"));
        let mut r = http::Request::new(Bytes::new());
        r.headers_mut()
            .insert(http::header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(claimed_client_id(&r), None);
    }

    #[test]
    fn error_codes_are_read_from_json_errors_and_redirects_only() {
        let mut r =
            http::Response::new(br#"{"error":"invalid_grant","access_token":"x"}"#.to_vec());
        *r.status_mut() = StatusCode::BAD_REQUEST;
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(error_code(&r).as_deref(), Some("invalid_grant"));
        let mut ok = http::Response::new(br#"{"access_token":"secret"}"#.to_vec());
        ok.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(error_code(&ok), None);
        let mut redirect = http::Response::new(Vec::new());
        redirect.headers_mut().insert(
            http::header::LOCATION,
            HeaderValue::from_static("https://rp.example/cb?error=access_denied&state=s"),
        );
        assert_eq!(error_code(&redirect).as_deref(), Some("access_denied"));
        let mut code = http::Response::new(Vec::new());
        code.headers_mut().insert(
            http::header::LOCATION,
            HeaderValue::from_static("https://rp.example/cb?code=abc&state=s"),
        );
        assert_eq!(error_code(&code), None);
    }
}
