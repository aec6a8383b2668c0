//! One worker's HTTP client: a keep-alive connection per instance, a cookie jar, and the
//! exchanges of the cases, checked for success.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;

use authcore_hyper::forms::{
    Answers, CookieJar, FilledForm, Form, PageKind, PageWalk, WalkStep, fill_form, forms,
};

/// Longest one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest response body read.
const MAX_BODY: usize = 1 << 20;
/// Most responses one sign-in may take (redirects and pages).
const MAX_HOPS: usize = 16;

/// How a provider's login and consent pages are filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// `authcore serve`'s pages: the login form (ids `username`, `password`, button
    /// `login`), then the consent form (button `approve`, field `decision`).
    Authcore,
    /// npm oidc-provider's development interactions: the login form (`prompt=login`,
    /// fields `login` and `password`), then the consent form (`prompt=consent`).
    OidcProvider,
}

/// A client's `client_id` and secret (`client_secret_basic`).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `client_id`.
    pub id: String,
    /// The secret.
    pub secret: String,
}

impl Credentials {
    /// The `Authorization: Basic` value: id and secret form-encoded first (RFC 6749 §2.3.1).
    fn basic(&self) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", enc(&self.id), enc(&self.secret)))
        )
    }
}

/// What the cases need to know about a target: its clients, resource servers, user, pages
/// and endpoint paths.
#[derive(Debug, Clone)]
pub struct Profile {
    /// How its pages are filled in.
    pub driver: Driver,
    /// The client-credentials client.
    pub service: Credentials,
    /// The web client of the code flow.
    pub web: Credentials,
    /// Its redirect URI.
    pub redirect_uri: String,
    /// The client that introspects the opaque resource server's tokens.
    pub introspector: Credentials,
    /// The resource server with opaque access tokens.
    pub opaque_resource: String,
    /// The resource server with JWT access tokens (ES256).
    pub jwt_resource: String,
    /// The scope of client-credentials requests.
    pub service_scope: String,
    /// The scope of the code flow.
    pub code_scope: String,
    /// The user and password the workers sign in with.
    pub user: (String, String),
    /// Endpoint paths (with query, if any), from the discovery document.
    pub paths: Paths,
}

/// The endpoints' paths on every instance.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// `authorization_endpoint`.
    pub authorization: String,
    /// `token_endpoint`.
    pub token: String,
    /// `introspection_endpoint`.
    pub introspection: String,
    /// `userinfo_endpoint`.
    pub userinfo: String,
}

/// A keep-alive HTTP/1.1 connection to one address, opened again when the server closed it.
struct Connection {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake {addr}: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends `req`. A connection found closed before the request was written is opened
    /// again (the request was not sent, so sending it then is safe); any later failure is
    /// the request's.
    async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<Response<Bytes>, String> {
        let mut sender = match self.sender.take() {
            Some(s) => s,
            None => Connection::open(self.addr).await?,
        };
        if sender.ready().await.is_err() {
            sender = Connection::open(self.addr).await?;
            sender
                .ready()
                .await
                .map_err(|e| format!("connection to {}: {e}", self.addr))?;
        }
        let exchange = async {
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| format!("request to {}: {e}", self.addr))?;
            let (parts, body) = resp.into_parts();
            let body = http_body_util::Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("response body from {}: {e}", self.addr))?
                .to_bytes();
            Ok::<_, String>(Response::from_parts(parts, body))
        };
        let resp = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no response from {} within {REQUEST_TIMEOUT:?}", self.addr))??;
        self.sender = Some(sender);
        Ok(resp)
    }
}

/// One worker: a connection per instance, a cookie jar, and a round-robin over the
/// instances (request `k` goes to instance `k mod n`, so with two instances a code is
/// always redeemed at the other instance than the one that issued it).
pub(crate) struct Client {
    conns: Vec<Connection>,
    next: usize,
    jar: CookieJar,
    rng: SystemRandom,
}

impl Client {
    /// A client of `addrs`, starting its round-robin at `first`.
    pub(crate) fn new(addrs: &[SocketAddr], first: usize) -> Client {
        Client {
            conns: addrs
                .iter()
                .map(|&addr| Connection { addr, sender: None })
                .collect(),
            next: first,
            jar: CookieJar::default(),
            rng: SystemRandom::new(),
        }
    }

    fn pick(&mut self) -> usize {
        let i = self.next % self.conns.len();
        self.next = self.next.wrapping_add(1);
        i
    }

    /// One request to instance `i`: `Host` set, the jar's cookies sent when `cookies`, the
    /// response's kept.
    async fn send(
        &mut self,
        i: usize,
        method: Method,
        path: &str,
        headers: &[(http::HeaderName, String)],
        form: Option<&[(String, String)]>,
        cookies: bool,
    ) -> Result<Response<Bytes>, String> {
        let conn = &mut self.conns[i];
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, conn.addr.to_string());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        if cookies {
            if let Some(c) = self.jar.header() {
                req = req.header(COOKIE, c);
            }
        }
        let body = match form {
            Some(pairs) => {
                req = req.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish()
            }
            None => String::new(),
        };
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("building the request: {e}"))?;
        let resp = conn.send(req).await?;
        if cookies {
            self.jar.store(resp.headers());
        }
        Ok(resp)
    }

    fn random_b64(&self, n: usize) -> Result<String, String> {
        let mut b = vec![0u8; n];
        self.rng
            .fill(&mut b)
            .map_err(|_| "the system RNG failed".to_owned())?;
        Ok(URL_SAFE_NO_PAD.encode(b))
    }

    /// A client-credentials token for `resource`; with `jwt`, the token must be a JWS
    /// compact serialization.
    pub(crate) async fn client_credentials(
        &mut self,
        p: &Profile,
        resource: &str,
        jwt: bool,
    ) -> Result<String, String> {
        let i = self.pick();
        let form = pairs(&[
            ("grant_type", "client_credentials"),
            ("scope", &p.service_scope),
            ("resource", resource),
        ]);
        let resp = self
            .send(
                i,
                Method::POST,
                &p.paths.token,
                &[(AUTHORIZATION, p.service.basic())],
                Some(&form),
                false,
            )
            .await?;
        let token = access_token(&resp)?;
        if jwt && token.split('.').count() != 3 {
            return Err(format!("not a JWT access token: {token}"));
        }
        Ok(token)
    }

    /// The authorization request with PKCE S256 (RFC 7636 §4) in the worker's session; the
    /// response must redirect to the client with the code and the same `state`. Without a
    /// session (`sign_in`), the provider's pages are followed and filled in.
    async fn authorize(&mut self, p: &Profile, sign_in: bool) -> Result<(String, String), String> {
        let verifier = self.random_b64(32)?;
        let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            verifier.as_bytes(),
        ));
        let state = self.random_b64(16)?;
        let nonce = self.random_b64(16)?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("response_type", "code"),
                ("client_id", p.web.id.as_str()),
                ("redirect_uri", &p.redirect_uri),
                ("scope", &p.code_scope),
                ("state", &state),
                ("nonce", &nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
            .finish();
        let sep = if p.paths.authorization.contains('?') {
            '&'
        } else {
            '?'
        };
        let first = self.pick();
        let start = url::Url::parse(&format!(
            "http://{}{}{sep}{query}",
            self.conns[first].addr, p.paths.authorization
        ))
        .map_err(|e| format!("authorization request URL: {e}"))?;
        let answers = Answers::new(p.user.0.as_str(), p.user.1.as_str());
        let mut walk = PageWalk::new(start, p.redirect_uri.as_str(), answers)
            .with_max_steps(MAX_HOPS)
            .with_filler(match p.driver {
                Driver::Authcore => fill_form,
                Driver::OidcProvider => fill_dev_interactions,
            });
        loop {
            let next = walk.next_request().clone();
            let (i, target) = self.resolve(&next.url)?;
            let resp = self
                .send(i, next.method(), &target, &[], next.form.as_deref(), true)
                .await?;
            if !sign_in && !resp.status().is_redirection() {
                return Err(unexpected(
                    "the signed-in authorization request did not redirect to the client",
                    &resp,
                ));
            }
            match walk
                .on_response(resp.status(), resp.headers(), resp.body())
                .map_err(|e| e.to_string())?
            {
                WalkStep::Done(location) => {
                    return callback(location.as_str(), &state).map(|code| (code, verifier));
                }
                WalkStep::Continue if !sign_in => {
                    return Err(format!(
                        "the signed-in authorization request went to {}, not to the client",
                        walk.next_request().url
                    ));
                }
                WalkStep::Continue => {}
            }
        }
    }

    /// The instance `url` is on, and its path with query.
    fn resolve(&self, url: &url::Url) -> Result<(usize, String), String> {
        let port = url.port_or_known_default();
        let i = self
            .conns
            .iter()
            .position(|c| Some(c.addr.port()) == port && url.host_str() == Some("127.0.0.1"))
            .ok_or_else(|| format!("{url} is not on an instance of the target"))?;
        let mut path = url.path().to_owned();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        Ok((i, path))
    }

    /// Signs the worker in through the pages and redeems that first code: the session and
    /// the stored consent the measured code exchanges reuse. Returns the access token.
    pub(crate) async fn sign_in(&mut self, p: &Profile) -> Result<String, String> {
        let (code, verifier) = self.authorize(p, true).await?;
        self.redeem(p, &code, &verifier).await
    }

    /// The code flow in the worker's session: authorization request, then the code
    /// exchange (with the client's credentials and the PKCE verifier); the response must
    /// carry an access token and an ID token.
    pub(crate) async fn code_exchange(&mut self, p: &Profile) -> Result<String, String> {
        let (code, verifier) = self.authorize(p, false).await?;
        self.redeem(p, &code, &verifier).await
    }

    async fn redeem(&mut self, p: &Profile, code: &str, verifier: &str) -> Result<String, String> {
        let i = self.pick();
        let form = pairs(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &p.redirect_uri),
            ("code_verifier", verifier),
        ]);
        let resp = self
            .send(
                i,
                Method::POST,
                &p.paths.token,
                &[(AUTHORIZATION, p.web.basic())],
                Some(&form),
                false,
            )
            .await?;
        let token = access_token(&resp)?;
        let json: Value = serde_json::from_slice(resp.body()).map_err(|e| e.to_string())?;
        if !json["id_token"].is_string() {
            return Err(unexpected("code exchange without an ID token", &resp));
        }
        Ok(token)
    }

    /// Introspection of `token` by the resource server's client: it must be active.
    pub(crate) async fn introspect(&mut self, p: &Profile, token: &str) -> Result<(), String> {
        let i = self.pick();
        let form = pairs(&[("token", token)]);
        let resp = self
            .send(
                i,
                Method::POST,
                &p.paths.introspection,
                &[(AUTHORIZATION, p.introspector.basic())],
                Some(&form),
                false,
            )
            .await?;
        let json = json_ok(&resp, "introspection")?;
        if json["active"] != Value::Bool(true) {
            return Err(unexpected("introspection: not active", &resp));
        }
        Ok(())
    }

    /// UserInfo with `token` as a Bearer token: claims with a `sub`.
    pub(crate) async fn userinfo(&mut self, p: &Profile, token: &str) -> Result<(), String> {
        let i = self.pick();
        let resp = self
            .send(
                i,
                Method::GET,
                &p.paths.userinfo,
                &[(AUTHORIZATION, format!("Bearer {token}"))],
                None,
                false,
            )
            .await?;
        let json = json_ok(&resp, "userinfo")?;
        if !json["sub"].is_string() {
            return Err(unexpected("userinfo without sub", &resp));
        }
        Ok(())
    }

    /// The discovery document of instance 0.
    pub(crate) async fn discovery(&mut self) -> Result<Value, String> {
        let resp = self
            .send(
                0,
                Method::GET,
                "/.well-known/openid-configuration",
                &[],
                None,
                false,
            )
            .await?;
        json_ok(&resp, "discovery")
    }
}

/// npm oidc-provider's development interactions, filled in as a browser does: the login
/// form (`prompt=login`, fields `login` and `password`), else the consent form
/// (`prompt=consent`), every other field posted as the page gave it. `None` for any other
/// page.
fn fill_dev_interactions(html: &str, answers: &Answers) -> Option<FilledForm> {
    let pages = forms(html);
    let prompt = |f: &&Form, value: &str| f.fields.iter().any(|(k, v)| k == "prompt" && v == value);
    let (form, kind, filled): (&Form, PageKind, Vec<(&str, &str)>) =
        match pages.iter().find(|f| prompt(f, "login")) {
            Some(f) => (
                f,
                PageKind::Login,
                vec![
                    ("login", answers.username.as_str()),
                    ("password", answers.password.as_str()),
                ],
            ),
            None => (
                pages.iter().find(|f| prompt(f, "consent"))?,
                PageKind::Consent,
                vec![],
            ),
        };
    let mut fields: Vec<(String, String)> = form
        .fields
        .iter()
        .filter(|(k, _)| !filled.iter().any(|(name, _)| name == k))
        .cloned()
        .collect();
    fields.extend(
        filled
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Some(FilledForm {
        kind,
        action: form.action.clone(),
        fields,
    })
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A short description of a response that was not the expected one.
fn unexpected(what: &str, resp: &Response<Bytes>) -> String {
    let body = String::from_utf8_lossy(resp.body());
    let body: String = body.chars().take(300).collect();
    format!("{what}: {} {body}", resp.status())
}

fn json_ok(resp: &Response<Bytes>, what: &str) -> Result<Value, String> {
    if resp.status() != StatusCode::OK {
        return Err(unexpected(what, resp));
    }
    serde_json::from_slice(resp.body()).map_err(|e| format!("{what}: not JSON: {e}"))
}

/// A successful token response's `access_token` (RFC 6749 §5.1: 200, JSON, `token_type`).
fn access_token(resp: &Response<Bytes>) -> Result<String, String> {
    let json = json_ok(resp, "token")?;
    match (json["access_token"].as_str(), json["token_type"].as_str()) {
        (Some(t), Some(_)) if !t.is_empty() => Ok(t.to_owned()),
        _ => Err(unexpected("token response without access_token", resp)),
    }
}

/// The code of a redirect to the client, whose `state` must be the request's (RFC 6749
/// §4.1.2).
fn callback(location: &str, state: &str) -> Result<String, String> {
    let u = url::Url::parse(location).map_err(|e| format!("redirect {location}: {e}"))?;
    let (mut code, mut got_state) = (None, None);
    for (k, v) in u.query_pairs() {
        match &*k {
            "code" => code = Some(v.into_owned()),
            "state" => got_state = Some(v.into_owned()),
            _ => {}
        }
    }
    if got_state.as_deref() != Some(state) {
        return Err(format!("redirect without the request's state: {location}"));
    }
    code.ok_or_else(|| format!("redirect without a code: {location}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_providers_dev_interactions_are_filled_in_as_a_browser_does() {
        let answers = Answers::new("alice", "pw");
        let owned = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<Vec<_>>()
        };
        let login = r#"<form autocomplete="off" action="/interaction/U" method="post"><input type="hidden" name="prompt" value="login"/><input required type="text" name="login" placeholder="Enter any login"/><input required type="password" name="password"/><button type="submit">Sign-in</button></form>"#;
        assert_eq!(
            fill_dev_interactions(login, &answers),
            Some(FilledForm {
                kind: PageKind::Login,
                action: "/interaction/U".to_owned(),
                fields: owned(&[("prompt", "login"), ("login", "alice"), ("password", "pw")]),
            })
        );
        let consent = r#"<form action="/interaction/U" method="post"><input type="hidden" name="prompt" value="consent"/><button autofocus type="submit">Continue</button></form>"#;
        assert_eq!(
            fill_dev_interactions(consent, &answers),
            Some(FilledForm {
                kind: PageKind::Consent,
                action: "/interaction/U".to_owned(),
                fields: owned(&[("prompt", "consent")]),
            })
        );
        // authcore's own pages are not oidc-provider's, and a page without a form is
        // refused rather than guessed at.
        let authcore_login = r#"<form method="post" action="/interaction/T/login"><input type="hidden" name="csrf" value="c"><input id="username" name="username"><input id="password" type="password" name="password"></form>"#;
        assert_eq!(fill_dev_interactions(authcore_login, &answers), None);
        assert_eq!(
            fill_dev_interactions("<html>no form</html>", &answers),
            None
        );
        // And the other way round: authcore's filler does not take oidc-provider's pages.
        assert!(fill_form(authcore_login, &answers).is_some());
        assert_eq!(fill_form(login, &answers), None);
    }

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        let c = Credentials {
            id: "a b".into(),
            secret: "x:y".into(),
        };
        assert_eq!(c.basic(), format!("Basic {}", STANDARD.encode("a+b:x%3Ay")));
    }

    #[test]
    fn the_callback_needs_the_code_and_the_same_state() {
        assert_eq!(
            callback("https://c.example/cb?code=abc&state=s1", "s1").unwrap(),
            "abc"
        );
        assert!(callback("https://c.example/cb?code=abc&state=s2", "s1").is_err());
        assert!(callback("https://c.example/cb?state=s1", "s1").is_err());
        assert!(callback("https://c.example/cb?error=access_denied&state=s1", "s1").is_err());
        assert!(callback("not a url", "s1").is_err());
    }

    #[test]
    fn token_responses_must_be_200_json_with_a_token() {
        let resp = |status: u16, body: &str| {
            Response::builder()
                .status(status)
                .body(Bytes::from(body.to_owned()))
                .unwrap()
        };
        assert_eq!(
            access_token(&resp(200, r#"{"access_token":"t","token_type":"Bearer"}"#)).unwrap(),
            "t"
        );
        for (status, body) in [
            (400, r#"{"error":"invalid_grant"}"#),
            (200, r#"{"access_token":"","token_type":"Bearer"}"#),
            (200, r#"{"access_token":"t"}"#),
            (200, "<html>"),
        ] {
            assert!(
                access_token(&resp(status, body)).is_err(),
                "{status} {body}"
            );
        }
    }
}
