//! `authcore oauth1 sign` and `authcore oauth1 verify`: the RFC 5849 §1.2 example, sign →
//! verify round trips for each placement, and the failures (exit 1 for a rejected request,
//! 2 for usage errors).

use std::process::{Command, Output};

use serde_json::Value;

const URL: &str = "http://photos.example.net/photos?file=vacation.jpg&size=original";
const RFC_HEADER: &str = "Authorization: OAuth realm=\"Photos\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_token=\"nnch734d00sl2jdk\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"137131202\", oauth_nonce=\"chapoH\", oauth_signature=\"MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D\"";

fn authcore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authcore"))
        .args(args)
        .env_remove("AUTHCORE_CONSUMER_SECRET")
        .env_remove("AUTHCORE_TOKEN_SECRET")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .trim_end()
        .to_owned()
}

const SECRETS: [&str; 4] = [
    "--consumer-secret",
    "kd94hf93k423kf44",
    "--token-secret",
    "pfkkdhi9sl3r4s00",
];

#[test]
fn verify_accepts_the_rfc5849_example_at_its_time() {
    let mut args = vec!["oauth1", "verify", "-H", RFC_HEADER, "--now", "137131202"];
    args.extend(SECRETS);
    args.extend(["GET", URL]);
    let o = authcore(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["token"], "nnch734d00sl2jdk");
    assert!(
        v["base_string"]
            .as_str()
            .unwrap()
            .starts_with("GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg")
    );
    // An hour later: outside the window (exit 1, the reason and the base string on stderr).
    args[5] = "137134802";
    let o = authcore(&args);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("outside the accepted window") && err.contains("HTTP 401"),
        "{err}"
    );
    // Another secret: invalid signature.
    let o = authcore(&[
        "oauth1",
        "verify",
        "-H",
        RFC_HEADER,
        "--now",
        "137131202",
        "--consumer-secret",
        "x",
        "--token-secret",
        "pfkkdhi9sl3r4s00",
        "GET",
        URL,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid signature"));
}

#[test]
fn sign_then_verify_for_each_placement_and_method() {
    for method in ["HMAC-SHA1", "HMAC-SHA256"] {
        for placement in ["header", "body", "query"] {
            let mut args = vec![
                "oauth1",
                "sign",
                "--consumer-key",
                "dpf43f3p2l4k3l03",
                "--token",
                "nnch734d00sl2jdk",
                "--method",
                method,
                "--placement",
                placement,
                "--now",
                "1700000000",
            ];
            args.extend(SECRETS);
            args.extend(["POST", URL, "--data", "a=1&b=two+words"]);
            let o = authcore(&args);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            let out = stdout(&o);
            let mut v = vec!["oauth1", "verify", "--now", "1700000100"];
            v.extend(SECRETS);
            let (url, data) = match placement {
                "header" => {
                    assert!(
                        out.starts_with(
                            "Authorization: OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\""
                        ),
                        "{out}"
                    );
                    v.extend(["-H", out.as_str()]);
                    (URL, "a=1&b=two+words")
                }
                "body" => (URL, out.as_str()),
                _ => (out.as_str(), "a=1&b=two+words"),
            };
            v.extend(["POST", url, "--data", data]);
            let o = authcore(&v);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{method} {placement}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            // The body changed after signing: rejected.
            let tampered = data.replace("a=1", "a=2");
            let last = v.len() - 1;
            v[last] = &tampered;
            assert_eq!(authcore(&v).status.code(), Some(1), "{method} {placement}");
        }
    }
}

#[test]
fn usage_errors() {
    // No secret for HMAC, PLAINTEXT over http, RSA without a key, a request without OAuth.
    let o = authcore(&["oauth1", "sign", "--consumer-key", "k", "GET", URL]);
    assert_eq!(o.status.code(), Some(2));
    let o = authcore(&[
        "oauth1",
        "sign",
        "--consumer-key",
        "k",
        "--consumer-secret",
        "s",
        "--method",
        "PLAINTEXT",
        "GET",
        URL,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("https"));
    let o = authcore(&[
        "oauth1",
        "sign",
        "--consumer-key",
        "k",
        "--method",
        "RSA-SHA256",
        "GET",
        URL,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = authcore(&["oauth1", "verify", "--consumer-secret", "s", "GET", URL]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing parameter"));
    // The request names a token but no token secret was given.
    let o = authcore(&[
        "oauth1",
        "verify",
        "-H",
        RFC_HEADER,
        "--consumer-secret",
        "s",
        "GET",
        URL,
    ]);
    assert_eq!(o.status.code(), Some(2));
}
