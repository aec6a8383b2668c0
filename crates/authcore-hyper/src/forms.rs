//! Reading the provider's pages as a client does: the forms of an HTML page (the fixed
//! contract of the login, consent, device and logout pages: `username`, `password`, the
//! hidden `csrf`, the `decision` buttons) and the cookies a response sets. For cookie-jar clients, scripted
//! user agents and tests that sign in without a browser; the provider itself never reads
//! them. Lenient, bounded and panic-free on any input; not a general HTML parser.
//!
//! [`PageWalk`] is the sign-in through those pages as a value, in the core's sans-IO style:
//! it says which request to send next and reads the response it was given, following
//! redirects and filling in the login and consent forms ([`fill_form`]) until the provider
//! redirects to the client. The caller sends the requests (so it chooses the HTTP client,
//! which instance gets each request and where cookies are kept) and says what is filled in
//! ([`Answers`]) and where the walk stops.

use std::collections::BTreeMap;

/// The cookies the provider set: name to value, one origin only.
#[derive(Debug, Default)]
pub struct CookieJar {
    cookies: BTreeMap<String, String>,
}

impl CookieJar {
    /// Records the `Set-Cookie` headers of a response (RFC 6265 §5.2: the name-value pair
    /// before the first `;`; `Max-Age=0` or an empty value removes the cookie).
    pub fn store(&mut self, headers: &http::HeaderMap) {
        for value in headers.get_all(http::header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let name = name.trim().to_owned();
            let expired = parts.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || a.starts_with("max-age=-")
            });
            if expired || value.trim().is_empty() {
                self.cookies.remove(&name);
            } else {
                self.cookies.insert(name, value.trim().to_owned());
            }
        }
    }

    /// The `Cookie` header value, if there are cookies.
    pub fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// One HTML form: where it posts and its hidden and prefilled fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The `action` attribute, as written.
    pub action: String,
    /// `name`/`value` of its `input` elements, in order.
    pub fields: Vec<(String, String)>,
}

/// The forms of an HTML page, read leniently (attribute values in double or single quotes,
/// entities decoded). Enough for the provider's own pages; not a general HTML parser.
pub fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<form").map(|i| i + pos) {
        let end = lower[start..]
            .find("</form")
            .map_or(html.len(), |i| i + start);
        let tag_end = lower[start..].find('>').map_or(end, |i| i + start);
        let action = attribute(&html[start..tag_end], "action").unwrap_or_default();
        let mut fields = Vec::new();
        let mut p = tag_end;
        // `input` elements and named submit `button`s (a browser sends the clicked one).
        while let Some(i) = lower[p..end].find('<').map(|i| i + p) {
            let close = lower[i..end].find('>').map_or(end, |j| j + i);
            let tag = &html[i..close];
            let element = &lower[i..close];
            if element.starts_with("<input") || element.starts_with("<button") {
                if let Some(name) = attribute(tag, "name") {
                    fields.push((name, attribute(tag, "value").unwrap_or_default()));
                }
            }
            p = close.max(i + 1);
        }
        out.push(Form { action, fields });
        pos = end.max(start + 1);
    }
    out
}

/// The value of attribute `name` in a start tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name).map(|i| i + from) {
        from = i + name.len();
        // A whole attribute name: preceded by whitespace, followed by `=`.
        let before_ok = lower[..i].ends_with(|c: char| c.is_ascii_whitespace());
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let value = tag[value_start..].trim_start();
        let (quote, body) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
            _ => (None, value),
        };
        let raw = match quote {
            Some(q) => body.split(q).next().unwrap_or_default(),
            None => body
                .split(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or_default(),
        };
        return Some(decode_entities(raw));
    }
    None
}

/// Decodes the character references an HTML escaper writes (`&amp;`, `&#39;`, `&#x2B;`);
/// anything else is kept as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a sign-in fills in on the provider's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// The login form's `username`.
    pub username: String,
    /// The login form's `password`.
    pub password: String,
    /// The consent form's `decision` (`approve` or `deny`).
    pub decision: String,
}

impl Answers {
    /// Signs in as `username` with `password` and approves the consent page.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Answers {
        Answers {
            username: username.into(),
            password: password.into(),
            decision: "approve".into(),
        }
    }

    /// The same answers with `decision` on the consent page.
    #[must_use]
    pub fn deciding(mut self, decision: impl Into<String>) -> Answers {
        self.decision = decision.into();
        self
    }
}

/// Which of the provider's pages a form was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// The login page (its form has a `password` field).
    Login,
    /// The consent page (its form has `decision` buttons).
    Consent,
}

impl PageKind {
    /// `login` or `consent`.
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Login => "login",
            PageKind::Consent => "consent",
        }
    }
}

impl std::fmt::Display for PageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login or consent form filled in, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledForm {
    /// Which page it was on.
    pub kind: PageKind,
    /// The form's `action`, as written (relative to the page).
    pub action: String,
    /// The fields to post, in the form's order.
    pub fields: Vec<(String, String)>,
}

/// The login or consent form of a provider page filled in with `answers`: the login form
/// (it has a `password` field) first, else the consent form (it has `decision` buttons);
/// either must carry the hidden `csrf` field. `username`, `password` and one `decision`
/// (the button a user clicks: a browser sends only that one) come from `answers`; every
/// other field is posted as the page gave it. `None` for any other page (a message page,
/// the device or logout page, a form without its `csrf`): a walk refuses it rather than
/// guessing.
pub fn fill_form(html: &str, answers: &Answers) -> Option<FilledForm> {
    let found = forms(html);
    let has = |f: &Form, name: &str| f.fields.iter().any(|(n, _)| n == name);
    let (kind, form) = found
        .iter()
        .find(|f| has(f, "password"))
        .map(|f| (PageKind::Login, f))
        .or_else(|| {
            found
                .iter()
                .find(|f| has(f, "decision"))
                .map(|f| (PageKind::Consent, f))
        })?;
    if !has(form, "csrf") {
        return None;
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    for (name, value) in &form.fields {
        let value = match name.as_str() {
            "username" => answers.username.clone(),
            "password" => answers.password.clone(),
            "decision" if fields.iter().any(|(n, _)| n == "decision") => continue,
            "decision" => answers.decision.clone(),
            _ => value.clone(),
        };
        fields.push((name.clone(), value));
    }
    Some(FilledForm {
        kind,
        action: form.action.clone(),
        fields,
    })
}

/// The request a [`PageWalk`] sends next: a `GET` of a page, or the `POST` of a filled-in
/// form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkRequest {
    /// The absolute URL, as the provider named it (relative locations and form actions
    /// resolved against the page they were on).
    pub url: url::Url,
    /// The form fields to post; `None` for a `GET`.
    pub form: Option<Vec<(String, String)>>,
}

impl WalkRequest {
    /// `GET` or `POST`.
    pub fn method(&self) -> http::Method {
        match self.form {
            None => http::Method::GET,
            Some(_) => http::Method::POST,
        }
    }

    /// The `application/x-www-form-urlencoded` body of a `POST`; empty for a `GET`.
    pub fn body(&self) -> Vec<u8> {
        match &self.form {
            None => Vec::new(),
            Some(fields) => url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish()
                .into_bytes(),
        }
    }

    /// The request as an `http::Request` to `url` (the walk's own URL, or the caller's
    /// choice of instance for it), with the form's content type for a `POST` and the
    /// `cookie` header when one is given; an error when `url` or `cookie` is not valid in
    /// a request.
    pub fn to_http(
        &self,
        url: &str,
        cookie: Option<&str>,
    ) -> Result<http::Request<Vec<u8>>, http::Error> {
        let mut builder = http::Request::builder().method(self.method()).uri(url);
        if self.form.is_some() {
            builder = builder.header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        }
        if let Some(cookie) = cookie {
            builder = builder.header(http::header::COOKIE, cookie);
        }
        builder.body(self.body())
    }
}

/// Why a [`PageWalk`] stopped without reaching the client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WalkError {
    /// A redirect without a usable `Location` (RFC 9110 §10.2.2).
    BadLocation {
        /// The redirect's status.
        status: u16,
        /// The page that answered it.
        url: String,
    },
    /// A response that is neither a redirect nor a page (`2xx`).
    Status {
        /// The status.
        status: u16,
        /// The URL that answered it.
        url: String,
        /// The body, for the message.
        body: String,
    },
    /// A page without a login or consent form (see [`fill_form`]).
    NoForm {
        /// The page's URL.
        url: String,
        /// The page, for the message.
        body: String,
    },
    /// A form whose `action` is not a URL.
    BadAction {
        /// The action as written.
        action: String,
    },
    /// More responses than the walk allows without reaching the client.
    TooManySteps(usize),
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkError::BadLocation { status, url } => {
                write!(f, "{status} at {url} without a usable Location")
            }
            WalkError::Status { status, url, body } => {
                write!(f, "{url} answered {status}: {body}")
            }
            WalkError::NoForm { url, body } => {
                write!(f, "no login or consent form at {url}: {body}")
            }
            WalkError::BadAction { action } => write!(f, "bad form action {action}"),
            WalkError::TooManySteps(n) => {
                write!(
                    f,
                    "the sign-in did not reach the client within {n} requests"
                )
            }
        }
    }
}

impl std::error::Error for WalkError {}

/// How a [`PageWalk`] fills in a page: the form to post, filled in with the answers, or
/// `None` for a page it must not guess at. [`fill_form`] (the provider's own pages) unless
/// [`PageWalk::with_filler`] names another.
pub type FormFiller = fn(&str, &Answers) -> Option<FilledForm>;

/// What a [`PageWalk`] made of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkStep {
    /// Send [`PageWalk::next_request`] next.
    Continue,
    /// The provider redirected to the client: the redirect's full URL (the authorization
    /// response), not visited.
    Done(url::Url),
}

/// A sign-in through the provider's pages, from an authorization request to the redirect
/// back to the client, as a value: [`PageWalk::next_request`] says what to send,
/// [`PageWalk::on_response`] reads what came back. Redirects are followed, the login and
/// consent forms filled in with [`Answers`] ([`fill_form`]) and posted, until a redirect
/// whose target starts with the `stop_at` prefix (the client's redirect URI). Bounded: at
/// most `max_steps` responses (16 unless set).
///
/// The walk keeps no cookies: the caller's client does (a [`CookieJar`] here, or its own),
/// as it also sends the requests, to whichever instance it chooses. Another provider's pages
/// (another form contract) are walked with a [`FormFiller`] of their own
/// ([`PageWalk::with_filler`]).
#[derive(Debug, Clone)]
pub struct PageWalk {
    next: WalkRequest,
    stop_at: String,
    answers: Answers,
    filler: FormFiller,
    steps: usize,
    max_steps: usize,
    pages: Vec<PageKind>,
}

impl PageWalk {
    /// A walk from `start` (the authorization request, or a page that leads to it) until a
    /// redirect to a URL starting with `stop_at`.
    pub fn new(start: url::Url, stop_at: impl Into<String>, answers: Answers) -> PageWalk {
        PageWalk {
            next: WalkRequest {
                url: start,
                form: None,
            },
            stop_at: stop_at.into(),
            answers,
            filler: fill_form,
            steps: 0,
            max_steps: 16,
            pages: Vec::new(),
        }
    }

    /// At most `max_steps` responses before the walk gives up.
    #[must_use]
    pub fn with_max_steps(mut self, max_steps: usize) -> PageWalk {
        self.max_steps = max_steps;
        self
    }

    /// Fills pages in with `filler` instead of [`fill_form`]: for another provider's pages
    /// (another form contract) walked the same way.
    #[must_use]
    pub fn with_filler(mut self, filler: FormFiller) -> PageWalk {
        self.filler = filler;
        self
    }

    /// The request to send next.
    pub fn next_request(&self) -> &WalkRequest {
        &self.next
    }

    /// The pages filled in so far, in order.
    pub fn pages(&self) -> &[PageKind] {
        &self.pages
    }

    /// Reads the response to [`PageWalk::next_request`]: a redirect is followed (or ends the
    /// walk at `stop_at`), a page's form is filled in and posted next; anything else ends the
    /// walk with an error.
    pub fn on_response(
        &mut self,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<WalkStep, WalkError> {
        self.steps += 1;
        let page = &self.next.url;
        let next = if status.is_redirection() {
            let bad_location = || WalkError::BadLocation {
                status: status.as_u16(),
                url: page.to_string(),
            };
            let location = headers
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(bad_location)?;
            let target = page.join(location).map_err(|_| bad_location())?;
            if target.as_str().starts_with(&self.stop_at) {
                return Ok(WalkStep::Done(target));
            }
            WalkRequest {
                url: target,
                form: None,
            }
        } else {
            let html = String::from_utf8_lossy(body);
            if !status.is_success() {
                return Err(WalkError::Status {
                    status: status.as_u16(),
                    url: page.to_string(),
                    body: html.into_owned(),
                });
            }
            let filled = (self.filler)(&html, &self.answers).ok_or_else(|| WalkError::NoForm {
                url: page.to_string(),
                body: html.clone().into_owned(),
            })?;
            let url = page
                .join(&filled.action)
                .map_err(|_| WalkError::BadAction {
                    action: filled.action.clone(),
                })?;
            self.pages.push(filled.kind);
            WalkRequest {
                url,
                form: Some(filled.fields),
            }
        };
        if self.steps >= self.max_steps {
            return Err(WalkError::TooManySteps(self.max_steps));
        }
        self.next = next;
        Ok(WalkStep::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN: &str = r#"<!doctype html><html><body>
<h1>Sign in to &quot;Demo&quot;</h1>
<form method="post" action="/interaction/abc&amp;1/login">
  <input type="hidden" name="csrf" value="tok&#x2B;en">
  <label>Username <input name="username" autocomplete="username"></label>
  <label>Password <input type='password' name='password'></label>
  <button type="submit">Sign in</button>
</form></body></html>"#;

    fn alice() -> Answers {
        Answers::new("alice", "wonderland")
    }

    fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_login_form_is_filled_in() {
        let filled = fill_form(LOGIN, &alice()).expect("the login form");
        assert_eq!(filled.kind, PageKind::Login);
        assert_eq!(filled.action, "/interaction/abc&1/login");
        assert_eq!(
            filled.fields,
            pairs(&[
                ("csrf", "tok+en"),
                ("username", "alice"),
                ("password", "wonderland")
            ])
        );
    }

    /// The provider's own pages (the `ui` module's markup) filled in: the login page, and
    /// the consent page approved or denied (one `decision`, the clicked button's).
    #[test]
    fn the_form_filler_follows_the_page_contract() {
        let page = |r: http::Response<Vec<u8>>| String::from_utf8(r.into_body()).unwrap();
        let login = page(crate::ui::login(
            "s",
            "/interaction/T&1/login",
            "C\"1",
            "App",
            None,
            None,
        ));
        let filled = fill_form(&login, &alice()).expect("the login form");
        assert_eq!(filled.kind, PageKind::Login);
        assert_eq!(filled.action, "/interaction/T&1/login");
        assert_eq!(
            filled.fields,
            pairs(&[
                ("csrf", "C\"1"),
                ("username", "alice"),
                ("password", "wonderland")
            ])
        );
        // A username the page prefills (a second sign-in) is replaced by the answer.
        let again = page(crate::ui::login("s", "/l", "C", "App", Some("bob"), None));
        let filled = fill_form(&again, &alice()).expect("the login form");
        assert!(filled.fields.contains(&("username".into(), "alice".into())));
        assert!(!filled.fields.iter().any(|(_, v)| v == "bob"));
        let consent = page(crate::ui::consent(
            "s",
            "/interaction/T/consent",
            "C2",
            "App",
            "alice",
            &["openid".into()],
            &[],
        ));
        for decision in ["approve", "deny"] {
            let filled =
                fill_form(&consent, &alice().deciding(decision)).expect("the consent form");
            assert_eq!(filled.kind, PageKind::Consent);
            assert_eq!(filled.action, "/interaction/T/consent");
            assert_eq!(
                filled.fields,
                pairs(&[("csrf", "C2"), ("decision", decision)])
            );
        }
        // Unquoted attributes, as some markup writes them.
        let unquoted = r#"<form method=post action="/interaction/t/consent">
<input type=hidden name=csrf value=c1>
<button name="decision" value="approve">Allow</button>
<button name="decision" value="deny">Deny</button></form>"#;
        let filled = fill_form(unquoted, &alice()).expect("the consent form");
        assert_eq!(filled.action, "/interaction/t/consent");
        assert_eq!(
            filled.fields,
            pairs(&[("csrf", "c1"), ("decision", "approve")])
        );
        // A message page, a form without its csrf, a form of another kind, cut-off markup.
        for page in [
            "<p>This sign-in has expired.</p>",
            "<p>Something went wrong</p>",
            "<form method=\"post\" action=\"/x\"><input name=\"password\"></form>",
            "<form method=\"post\" action=\"/device\"><input type=\"hidden\" name=\"csrf\" \
             value=\"C\"><input id=\"user_code\" name=\"user_code\"></form>",
            "<form method=\"post\" action=\"/x",
            "<form ",
        ] {
            assert_eq!(fill_form(page, &alice()), None, "{page}");
        }
    }

    fn response(status: u16, location: Option<&str>) -> (http::StatusCode, http::HeaderMap) {
        let mut headers = http::HeaderMap::new();
        if let Some(l) = location {
            headers.insert(http::header::LOCATION, l.parse().unwrap());
        }
        (http::StatusCode::from_u16(status).unwrap(), headers)
    }

    #[test]
    fn a_walk_follows_redirects_fills_the_forms_and_stops_at_the_client() {
        let start = url::Url::parse("http://op.example/authorize?client_id=c").unwrap();
        let mut walk = PageWalk::new(start, "https://rp.example/cb", alice().deciding("deny"));
        assert_eq!(walk.next_request().method(), http::Method::GET);
        let (s, h) = response(303, Some("/interaction/abc"));
        assert_eq!(walk.on_response(s, &h, b"").unwrap(), WalkStep::Continue);
        assert_eq!(
            walk.next_request().url.as_str(),
            "http://op.example/interaction/abc"
        );
        let (s, h) = response(200, None);
        assert_eq!(
            walk.on_response(s, &h, LOGIN.as_bytes()).unwrap(),
            WalkStep::Continue
        );
        let post = walk.next_request().clone();
        assert_eq!(post.method(), http::Method::POST);
        assert_eq!(
            post.url.as_str(),
            "http://op.example/interaction/abc&1/login"
        );
        assert_eq!(
            post.body(),
            b"csrf=tok%2Ben&username=alice&password=wonderland".to_vec()
        );
        let request = post
            .to_http("http://instance.example/x", Some("sid=1"))
            .unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "http://instance.example/x");
        assert_eq!(request.headers()[http::header::COOKIE], "sid=1");
        assert_eq!(
            request.headers()[http::header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert!(post.to_http("not a uri", None).is_err());
        let (s, h) = response(303, Some("/consent"));
        walk.on_response(s, &h, b"").unwrap();
        let consent = "<form method=post action=c><input type=hidden name=csrf value=x>\
            <button name=decision value=approve></button><button name=decision value=deny>\
            </button></form>";
        let (s, h) = response(200, None);
        walk.on_response(s, &h, consent.as_bytes()).unwrap();
        assert_eq!(walk.next_request().url.as_str(), "http://op.example/c");
        assert_eq!(walk.next_request().body(), b"csrf=x&decision=deny".to_vec());
        let (s, h) = response(302, Some("https://rp.example/cb?error=access_denied"));
        assert_eq!(
            walk.on_response(s, &h, b"").unwrap(),
            WalkStep::Done(url::Url::parse("https://rp.example/cb?error=access_denied").unwrap())
        );
        assert_eq!(walk.pages(), [PageKind::Login, PageKind::Consent]);
    }

    #[test]
    fn a_walk_refuses_what_is_not_the_sign_in() {
        let start = url::Url::parse("http://op.example/authorize").unwrap();
        let walk = || PageWalk::new(start.clone(), "https://rp.example/cb", alice());
        let (s, h) = response(302, None);
        assert!(matches!(
            walk().on_response(s, &h, b""),
            Err(WalkError::BadLocation { status: 302, .. })
        ));
        let (s, h) = response(500, None);
        assert!(matches!(
            walk().on_response(s, &h, b"oops"),
            Err(WalkError::Status { status: 500, .. })
        ));
        let (s, h) = response(200, None);
        assert!(matches!(
            walk().on_response(s, &h, b"<p>Something went wrong</p>"),
            Err(WalkError::NoForm { .. })
        ));
        let (s, h) = response(200, None);
        let bad_action = "<form action=\"http://[::1\"><input name=csrf value=c>\
            <input name=password></form>";
        assert!(matches!(
            walk().on_response(s, &h, bad_action.as_bytes()),
            Err(WalkError::BadAction { .. })
        ));
        // A redirect loop ends at the bound.
        let mut looping = walk().with_max_steps(3);
        let (s, h) = response(303, Some("/authorize"));
        assert_eq!(looping.on_response(s, &h, b""), Ok(WalkStep::Continue));
        assert_eq!(looping.on_response(s, &h, b""), Ok(WalkStep::Continue));
        assert_eq!(
            looping.on_response(s, &h, b""),
            Err(WalkError::TooManySteps(3))
        );
    }

    /// Another provider's form contract through a filler of its own (here oidc-provider's
    /// development pages: `login` instead of `username`, no `csrf`, an empty action for the
    /// page itself).
    #[test]
    fn a_walk_takes_another_form_contract_through_its_filler() {
        fn dev_interactions(html: &str, answers: &Answers) -> Option<FilledForm> {
            let form = forms(html).into_iter().next()?;
            let prompt = form.fields.iter().find(|(n, _)| n == "prompt")?.1.clone();
            let (kind, mut fields) = match prompt.as_str() {
                "login" => (
                    PageKind::Login,
                    vec![
                        ("login".to_owned(), answers.username.clone()),
                        ("password".to_owned(), answers.password.clone()),
                    ],
                ),
                "consent" => (PageKind::Consent, Vec::new()),
                _ => return None,
            };
            fields.insert(0, ("prompt".to_owned(), prompt));
            Some(FilledForm {
                kind,
                action: form.action,
                fields,
            })
        }
        let start = url::Url::parse("http://op.example/auth?x=1").unwrap();
        let mut walk =
            PageWalk::new(start, "https://rp.example/cb", alice()).with_filler(dev_interactions);
        let (s, h) = response(200, None);
        let page = "<form action=\"\" method=\"post\"><input type=\"hidden\" name=\"prompt\" \
            value=\"login\"/><input name=\"login\"/><input name=\"password\"/></form>";
        assert_eq!(
            walk.on_response(s, &h, page.as_bytes()),
            Ok(WalkStep::Continue)
        );
        assert_eq!(
            walk.next_request().url.as_str(),
            "http://op.example/auth?x=1"
        );
        assert_eq!(
            walk.next_request().body(),
            b"prompt=login&login=alice&password=wonderland".to_vec()
        );
        // The provider's own pages are not what this filler reads.
        assert!(matches!(
            walk.on_response(s, &h, LOGIN.as_bytes()),
            Err(WalkError::NoForm { .. })
        ));
    }

    proptest::proptest! {
        /// No page or header makes a walk panic.
        #[test]
        fn a_walk_never_panics(status in 100u16..600, location in ".{0,40}", body in ".{0,200}") {
            let start = url::Url::parse("http://op.example/authorize").unwrap();
            let mut walk = PageWalk::new(start, "https://rp.example/cb", alice());
            let mut headers = http::HeaderMap::new();
            if let Ok(v) = http::HeaderValue::from_str(&location) {
                headers.insert(http::header::LOCATION, v);
            }
            let status = http::StatusCode::from_u16(status).unwrap();
            let _ = walk.on_response(status, &headers, body.as_bytes());
            let _ = walk.next_request().to_http(walk.next_request().url.as_str(), None);
        }
    }

    #[test]
    fn forms_are_read() {
        let f = forms(LOGIN);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].action, "/interaction/abc&1/login");
        assert_eq!(
            f[0].fields,
            [
                ("csrf".to_owned(), "tok+en".to_owned()),
                ("username".to_owned(), String::new()),
                ("password".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn cookies_are_kept_and_removed() {
        let mut jar = CookieJar::default();
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::SET_COOKIE,
            "sid=abc; Path=/; HttpOnly; SameSite=Lax".parse().unwrap(),
        );
        h.append(http::header::SET_COOKIE, "i=1; Path=/".parse().unwrap());
        jar.store(&h);
        assert_eq!(jar.header().unwrap(), "i=1; sid=abc");
        let mut h = http::HeaderMap::new();
        h.append(http::header::SET_COOKIE, "i=; Max-Age=0".parse().unwrap());
        jar.store(&h);
        assert_eq!(jar.header().unwrap(), "sid=abc");
    }

    #[test]
    fn entities_and_odd_markup_never_panic() {
        assert_eq!(
            decode_entities("a&amp;b&#65;&#x42;&bogus;&"),
            "a&bAB&bogus;&"
        );
        for html in [
            "<form",
            "<form action=",
            "<form><input name=",
            "<input name='x",
            "&#xFFFFFFFF;",
        ] {
            let _ = forms(html);
            let _ = decode_entities(html);
        }
    }

    #[test]
    fn the_provider_pages_are_read_by_their_contract() {
        let page = |r: http::Response<Vec<u8>>| String::from_utf8(r.into_body()).unwrap();
        let html = page(crate::ui::login(
            "s",
            "/interaction/T/login",
            "C&1",
            "App",
            None,
            None,
        ));
        let found = forms(&html);
        assert_eq!(found.len(), 1, "{html}");
        assert_eq!(found[0].action, "/interaction/T/login");
        let names: Vec<&str> = found[0].fields.iter().map(|(n, _)| n.as_str()).collect();
        for name in ["csrf", "username", "password"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        assert!(found[0].fields.contains(&("csrf".into(), "C&1".into())));
        let html = page(crate::ui::consent(
            "s",
            "/interaction/T/consent",
            "C",
            "App",
            "alice",
            &["openid".into()],
            &[],
        ));
        let consent = forms(&html);
        let decisions: Vec<&str> = consent[0]
            .fields
            .iter()
            .filter(|(n, _)| n == "decision")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(decisions, ["approve", "deny"]);
    }
}
