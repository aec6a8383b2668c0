//! UserInfo without an ID token to bind it to: `sub` required, compared with nothing; every
//! other check of the OpenID Connect path still applies.

use authcore_oidc::{
    Error, TokenError, UserInfoError, parse_userinfo_response,
    parse_userinfo_response_without_subject_check,
};
use http::Response;

fn response(status: u16, content_type: &str, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn any_subject_is_accepted_but_a_sub_is_required() {
    let r = response(200, "application/json", r#"{"sub":"alice","name":"Alice"}"#);
    let info = parse_userinfo_response_without_subject_check(&r).unwrap();
    assert_eq!(info.sub, "alice");
    assert_eq!(info.standard.name.as_deref(), Some("Alice"));
    // The OpenID Connect path compares it (OpenID Connect Core §5.3.2).
    assert!(matches!(
        parse_userinfo_response(&r, "mallory"),
        Err(Error::UserInfo(UserInfoError::SubjectMismatch { .. }))
    ));

    assert!(matches!(
        parse_userinfo_response_without_subject_check(&response(
            200,
            "application/json",
            r#"{"name":"Alice"}"#
        )),
        Err(Error::Token(TokenError::MissingClaim("sub")))
    ));
    assert!(matches!(
        parse_userinfo_response_without_subject_check(&response(
            200,
            "application/json",
            r#"{"sub":7}"#
        )),
        Err(Error::Token(TokenError::WrongType("sub")))
    ));
}

#[test]
fn the_other_checks_still_apply() {
    let refused = [
        // A signed response where plain JSON was expected.
        response(200, "application/jwt", "e30.e30.c2ln"),
        response(200, "text/html", r#"{"sub":"alice"}"#),
        response(500, "application/json", r#"{"sub":"alice"}"#),
        // Duplicate members are refused (strict JSON).
        response(200, "application/json", r#"{"sub":"alice","sub":"bob"}"#),
        response(200, "application/json", "not json"),
        response(
            200,
            "application/json",
            &format!(
                r#"{{"sub":"alice","pad":"{}"}}"#,
                "x".repeat(authcore_oidc::MAX_USERINFO_BYTES)
            ),
        ),
    ];
    for r in refused {
        assert!(
            parse_userinfo_response_without_subject_check(&r).is_err(),
            "{:?}",
            r.headers()
        );
    }
}
