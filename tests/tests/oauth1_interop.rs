//! OAuth 1.0a against PyPI `oauthlib` 4.0.1 and `requests-oauthlib` 2.0.0 (pinned in
//! `tests/interop/requirements.txt`, installed by package name by `tests/interop/setup.sh`,
//! driven through `tests/interop/oauth1_peer.py`):
//!
//! - requests signed here verify with oauthlib's `ResourceEndpoint` / `SignatureOnlyEndpoint`
//!   (HMAC-SHA1, HMAC-SHA256, RSA-SHA256, PLAINTEXT; header, body and query placement; with
//!   and without a token; a JSON body with `oauth_body_hash`), and a tampered copy of each
//!   does not;
//! - requests signed by oauthlib's `Client` and by requests-oauthlib's `OAuth1` (HMAC-SHA1,
//!   HMAC-SHA256, RSA-SHA1, RSA-SHA256, PLAINTEXT; header, body and query) verify here, and a
//!   tampered copy of each does not;
//! - the three-legged flow: requests-oauthlib's `OAuth1Session` against this crate's server
//!   (served on 127.0.0.1 at a free port by this test), and this crate's client against an
//!   oauthlib provider (served on 127.0.0.1 at a free port by the script), each ending with a
//!   protected resource request.

// Timestamps must be the real time (oauthlib's server reads its clock), and bounded waits
// measure elapsed time: reading the clock is the test harness's job here.
#![allow(clippy::disallowed_methods)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use authcore_jose::{Jwk, SecureRandom, UnixTime};
use authcore_oauth1::flow::{self, Callback, TemporaryCredentialsRecord};
use authcore_oauth1::{
    ClientKey, ClientVerificationKey, Error, Placement, Secret, SignatureMethod, SignedRequest,
    Signer, VerificationPolicy, VerifiedRequest,
};
use authcore_tests::peers::{self, PEER_LIMIT, interop_dir, run, setup};
use serde_json::{Value, json};
use url::Url;

/// oauthlib's default validator wants 20 to 30 alphanumeric characters in keys and tokens.
const CLIENT_KEY: &str = "authcoreclient0000000001";
const CLIENT_SECRET: &str = "client secret & more";
const TOKEN: &str = "authcoretoken00000000001";
const TOKEN_SECRET: &str = "token/secret";

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

fn python() -> Command {
    let mut c = Command::new(peers::python());
    c.arg(interop_dir().join("oauth1_peer.py"));
    c
}

fn now() -> UnixTime {
    UnixTime::try_from(SystemTime::now()).expect("clock after 1970")
}

fn rng() -> &'static dyn SecureRandom {
    authcore_jose::crypto::default_provider().system_random()
}

fn rsa_private() -> Jwk {
    Jwk::from_json(RSA_JWK.as_bytes()).expect("RSA JWK")
}

/// An `http::Request` as JSON for the peer.
fn request_json(name: &str, req: &http::Request<Vec<u8>>, extra: Value) -> Value {
    let headers: serde_json::Map<String, Value> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                Value::String(v.to_str().unwrap().to_owned()),
            )
        })
        .collect();
    let mut v = json!({
        "name": name,
        "method": req.method().as_str(),
        "uri": req.uri().to_string(),
        "headers": headers,
        "body": String::from_utf8(req.body().clone()).unwrap(),
    });
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    v
}

/// A JSON request from the peer as an `http::Request` (Content-Length dropped: the body is
/// what it is, and requests-oauthlib leaves a stale one after adding body parameters).
fn request_from_json(v: &Value) -> http::Request<Vec<u8>> {
    let mut b = http::Request::builder()
        .method(v["method"].as_str().unwrap())
        .uri(v["uri"].as_str().unwrap());
    for (k, val) in v["headers"].as_object().unwrap() {
        if !k.eq_ignore_ascii_case("content-length") {
            b = b.header(k.as_str(), val.as_str().unwrap());
        }
    }
    b.body(v["body"].as_str().unwrap_or("").as_bytes().to_vec())
        .unwrap()
}

#[test]
fn requests_signed_here_verify_with_oauthlib() {
    setup();
    let provider = authcore_jose::crypto::default_provider();
    let public_pem = rsa_private().to_public().unwrap().to_pem().unwrap();
    let mut cases = Vec::new();
    let mut expect = HashMap::new();
    for method in [
        SignatureMethod::HmacSha1,
        SignatureMethod::HmacSha256,
        SignatureMethod::RsaSha256,
        SignatureMethod::Plaintext,
    ] {
        for placement in [Placement::Header, Placement::Body, Placement::Query] {
            // oauthlib's server does not verify PLAINTEXT in the body or the query, not even
            // from its own Client (tests/interop/README.md): header placement only.
            if method == SignatureMethod::Plaintext && placement != Placement::Header {
                continue;
            }
            for with_token in [true, false] {
                let key = if method.is_rsa() {
                    ClientKey::rsa(&rsa_private(), provider).unwrap()
                } else {
                    ClientKey::Secret(Secret::new(CLIENT_SECRET))
                };
                let mut signer = Signer::new(CLIENT_KEY, key)
                    .with_method(method)
                    .with_placement(placement)
                    .with_realm("photos");
                if with_token {
                    signer = signer.with_token_credentials(TOKEN, TOKEN_SECRET);
                }
                let mut bodies = vec![(
                    "application/x-www-form-urlencoded",
                    "a=1&b=c+d&e=%C3%A9%21".to_owned(),
                )];
                if placement == Placement::Header {
                    bodies.push(("application/json", r#"{"a":[1,2],"b":"é"}"#.to_owned()));
                }
                for (ctype, body) in bodies {
                    let mut req = http::Request::post(
                        "https://photos.example.net/photos?file=vacation.jpg&size=original&x=1",
                    )
                    .header("content-type", ctype)
                    .body(body.into_bytes())
                    .unwrap();
                    signer.sign(&mut req, now(), rng()).unwrap();
                    let name = format!("{method} {placement:?} token={with_token} {ctype}");
                    let extra = json!({
                        "client_key": CLIENT_KEY,
                        "client_secret": CLIENT_SECRET,
                        "rsa_public_pem": public_pem,
                        "token": if with_token { Value::from(TOKEN) } else { Value::Null },
                        "token_secret": TOKEN_SECRET,
                    });
                    cases.push(request_json(&name, &req, extra.clone()));
                    expect.insert(name.clone(), true);
                    // Tampered: one query parameter changed after signing; for PLAINTEXT,
                    // which signs nothing, the verifier holds another client secret.
                    let mut bad = req.clone();
                    let mut bad_extra = extra;
                    if method == SignatureMethod::Plaintext {
                        bad_extra["client_secret"] = Value::from(format!("{CLIENT_SECRET}x"));
                    } else {
                        *bad.uri_mut() =
                            req.uri().to_string().replace("x=1", "x=2").parse().unwrap();
                    }
                    let bad_name = format!("{name} tampered");
                    cases.push(request_json(&bad_name, &bad, bad_extra));
                    expect.insert(bad_name, false);
                }
            }
        }
    }
    let out = run(
        {
            let mut c = python();
            c.arg("verify");
            c
        },
        serde_json::to_vec(&json!({ "cases": cases }))
            .unwrap()
            .as_slice(),
        PEER_LIMIT,
        "oauth1_peer.py verify",
    );
    let results: Vec<Value> = serde_json::from_slice(&out).expect("peer JSON");
    assert_eq!(results.len(), cases.len());
    let mut failures = Vec::new();
    for r in &results {
        let name = r["name"].as_str().unwrap();
        if r["ok"].as_bool() != Some(expect[name]) {
            failures.push(format!("{name}: ok={} error={}", r["ok"], r["error"]));
        }
    }
    assert!(
        failures.is_empty(),
        "oauthlib disagreed:\n{}",
        failures.join("\n")
    );
    // 3 methods × (header with 2 bodies + body + query) + PLAINTEXT × header with 2 bodies,
    // × 2 token settings, each tampered too.
    assert_eq!(results.len(), (3 * 4 + 2) * 2 * 2);
    let n = results.len() / 2;
    eprintln!("oauthlib accepted {n} requests signed here and rejected their {n} tampered copies");
}

#[test]
fn requests_signed_by_oauthlib_and_requests_oauthlib_verify_here() {
    setup();
    let mut cases = Vec::new();
    for library in ["oauthlib", "requests-oauthlib"] {
        for method in [
            "HMAC-SHA1",
            "HMAC-SHA256",
            "RSA-SHA1",
            "RSA-SHA256",
            "PLAINTEXT",
        ] {
            for placement in ["AUTH_HEADER", "BODY", "QUERY"] {
                let mut bodies =
                    vec![("application/x-www-form-urlencoded", "a=1&b=c+d&e=%C3%A9%21")];
                if placement != "BODY" {
                    bodies.push(("application/json", r#"{"a":[1,2]}"#));
                }
                for (ctype, body) in bodies {
                    cases.push(json!({
                        "name": format!("{library} {method} {placement} {ctype}"),
                        "library": library,
                        "signature_method": method,
                        "signature_type": placement,
                        "method": "POST",
                        "uri": "https://photos.example.net/photos?file=vacation.jpg&x=1",
                        "headers": {"Content-Type": ctype},
                        "body": body,
                        "client_key": CLIENT_KEY,
                        "client_secret": CLIENT_SECRET,
                        "token": TOKEN,
                        "token_secret": TOKEN_SECRET,
                    }));
                }
            }
        }
    }
    let out = run(
        {
            let mut c = python();
            c.arg("sign");
            c
        },
        serde_json::to_vec(&json!({ "cases": cases }))
            .unwrap()
            .as_slice(),
        PEER_LIMIT,
        "oauth1_peer.py sign",
    );
    let signed: Value = serde_json::from_slice(&out).expect("peer JSON");
    let public = Jwk::from_pem(signed["rsa_public_pem"].as_str().unwrap()).unwrap();
    let policy = VerificationPolicy::default().allow_plaintext_over_tls();
    let token_secret = Secret::new(TOKEN_SECRET);
    let mut failures = Vec::new();
    let mut n = 0;
    for v in signed["requests"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let req = request_from_json(v);
        let key = if name.contains(" RSA-") {
            ClientVerificationKey::RsaPublic(Box::new(public.clone()))
        } else {
            ClientVerificationKey::Secret(Secret::new(CLIENT_SECRET))
        };
        let check = |req: &http::Request<Vec<u8>>| -> Result<VerifiedRequest, Error> {
            let s = SignedRequest::from_http(req, "https")?;
            s.verify(&key, Some(&token_secret), &policy, now())?
                .complete(true)
        };
        match check(&req) {
            Ok(v) => assert_eq!(v.token(), Some(TOKEN)),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        // Tampered: a query parameter changed; for PLAINTEXT, which signs nothing, another
        // client secret on this side.
        let tampered = if name.contains("PLAINTEXT") {
            let wrong = ClientVerificationKey::Secret(Secret::new(format!("{CLIENT_SECRET}x")));
            SignedRequest::from_http(&req, "https")
                .and_then(|s| s.verify(&wrong, Some(&token_secret), &policy, now()))
                .is_ok()
        } else {
            let mut bad = req.clone();
            *bad.uri_mut() = req.uri().to_string().replace("x=1", "x=2").parse().unwrap();
            check(&bad).is_ok()
        };
        if tampered {
            failures.push(format!("{name}: tampered copy verified"));
        }
        n += 1;
    }
    assert!(
        failures.is_empty(),
        "not verified here:\n{}",
        failures.join("\n")
    );
    assert_eq!(n, 2 * 5 * 5);
    eprintln!(
        "verified {n} requests signed by oauthlib and requests-oauthlib, and rejected their {n} tampered copies"
    );
}

// ---- a minimal HTTP/1.1 exchange over loopback, enough for these flows ----

fn read_message(stream: &mut TcpStream) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').unwrap();
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    match len {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).unwrap();
        }
        None if first.starts_with("HTTP/") => {
            reader.read_to_end(&mut body).unwrap();
        }
        None => {}
    }
    (first.trim_end().to_owned(), headers, body)
}

/// Sends `req` (absolute URI) to its host over plain TCP; returns the response.
fn send(req: &http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
    let uri = req.uri();
    let authority = uri.authority().unwrap().as_str();
    let mut s = TcpStream::connect(authority).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        req.method(),
        uri.path_and_query().map_or("/", |p| p.as_str()),
        req.body().len()
    );
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(req.body()).unwrap();
    let (status, headers, body) = read_message(&mut s);
    let code: u16 = status.split(' ').nth(1).unwrap().parse().unwrap();
    let mut b = http::Response::builder().status(code);
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.body(body).unwrap()
}

/// The authcore provider the requests-oauthlib client talks to: storage in memory, every
/// step through authcore-oauth1's server functions.
#[derive(Default)]
struct Provider {
    temporary: HashMap<String, TemporaryCredentialsRecord>,
    tokens: HashMap<String, Secret>,
    nonces: HashSet<authcore_oauth1::NonceCheck>,
}

impl Provider {
    fn verify(&mut self, req: &http::Request<Vec<u8>>) -> Result<VerifiedRequest, Error> {
        let signed = SignedRequest::from_http(req, "http")?;
        if signed.consumer_key() != CLIENT_KEY {
            return Err(Error::InvalidConsumerKey);
        }
        let secret = match signed.token() {
            None => None,
            Some(t) => Some(
                self.temporary
                    .get(t)
                    .map(|r| r.credentials.secret.clone())
                    .or_else(|| self.tokens.get(t).cloned())
                    .ok_or(Error::InvalidToken)?,
            ),
        };
        let pending = signed.verify(
            &ClientVerificationKey::Secret(Secret::new(CLIENT_SECRET)),
            secret.as_ref(),
            &VerificationPolicy::default(),
            now(),
        )?;
        let inserted = self.nonces.insert(pending.nonce_check().clone());
        pending.complete(inserted)
    }

    fn handle(&mut self, req: &http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> {
        let url = Url::parse(&format!("http://host{}", req.uri())).unwrap();
        match url.path() {
            "/initiate" => {
                let v = self.verify(req)?;
                let (record, resp) = flow::issue_temporary_credentials(&v, rng())?;
                self.temporary
                    .insert(record.credentials.token.clone(), record);
                Ok(resp)
            }
            "/authorize" => {
                // The resource owner approves at once (the test plays the user).
                let token = flow::parse_authorization_request(&url)?;
                let record = self
                    .temporary
                    .get(&token)
                    .cloned()
                    .ok_or(Error::InvalidToken)?;
                let a = flow::authorize(record, rng())?;
                let location = a.redirect.clone().expect("a callback URI").to_string();
                self.temporary.insert(token, a.record);
                Ok(http::Response::builder()
                    .status(302)
                    .header("location", location)
                    .body(Vec::new())
                    .unwrap())
            }
            "/token" => {
                let v = self.verify(req)?;
                let record = self
                    .temporary
                    .get(v.token().unwrap_or(""))
                    .ok_or(Error::InvalidToken)?;
                let issued = flow::issue_token_credentials(&v, record, rng())?;
                self.temporary
                    .remove(&issued.consume.token)
                    .ok_or(Error::InvalidToken)?;
                self.tokens.insert(
                    issued.credentials.token.clone(),
                    issued.credentials.secret.clone(),
                );
                Ok(issued.response)
            }
            "/resource" => {
                let v = self.verify(req)?;
                let token = v.token().ok_or(Error::InvalidToken)?;
                if !self.tokens.contains_key(token) {
                    return Err(Error::InvalidToken);
                }
                Ok(http::Response::new(format!("hello {token}").into_bytes()))
            }
            _ => Ok(http::Response::builder()
                .status(404)
                .body(Vec::new())
                .unwrap()),
        }
    }
}

#[test]
fn requests_oauthlib_session_against_the_authcore_provider() {
    setup();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let provider = Arc::new(Mutex::new(Provider::default()));
    let p = provider.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (line, headers, body) = read_message(&mut stream);
            let mut parts = line.split(' ');
            let (method, target) = (parts.next().unwrap(), parts.next().unwrap());
            let mut b = http::Request::builder().method(method).uri(target);
            for (k, v) in &headers {
                b = b.header(k.as_str(), v.as_str());
            }
            let req = b.body(body).unwrap();
            let resp = p
                .lock()
                .unwrap()
                .handle(&req)
                .unwrap_or_else(|e| e.to_response());
            let mut head = format!(
                "HTTP/1.1 {}\r\nConnection: close\r\nContent-Length: {}\r\n",
                resp.status(),
                resp.body().len()
            );
            for (k, v) in resp.headers() {
                head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap()));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(resp.body());
        }
    });
    for method in ["HMAC-SHA1", "HMAC-SHA256"] {
        let out = run(
            {
                let mut c = python();
                c.args([
                    "client-flow",
                    &format!("http://127.0.0.1:{port}"),
                    CLIENT_KEY,
                    CLIENT_SECRET,
                    method,
                ]);
                c
            },
            b"",
            PEER_LIMIT,
            "oauth1_peer.py client-flow",
        );
        let v: Value = serde_json::from_slice(&out).expect("peer JSON");
        let token = v["access_token"].as_str().unwrap();
        assert_eq!(v["resource_status"], 200, "{method}: {v}");
        assert_eq!(v["resource_body"], format!("hello {token}"));
        let p = provider.lock().unwrap();
        assert!(p.tokens.contains_key(token));
        assert!(
            !p.temporary
                .contains_key(v["temporary_token"].as_str().unwrap()),
            "temporary credentials consumed"
        );
    }
}

#[test]
fn authcore_client_against_an_oauthlib_provider() {
    setup();
    let mut child = python()
        .args(["server", CLIENT_KEY, CLIENT_SECRET])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start oauthlib provider");
    // Readiness: the script prints its port once listening; wait for it with a deadline.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("the oauthlib provider did not report its port within 60 s");
        }
    };
    let port = serde_json::from_str::<Value>(&line).expect("port line")["port"]
        .as_u64()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let result = std::panic::catch_unwind(|| {
        for method in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
            let signer = || Signer::new(CLIENT_KEY, Secret::new(CLIENT_SECRET)).with_method(method);
            let cb = Callback::Uri(Url::parse("https://client.example/callback").unwrap());
            let (req, pending) = flow::request_temporary_credentials(
                &signer(),
                &Url::parse(&format!("{base}/initiate")).unwrap(),
                &cb,
                now(),
                rng(),
            )
            .unwrap();
            let resp = send(&req);
            assert_eq!(
                resp.status(),
                200,
                "{method}: {}",
                String::from_utf8_lossy(resp.body())
            );
            let temp = pending.handle_response(&resp).unwrap();
            let auth = temp.authorization_url(&Url::parse(&format!("{base}/authorize")).unwrap());
            let resp = send(&http::Request::get(auth.as_str()).body(Vec::new()).unwrap());
            assert_eq!(
                resp.status(),
                302,
                "{}",
                String::from_utf8_lossy(resp.body())
            );
            let location = Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
            let authorized = temp.handle_callback(&location).unwrap();
            let (req, pending) = authorized
                .token_request(
                    signer(),
                    &Url::parse(&format!("{base}/token")).unwrap(),
                    now(),
                    rng(),
                )
                .unwrap();
            let resp = send(&req);
            assert_eq!(
                resp.status(),
                200,
                "{}",
                String::from_utf8_lossy(resp.body())
            );
            let creds = pending.handle_response(&resp).unwrap();
            let mut r = http::Request::get(format!("{base}/resource?file=vacation.jpg"))
                .body(Vec::new())
                .unwrap();
            signer()
                .with_credentials(creds.clone())
                .sign(&mut r, now(), rng())
                .unwrap();
            let resp = send(&r);
            assert_eq!(
                resp.status(),
                200,
                "{}",
                String::from_utf8_lossy(resp.body())
            );
            assert_eq!(resp.body(), format!("hello {}", creds.token).as_bytes());
            // The same signed request again: oauthlib refuses the replayed nonce.
            assert_eq!(send(&r).status(), 401);
        }
    });
    drop(child.stdin.take());
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
