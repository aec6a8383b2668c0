//! A scripted user agent for `authcore demo`: follows the provider's redirects, keeps its
//! cookies, and fills in the plain HTML login and consent forms, the way a browser would
//! without JavaScript. It talks only to the provider's own origin and stops at the first
//! redirect to the client's redirect URI, which it returns instead of following.

use std::collections::BTreeMap;

use authcore_reqwest::HttpClient;
use url::Url;

use crate::Failure;

/// The most redirects and pages one sign-in may take before the agent gives up.
const MAX_STEPS: usize = 16;

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

/// Decodes the character references an HTML escaper writes.
fn decode_entities(s: &str) -> String {
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

/// What the agent fills in on the provider's pages.
#[derive(Debug, Clone)]
pub struct Answers {
    /// The login form's `username`.
    pub username: String,
    /// The login form's `password`.
    pub password: String,
}

/// Follows the sign-in from `start` (the authentication request URL) through the login and
/// consent pages until the provider redirects to `redirect_uri`; returns that redirect's full
/// URL (the authorization response).
pub async fn sign_in(
    http: &HttpClient,
    start: &Url,
    redirect_uri: &str,
    answers: &Answers,
    mut on_page: impl FnMut(&str),
) -> Result<Url, Failure> {
    let origin = start.origin();
    let mut jar = CookieJar::default();
    let mut next = Request::Get(start.clone());
    for _ in 0..MAX_STEPS {
        let url = next.url().clone();
        if url.origin() != origin {
            return Err(Failure::rejected(format!(
                "the provider sent the browser to another origin: {url}"
            )));
        }
        let (status, headers, body) = send(http, &next, &jar).await?;
        jar.store(&headers);
        if status.is_redirection() {
            let location = headers
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| Failure::rejected(format!("{status} without Location")))?;
            let target = url
                .join(location)
                .map_err(|e| Failure::rejected(format!("bad Location {location}: {e}")))?;
            if target.as_str().starts_with(redirect_uri) {
                return Ok(target);
            }
            next = Request::Get(target);
            continue;
        }
        let html = String::from_utf8_lossy(&body).into_owned();
        if !status.is_success() {
            return Err(Failure::rejected(format!(
                "the provider answered {status} at {url}: {}",
                crate::one_line(&strip_tags(&html))
            )));
        }
        next = fill(&url, &html, answers, &mut on_page)?;
    }
    Err(Failure::rejected(format!(
        "the sign-in did not reach {redirect_uri} within {MAX_STEPS} pages"
    )))
}

/// The largest page the agent reads.
const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// Sends one request with the jar's cookies, as a browser does: redirects are not followed
/// here but by [`sign_in`], which keeps to the provider's origin. (The adapter's `execute`
/// refuses redirects, as back-channel requests must.)
async fn send(
    http: &HttpClient,
    request: &Request,
    jar: &CookieJar,
) -> Result<(http::StatusCode, http::HeaderMap, Vec<u8>), Failure> {
    let url = request.url();
    let mut builder = match request {
        Request::Get(u) => http.reqwest().get(u.as_str()),
        Request::Post(u, fields) => http
            .reqwest()
            .post(u.as_str())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter())
                    .finish(),
            ),
    };
    if let Some(c) = jar.header() {
        builder = builder.header(http::header::COOKIE, c);
    }
    let network = |e: &dyn std::fmt::Display| Failure::usage(format!("{url}: {e}"));
    let mut response = builder.send().await.map_err(|e| network(&e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| network(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_PAGE_BYTES {
            return Err(Failure::rejected(format!(
                "the page at {url} is larger than {MAX_PAGE_BYTES} bytes"
            )));
        }
    }
    Ok((status, headers, body))
}

/// A request the agent makes next.
enum Request {
    Get(Url),
    Post(Url, Vec<(String, String)>),
}

impl Request {
    fn url(&self) -> &Url {
        match self {
            Request::Get(u) | Request::Post(u, _) => u,
        }
    }
}

/// Fills in the one form of a page: the login form (it has a `password` field) or the
/// consent form (approved); anything else is unexpected.
fn fill(
    page: &Url,
    html: &str,
    answers: &Answers,
    on_page: &mut impl FnMut(&str),
) -> Result<Request, Failure> {
    let found = forms(html);
    let form = found
        .iter()
        .find(|f| f.fields.iter().any(|(n, _)| n == "password"))
        .or_else(|| {
            found
                .iter()
                .find(|f| f.fields.iter().any(|(n, _)| n == "decision"))
        })
        .ok_or_else(|| {
            Failure::rejected(format!(
                "the page at {page} has neither a login nor a consent form: {}",
                crate::one_line(&strip_tags(html))
            ))
        })?;
    let action = page
        .join(&form.action)
        .map_err(|e| Failure::rejected(format!("bad form action {}: {e}", form.action)))?;
    let login = form.fields.iter().any(|(n, _)| n == "password");
    on_page(if login { "login" } else { "consent" });
    let mut fields: Vec<(String, String)> = Vec::new();
    for (name, value) in &form.fields {
        let value = match name.as_str() {
            "username" => answers.username.clone(),
            "password" => answers.password.clone(),
            // Several submit buttons name `decision`; the agent approves.
            "decision" => {
                if fields.iter().any(|(n, _)| n == "decision") {
                    continue;
                }
                "approve".to_owned()
            }
            _ => value.clone(),
        };
        fields.push((name.clone(), value));
    }
    if !login && !fields.iter().any(|(n, _)| n == "decision") {
        fields.push(("decision".into(), "approve".into()));
    }
    Ok(Request::Post(action, fields))
}

/// The text of an HTML page, for an error message.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = decode_entities(&out);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    words.truncate(60);
    words.join(" ")
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
    fn the_login_form_is_filled_in() {
        let page = Url::parse("http://127.0.0.1:9/authorize?x=1").unwrap();
        let answers = Answers {
            username: "alice".into(),
            password: "wonderland".into(),
        };
        let mut seen = Vec::new();
        let Request::Post(url, fields) =
            fill(&page, LOGIN, &answers, &mut |p| seen.push(p.to_owned())).unwrap()
        else {
            panic!("a POST");
        };
        assert_eq!(url.as_str(), "http://127.0.0.1:9/interaction/abc&1/login");
        assert_eq!(fields[0], ("csrf".into(), "tok+en".into()));
        assert_eq!(fields[1], ("username".into(), "alice".into()));
        assert_eq!(fields[2], ("password".into(), "wonderland".into()));
        assert_eq!(seen, ["login"]);
    }

    #[test]
    fn the_consent_form_is_approved() {
        let html = r#"<form method=post action="/interaction/t/consent">
<input type=hidden name=csrf value=c1>
<button name="decision" value="approve">Allow</button>
<button name="decision" value="deny">Deny</button></form>"#;
        let page = Url::parse("http://127.0.0.1:9/interaction/t").unwrap();
        let answers = Answers {
            username: String::new(),
            password: String::new(),
        };
        let Request::Post(url, fields) = fill(&page, html, &answers, &mut |_| {}).unwrap() else {
            panic!("a POST");
        };
        assert_eq!(url.path(), "/interaction/t/consent");
        assert_eq!(
            fields,
            [
                ("csrf".to_owned(), "c1".to_owned()),
                ("decision".to_owned(), "approve".to_owned())
            ]
        );
        // A page without either form is an error, not a guess.
        assert!(fill(&page, "<p>Something went wrong</p>", &answers, &mut |_| {}).is_err());
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
            let _ = strip_tags(html);
        }
    }
}
