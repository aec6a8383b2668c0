//! Records for testing a [`ProviderStore`](crate::ProviderStore) implementation (feature
//! `test-support`): one fixture of each record the core and this adapter store, keyed by a
//! short name, so that every store's tests write the same records.
//!
//! Every record is for the client `client` and the subject `alice` with the scope `openid`,
//! issued at [`NOW`], and fills its optional members (a PKCE challenge, a nonce, a DPoP
//! binding, a resource) so that a store which drops one of them fails its read-back
//! comparison. Tests change a field where they need another value: the records are plain
//! structs.
//!
//! [`Browser`] and [`Reply`] are the user agent the tests of this crate and of
//! authcore-login drive a provider (and an application in front of it) with over loopback
//! HTTP: a cookie jar, no redirect followed by itself, [`Browser::walk`] for a sign-in
//! through the pages ([`crate::forms::PageWalk`]).

use authcore_jose::UnixTime;
use authcore_server::model::{
    AuthorizationCodeRecord, CodeChallenge, Confirmation, DeviceCodeRecord, DeviceCodeStatus,
    GrantId, GrantRecord, InteractionRecord, PushedRequestRecord, TokenHash, TokenKind,
    TokenRecord,
};
use authcore_server::oidc::OpSession;

use crate::{AccountRecord, SessionRecord};

/// The time the fixtures are issued at (a fixed instant, as the core never reads a clock).
pub const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// `secs` seconds after [`NOW`].
pub fn later(secs: u64) -> UnixTime {
    NOW.saturating_add(secs)
}

/// The stored handle of the credential `name`: `k1.` (the hashing key id) and the name, the
/// form a store keeps and looks up.
pub fn handle(name: &str) -> TokenHash {
    TokenHash::from_stored(format!("k1.{name}"))
}

/// The grant `id`, created at `created_at`.
pub fn grant(id: &str, created_at: UnixTime) -> GrantRecord {
    GrantRecord::new(
        GrantId(id.into()),
        "client",
        "alice",
        vec!["openid".into()],
        vec![],
        created_at,
    )
}

/// An unused authorization code `name` of `grant`, with an S256 challenge (RFC 7636
/// Appendix B's) and a nonce, expiring at `expires_at`.
pub fn code(name: &str, grant: &str, expires_at: UnixTime) -> AuthorizationCodeRecord {
    AuthorizationCodeRecord {
        handle: handle(name),
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        redirect_uri: Some("https://app.example/cb".into()),
        code_challenge: Some(CodeChallenge {
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: authcore_oauth2::PkceMethod::S256,
        }),
        scopes: vec!["openid".into()],
        resources: vec![],
        dpop_jkt: None,
        nonce: Some("n".into()),
        issued_at: NOW,
        expires_at,
        used: false,
    }
}

/// A live token `name` of `kind` in `grant`, for a resource server and bound to a DPoP key,
/// expiring at `expires_at` (`None`: never).
pub fn token(
    name: &str,
    kind: TokenKind,
    grant: &str,
    expires_at: Option<UnixTime>,
) -> TokenRecord {
    TokenRecord {
        handle: handle(name),
        kind,
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        subject: "alice".into(),
        scopes: vec!["openid".into()],
        resources: vec!["https://rs.example".into()],
        cnf: Some(Confirmation {
            jkt: Some("jkt".into()),
            x5t_s256: None,
        }),
        issued_at: NOW,
        expires_at,
        rotated: false,
        revoked: false,
        act: None,
    }
}

/// A pending device code `name` of the client `tv`, whose user code's handle is that of
/// `user-{name}`, expiring at `expires_at`.
pub fn device_code(name: &str, expires_at: UnixTime) -> DeviceCodeRecord {
    DeviceCodeRecord {
        handle: handle(name),
        user_code_handle: handle(&format!("user-{name}")),
        client_id: "tv".into(),
        scopes: vec!["openid".into()],
        resources: vec![],
        issued_at: NOW,
        expires_at,
        interval: 5,
        last_polled_at: None,
        failed_attempts: 0,
        status: DeviceCodeStatus::Pending,
    }
}

/// An unused pushed authorization request `name`, expiring at `expires_at`.
pub fn pushed(name: &str, expires_at: UnixTime) -> PushedRequestRecord {
    PushedRequestRecord {
        handle: handle(name),
        client_id: "client".into(),
        params: vec![("response_type".into(), "code".into())],
        expires_at,
        used: false,
    }
}

/// An interaction `name` waiting for the application, expiring at `expires_at`.
pub fn interaction(name: &str, expires_at: UnixTime) -> InteractionRecord {
    InteractionRecord {
        handle: handle(name),
        client_id: "client".into(),
        params: vec![("scope".into(), "openid".into())],
        created_at: NOW,
        expires_at,
        extra: serde_json::Map::new(),
    }
}

/// alice's login session under the cookie hash `id` with the OpenID session id `sid`,
/// authenticated at [`NOW`] with a password, ending at `expires_at`.
pub fn session(id: &str, sid: &str, expires_at: UnixTime) -> SessionRecord {
    SessionRecord {
        id: id.into(),
        session: OpSession {
            sid: sid.into(),
            subject: "alice".into(),
            auth_time: NOW,
            acr: None,
            amr: vec!["pwd".into()],
            clients: vec!["client".into()],
        },
        expires_at: expires_at.as_secs(),
    }
}

/// The account `subject` signing in as `username`, with an (unverifiable) Argon2id hash and
/// the claim `email` `{username}@example.com`.
pub fn account(subject: &str, username: &str) -> AccountRecord {
    let mut claims = serde_json::Map::new();
    claims.insert("email".into(), format!("{username}@example.com").into());
    AccountRecord {
        subject: subject.into(),
        username: username.into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        claims,
    }
}

/// A response as a test looks at it: status, headers and the whole body, with readers for
/// the provider's pages (their fixed form contract, read by [`crate::forms`]).
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; anything else fails the test.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }

    /// The `Location` header; a missing one fails the test.
    pub fn location(&self) -> String {
        self.headers
            .get(http::header::LOCATION)
            .unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.text()))
            .to_str()
            .unwrap_or_else(|_| panic!("a Location that is not text ({})", self.status))
            .to_owned()
    }

    /// The `Set-Cookie` headers that set the cookie `name`.
    pub fn set_cookies(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}=");
        self.headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter(|v| v.starts_with(&prefix))
            .map(str::to_owned)
            .collect()
    }

    /// The value of the field `name` of the page's form; a missing one fails the test.
    pub fn field(&self, name: &str) -> String {
        self.page_form()
            .fields
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no field {name} in {}", self.text()))
    }

    /// The `action` of the page's form; a page without a form fails the test.
    pub fn form_action(&self) -> String {
        self.page_form().action
    }

    /// Whether this is the login page (its `password` input).
    pub fn is_login_page(&self) -> bool {
        self.text().contains("<input id=\"password\"")
    }

    /// Whether this is the consent page (its `approve` button).
    pub fn is_consent_page(&self) -> bool {
        self.text().contains("<button id=\"approve\"")
    }

    /// Whether this is the logout confirmation page (a `decision` form about logging out).
    pub fn is_logout_page(&self) -> bool {
        let text = self.text();
        text.contains("name=\"decision\"") && text.contains("logout")
    }

    /// The reply as an `http::Response`, for the core's response parsers.
    pub fn as_http(&self) -> http::Response<Vec<u8>> {
        let mut r = http::Response::new(self.body.clone());
        *r.status_mut() = http::StatusCode::from_u16(self.status)
            .unwrap_or_else(|_| panic!("a status out of range: {}", self.status));
        *r.headers_mut() = self.headers.clone();
        r
    }

    /// The page's first form.
    fn page_form(&self) -> crate::forms::Form {
        let text = self.text();
        crate::forms::forms(&text)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no form in {text}"))
    }
}

/// The longest one exchange of a [`Browser`] may take.
const BROWSER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// A user agent for tests on loopback: one cookie jar by cookie name (a browser shares
/// cookies between the ports of one host, so the provider's and an application's cookies
/// sit side by side), no redirect followed by itself, each exchange bounded by a deadline.
/// Paths are resolved against `base` when one is set.
pub struct Browser {
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
    /// The cookies: name to value.
    pub jar: std::collections::HashMap<String, String>,
    /// Where paths are sent (`http://127.0.0.1:PORT`), if anywhere.
    pub base: Option<String>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A user agent with an empty jar that takes only absolute URLs.
    pub fn new() -> Self {
        Browser {
            client: hyper_util::client::legacy::Client::builder(
                hyper_util::rt::TokioExecutor::new(),
            )
            .build_http(),
            jar: std::collections::HashMap::new(),
            base: None,
        }
    }

    /// A user agent that sends paths to `base`.
    pub fn at(base: &str) -> Self {
        Browser {
            base: Some(base.to_owned()),
            ..Self::new()
        }
    }

    /// `url` made absolute against the base.
    pub fn absolute(&self, url: &str) -> String {
        match &self.base {
            Some(base) if !url.starts_with("http") => format!("{base}{url}"),
            _ => url.to_owned(),
        }
    }

    /// Sends `request` with the jar's cookies (unless it names its own `Cookie`), keeps the
    /// cookies the response sets (`Max-Age=0` removes one), and reads the whole body.
    pub async fn send(&mut self, request: http::Request<Vec<u8>>) -> Reply {
        use http_body_util::BodyExt;
        let (mut parts, body) = request.into_parts();
        if !self.jar.is_empty() && !parts.headers.contains_key(http::header::COOKIE) {
            let cookie = self
                .jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            parts.headers.insert(
                http::header::COOKIE,
                cookie.parse().expect("a cookie header"),
            );
        }
        let request = http::Request::from_parts(parts, http_body_util::Full::from(body));
        let response = tokio::time::timeout(BROWSER_DEADLINE, self.client.request(request))
            .await
            .expect("an answer within the deadline")
            .expect("an answer");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the body").to_bytes().to_vec();
        for set in parts.headers.get_all(http::header::SET_COOKIE) {
            let set = set.to_str().expect("a text Set-Cookie");
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("a cookie name=value");
            if attrs.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// GET `url`.
    pub async fn get(&mut self, url: &str) -> Reply {
        self.get_with(url, &[]).await
    }

    /// GET `url` with `headers`.
    pub async fn get_with(&mut self, url: &str, headers: &[(&str, &str)]) -> Reply {
        let mut b = http::Request::get(self.absolute(url));
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        self.send(b.body(Vec::new()).expect("a GET")).await
    }

    /// POST the form `form` to `url`.
    pub async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = http::Request::post(self.absolute(url))
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body.into_bytes())
            .expect("a POST");
        self.send(request).await
    }

    /// Runs `walk` ([`crate::forms::PageWalk`]) to its end: where the provider sent the
    /// user agent back (not visited), and every exchange on the way (its method and the
    /// reply); or why the walk stopped, with the exchanges so far.
    pub async fn walk(
        &mut self,
        walk: &mut crate::forms::PageWalk,
    ) -> Result<
        (url::Url, Vec<(http::Method, Reply)>),
        (crate::forms::WalkError, Vec<(http::Method, Reply)>),
    > {
        let mut exchanges = Vec::new();
        loop {
            let next = walk.next_request();
            let method = next.method();
            let request = next
                .to_http(next.url.as_str(), None)
                .expect("a request to a URL");
            let reply = self.send(request).await;
            let status = http::StatusCode::from_u16(reply.status).expect("a status");
            let step = walk.on_response(status, &reply.headers, &reply.body);
            exchanges.push((method, reply));
            match step {
                Ok(crate::forms::WalkStep::Continue) => {}
                Ok(crate::forms::WalkStep::Done(back)) => return Ok((back, exchanges)),
                Err(e) => return Err((e, exchanges)),
            }
        }
    }
}
