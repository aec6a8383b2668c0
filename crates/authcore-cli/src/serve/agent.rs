//! A scripted user agent for `authcore demo`: follows the provider's redirects, keeps its
//! cookies, and fills in the plain HTML login and consent forms, the way a browser would
//! without JavaScript. It talks only to the provider's own origin and stops at the first
//! redirect to the client's redirect URI, which it returns instead of following.

use authcore_hyper::forms::{CookieJar, decode_entities, forms};
use authcore_reqwest::HttpClient;
use url::Url;

use crate::Failure;

/// The most redirects and pages one sign-in may take before the agent gives up.
const MAX_STEPS: usize = 16;

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
    fn odd_markup_never_panics() {
        for html in [
            "<form",
            "<form action=",
            "<form><input name=",
            "<input name='x",
            "&#xFFFFFFFF;",
        ] {
            let _ = strip_tags(html);
        }
    }
}
