//! The three ways of sending a bearer token to a resource server (RFC 6750 §2.1-§2.3): the
//! header, the form-encoded body and the URI query, and the rule that a request uses one.

use authcore_oauth2::{
    AccessToken, Error, authorize_bearer, authorize_bearer_in_form_body,
    authorize_bearer_in_uri_query,
};
use http::{Method, Request};

fn token() -> AccessToken {
    AccessToken::new("mF_9.B5f-4.1JqM")
}

fn post(ct: Option<&str>, body: &str) -> Request<Vec<u8>> {
    let mut b = Request::post("https://server.example.com/resource");
    if let Some(ct) = ct {
        b = b.header("content-type", ct);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

fn is_misuse<T: core::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Misuse(_)))
}

#[test]
fn form_body_rfc6750_example() {
    // RFC 6750 §2.2.
    let mut req = post(Some("application/x-www-form-urlencoded"), "");
    authorize_bearer_in_form_body(&mut req, &token()).unwrap();
    assert_eq!(req.body(), b"access_token=mF_9.B5f-4.1JqM");
    assert!(req.headers().get("authorization").is_none());
}

#[test]
fn form_body_appends_to_existing_parameters_and_encodes() {
    let mut req = post(
        Some("application/x-www-form-urlencoded; charset=utf-8"),
        "a=1&b=2",
    );
    authorize_bearer_in_form_body(&mut req, &AccessToken::new("a b+c/=")).unwrap();
    assert_eq!(req.body(), b"a=1&b=2&access_token=a+b%2Bc%2F%3D");
    let mut req = post(Some("application/x-www-form-urlencoded"), "a=1&");
    authorize_bearer_in_form_body(&mut req, &token()).unwrap();
    assert_eq!(req.body(), b"a=1&access_token=mF_9.B5f-4.1JqM");
    // PUT and PATCH have body semantics too.
    for m in [Method::PUT, Method::PATCH] {
        let mut req = post(Some("application/x-www-form-urlencoded"), "");
        *req.method_mut() = m;
        assert!(authorize_bearer_in_form_body(&mut req, &token()).is_ok());
    }
}

#[test]
fn form_body_sets_content_type_on_an_empty_body() {
    let mut req = post(None, "");
    authorize_bearer_in_form_body(&mut req, &token()).unwrap();
    assert_eq!(
        req.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
}

#[test]
fn form_body_refusals() {
    // GET MUST NOT be used (RFC 6750 §2.2); nor any method without body semantics.
    for m in [Method::GET, Method::HEAD, Method::DELETE, Method::OPTIONS] {
        let mut req = post(Some("application/x-www-form-urlencoded"), "");
        *req.method_mut() = m.clone();
        assert!(
            is_misuse(authorize_bearer_in_form_body(&mut req, &token())),
            "{m}"
        );
    }
    // Not single-part form-urlencoded.
    for ct in [
        Some("application/json"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut req = post(ct, "{}");
        assert!(
            is_misuse(authorize_bearer_in_form_body(&mut req, &token())),
            "{ct:?}"
        );
    }
    // Not entirely ASCII.
    let mut req = post(Some("application/x-www-form-urlencoded"), "name=é");
    assert!(is_misuse(authorize_bearer_in_form_body(&mut req, &token())));
    // Empty token.
    let mut req = post(Some("application/x-www-form-urlencoded"), "");
    assert!(is_misuse(authorize_bearer_in_form_body(
        &mut req,
        &AccessToken::new("")
    )));
    // Nothing was changed by a refusal.
    assert!(req.body().is_empty());
}

#[test]
fn uri_query_rfc6750_example() {
    // RFC 6750 §2.3.
    let mut req = Request::get("https://server.example.com/resource")
        .body(())
        .unwrap();
    authorize_bearer_in_uri_query(&mut req, &token()).unwrap();
    assert_eq!(
        req.uri(),
        "https://server.example.com/resource?access_token=mF_9.B5f-4.1JqM"
    );
    // §2.3: clients using this method SHOULD send `Cache-Control: no-store`.
    assert_eq!(req.headers()["cache-control"], "no-store");
}

#[test]
fn uri_query_keeps_the_existing_query() {
    let mut req = Request::get("https://server.example.com/resource?x=1&y=a%20b")
        .body(())
        .unwrap();
    authorize_bearer_in_uri_query(&mut req, &AccessToken::new("t+/=")).unwrap();
    assert_eq!(
        req.uri(),
        "https://server.example.com/resource?x=1&y=a%20b&access_token=t%2B%2F%3D"
    );
    let mut req = Request::get("/resource?x=1&").body(()).unwrap();
    authorize_bearer_in_uri_query(&mut req, &token()).unwrap();
    assert_eq!(req.uri(), "/resource?x=1&access_token=mF_9.B5f-4.1JqM");
    let mut req = Request::get("https://server.example.com").body(()).unwrap();
    authorize_bearer_in_uri_query(&mut req, &token()).unwrap();
    assert_eq!(
        req.uri(),
        "https://server.example.com/?access_token=mF_9.B5f-4.1JqM"
    );
}

#[test]
fn one_method_per_request() {
    // RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token".
    let mut req = post(Some("application/x-www-form-urlencoded"), "");
    authorize_bearer(&mut req, &token()).unwrap();
    assert!(is_misuse(authorize_bearer_in_form_body(&mut req, &token())));
    assert!(is_misuse(authorize_bearer_in_uri_query(&mut req, &token())));

    let mut req = post(Some("application/x-www-form-urlencoded"), "");
    authorize_bearer_in_form_body(&mut req, &token()).unwrap();
    assert!(is_misuse(authorize_bearer_in_form_body(&mut req, &token())));
    // (The query method takes any body type and does not inspect it: apply the body method
    // last, as above, where the token in the query is caught.)

    let mut req = post(Some("application/x-www-form-urlencoded"), "");
    authorize_bearer_in_uri_query(&mut req, &token()).unwrap();
    assert!(is_misuse(authorize_bearer_in_uri_query(&mut req, &token())));
    assert!(is_misuse(authorize_bearer_in_form_body(&mut req, &token())));

    // An `access_token` the caller put in the query or body itself counts too.
    let mut req = Request::get("https://rs.example/r?access_token=x")
        .body(())
        .unwrap();
    assert!(is_misuse(authorize_bearer_in_uri_query(&mut req, &token())));
    let mut req = post(Some("application/x-www-form-urlencoded"), "access_token=x");
    assert!(is_misuse(authorize_bearer_in_form_body(&mut req, &token())));
    // An empty token.
    let mut req = Request::get("https://rs.example/r").body(()).unwrap();
    assert!(is_misuse(authorize_bearer_in_uri_query(
        &mut req,
        &AccessToken::new("")
    )));
    assert_eq!(req.uri(), "https://rs.example/r");
}
