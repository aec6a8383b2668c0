//! A negative test for every check of the server side, each with its exact error and status.

use authcore_jose::{InsecureTestRandom, UnixTime};
use authcore_oauth1::{
    ClientVerificationKey, Error, Placement, Secret, SignatureMethod, SignedRequest, Signer,
    VerificationPolicy,
};

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

fn signer() -> Signer {
    Signer::new("client-1", Secret::new("client secret"))
        .with_token_credentials("token-1", "token secret")
}

fn client_key() -> ClientVerificationKey {
    ClientVerificationKey::Secret(Secret::new("client secret"))
}

fn signed(
    signer: &Signer,
    mut req: http::Request<Vec<u8>>,
    at: UnixTime,
) -> http::Request<Vec<u8>> {
    signer
        .sign(&mut req, at, &InsecureTestRandom::new(at.as_secs()))
        .unwrap();
    req
}

fn get(uri: &str) -> http::Request<Vec<u8>> {
    http::Request::get(uri).body(Vec::new()).unwrap()
}

fn verify(req: &http::Request<Vec<u8>>, policy: &VerificationPolicy) -> Result<(), Error> {
    let s = SignedRequest::from_http(req, "https")?;
    let secret = Secret::new("token secret");
    let ts = s.token().map(|_| &secret);
    s.verify(&client_key(), ts, policy, NOW)?
        .complete(true)
        .map(|_| ())
}

fn header(req: &http::Request<Vec<u8>>) -> String {
    req.headers()["authorization"].to_str().unwrap().to_owned()
}

fn with_header(req: &http::Request<Vec<u8>>, value: &str) -> http::Request<Vec<u8>> {
    let mut r = http::Request::builder().method(req.method()).uri(req.uri());
    for (k, v) in req.headers() {
        if k != http::header::AUTHORIZATION {
            r = r.header(k, v);
        }
    }
    r.header("authorization", value)
        .body(req.body().clone())
        .unwrap()
}

#[test]
fn a_correct_request_verifies_with_every_placement_and_hmac_method() {
    for method in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
        for placement in [Placement::Header, Placement::Body, Placement::Query] {
            let s = signer().with_method(method).with_placement(placement);
            let req = http::Request::post("https://api.example.com/items?q=a+b&q=c")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(b"name=x%20y&z=".to_vec())
                .unwrap();
            let req = signed(&s, req, NOW);
            verify(&req, &VerificationPolicy::default())
                .unwrap_or_else(|e| panic!("{method} {placement:?}: {e}"));
        }
    }
}

#[test]
fn timestamp_outside_the_window() {
    let policy = VerificationPolicy::default().timestamp_window(300);
    let old = signed(
        &signer(),
        get("https://api.example.com/r"),
        NOW.saturating_sub(301),
    );
    assert_eq!(
        verify(&old, &policy),
        Err(Error::TimestampOutsideWindow {
            timestamp: NOW.as_secs() - 301,
            now: NOW.as_secs()
        })
    );
    let future = signed(
        &signer(),
        get("https://api.example.com/r"),
        NOW.saturating_add(301),
    );
    assert!(matches!(
        verify(&future, &policy),
        Err(Error::TimestampOutsideWindow { .. })
    ));
    let edge = signed(
        &signer(),
        get("https://api.example.com/r"),
        NOW.saturating_sub(300),
    );
    verify(&edge, &policy).unwrap();
    assert_eq!(
        Error::TimestampOutsideWindow {
            timestamp: 0,
            now: 1
        }
        .status(),
        401
    );
}

#[test]
fn nonce_replay_is_refused() {
    let req = signed(&signer(), get("https://api.example.com/r"), NOW);
    let mut store = std::collections::HashSet::new();
    let mut run = || {
        let s = SignedRequest::from_http(&req, "https").unwrap();
        let ts = Secret::new("token secret");
        let p = s
            .verify(
                &client_key(),
                Some(&ts),
                &VerificationPolicy::default(),
                NOW,
            )
            .unwrap();
        let check = p.nonce_check().clone();
        assert_eq!(check.keep_until, NOW.saturating_add(300));
        p.complete(store.insert(check))
    };
    run().unwrap();
    assert_eq!(run().unwrap_err(), Error::NonceReplayed);
    assert_eq!(Error::NonceReplayed.status(), 401);
}

#[test]
fn wrong_client_secret_and_wrong_token_secret() {
    let req = signed(&signer(), get("https://api.example.com/r"), NOW);
    let s = SignedRequest::from_http(&req, "https").unwrap();
    let wrong = ClientVerificationKey::Secret(Secret::new("client secreT"));
    let ts = Secret::new("token secret");
    assert_eq!(
        s.clone()
            .verify(&wrong, Some(&ts), &VerificationPolicy::default(), NOW)
            .unwrap_err(),
        Error::InvalidSignature
    );
    let bad_ts = Secret::new("token secreT");
    assert_eq!(
        s.clone()
            .verify(
                &client_key(),
                Some(&bad_ts),
                &VerificationPolicy::default(),
                NOW
            )
            .unwrap_err(),
        Error::InvalidSignature
    );
    // A token in the request but no secret looked up (unknown token), and the reverse.
    assert_eq!(
        s.verify(&client_key(), None, &VerificationPolicy::default(), NOW)
            .unwrap_err(),
        Error::InvalidToken
    );
    let no_token = signed(
        &Signer::new("client-1", Secret::new("client secret")),
        get("https://api.example.com/r"),
        NOW,
    );
    let s = SignedRequest::from_http(&no_token, "https").unwrap();
    assert_eq!(
        s.verify(
            &client_key(),
            Some(&ts),
            &VerificationPolicy::default(),
            NOW
        )
        .unwrap_err(),
        Error::InvalidToken
    );
}

#[test]
fn tampered_parameters_fail() {
    let req = http::Request::post("https://api.example.com/items?a=1")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"b=2".to_vec())
        .unwrap();
    let req = signed(&signer(), req, NOW);
    let policy = VerificationPolicy::default();
    // The query, the body, the method, the host and a protocol parameter, each changed.
    let mut q = req.clone();
    *q.uri_mut() = "https://api.example.com/items?a=2".parse().unwrap();
    assert_eq!(verify(&q, &policy), Err(Error::InvalidSignature));
    let mut b = req.clone();
    *b.body_mut() = b"b=3".to_vec();
    assert_eq!(verify(&b, &policy), Err(Error::InvalidSignature));
    let mut m = req.clone();
    *m.method_mut() = http::Method::PUT;
    assert_eq!(verify(&m, &policy), Err(Error::InvalidSignature));
    let mut h = req.clone();
    *h.uri_mut() = "https://api.example.org/items?a=1".parse().unwrap();
    assert_eq!(verify(&h, &policy), Err(Error::InvalidSignature));
    let changed = header(&req).replace(
        "oauth_version=\"1.0\"",
        "oauth_version=\"1.0\", oauth_verifier=\"x\"",
    );
    assert_eq!(
        verify(&with_header(&req, &changed), &policy),
        Err(Error::InvalidSignature)
    );
    assert_eq!(Error::InvalidSignature.status(), 401);
}

#[test]
fn duplicate_protocol_parameters() {
    let req = signed(&signer(), get("https://api.example.com/r"), NOW);
    let h = header(&req);
    let dup = format!("{h}, oauth_nonce=\"again\"");
    let e = verify(&with_header(&req, &dup), &VerificationPolicy::default()).unwrap_err();
    assert_eq!(e, Error::DuplicateParameter("oauth_nonce".into()));
    assert_eq!(e.status(), 400);
    let realm = format!("OAuth realm=\"a\", realm=\"b\", {}", &h["OAuth ".len()..]);
    assert_eq!(
        verify(&with_header(&req, &realm), &VerificationPolicy::default()),
        Err(Error::DuplicateParameter("realm".into()))
    );
    // Repeated in the query too.
    let q = signed(
        &signer().with_placement(Placement::Query),
        get("https://api.example.com/r"),
        NOW,
    );
    let mut twice = q.clone();
    *twice.uri_mut() = format!("{}&oauth_token=token-1", q.uri()).parse().unwrap();
    assert_eq!(
        verify(&twice, &VerificationPolicy::default()),
        Err(Error::DuplicateParameter("oauth_token".into()))
    );
    // Two Authorization headers.
    let mut two = req.clone();
    two.headers_mut()
        .append("authorization", h.parse().unwrap());
    assert!(matches!(
        verify(&two, &VerificationPolicy::default()),
        Err(Error::DuplicateParameter(_))
    ));
}

#[test]
fn protocol_parameters_in_header_and_body() {
    let req = http::Request::post("https://api.example.com/r")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"x=1".to_vec())
        .unwrap();
    let mut req = signed(&signer(), req, NOW);
    *req.body_mut() = b"x=1&oauth_callback=oob".to_vec();
    assert_eq!(
        verify(&req, &VerificationPolicy::default()),
        Err(Error::DuplicateParameter(
            "protocol parameters in more than one location".into()
        ))
    );
    let mut req2 = signed(&signer(), get("https://api.example.com/r"), NOW);
    *req2.uri_mut() = "https://api.example.com/r?oauth_callback=oob"
        .parse()
        .unwrap();
    assert!(matches!(
        verify(&req2, &VerificationPolicy::default()),
        Err(Error::DuplicateParameter(_))
    ));
}

#[test]
fn missing_required_parameters() {
    let req = signed(&signer(), get("https://api.example.com/r"), NOW);
    let h = header(&req);
    for (name, label) in [
        ("oauth_consumer_key", "oauth_consumer_key"),
        ("oauth_signature_method", "oauth_signature_method"),
        ("oauth_signature", "oauth_signature"),
        ("oauth_timestamp", "oauth_timestamp"),
        ("oauth_nonce", "oauth_nonce"),
    ] {
        let kept: Vec<&str> = h["OAuth ".len()..]
            .split(", ")
            .filter(|p| !p.starts_with(&format!("{name}=")))
            .collect();
        let without = format!("OAuth {}", kept.join(", "));
        let e = verify(&with_header(&req, &without), &VerificationPolicy::default()).unwrap_err();
        assert_eq!(e, Error::MissingParameter(label), "{name}");
        assert_eq!(e.status(), 400);
    }
}

#[test]
fn unsupported_version_method_and_parameters() {
    let req = signed(&signer(), get("https://api.example.com/r"), NOW);
    let h = header(&req);
    let v2 = h.replace("oauth_version=\"1.0\"", "oauth_version=\"2.0\"");
    assert_eq!(
        verify(&with_header(&req, &v2), &VerificationPolicy::default()),
        Err(Error::UnsupportedParameter("oauth_version=2.0".into()))
    );
    let no_version: Vec<&str> = h["OAuth ".len()..]
        .split(", ")
        .filter(|p| !p.starts_with("oauth_version="))
        .collect();
    // Without oauth_version the signature no longer matches, but parsing accepts it (§3.1).
    let r = with_header(&req, &format!("OAuth {}", no_version.join(", ")));
    assert_eq!(
        verify(&r, &VerificationPolicy::default()),
        Err(Error::InvalidSignature)
    );
    let md5 = h.replace("HMAC-SHA1", "HMAC-MD5");
    assert_eq!(
        verify(&with_header(&req, &md5), &VerificationPolicy::default()),
        Err(Error::UnsupportedSignatureMethod("HMAC-MD5".into()))
    );
    let extra = format!("{h}, oauth_extension=\"1\"");
    assert_eq!(
        verify(&with_header(&req, &extra), &VerificationPolicy::default()),
        Err(Error::UnsupportedParameter("oauth_extension".into()))
    );
    let other = format!("{h}, foo=\"1\"");
    assert_eq!(
        verify(&with_header(&req, &other), &VerificationPolicy::default()),
        Err(Error::UnsupportedParameter("foo".into()))
    );
    for bad in ["-1", "12a", "", "99999999999999999999"] {
        let t = h.replace(
            &format!("oauth_timestamp=\"{}\"", NOW.as_secs()),
            &format!("oauth_timestamp=\"{bad}\""),
        );
        assert_eq!(
            verify(&with_header(&req, &t), &VerificationPolicy::default()),
            Err(Error::Malformed("oauth_timestamp")),
            "{bad}"
        );
    }
}

#[test]
fn plaintext_needs_opt_in_and_tls() {
    let s = signer().with_method(SignatureMethod::Plaintext);
    let req = signed(&s, get("https://api.example.com/r"), NOW);
    assert_eq!(
        verify(&req, &VerificationPolicy::default()),
        Err(Error::UnsupportedSignatureMethod("PLAINTEXT".into()))
    );
    verify(
        &req,
        &VerificationPolicy::default().allow_plaintext_over_tls(),
    )
    .unwrap();
    // The same request arriving over plain HTTP.
    let mut plain = req.clone();
    *plain.uri_mut() = "/r".parse().unwrap();
    plain
        .headers_mut()
        .insert("host", "api.example.com".parse().unwrap());
    let p = SignedRequest::from_http(&plain, "http").unwrap();
    let ts = Secret::new("token secret");
    assert_eq!(
        p.verify(
            &client_key(),
            Some(&ts),
            &VerificationPolicy::default().allow_plaintext_over_tls(),
            NOW
        )
        .unwrap_err(),
        Error::PlaintextWithoutTls
    );
    // And the client refuses to sign PLAINTEXT for http.
    let mut r = get("http://api.example.com/r");
    assert_eq!(
        s.sign(&mut r, NOW, &InsecureTestRandom::new(1))
            .unwrap_err(),
        Error::PlaintextWithoutTls
    );
}

#[test]
fn body_hash_is_checked() {
    let req = http::Request::put("https://api.example.com/doc")
        .header("content-type", "application/json")
        .body(br#"{"a":1}"#.to_vec())
        .unwrap();
    let req = signed(&signer(), req, NOW);
    assert!(header(&req).contains("oauth_body_hash="));
    verify(&req, &VerificationPolicy::default()).unwrap();
    let mut changed = req.clone();
    *changed.body_mut() = br#"{"a":2}"#.to_vec();
    assert_eq!(
        verify(&changed, &VerificationPolicy::default()),
        Err(Error::BodyHashMismatch)
    );
    assert_eq!(Error::BodyHashMismatch.status(), 401);
    // Without a body hash: accepted by default, refused when the policy requires one.
    let bare = http::Request::put("https://api.example.com/doc")
        .header("content-type", "application/json")
        .body(br#"{"a":1}"#.to_vec())
        .unwrap();
    let bare = signed(&signer().with_body_hash(false), bare, NOW);
    verify(&bare, &VerificationPolicy::default()).unwrap();
    assert_eq!(
        verify(&bare, &VerificationPolicy::default().require_body_hash()),
        Err(Error::MissingParameter("oauth_body_hash"))
    );
    // Never on a form body.
    let form = http::Request::post("https://api.example.com/doc")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"a=1".to_vec())
        .unwrap();
    let form = signed(&signer(), form, NOW);
    let h = format!(
        "{}, oauth_body_hash=\"2jmj7l5rSw0yVb%2FvlWAYkK%2FYBwk%3D\"",
        header(&form)
    );
    assert_eq!(
        verify(&with_header(&form, &h), &VerificationPolicy::default()),
        Err(Error::BodyHashMismatch)
    );
}

#[test]
fn malformed_and_oversized_input() {
    let req = signed(&signer(), get("https://api.example.com/r"), NOW);
    for bad in [
        "OAuth oauth_nonce=abc",
        "OAuth oauth_nonce=\"%G0\"",
        "OAuth a=\"b\" c=\"d\"",
    ] {
        assert!(
            matches!(
                verify(&with_header(&req, bad), &VerificationPolicy::default()),
                Err(Error::Malformed(_))
            ),
            "{bad}"
        );
    }
    let mut big = http::Request::post("https://api.example.com/r")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; authcore_oauth1::MAX_FORM_BODY_BYTES + 1])
        .unwrap();
    assert_eq!(
        verify(&big, &VerificationPolicy::default()),
        Err(Error::TooLarge("form body"))
    );
    *big.body_mut() = vec![0xff];
    assert_eq!(
        verify(&big, &VerificationPolicy::default()),
        Err(Error::Malformed("form body is not UTF-8"))
    );
    let long_nonce = header(&req).replace(
        "oauth_nonce=\"",
        &format!("oauth_nonce=\"{}", "n".repeat(200)),
    );
    assert_eq!(
        verify(
            &with_header(&req, &long_nonce),
            &VerificationPolicy::default()
        ),
        Err(Error::Malformed("oauth_nonce"))
    );
    // Origin-form target without a Host header.
    let mut origin = req.clone();
    *origin.uri_mut() = "/r".parse().unwrap();
    assert_eq!(
        verify(&origin, &VerificationPolicy::default()),
        Err(Error::Malformed("no Host header"))
    );
}

#[test]
fn rsa_sha256_and_rsa_sha1() {
    let provider = authcore_jose::crypto::default_provider();
    let jwk = authcore_jose::Jwk::from_json(RSA_JWK.as_bytes()).unwrap();
    let key = authcore_oauth1::ClientKey::rsa(&jwk, provider).unwrap();
    let s = Signer::new_rsa("rsa-client", key).with_token_credentials("token-1", "token secret");
    let req = signed(&s, get("https://api.example.com/r?x=1"), NOW);
    let public = ClientVerificationKey::RsaPublic(Box::new(jwk.to_public().unwrap()));
    let p = SignedRequest::from_http(&req, "https").unwrap();
    let ts = Secret::new("token secret");
    p.clone()
        .verify(&public, Some(&ts), &VerificationPolicy::default(), NOW)
        .unwrap()
        .complete(true)
        .unwrap();
    // A shared-secret key for an RSA signature, and another RSA key, both fail.
    assert_eq!(
        p.clone()
            .verify(
                &client_key(),
                Some(&ts),
                &VerificationPolicy::default(),
                NOW
            )
            .unwrap_err(),
        Error::InvalidSignature
    );
    // RSA-SHA1: the client cannot sign it (no backend signs PKCS#1 v1.5 with SHA-1).
    let key = authcore_oauth1::ClientKey::rsa(&jwk, provider).unwrap();
    let s1 = Signer::new_rsa("rsa-client", key).with_method(SignatureMethod::RsaSha1);
    let mut r = get("https://api.example.com/r");
    assert!(matches!(
        s1.sign(&mut r, NOW, &InsecureTestRandom::new(1)),
        Err(Error::UnsupportedSignatureMethod(_))
    ));
}

/// RFC 7515 Appendix A.2's 2048-bit RSA key.
const RSA_JWK: &str = r#"{"kty":"RSA",
 "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
 "e":"AQAB",
 "d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
 "p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
 "q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
 "dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
 "dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
 "qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"}"#;
