//! Runs the built `authcore` binary: every command's success path, exit status 1 for rejected
//! tokens and 2 for usage errors and unreadable input, stdin, and sign → verify round trips.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// The result of one run of the binary.
struct Out {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).expect("stdout is JSON")
    }

    /// The first stdout line (a token).
    fn line(&self) -> String {
        self.text().trim_end().to_owned()
    }
}

fn run_with(args: &[&str], stdin: &[u8]) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authcore"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    // The binary may exit before reading (a usage error); a closed pipe is fine then.
    let _ = input.write_all(stdin);
    drop(input);
    let out = child.wait_with_output().expect("the binary finishes");
    Out {
        code: out.status.code().expect("exit status, not a signal"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and insists on exit status 0.
#[track_caller]
fn ok(args: &[&str], stdin: &[u8]) -> Out {
    let out = run_with(args, stdin);
    assert_eq!(out.code, 0, "{args:?} failed: {}", out.stderr);
    out
}

/// Runs and insists on `code`, with a one-line reason on stderr.
#[track_caller]
fn fails(code: i32, args: &[&str], stdin: &[u8]) -> Out {
    let out = run_with(args, stdin);
    assert_eq!(
        out.code,
        code,
        "{args:?}: stdout {:?} stderr {}",
        out.text(),
        out.stderr
    );
    assert!(
        !out.stderr.trim().is_empty(),
        "{args:?}: no reason on stderr"
    );
    if code == 1 {
        assert_eq!(
            out.stderr.trim_end().lines().count(),
            1,
            "one line: {}",
            out.stderr
        );
        assert!(
            out.stdout.is_empty(),
            "a rejected token prints nothing on stdout"
        );
    }
    out
}

/// A fresh directory for one test.
fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("authcore-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, contents).expect("write temp file");
    p.to_str().expect("UTF-8 path").to_owned()
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// Generates a private key for `alg` (with `provider`) and writes it and its public part.
fn keypair(d: &Path, provider: &str, alg: &str) -> (String, String) {
    let private = ok(
        &["--provider", provider, "jwk", "generate", "--alg", alg],
        b"",
    );
    let private = write(d, &format!("{alg}.jwk"), &private.stdout);
    let public = ok(&["jwk", "public", &private], b"");
    (private, write(d, &format!("{alg}.pub.jwk"), &public.stdout))
}

/// Changes one character in the middle of part `part` (0 header, 1 payload, 2 signature) of a
/// compact token, keeping it valid base64url.
fn tamper(token: &str, part: usize) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let p = &mut parts[part];
    let i = p.len() / 2;
    let c = p.as_bytes()[i];
    let replacement = if c == b'A' { "B" } else { "A" };
    p.replace_range(i..=i, replacement);
    parts.join(".")
}

const CLAIMS: &[u8] = br#"{"iss":"https://issuer.example","aud":"authcore-demo","sub":"alice"}"#;
const NOW: &str = "1700000000";

/// `jwt sign` → `jwt verify`, `jws sign` (compact, JSON, detached) → `jws verify`, and the
/// tampered versions, for one key pair.
fn round_trip(provider: &str, private: &str, public: &str) {
    let p = ["--provider", provider];
    let sign = [
        &p[..],
        &[
            "jwt", "sign", "--key", private, "--exp-in", "600", "--now", NOW,
        ],
    ]
    .concat();
    let token = ok(&sign, CLAIMS).line();
    let verify = |key: &str, token: &str| {
        [
            &p[..],
            &[
                "jwt",
                "verify",
                "--key",
                key,
                "--iss",
                "https://issuer.example",
            ],
        ]
        .concat()
        .into_iter()
        .chain(["--aud", "authcore-demo", "--now", NOW, "--typ", "JWT"])
        .map(str::to_owned)
        .chain([token.to_owned()])
        .collect::<Vec<String>>()
    };
    let args = verify(public, &token);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let claims = ok(&args, b"").json();
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["iat"], 1_700_000_000u64);
    assert_eq!(claims["exp"], 1_700_000_600u64);

    // The private key verifies too (its public part is used).
    let args = verify(private, &token);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&args, b"");

    for part in 0..3 {
        let bad = tamper(&token, part);
        let args = verify(public, &bad);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(1, &args, b"");
    }

    let payload = b"any bytes \x00\xff at all\n";
    let jws = [&p[..], &["jws", "sign", "--key", private]].concat();
    let verify_jws = [&p[..], &["jws", "verify", "--key", public]].concat();
    let compact = ok(&jws, payload).line();
    assert_eq!(
        ok(&[&verify_jws[..], &[&compact]].concat(), b"").stdout,
        payload
    );
    fails(1, &[&verify_jws[..], &[&tamper(&compact, 2)]].concat(), b"");

    let json = ok(&[&jws[..], &["--json"]].concat(), payload).line();
    assert!(json.starts_with('{'));
    assert_eq!(
        ok(&[&verify_jws[..], &["-"]].concat(), json.as_bytes()).stdout,
        payload
    );
}

#[test]
fn readme_command_verifies_the_sample_token() {
    let out = ok(
        &[
            "jwt",
            "verify",
            "--key",
            &sample("es256.pub.jwk"),
            "--iss",
            "https://issuer.example",
            "--aud",
            "authcore-demo",
            "--now",
            "1700000000",
            &sample("es256.jwt"),
        ],
        b"",
    );
    let claims = out.json();
    assert_eq!(claims["iss"], "https://issuer.example");
    assert_eq!(claims["aud"], "authcore-demo");
}

#[test]
fn sample_hs256_token_verifies_and_expires() {
    let args = |now: &str| {
        vec![
            "jwt".to_owned(),
            "verify".into(),
            "--key".into(),
            sample("hs256.jwk"),
            "--iss".into(),
            "https://issuer.example".into(),
            "--aud".into(),
            "authcore-demo".into(),
            "--now".into(),
            now.into(),
            sample("hs256.jwt"),
        ]
    };
    let a = args(NOW);
    ok(&a.iter().map(String::as_str).collect::<Vec<_>>(), b"");
    let a = args("1800000000");
    let out = fails(1, &a.iter().map(String::as_str).collect::<Vec<_>>(), b"");
    assert!(out.stderr.contains("expired"), "{}", out.stderr);
}

#[test]
fn round_trip_hs256() {
    let d = dir("hs256");
    let private = write(
        &d,
        "h.jwk",
        ok(&["jwk", "generate", "--alg", "HS256"], b"").stdout,
    );
    round_trip("ring", &private, &private);
}

#[test]
fn round_trip_es256() {
    let d = dir("es256");
    let (private, public) = keypair(&d, "ring", "ES256");
    round_trip("ring", &private, &public);
}

#[test]
fn round_trip_es384() {
    let d = dir("es384");
    let (private, public) = keypair(&d, "ring", "ES384");
    round_trip("ring", &private, &public);
}

#[test]
fn round_trip_eddsa() {
    let d = dir("eddsa");
    let (private, public) = keypair(&d, "ring", "EdDSA");
    round_trip("ring", &private, &public);
}

#[test]
fn round_trip_rs256_and_ps256_with_the_sample_rsa_key() {
    let d = dir("rsa");
    let private = sample("rs256.jwk");
    let public = write(
        &d,
        "rs.pub.jwk",
        ok(&["jwk", "public", &private], b"").stdout,
    );
    round_trip("ring", &private, &public);
    // The same RSA key without its `alg`, used for PS256 through --alg on both sides.
    let mut jwk: Value = serde_json::from_slice(&std::fs::read(&private).unwrap()).unwrap();
    jwk.as_object_mut().unwrap().remove("alg");
    let no_alg = write(&d, "rs.noalg.jwk", jwk.to_string());
    let token = ok(&["jws", "sign", "--key", &no_alg, "--alg", "PS256"], b"pss").line();
    let out = ok(
        &[
            "jws",
            "verify",
            "--key",
            &sample("rs256.pub.pem"),
            "--alg",
            "PS256",
            &token,
        ],
        b"",
    );
    assert_eq!(out.stdout, b"pss");
    // Only RS256 allowed: the PS256 token is rejected.
    fails(
        1,
        &["jws", "verify", "--key", &no_alg, "--alg", "RS256", &token],
        b"",
    );
}

#[test]
fn jwk_generate_public_and_thumbprint_agree() {
    let d = dir("thumbprint");
    let (private, public) = keypair(&d, "ring", "EdDSA");
    let jwk: Value = serde_json::from_slice(&std::fs::read(&private).unwrap()).unwrap();
    assert!(jwk.get("d").is_some());
    assert_eq!(jwk["alg"], "EdDSA");
    let pubjwk: Value = serde_json::from_slice(&std::fs::read(&public).unwrap()).unwrap();
    assert!(pubjwk.get("d").is_none());
    assert_eq!(pubjwk["x"], jwk["x"]);
    let t1 = ok(&["jwk", "thumbprint", &private], b"").line();
    let t2 = ok(&["jwk", "thumbprint", "--hash", "sha256", &public], b"").line();
    assert_eq!(t1, t2);
    assert_eq!(
        jwk["kid"],
        t1.as_str(),
        "default kid is the SHA-256 thumbprint"
    );
    assert_eq!(t1.len(), 43);
    assert_eq!(
        ok(&["jwk", "thumbprint", "--hash", "sha384", &public], b"")
            .line()
            .len(),
        64
    );
    assert_eq!(
        ok(
            &["jwk", "thumbprint", "--hash", "sha512", "-"],
            &std::fs::read(&public).unwrap()
        )
        .line()
        .len(),
        86
    );

    let named = ok(&["jwk", "generate", "--alg", "HS384", "--kid", "k1"], b"").json();
    assert_eq!(named["kid"], "k1");
    assert_eq!(named["kty"], "oct");
    assert_eq!(named["alg"], "HS384");
}

#[test]
fn rfc7638_thumbprint() {
    // RFC 7638 §3.1.
    let d = dir("rfc7638");
    let key = write(
        &d,
        "k.jwk",
        r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
    );
    let t = ok(&["jwk", "thumbprint", &key], b"").line();
    assert_eq!(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

#[test]
fn jwk_public_handles_sets_and_refuses_symmetric_keys() {
    let d = dir("public-set");
    let (ed, _) = keypair(&d, "ring", "EdDSA");
    let (es, _) = keypair(&d, "ring", "ES256");
    let ed: Value = serde_json::from_slice(&std::fs::read(&ed).unwrap()).unwrap();
    let es: Value = serde_json::from_slice(&std::fs::read(&es).unwrap()).unwrap();
    let set = write(
        &d,
        "set.json",
        serde_json::json!({"keys": [ed, es]}).to_string(),
    );
    let out = ok(&["jwk", "public", &set], b"").json();
    let keys = out["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.get("d").is_none()));

    let oct = write(
        &d,
        "oct.jwk",
        ok(&["jwk", "generate", "--alg", "HS256"], b"").stdout,
    );
    fails(2, &["jwk", "public", &oct], b"");
    fails(2, &["jwk", "thumbprint", &set], b"");
}

#[test]
fn jwk_from_pem_matches_the_sample_jwk() {
    let private = ok(
        &[
            "jwk",
            "from-pem",
            "--alg",
            "RS256",
            "--kid",
            "rs256-sample",
            &sample("rs256.pem"),
        ],
        b"",
    )
    .json();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(sample("rs256.jwk")).unwrap()).unwrap();
    assert_eq!(private, expected);
    let public = ok(&["jwk", "from-pem", &sample("rs256.pub.pem")], b"").json();
    assert_eq!(public["n"], expected["n"]);
    assert!(public.get("d").is_none());
    assert!(public.get("alg").is_none());
    // --alg is checked against the key type.
    fails(
        2,
        &["jwk", "from-pem", "--alg", "ES256", &sample("rs256.pem")],
        b"",
    );
    // Not PEM.
    fails(2, &["jwk", "from-pem", &sample("rs256.jwk")], b"");
}

#[test]
fn pem_key_without_alg_needs_alg() {
    let token = ok(&["jws", "sign", "--key", &sample("rs256.jwk")], b"x").line();
    let out = fails(
        2,
        &["jws", "verify", "--key", &sample("rs256.pub.pem"), &token],
        b"",
    );
    assert!(out.stderr.contains("--alg"), "{}", out.stderr);
    ok(
        &[
            "jws",
            "verify",
            "--key",
            &sample("rs256.pub.pem"),
            "--alg",
            "RS256",
            &token,
        ],
        b"",
    );
}

#[test]
fn jwt_decode_prints_unverified_json_and_warns() {
    let out = ok(&["jwt", "decode", &sample("es256.jwt")], b"");
    let v = out.json();
    assert_eq!(v["verified"], false);
    assert_eq!(v["header"]["alg"], "ES256");
    assert_eq!(v["claims"]["iss"], "https://issuer.example");
    assert!(out.stderr.contains("NOT verified"), "{}", out.stderr);
    let text = out.text();
    assert!(
        text.find("\"header\"") < text.find("\"claims\""),
        "header first"
    );

    // stdin, with a trailing newline.
    let token = std::fs::read(sample("es256.jwt")).unwrap();
    assert_eq!(ok(&["jwt", "decode", "-"], &token).json(), v);

    // An unsecured token is shown (decode checks nothing), a broken one is rejected.
    let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.";
    assert_eq!(
        ok(&["jwt", "decode", none], b"").json()["header"]["alg"],
        "none"
    );
    fails(1, &["jwt", "decode", "not-a-token"], b"");
    fails(1, &["jwt", "decode", "a.b.c.d.e"], b"");
    fails(
        1,
        &["jwt", "decode", "eyJhbGciOiJub25lIn0.bm90IGpzb24."],
        b"",
    );
}

#[test]
fn jwt_verify_rejections_exit_1() {
    let d = dir("rejections");
    let (private, public) = keypair(&d, "ring", "EdDSA");
    let token = ok(
        &[
            "jwt", "sign", "--key", &private, "--exp-in", "60", "--now", NOW,
        ],
        CLAIMS,
    )
    .line();
    let token = token.as_str();
    let base = ["jwt", "verify", "--key", &public];
    let iss = ["--iss", "https://issuer.example"];
    let aud = ["--aud", "authcore-demo"];
    let now = ["--now", NOW];
    ok(&[&base[..], &iss, &aud, &now, &[token]].concat(), b"");

    // Expired: exp = NOW + 60.
    let out = fails(
        1,
        &[&base[..], &iss, &aud, &["--now", "1700000060"], &[token]].concat(),
        b"",
    );
    assert!(out.stderr.contains("expired"), "{}", out.stderr);
    // ... unless within the leeway.
    ok(
        &[
            &base[..],
            &iss,
            &aud,
            &["--now", "1700000060", "--leeway", "5"],
            &[token],
        ]
        .concat(),
        b"",
    );
    // Issued in the future.
    fails(
        1,
        &[&base[..], &iss, &aud, &["--now", "1699999000"], &[token]].concat(),
        b"",
    );
    // Wrong issuer, wrong audience, missing --aud while the token has `aud`.
    let out = fails(
        1,
        &[
            &base[..],
            &["--iss", "https://other.example"],
            &aud,
            &now,
            &[token],
        ]
        .concat(),
        b"",
    );
    assert!(out.stderr.contains("issuer"), "{}", out.stderr);
    let out = fails(
        1,
        &[&base[..], &iss, &["--aud", "someone-else"], &now, &[token]].concat(),
        b"",
    );
    assert!(out.stderr.contains("audience"), "{}", out.stderr);
    fails(1, &[&base[..], &iss, &now, &[token]].concat(), b"");
    // Several audiences: one match is enough.
    ok(
        &[
            &base[..],
            &iss,
            &["--aud", "x", "--aud", "authcore-demo"],
            &now,
            &[token],
        ]
        .concat(),
        b"",
    );
    // Subject, typ, max age.
    ok(
        &[
            &base[..],
            &aud,
            &now,
            &["--sub", "alice", "--typ", "jwt", "--max-age", "10"],
            &[token],
        ]
        .concat(),
        b"",
    );
    fails(
        1,
        &[&base[..], &aud, &now, &["--sub", "bob"], &[token]].concat(),
        b"",
    );
    fails(
        1,
        &[&base[..], &aud, &now, &["--typ", "at+jwt"], &[token]].concat(),
        b"",
    );
    fails(
        1,
        &[
            &base[..],
            &aud,
            &["--now", "1700000030", "--max-age", "10"],
            &[token],
        ]
        .concat(),
        b"",
    );
    // Signed by another key.
    let (_, other) = keypair(&d, "ring", "Ed25519");
    let mut other_jwk: Value = serde_json::from_slice(&std::fs::read(&other).unwrap()).unwrap();
    other_jwk["alg"] = "EdDSA".into();
    let other = write(&d, "other.jwk", other_jwk.to_string());
    fails(
        1,
        &[
            "jwt", "verify", "--key", &other, aud[0], aud[1], now[0], now[1], token,
        ],
        b"",
    );
    // Not a JWT at all, and a JWE-shaped input.
    fails(1, &[&base[..], &aud, &now, &["garbage"]].concat(), b"");
    fails(1, &[&base[..], &aud, &now, &["a.b.c.d.e"]].concat(), b"");
    // A token without `exp` is rejected (exp is required).
    let no_exp = ok(&["jwt", "sign", "--key", &private], br#"{"sub":"x"}"#).line();
    fails(1, &[&base[..], &now, &[&no_exp]].concat(), b"");
}

#[test]
fn algorithm_comes_from_the_key_never_the_token() {
    let d = dir("alg-allow-list");
    // A 64-byte oct key without `alg`.
    let secret = write(
        &d,
        "s.jwk",
        r#"{"kty":"oct","k":"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_QA"}"#,
    );
    let token = ok(
        &[
            "jwt", "sign", "--key", &secret, "--alg", "HS256", "--exp-in", "60", "--now", NOW,
        ],
        b"{}",
    )
    .line();
    let token = token.as_str();
    let v = ["jwt", "verify", "--key", &secret, "--now", NOW];
    // No --alg: usage error, whatever the token says.
    let out = fails(2, &[&v[..], &[token]].concat(), b"");
    assert!(out.stderr.contains("--alg"), "{}", out.stderr);
    ok(&[&v[..], &["--alg", "HS256", token]].concat(), b"");
    ok(
        &[&v[..], &["--alg", "HS512", "--alg", "HS256", token]].concat(),
        b"",
    );
    // HS384 only: the HS256 token is rejected.
    let out = fails(1, &[&v[..], &["--alg", "HS384", token]].concat(), b"");
    assert!(out.stderr.contains("not allowed"), "{}", out.stderr);
    // A key with `alg` and an --alg list that excludes it: usage error.
    let hs = write(
        &d,
        "hs.jwk",
        ok(&["jwk", "generate", "--alg", "HS256"], b"").stdout,
    );
    fails(
        2,
        &["jws", "verify", "--key", &hs, "--alg", "HS384", token],
        b"",
    );
    // An HS256 token checked against a public EC key: the key's algorithm decides.
    let (_, es_pub) = keypair(&d, "ring", "ES256");
    fails(
        1,
        &["jwt", "verify", "--key", &es_pub, "--now", NOW, token],
        b"",
    );
    // An alg: none token never verifies.
    let none = "eyJhbGciOiJub25lIn0.eyJleHAiOjE4MDAwMDAwMDB9.";
    fails(1, &[&v[..], &["--alg", "HS256", none]].concat(), b"");
}

#[test]
fn jwk_set_keys_use_their_alg_and_alg_is_the_allow_list() {
    let d = dir("jwk-set");
    let (ed_priv, ed_pub) = keypair(&d, "ring", "EdDSA");
    let (es_priv, es_pub) = keypair(&d, "ring", "ES256");
    let read = |p: &str| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let set = write(
        &d,
        "set.json",
        serde_json::json!({"keys": [read(&ed_pub), read(&es_pub)]}).to_string(),
    );
    let ed_token = ok(&["jws", "sign", "--key", &ed_priv], b"ed").line();
    let es_token = ok(&["jws", "sign", "--key", &es_priv], b"es").line();
    assert_eq!(
        ok(&["jws", "verify", "--key", &set, &ed_token], b"").stdout,
        b"ed"
    );
    assert_eq!(
        ok(&["jws", "verify", "--key", &set, &es_token], b"").stdout,
        b"es"
    );
    ok(
        &["jws", "verify", "--key", &set, "--alg", "ES256", &es_token],
        b"",
    );
    fails(
        1,
        &["jws", "verify", "--key", &set, "--alg", "ES256", &ed_token],
        b"",
    );
    // No key fits the allow-list.
    fails(
        2,
        &["jws", "verify", "--key", &set, "--alg", "HS256", &ed_token],
        b"",
    );
    // A set whose keys have no `alg` needs --alg.
    let mut bare = read(&es_pub);
    bare.as_object_mut().unwrap().remove("alg");
    let bare_set = write(
        &d,
        "bare.json",
        serde_json::json!({"keys": [bare]}).to_string(),
    );
    fails(2, &["jws", "verify", "--key", &bare_set, &es_token], b"");
    ok(
        &[
            "jws", "verify", "--key", &bare_set, "--alg", "ES256", &es_token,
        ],
        b"",
    );
}

#[test]
fn jws_json_general_and_detached() {
    let d = dir("jws-json");
    let (ed_priv, ed_pub) = keypair(&d, "ring", "EdDSA");
    let (es_priv, _) = keypair(&d, "ring", "ES256");
    let payload = b"{\"hello\":\"world\"}";
    let a: Value = ok(&["jws", "sign", "--key", &ed_priv, "--json"], payload).json();
    let b: Value = ok(&["jws", "sign", "--key", &es_priv, "--json"], payload).json();
    assert_eq!(a["payload"], b["payload"]);
    let sig =
        |v: &Value| serde_json::json!({"protected": v["protected"], "signature": v["signature"]});
    let general = serde_json::json!({"payload": a["payload"], "signatures": [sig(&b), sig(&a)]});
    let general = write(&d, "general.json", general.to_string());
    // Only the EdDSA key is trusted; its signature is the second one.
    let out = ok(
        &["jws", "verify", "--key", &ed_pub, "-"],
        &std::fs::read(&general).unwrap(),
    );
    assert_eq!(out.stdout, payload);

    // Detached compact, detached JSON, and unencoded (RFC 7797) detached.
    let p = write(&d, "payload.bin", payload);
    let compact = ok(&["jws", "sign", "--key", &ed_priv, "--detached"], payload).line();
    assert!(compact.contains(".."));
    assert_eq!(
        ok(
            &[
                "jws",
                "verify",
                "--key",
                &ed_pub,
                "--detached",
                &p,
                &compact
            ],
            b""
        )
        .stdout,
        payload
    );
    let other = write(&d, "other.bin", b"other");
    fails(
        1,
        &[
            "jws",
            "verify",
            "--key",
            &ed_pub,
            "--detached",
            &other,
            &compact,
        ],
        b"",
    );
    let json = ok(
        &["jws", "sign", "--key", &ed_priv, "--detached", "--json"],
        payload,
    )
    .json();
    assert!(json.get("payload").is_none());
    let json = write(&d, "detached.json", json.to_string());
    let jtoken = std::fs::read_to_string(&json).unwrap();
    assert_eq!(
        ok(
            &["jws", "verify", "--key", &ed_pub, "--detached", &p, &jtoken],
            b""
        )
        .stdout,
        payload
    );
    fails(2, &["jws", "verify", "--key", &ed_pub, &jtoken], b"");
    let unencoded = ok(
        &[
            "jws",
            "sign",
            "--key",
            &ed_priv,
            "--detached",
            "--header",
            r#"{"b64":false}"#,
        ],
        payload,
    )
    .line();
    assert_eq!(
        ok(
            &[
                "jws",
                "verify",
                "--key",
                &ed_pub,
                "--detached",
                "-",
                &unencoded
            ],
            payload
        )
        .stdout,
        payload
    );
    fails(
        2,
        &[
            "jws",
            "sign",
            "--key",
            &ed_priv,
            "--header",
            r#"{"b64":false}"#,
        ],
        payload,
    );
}

#[test]
fn jws_sign_header_merging() {
    let d = dir("header");
    let (private, public) = keypair(&d, "ring", "EdDSA");
    let token = ok(
        &[
            "jws",
            "sign",
            "--key",
            &private,
            "--kid",
            "mine",
            "--header",
            r#"{"cty":"text/plain","x-app":[1,2]}"#,
        ],
        b"hi",
    )
    .line();
    // The header `kid` differs from the key's: a key without `kid` is still tried.
    let mut anonymous: Value = serde_json::from_slice(&std::fs::read(&public).unwrap()).unwrap();
    anonymous.as_object_mut().unwrap().remove("kid");
    let anonymous = write(&d, "anonymous.jwk", anonymous.to_string());
    fails(1, &["jws", "verify", "--key", &public, &token], b"");
    ok(&["jws", "verify", "--key", &anonymous, &token], b"");
    let h: Value = {
        let first = token.split('.').next().unwrap();
        // `jwt decode` wants a JSON payload; "hi" is not one, so pair the header with `{}`.
        let decoded = ok(&["jwt", "decode", &format!("{first}.e30.")], b"").json();
        decoded["header"].clone()
    };
    assert_eq!(h["kid"], "mine");
    assert_eq!(h["cty"], "text/plain");
    assert_eq!(h["x-app"], serde_json::json!([1, 2]));
    assert_eq!(h["alg"], "EdDSA");
    // Contradictions and bad JSON are usage errors.
    fails(
        2,
        &[
            "jws",
            "sign",
            "--key",
            &private,
            "--header",
            r#"{"alg":"HS256"}"#,
        ],
        b"",
    );
    fails(
        2,
        &[
            "jws",
            "sign",
            "--key",
            &private,
            "--kid",
            "a",
            "--header",
            r#"{"kid":"b"}"#,
        ],
        b"",
    );
    fails(2, &["jws", "sign", "--key", &private, "--header", "{"], b"");
    fails(
        2,
        &[
            "jws",
            "sign",
            "--key",
            &private,
            "--header",
            r#"{"a":1,"a":2}"#,
        ],
        b"",
    );
    // A public key cannot sign.
    fails(2, &["jws", "sign", "--key", &public], b"x");
}

#[test]
fn jwt_sign_exp_in_replaces_iat_and_exp() {
    let d = dir("exp-in");
    let (private, _) = keypair(&d, "ring", "EdDSA");
    let token = ok(
        &[
            "jwt", "sign", "--key", &private, "--exp-in", "30", "--now", "1000", "--typ", "at+jwt",
        ],
        br#"{"iat":5,"exp":6,"scope":"read"}"#,
    )
    .line();
    let v = ok(&["jwt", "decode", &token], b"").json();
    assert_eq!(v["claims"]["iat"], 1000);
    assert_eq!(v["claims"]["exp"], 1030);
    assert_eq!(v["claims"]["scope"], "read");
    assert_eq!(v["header"]["typ"], "at+jwt");
    // Without --exp-in the claims are signed as given, with typ JWT.
    let token = ok(&["jwt", "sign", "--key", &private], br#"{"exp":6}"#).line();
    let v = ok(&["jwt", "decode", &token], b"").json();
    assert_eq!(v["claims"], serde_json::json!({"exp": 6}));
    assert_eq!(v["header"]["typ"], "JWT");
    // Claims must be a JSON object with well-typed registered claims.
    fails(2, &["jwt", "sign", "--key", &private], b"[1]");
    fails(
        2,
        &["jwt", "sign", "--key", &private],
        br#"{"exp":"tomorrow"}"#,
    );
    fails(2, &["jwt", "sign", "--key", &private], b"not json");
    fails(2, &["jwt", "sign", "--key", &private, "--now", "5"], b"{}");
}

#[test]
fn stdin_token() {
    let token = std::fs::read(sample("es256.jwt")).unwrap();
    let args = [
        "jwt",
        "verify",
        "--key",
        &sample("es256.pub.jwk"),
        "--iss",
        "https://issuer.example",
        "--aud",
        "authcore-demo",
        "--now",
        NOW,
        "-",
    ];
    assert_eq!(ok(&args, &token).json()["iss"], "https://issuer.example");
    // The key from stdin instead.
    let key = std::fs::read(sample("es256.pub.jwk")).unwrap();
    let token = String::from_utf8(token).unwrap();
    let args = [
        "jwt",
        "verify",
        "--key",
        "-",
        "--aud",
        "authcore-demo",
        "--now",
        NOW,
        token.trim(),
    ];
    ok(&args, &key);
    // Both from stdin: usage error.
    fails(2, &["jwt", "verify", "--key", "-", "--now", NOW, "-"], &key);
    // Empty stdin is an invalid token.
    fails(
        1,
        &["jwt", "verify", "--key", &sample("es256.pub.jwk"), "-"],
        b"",
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = dir("usage");
    let tok = "eyJhbGciOiJIUzI1NiJ9.e30.c2ln";
    // Unreadable and unusable key files.
    fails(
        2,
        &["jwt", "verify", "--key", "/nonexistent/key.jwk", tok],
        b"",
    );
    fails(
        2,
        &["jwt", "verify", "--key", d.to_str().unwrap(), tok],
        b"",
    );
    let junk = write(&d, "junk", "not a key");
    fails(2, &["jws", "verify", "--key", &junk, tok], b"");
    let bad_jwk = write(
        &d,
        "bad.jwk",
        r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#,
    );
    fails(
        2,
        &["jws", "verify", "--key", &bad_jwk, "--alg", "ES256", tok],
        b"",
    );
    let dup = write(&d, "dup.jwk", r#"{"kty":"oct","k":"AAAA","k":"BBBB"}"#);
    fails(
        2,
        &["jws", "verify", "--key", &dup, "--alg", "HS256", tok],
        b"",
    );
    let enc = write(
        &d,
        "enc.jwk",
        r#"{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA","alg":"A256KW"}"#,
    );
    fails(2, &["jws", "verify", "--key", &enc, tok], b"");
    fails(
        2,
        &[
            "jws",
            "verify",
            "--key",
            &sample("hs256.jwk"),
            "--detached",
            "/nonexistent",
            tok,
        ],
        b"",
    );
    fails(2, &["jws", "sign", "--key", "/nonexistent"], b"x");
    fails(2, &["jwk", "public", "/nonexistent"], b"");
    fails(2, &["jwk", "thumbprint", "/nonexistent"], b"");
    fails(2, &["jwk", "from-pem", "/nonexistent"], b"");

    // Malformed arguments (clap).
    fails(2, &[], b"");
    fails(2, &["jwt"], b"");
    fails(2, &["jwt", "verify", tok], b"");
    fails(2, &["jwt", "verify", "--key", &sample("hs256.jwk")], b"");
    fails(
        2,
        &[
            "jwt",
            "verify",
            "--key",
            &sample("hs256.jwk"),
            "--now",
            "yesterday",
            tok,
        ],
        b"",
    );
    fails(
        2,
        &[
            "jwt",
            "verify",
            "--key",
            &sample("hs256.jwk"),
            "--alg",
            "none",
            tok,
        ],
        b"",
    );
    fails(
        2,
        &[
            "jwt",
            "verify",
            "--key",
            &sample("hs256.jwk"),
            "--alg",
            "hs256",
            tok,
        ],
        b"",
    );
    fails(2, &["jwt", "verify", "--bogus", tok], b"");
    fails(2, &["jwk", "generate"], b"");
    fails(
        2,
        &["jwk", "thumbprint", "--hash", "md5", &sample("hs256.jwk")],
        b"",
    );
    fails(
        2,
        &["--provider", "openssl", "jwk", "generate", "--alg", "HS256"],
        b"",
    );
    #[cfg(not(feature = "aws-lc-rs"))]
    fails(
        2,
        &[
            "--provider",
            "aws-lc-rs",
            "jwk",
            "generate",
            "--alg",
            "HS256",
        ],
        b"",
    );
}

#[test]
fn help_documents_arguments_and_exit_codes() {
    let commands: &[&[&str]] = &[
        &[],
        &["jws"],
        &["jws", "verify"],
        &["jws", "sign"],
        &["jwt"],
        &["jwt", "decode"],
        &["jwt", "verify"],
        &["jwt", "sign"],
        &["jwk"],
        &["jwk", "generate"],
        &["jwk", "public"],
        &["jwk", "thumbprint"],
        &["jwk", "from-pem"],
        &["jwe"],
        &["jwe", "decrypt"],
        &["jwe", "encrypt"],
        &["jwt", "decrypt"],
    ];
    for c in commands {
        let out = ok(&[c, &["--help"][..]].concat(), b"");
        let text = out.text();
        assert!(
            text.contains("Exit status"),
            "{c:?} --help lacks exit codes"
        );
        assert!(text.contains("--provider"), "{c:?} --help lacks --provider");
    }
    // The provider choice as it now works: no flag means the default provider.
    let top = ok(&["--help"], b"").text();
    assert!(
        top.contains("default provider") && top.contains("measured faster"),
        "{top}"
    );
    let verify = ok(&["jwt", "verify", "--help"], b"").text();
    for arg in [
        "--key", "--alg", "--iss", "--aud", "--leeway", "--now", "--typ", "<TOKEN>",
    ] {
        assert!(verify.contains(arg), "jwt verify --help lacks {arg}");
    }
    let decrypt = ok(&["jwe", "decrypt", "--help"], b"").text();
    for arg in ["--key", "--alg", "--enc", "--legacy-rsa1-5", "<TOKEN>"] {
        assert!(decrypt.contains(arg), "jwe decrypt --help lacks {arg}");
    }
    let encrypt = ok(&["jwe", "encrypt", "--help"], b"").text();
    for arg in [
        "--key", "--alg", "--enc", "--kid", "--zip", "--json", "--cty",
    ] {
        assert!(encrypt.contains(arg), "jwe encrypt --help lacks {arg}");
    }
    let nested = ok(&["jwt", "decrypt", "--help"], b"").text();
    for arg in [
        "--key",
        "--verify-key",
        "--verify-alg",
        "--iss",
        "--aud",
        "--now",
    ] {
        assert!(nested.contains(arg), "jwt decrypt --help lacks {arg}");
    }
    let sign = ok(&["jws", "sign", "--help"], b"").text();
    for arg in [
        "--key",
        "--alg",
        "--kid",
        "--header",
        "--json",
        "--detached",
    ] {
        assert!(sign.contains(arg), "jws sign --help lacks {arg}");
    }
}

#[cfg(not(feature = "aws-lc-rs"))]
#[test]
fn ring_lacks_es512_and_rsa_generation() {
    fails(2, &["jwk", "generate", "--alg", "ES512"], b"");
    fails(2, &["jwk", "generate", "--alg", "RS256"], b"");
}

#[cfg(feature = "aws-lc-rs")]
mod aws_lc {
    use super::*;

    const P: &str = "aws-lc-rs";

    #[test]
    fn round_trip_es512() {
        let d = dir("aws-es512");
        let (private, public) = keypair(&d, P, "ES512");
        round_trip(P, &private, &public);
        // Forcing ring, which has no P-521: a usage error with a hint, not a rejection.
        let token = ok(&["--provider", P, "jws", "sign", "--key", &private], b"x").line();
        let out = fails(
            2,
            &[
                "--provider",
                "ring",
                "jws",
                "verify",
                "--key",
                &public,
                &token,
            ],
            b"",
        );
        assert!(out.stderr.contains("aws-lc-rs"), "{}", out.stderr);
        assert!(out.stderr.contains("without --provider"), "{}", out.stderr);
        // Without `--provider` the default provider has ES512.
        assert_eq!(
            ok(&["jws", "verify", "--key", &public, &token], b"").stdout,
            b"x"
        );
    }

    /// A token signed by aws-lc-rs with a key it generated, verified with no `--provider`
    /// flag at all (the default provider takes the algorithm from aws-lc-rs), plus the
    /// whole round trip and tampering checks on the default provider.
    fn verifies_without_provider_flag(alg: &str) {
        let d = dir(&format!("default-{alg}"));
        let (private, public) = keypair(&d, P, alg);
        let sign = [
            "--provider",
            P,
            "jwt",
            "sign",
            "--key",
            &private,
            "--exp-in",
            "600",
            "--now",
            NOW,
        ];
        let token = ok(&sign, CLAIMS).line();
        let verify = |token: &str| {
            vec![
                "jwt".to_owned(),
                "verify".into(),
                "--key".into(),
                public.clone(),
                "--iss".into(),
                "https://issuer.example".into(),
                "--aud".into(),
                "authcore-demo".into(),
                "--now".into(),
                NOW.into(),
                token.to_owned(),
            ]
        };
        let args = verify(&token);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let claims = ok(&args, b"").json();
        assert_eq!(claims["sub"], "alice");
        assert!(claims.to_string().contains("issuer.example"), "{claims}");
        // A tampered signature is a rejection (exit 1), not a usage error.
        let bad = verify(&tamper(&token, 2));
        let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
        fails(1, &bad, b"");
        // Keys generated and tokens signed by the default provider too.
        let (private, public) = keypair_default(&d, alg);
        round_trip_default(&private, &public);
    }

    /// `jwk generate` with no `--provider`.
    fn keypair_default(d: &Path, alg: &str) -> (String, String) {
        let private = ok(&["jwk", "generate", "--alg", alg], b"");
        let private = write(d, &format!("default-{alg}.jwk"), &private.stdout);
        let public = ok(&["jwk", "public", &private], b"");
        (
            private,
            write(d, &format!("default-{alg}.pub.jwk"), &public.stdout),
        )
    }

    /// Sign and verify a payload, all with no `--provider`.
    fn round_trip_default(private: &str, public: &str) {
        let token = ok(&["jws", "sign", "--key", private], b"payload").line();
        assert_eq!(
            ok(&["jws", "verify", "--key", public, &token], b"").stdout,
            b"payload"
        );
        fails(
            1,
            &["jws", "verify", "--key", public, &tamper(&token, 1)],
            b"",
        );
    }

    #[test]
    fn es512_verifies_without_provider_flag() {
        verifies_without_provider_flag("ES512");
    }

    #[test]
    fn es256k_verifies_without_provider_flag() {
        verifies_without_provider_flag("ES256K");
    }

    #[test]
    fn round_trip_es256k() {
        let d = dir("aws-es256k");
        let (private, public) = keypair(&d, P, "ES256K");
        round_trip(P, &private, &public);
    }

    #[test]
    fn round_trip_generated_rsa() {
        let d = dir("aws-rsa");
        for alg in ["RS256", "PS384"] {
            let (private, public) = keypair(&d, P, alg);
            round_trip(P, &private, &public);
            // Cross-provider: signed with aws-lc-rs, verified with ring and with the default.
            let token = ok(
                &["--provider", P, "jws", "sign", "--key", &private],
                b"cross",
            )
            .line();
            assert_eq!(
                ok(
                    &[
                        "--provider",
                        "ring",
                        "jws",
                        "verify",
                        "--key",
                        &public,
                        &token
                    ],
                    b""
                )
                .stdout,
                b"cross"
            );
            assert_eq!(
                ok(&["jws", "verify", "--key", &public, &token], b"").stdout,
                b"cross"
            );
        }
    }

    #[test]
    fn samples_verify_with_aws_lc_rs() {
        let out = ok(
            &[
                "--provider",
                P,
                "jwt",
                "verify",
                "--key",
                &sample("es256.pub.jwk"),
                "--iss",
                "https://issuer.example",
                "--aud",
                "authcore-demo",
                "--now",
                NOW,
                &sample("es256.jwt"),
            ],
            b"",
        );
        assert_eq!(out.json()["sub"], "alice");
        round_trip(P, &sample("rs256.jwk"), &sample("rs256.jwk"));
        round_trip(P, &sample("hs256.jwk"), &sample("hs256.jwk"));
    }
}

/// Changes part `part` (0 header, 1 encrypted key, 2 IV, 3 ciphertext, 4 tag) of a compact
/// JWE: one character in the middle, or, for an empty encrypted key (`dir`, `ECDH-ES`), four.
fn tamper_jwe(token: &str, part: usize) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 5, "a compact JWE: {token}");
    if parts[part].is_empty() {
        let mut parts: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
        parts[part] = "AAAA".into();
        return parts.join(".");
    }
    tamper(token, part)
}

/// `jwe encrypt` → `jwe decrypt` with the private key (compact, flattened JSON, compressed,
/// binary plaintext), the five tampered parts rejected (exit 1), and a JWE for another `enc`
/// than `--enc` allows rejected. `encrypt_key` is what the sender has (a public key, or the
/// secret itself); `extra` goes to both commands (`--provider`, `--alg`).
fn jwe_round_trip(extra: &[&str], encrypt_key: &str, decrypt_key: &str, enc: &str) {
    let plaintext = b"any bytes \x00\xff at all\n";
    let encrypt = [
        &["jwe", "encrypt"],
        extra,
        &["--key", encrypt_key, "--enc", enc],
    ]
    .concat();
    let decrypt = [&["jwe", "decrypt"], extra, &["--key", decrypt_key]].concat();
    let token = ok(&encrypt, plaintext).line();
    assert_eq!(token.split('.').count(), 5, "{token}");
    assert_eq!(
        ok(&[&decrypt[..], &[&token]].concat(), b"").stdout,
        plaintext
    );
    // The token from stdin, and `--enc` naming the one it has.
    assert_eq!(
        ok(
            &[&decrypt[..], &["--enc", enc, "-"]].concat(),
            token.as_bytes()
        )
        .stdout,
        plaintext
    );
    for part in 0..5 {
        fails(
            1,
            &[&decrypt[..], &[&tamper_jwe(&token, part)]].concat(),
            b"",
        );
    }
    let other = if enc == "A128GCM" {
        "A256GCM"
    } else {
        "A128GCM"
    };
    let out = fails(1, &[&decrypt[..], &["--enc", other, &token]].concat(), b"");
    assert!(out.stderr.contains("not allowed"), "{}", out.stderr);

    let json = ok(&[&encrypt[..], &["--json"]].concat(), plaintext).line();
    let parsed: Value = serde_json::from_str(&json).expect("flattened JSON JWE");
    assert!(parsed["ciphertext"].is_string() && parsed["protected"].is_string());
    assert_eq!(
        ok(&[&decrypt[..], &["-"]].concat(), json.as_bytes()).stdout,
        plaintext
    );

    let long = "compressible ".repeat(100);
    let zipped = ok(&[&encrypt[..], &["--zip"]].concat(), long.as_bytes()).line();
    assert!(
        zipped.len() < long.len(),
        "zip: DEF compressed the plaintext"
    );
    assert_eq!(
        ok(&[&decrypt[..], &[&zipped]].concat(), b"").stdout,
        long.as_bytes()
    );
}

/// An encryption key generated by `jwk generate` (with `--provider` when given).
fn encryption_key(d: &Path, provider: Option<&str>, args: &[&str]) -> String {
    let p: Vec<&str> = provider.map(|p| vec!["--provider", p]).unwrap_or_default();
    let out = ok(&[&p[..], &["jwk", "generate"], args].concat(), b"");
    let jwk = out.json();
    assert_eq!(jwk["use"], "enc", "{jwk}");
    assert_eq!(jwk["alg"], args[1], "{jwk}");
    write(d, &format!("{}.jwk", args.join("_")), &out.stdout)
}

#[test]
fn jwe_round_trip_aes_gcm_key_wrap_and_dir() {
    // Both work on every provider (ring has AES-GCM).
    let d = dir("jwe-gcm");
    for provider in [Some("ring"), PROVIDER_OTHER].into_iter().flatten() {
        let p = ["--provider", provider];
        let kw = encryption_key(&d, Some(provider), &["--alg", "A256GCMKW"]);
        jwe_round_trip(&p, &kw, &kw, "A256GCM");
        let dir_key = encryption_key(&d, Some(provider), &["--alg", "dir", "--enc", "A128GCM"]);
        let jwk: Value = serde_json::from_slice(&std::fs::read(&dir_key).unwrap()).unwrap();
        assert_eq!(
            jwk["k"].as_str().unwrap().len(),
            22,
            "a 16-byte dir key: {jwk}"
        );
        jwe_round_trip(&p, &dir_key, &dir_key, "A128GCM");
    }
}

/// The other compiled-in provider, if any.
const PROVIDER_OTHER: Option<&str> = if cfg!(feature = "aws-lc-rs") {
    Some("aws-lc-rs")
} else {
    None
};

#[test]
fn jwe_key_and_algorithm_rules() {
    let d = dir("jwe-rules");
    let kw = encryption_key(&d, None, &["--alg", "A256GCMKW"]);
    let token = ok(&["jwe", "encrypt", "--key", &kw], b"secret").line();

    // The key decides the algorithm: another key of another algorithm is a rejection.
    let other = encryption_key(&d, None, &["--alg", "A128GCMKW"]);
    let out = fails(1, &["jwe", "decrypt", "--key", &other, &token], b"");
    assert!(out.stderr.contains("A256GCMKW"), "{}", out.stderr);
    // The same algorithm, another secret: the one opaque decryption failure.
    let same_alg = encryption_key(&d, None, &["--alg", "A256GCMKW", "--kid", "other"]);
    let jwk: Value = serde_json::from_slice(&std::fs::read(&same_alg).unwrap()).unwrap();
    let unnamed = write(
        &d,
        "unnamed.jwk",
        serde_json::json!({"kty": "oct", "k": jwk["k"]}).to_string(),
    );
    fails(
        1,
        &[
            "jwe",
            "decrypt",
            "--key",
            &unnamed,
            "--alg",
            "A256GCMKW",
            &token,
        ],
        b"",
    );

    // A key without `alg` needs --alg, for both commands.
    let out = fails(2, &["jwe", "decrypt", "--key", &unnamed, &token], b"");
    assert!(out.stderr.contains("--alg"), "{}", out.stderr);
    fails(2, &["jwe", "encrypt", "--key", &unnamed], b"x");
    // --alg must agree with the key's `alg`.
    fails(
        2,
        &["jwe", "decrypt", "--key", &kw, "--alg", "A128GCMKW", &token],
        b"",
    );
    fails(
        2,
        &["jwe", "encrypt", "--key", &kw, "--alg", "A128GCMKW"],
        b"x",
    );
    // A signature key is not an encryption key.
    let hs = sample("hs256.jwk");
    fails(2, &["jwe", "decrypt", "--key", &hs, &token], b"");
    fails(2, &["jwe", "encrypt", "--key", &hs], b"x");
    // Unknown names are usage errors.
    fails(
        2,
        &["jwe", "decrypt", "--key", &kw, "--alg", "A256GCM", &token],
        b"",
    );
    fails(
        2,
        &["jwe", "decrypt", "--key", &kw, "--enc", "A256KW", &token],
        b"",
    );
    fails(2, &["jwe", "encrypt", "--key", &kw, "--enc", "HS256"], b"x");
    // RSA1_5 is for decrypting legacy tokens only.
    fails(
        2,
        &["jwe", "encrypt", "--key", &unnamed, "--alg", "RSA1_5"],
        b"x",
    );

    // A JWS, garbage and a JWE with a sixth part are rejections, not usage errors.
    let jws = ok(&["jws", "sign", "--key", &hs], b"payload").line();
    fails(1, &["jwe", "decrypt", "--key", &kw, &jws], b"");
    fails(1, &["jwe", "decrypt", "--key", &kw, "not a token"], b"");
    fails(
        1,
        &["jwe", "decrypt", "--key", &kw, &format!("{token}.AAAA")],
        b"",
    );
    // Unreadable input is a usage error.
    fails(
        2,
        &["jwe", "decrypt", "--key", "/nonexistent/key.jwk", &token],
        b"",
    );
    fails(2, &["jwe", "decrypt", "--key", "-", "-"], b"");

    // A JWK Set: the `alg` of each key, or the --alg allow-list.
    let set = write(
        &d,
        "set.json",
        format!(
            r#"{{"keys":[{},{}]}}"#,
            std::fs::read_to_string(&other).unwrap(),
            std::fs::read_to_string(&kw).unwrap()
        ),
    );
    assert_eq!(
        ok(&["jwe", "decrypt", "--key", &set, &token], b"").stdout,
        b"secret"
    );
    assert_eq!(
        ok(
            &[
                "jwe",
                "decrypt",
                "--key",
                &set,
                "--alg",
                "A256GCMKW",
                &token
            ],
            b""
        )
        .stdout,
        b"secret"
    );
    fails(
        1,
        &[
            "jwe",
            "decrypt",
            "--key",
            &set,
            "--alg",
            "A128GCMKW",
            &token,
        ],
        b"",
    );
    // Encrypting to a set: --alg and --kid choose the recipient's key.
    let kid = serde_json::from_slice::<Value>(&std::fs::read(&kw).unwrap()).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    fails(2, &["jwe", "encrypt", "--key", &set], b"x");
    let to_set = ok(
        &[
            "jwe",
            "encrypt",
            "--key",
            &set,
            "--alg",
            "A256GCMKW",
            "--kid",
            &kid,
        ],
        b"to the set",
    )
    .line();
    assert_eq!(
        ok(&["jwe", "decrypt", "--key", &kw, &to_set], b"").stdout,
        b"to the set"
    );
}

#[test]
fn jwt_decrypt_nested_tokens() {
    let d = dir("jwt-decrypt");
    let kw = encryption_key(&d, None, &["--alg", "A256GCMKW"]);
    let hs = sample("hs256.jwk");
    let signed = ok(
        &["jwt", "sign", "--key", &hs, "--exp-in", "600", "--now", NOW],
        CLAIMS,
    );
    // `jwt sign` prints a line; `--cty JWT` drops the newline from the nested token.
    let nested = ok(
        &["jwe", "encrypt", "--key", &kw, "--cty", "JWT"],
        &signed.stdout,
    )
    .line();
    let decrypt = |extra: &[&str], token: &str| -> Vec<String> {
        ["jwt", "decrypt", "--key", &kw]
            .iter()
            .chain(extra)
            .chain([&token])
            .map(|s| (*s).to_owned())
            .collect()
    };
    let verify = [
        "--verify-key",
        &hs,
        "--iss",
        "https://issuer.example",
        "--aud",
        "authcore-demo",
        "--now",
        "1700000100",
    ];
    let args = decrypt(&verify, &nested);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let claims = ok(&args, b"").json();
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["exp"], 1_700_000_600u64);

    // Without --verify-key: the inner JWT, unverified, with a warning.
    let args = decrypt(&[], &nested);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(&args, b"");
    assert_eq!(out.line(), signed.line());
    assert!(out.stderr.contains("NOT verified"), "{}", out.stderr);

    // Expired, wrong audience, wrong verification key: rejections.
    for bad in [
        &[
            "--verify-key",
            &hs,
            "--aud",
            "authcore-demo",
            "--now",
            "1800000000",
        ][..],
        &[
            "--verify-key",
            &hs,
            "--aud",
            "someone-else",
            "--now",
            "1700000100",
        ][..],
        &[
            "--verify-key",
            &sample("es256.pub.jwk"),
            "--aud",
            "authcore-demo",
            "--now",
            "1700000100",
        ][..],
    ] {
        let args = decrypt(bad, &nested);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fails(1, &args, b"");
    }
    // A JWE without `cty: JWT` is not a nested JWT, with or without verification.
    let plain = ok(&["jwe", "encrypt", "--key", &kw], &signed.stdout).line();
    for extra in [&verify[..], &[][..]] {
        let args = decrypt(extra, &plain);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = fails(1, &args, b"");
        assert!(out.stderr.contains("cty"), "{}", out.stderr);
    }
    // A tampered JWE is a rejection; --verify-alg needs --verify-key.
    let args = decrypt(&verify, &tamper_jwe(&nested, 3));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(1, &args, b"");
    let args = decrypt(&["--verify-alg", "HS256"], &nested);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(2, &args, b"");
}

#[test]
fn jwk_generate_encryption_keys() {
    let d = dir("jwk-generate-enc");
    for (args, kty, len) in [
        (&["--alg", "A128GCMKW"][..], "oct", Some(22)),
        (&["--alg", "A256GCMKW"][..], "oct", Some(43)),
        (&["--alg", "dir", "--enc", "A256GCM"][..], "oct", Some(43)),
    ] {
        let path = encryption_key(&d, None, args);
        let jwk: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(jwk["kty"], kty, "{jwk}");
        if let Some(len) = len {
            assert_eq!(jwk["k"].as_str().unwrap().len(), len, "{jwk}");
        }
        assert!(jwk["kid"].is_string(), "{jwk}");
    }
    // --crv and --enc are for key management algorithms; names are checked.
    fails(
        2,
        &["jwk", "generate", "--alg", "ES256", "--crv", "P-256"],
        b"",
    );
    fails(
        2,
        &["jwk", "generate", "--alg", "HS256", "--enc", "A128GCM"],
        b"",
    );
    fails(
        2,
        &["jwk", "generate", "--alg", "ECDH-ES", "--crv", "P-999"],
        b"",
    );
    fails(2, &["jwk", "generate", "--alg", "A128GCM"], b"");
    fails(
        2,
        &["jwk", "generate", "--alg", "dir", "--enc", "A999GCM"],
        b"",
    );
}

#[cfg(feature = "aws-lc-rs")]
mod aws_lc_jwe {
    use super::*;

    /// The public part of a generated key, written next to it.
    fn public(d: &Path, private: &str) -> String {
        let out = ok(&["jwk", "public", private], b"");
        let name = Path::new(private).file_name().unwrap().to_str().unwrap();
        write(d, &format!("{name}.pub"), &out.stdout)
    }

    #[test]
    fn jwe_round_trip_every_kind_of_key() {
        let d = dir("jwe-aws");
        for (args, enc) in [
            (&["--alg", "RSA-OAEP-256"][..], "A256GCM"),
            (&["--alg", "RSA-OAEP"][..], "A128CBC-HS256"),
            (&["--alg", "ECDH-ES"][..], "A256GCM"),
            (
                &["--alg", "ECDH-ES", "--crv", "X25519"][..],
                "A128CBC-HS256",
            ),
            (
                &["--alg", "ECDH-ES+A128KW", "--crv", "P-384"][..],
                "A192GCM",
            ),
            (
                &["--alg", "ECDH-ES+A256KW", "--crv", "P-521"][..],
                "A256CBC-HS512",
            ),
            (&["--alg", "A256KW"][..], "A128GCM"),
            (
                &["--alg", "dir", "--enc", "A128CBC-HS256"][..],
                "A128CBC-HS256",
            ),
        ] {
            let private = encryption_key(&d, None, args);
            let jwk: Value = serde_json::from_slice(&std::fs::read(&private).unwrap()).unwrap();
            // The sender has the public key; a symmetric key is its own.
            let sender = if jwk["kty"] == "oct" {
                private.clone()
            } else {
                public(&d, &private)
            };
            for provider in [&["--provider", "aws-lc-rs"][..], &[][..]] {
                jwe_round_trip(provider, &sender, &private, enc);
            }
            // A public key cannot decrypt.
            if sender != private {
                let token = ok(&["jwe", "encrypt", "--key", &sender], b"x").line();
                fails(2, &["jwe", "decrypt", "--key", &sender, &token], b"");
            }
        }
    }

    #[test]
    fn jwe_with_a_pbes2_password_and_pem_keys() {
        let d = dir("jwe-pbes2-pem");
        // PBES2: the `oct` JWK's bytes are the password (RFC 7518 §4.8.1.1).
        let password = write(
            &d,
            "password.jwk",
            serde_json::json!({"kty": "oct", "k": "Y29ycmVjdCBob3JzZSBiYXR0ZXJ5"}).to_string(),
        );
        // Each derivation is 600,000 PBKDF2 iterations (the library's default), so this is a
        // short round trip rather than `jwe_round_trip`.
        let pbes2 = ["--key", &password, "--alg", "PBES2-HS256+A128KW"];
        let token = ok(&[&["jwe", "encrypt"], &pbes2[..]].concat(), b"by password").line();
        let header: Value = serde_json::from_slice(
            &base64::Engine::decode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                token.split('.').next().unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "PBES2-HS256+A128KW", "{header}");
        assert_eq!(header["p2c"], 600_000, "{header}");
        let decrypt = [&["jwe", "decrypt"], &pbes2[..]].concat();
        assert_eq!(
            ok(&[&decrypt[..], &[&token]].concat(), b"").stdout,
            b"by password"
        );
        fails(1, &[&decrypt[..], &[&tamper_jwe(&token, 4)]].concat(), b"");
        // PEM: the public key encrypts, the PKCS#8 private key decrypts; neither has `alg`.
        let public = sample("rs256.pub.pem");
        let private = sample("rs256.pem");
        jwe_round_trip(&["--alg", "RSA-OAEP-256"], &public, &private, "A256GCM");
        let token = ok(
            &["jwe", "encrypt", "--key", &public, "--alg", "RSA-OAEP-256"],
            b"pem",
        )
        .line();
        let out = fails(2, &["jwe", "decrypt", "--key", &private, &token], b"");
        assert!(out.stderr.contains("--alg"), "{}", out.stderr);
    }

    /// An RSA1_5 JWE made by jwcrypto (from the committed interop vectors): rejected unless
    /// `--legacy-rsa1-5` is given.
    #[test]
    fn rsa1_5_needs_the_legacy_opt_in() {
        let d = dir("jwe-rsa1_5");
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/jwe/cross-jwcrypto.json");
        let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let case = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["alg"] == "RSA1_5" && c["serialization"] == "compact")
            .expect("an RSA1_5 compact case");
        let key = write(&d, "rsa1_5.jwk", case["keys"][0].to_string());
        let token = case["jwe"].as_str().unwrap();
        let out = fails(1, &["jwe", "decrypt", "--key", &key, token], b"");
        assert!(out.stderr.contains("RSA1_5"), "{}", out.stderr);
        let plaintext = ok(
            &["jwe", "decrypt", "--key", &key, "--legacy-rsa1-5", token],
            b"",
        );
        assert_eq!(
            authcore_jose_b64(&plaintext.stdout),
            case["plaintext_b64"].as_str().unwrap()
        );
    }

    /// Unpadded base64url, to compare with the vector's `plaintext_b64`.
    fn authcore_jose_b64(bytes: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}
