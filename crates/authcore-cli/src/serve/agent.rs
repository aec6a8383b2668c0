//! A scripted user agent for `authcore demo`: follows the provider's redirects, keeps its
//! cookies, and fills in the plain HTML login and consent forms, the way a browser would
//! without JavaScript. It talks only to the provider's own origin and stops at the first
//! redirect to the client's redirect URI, which it returns instead of following.
//!
//! The walk itself (redirects, which form, what is filled in) is authcore-hyper's
//! [`PageWalk`]; this module sends its requests and keeps to the origin and the size cap.

pub use authcore_hyper::forms::Answers;
use authcore_hyper::forms::{CookieJar, PageKind, PageWalk, WalkError, WalkRequest, WalkStep};
use authcore_reqwest::HttpClient;
use url::Url;

use crate::Failure;

/// The most redirects and pages one sign-in may take before the agent gives up.
const MAX_STEPS: usize = 16;

/// Follows the sign-in from `start` (the authentication request URL) through the login and
/// consent pages until the provider redirects to `redirect_uri`; returns that redirect's full
/// URL (the authorization response). `on_page` is told each page filled in.
pub async fn sign_in(
    http: &HttpClient,
    start: &Url,
    redirect_uri: &str,
    answers: &Answers,
    mut on_page: impl FnMut(PageKind),
) -> Result<Url, Failure> {
    let origin = start.origin();
    let mut jar = CookieJar::default();
    let mut walk =
        PageWalk::new(start.clone(), redirect_uri, answers.clone()).with_max_steps(MAX_STEPS);
    loop {
        let next = walk.next_request();
        if next.url.origin() != origin {
            return Err(Failure::rejected(format!(
                "the provider sent the browser to another origin: {}",
                next.url
            )));
        }
        let (status, headers, body) = send(http, next, &jar).await?;
        jar.store(&headers);
        let filled = walk.pages().len();
        match walk.on_response(status, &headers, &body) {
            Ok(WalkStep::Done(target)) => return Ok(target),
            Ok(WalkStep::Continue) => {
                if let Some(page) = walk.pages().get(filled) {
                    on_page(*page);
                }
            }
            Err(e) => return Err(Failure::rejected(walk_failure(e, redirect_uri))),
        }
    }
}

/// The message of a walk that went wrong, with a page's text rather than its markup.
fn walk_failure(e: WalkError, redirect_uri: &str) -> String {
    match e {
        WalkError::Status { status, url, body } => format!(
            "the provider answered {status} at {url}: {}",
            crate::one_line(&strip_tags(&body))
        ),
        WalkError::NoForm { url, body } => format!(
            "the page at {url} has neither a login nor a consent form: {}",
            crate::one_line(&strip_tags(&body))
        ),
        WalkError::TooManySteps(n) => {
            format!("the sign-in did not reach {redirect_uri} within {n} pages")
        }
        other => other.to_string(),
    }
}

/// The largest page the agent reads.
const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// Sends one request with the jar's cookies, as a browser does: redirects are not followed
/// here but by [`sign_in`], which keeps to the provider's origin. (The adapter's `execute`
/// refuses redirects, as back-channel requests must.)
async fn send(
    http: &HttpClient,
    request: &WalkRequest,
    jar: &CookieJar,
) -> Result<(http::StatusCode, http::HeaderMap, Vec<u8>), Failure> {
    let url = &request.url;
    let mut builder = http
        .reqwest()
        .request(request.method(), url.as_str())
        .body(request.body());
    if request.form.is_some() {
        builder = builder.header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    }
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
    let text = authcore_hyper::forms::decode_entities(&out);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    words.truncate(60);
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_walk_shows_the_page_text() {
        let message = walk_failure(
            WalkError::NoForm {
                url: "http://127.0.0.1:9/x".into(),
                body: "<p>Something <b>went</b> wrong</p>".into(),
            },
            "http://127.0.0.1:9/cb",
        );
        assert_eq!(
            message,
            "the page at http://127.0.0.1:9/x has neither a login nor a consent form: \
             Something went wrong"
        );
        let message = walk_failure(
            WalkError::Status {
                status: 500,
                url: "http://127.0.0.1:9/x".into(),
                body: "<h1>Error &amp; more</h1>".into(),
            },
            "http://127.0.0.1:9/cb",
        );
        assert_eq!(
            message,
            "the provider answered 500 at http://127.0.0.1:9/x: Error & more"
        );
        assert_eq!(
            walk_failure(WalkError::TooManySteps(16), "http://127.0.0.1:9/cb"),
            "the sign-in did not reach http://127.0.0.1:9/cb within 16 pages"
        );
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
