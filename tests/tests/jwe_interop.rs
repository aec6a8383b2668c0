//! JWE across implementations, both ways, with the npm package `jose` and the Python packages
//! `jwcrypto` and `joserfc` (pinned in `tests/interop/`, installed by package name by
//! `tests/interop/setup.sh` on first run).
//!
//! Their JWEs decrypted here: `vectors/jwe/cross-{node-jose,jwcrypto,joserfc}.json`, made by
//! `tests/interop/gen_jwe_*` for every `alg` x `enc` each peer has (compact), and per algorithm
//! a flattened JSON JWE with `aad`, a `zip: DEF` compact JWE and two-recipient general JSON.
//! Every recipient of every case is decrypted with its own key on every compiled-in provider
//! that has its algorithms; every valid case is then tampered five ways (protected header,
//! encrypted key, IV, ciphertext, tag) and each copy must be rejected. This needs no peer.
//!
//! JWEs made here decrypted there: for every provider, every key management algorithm it
//! encrypts with (RSA-OAEP*, AES key wrap, AES-GCM key wrap, dir, ECDH-ES and ECDH-ES+A*KW on
//! P-256, P-384, P-521, X25519, PBES2) x every content encryption, a compact JWE; per
//! algorithm a flattened JSON JWE with `aad` and a shared unprotected header, and a `zip: DEF`
//! compact JWE; per key-wrapping algorithm a general JSON JWE with two recipients. Each peer
//! gets the cases its API can decrypt (`jose` has no X448; `jwcrypto` and `joserfc` have no
//! RSA-OAEP-384/512) and must return exactly the plaintext for each recipient, and must reject
//! a copy of each with one tag byte changed. The keys are the peers' own (from the committed
//! vector files), so every key type and curve is covered whatever the provider can generate.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use authcore_jose::crypto::{CryptoProvider, providers};
use authcore_jose::jwe::{self, DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
use authcore_jose::{
    ContentEncryptionAlgorithm as Enc, Error, InsecureTestRandom, Jwk,
    KeyManagementAlgorithm as Kma, SecureRandom, b64,
};
use authcore_tests::peers::{peer_results, python, setup};
use serde_json::{Map, Value, json};

/// Fewest peer cases each vector file must have, so that a generator run that quietly made
/// less (a peer that lost algorithms) fails here: 24 or 25 key management variants x 6 `enc`
/// compact, plus the JSON and compressed shapes.
const MIN_PEER_CASES: usize = 200;

/// Fewest cases (valid and tampered) each peer must decrypt or reject of those made here:
/// about what the ring provider alone gives it (dir and AES-GCM key wrap with A128GCM and
/// A256GCM), so that a filter gone wrong fails.
const MIN_CASES_FOR_PEER: usize = 20;

/// Fewest JWEs each provider must make.
const MIN_MADE_PER_PROVIDER: usize = 10;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors/jwe")
}

fn read_vectors(peer: &str) -> Value {
    let path = vectors_dir().join(format!("cross-{peer}.json"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const PEERS: [&str; 3] = ["node-jose", "jwcrypto", "joserfc"];

/// The options for a case: RFC 7516 §11.5, RSA1_5 decrypts only behind the named legacy
/// opt-in, which a JWE naming it for any of its recipients needs (the library refuses such a
/// JWE before trying keys).
fn options_for(c: &Value) -> JweOptions {
    if case_algs(c).iter().any(|a| a == "RSA1_5") {
        JweOptions::default().with_legacy_rsa1_5()
    } else {
        JweOptions::default()
    }
}

fn case_algs(c: &Value) -> Vec<String> {
    match c.get("algs") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().expect("alg").to_owned())
            .collect(),
        _ => vec![c["alg"].as_str().expect("alg").to_owned()],
    }
}

fn jwe_text(c: &Value) -> String {
    match &c["jwe"] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn b64_member(c: &Value, name: &str) -> Option<Vec<u8>> {
    c.get(name)
        .map(|v| b64::decode(v.as_str().expect("base64url member")).expect("base64url"))
}

/// How one recipient of one peer case fared on one provider.
enum Outcome {
    Decrypted,
    /// The provider lacks an algorithm, curve or key type of the case.
    Unsupported,
}

/// Decrypts recipient `i` of a peer case with its key; panics on any failure other than an
/// algorithm the provider does not have.
fn decrypt_peer_case(c: &Value, i: usize, provider: &CryptoProvider) -> Outcome {
    let name = c["name"].as_str().unwrap_or_default();
    let key_json = c["keys"][i].to_string();
    let jwk = match Jwk::from_json(key_json.as_bytes()) {
        Ok(jwk) => jwk,
        Err(e) => panic!("{name}: key #{i} does not parse: {e}"),
    };
    let key = match DecryptionKey::from_jwk(&jwk, None, provider) {
        Ok(k) => k,
        Err(Error::UnsupportedAlgorithm(_)) => return Outcome::Unsupported,
        Err(e) => panic!("{name} on {}: key #{i}: {e}", provider.name()),
    };
    let enc: Enc = c["enc"].as_str().expect("enc").parse().expect("enc name");
    if !key.content_encryption().contains(&enc) {
        return Outcome::Unsupported;
    }
    let decrypted = jwe::decrypt(&jwe_text(c), &key, &options_for(c))
        .unwrap_or_else(|e| panic!("{name} on {}: recipient {i}: {e}", provider.name()));
    let plaintext = b64_member(c, "plaintext_b64").expect("plaintext_b64");
    assert_eq!(decrypted.plaintext, plaintext, "{name}: plaintext");
    assert_eq!(decrypted.recipient_index, i, "{name}: recipient");
    assert_eq!(decrypted.aad, b64_member(c, "aad_b64"), "{name}: aad");
    assert_eq!(
        decrypted.header.zip.is_some(),
        c["zip"] == true,
        "{name}: zip"
    );
    Outcome::Decrypted
}

/// Flips the low bit of byte `at` (from the end when `from_end`) of base64url `part`; an empty
/// part gets one byte instead, which a direct key agreement or `dir` must refuse (RFC 7518
/// §4.5, §4.6: the encrypted key is empty).
fn flip(part: &str, from_end: bool) -> String {
    let mut raw = b64::decode(part).expect("base64url part");
    if raw.is_empty() {
        return b64::encode([0u8]);
    }
    let at = if from_end { raw.len() - 1 } else { 0 };
    raw[at] ^= 0x01;
    b64::encode(raw)
}

/// The protected header with one member added: still valid JSON, so only the AAD check can
/// catch it.
fn tamper_protected(protected_b64: &str) -> String {
    let mut header: Map<String, Value> =
        serde_json::from_slice(&b64::decode(protected_b64).expect("protected")).expect("JSON");
    header.insert("x-tampered".into(), true.into());
    b64::encode(Value::Object(header).to_string())
}

/// The five tampered copies of a JWE whose recipient `i` is meant (header, encrypted key of
/// that recipient, IV, ciphertext, tag), each as text.
fn tampered(c: &Value, i: usize) -> Vec<(&'static str, String)> {
    let parts = ["header", "encrypted key", "IV", "ciphertext", "tag"];
    match &c["jwe"] {
        Value::String(s) => {
            let p: Vec<&str> = s.split('.').collect();
            assert_eq!(p.len(), 5, "compact JWE");
            parts
                .iter()
                .enumerate()
                .map(|(n, &what)| {
                    let mut q: Vec<String> = p.iter().map(|x| (*x).to_owned()).collect();
                    q[n] = if n == 0 {
                        tamper_protected(p[0])
                    } else {
                        flip(p[n], n == 3)
                    };
                    (what, q.join("."))
                })
                .collect()
        }
        Value::Object(o) => parts
            .iter()
            .map(|&what| {
                let mut t = o.clone();
                match what {
                    "header" => {
                        let p = t["protected"].as_str().expect("protected").to_owned();
                        t.insert("protected".into(), tamper_protected(&p).into());
                    }
                    "encrypted key" => {
                        let r = match t.get_mut("recipients") {
                            Some(Value::Array(a)) => a[i].as_object_mut().expect("recipient"),
                            _ => &mut t,
                        };
                        let ek = r
                            .get("encrypted_key")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        r.insert("encrypted_key".into(), flip(&ek, false).into());
                    }
                    _ => {
                        let m = match what {
                            "IV" => "iv",
                            "ciphertext" => "ciphertext",
                            _ => "tag",
                        };
                        let v = t[m].as_str().expect("part").to_owned();
                        t.insert(m.into(), flip(&v, m == "ciphertext").into());
                    }
                }
                (what, Value::Object(t).to_string())
            })
            .collect(),
        _ => panic!("jwe is neither a string nor an object"),
    }
}

#[derive(Default, Debug)]
struct Counts {
    cases: usize,
    decrypted: usize,
    unsupported: usize,
    tampered_rejected: usize,
}

#[test]
fn peer_jwes_decrypt_here_and_tampered_copies_do_not() {
    let mut report = Vec::new();
    for peer in PEERS {
        let doc = read_vectors(peer);
        let cases = doc["cases"].as_array().expect("cases");
        assert!(
            cases.len() >= MIN_PEER_CASES,
            "{peer}: only {} cases",
            cases.len()
        );
        for provider in providers() {
            let mut n = Counts::default();
            for c in cases {
                let name = c["name"].as_str().unwrap_or_default();
                assert_eq!(c["expect"], "valid", "{name}");
                n.cases += 1;
                let recipients = case_algs(c).len();
                let mut all_decrypted = true;
                for i in 0..recipients {
                    match decrypt_peer_case(c, i, provider) {
                        Outcome::Decrypted => {}
                        Outcome::Unsupported => all_decrypted = false,
                    }
                }
                if !all_decrypted {
                    n.unsupported += 1;
                    continue;
                }
                n.decrypted += 1;
                let jwk = Jwk::from_json(c["keys"][0].to_string().as_bytes()).expect("JWK");
                let key = DecryptionKey::from_jwk(&jwk, None, provider).expect("key");
                let options = options_for(c);
                for (what, text) in tampered(c, 0) {
                    let r = jwe::decrypt(&text, &key, &options);
                    assert!(
                        r.is_err(),
                        "{name} on {}: tampered {what} decrypted",
                        provider.name()
                    );
                    n.tampered_rejected += 1;
                }
            }
            assert_eq!(
                n.decrypted + n.unsupported,
                n.cases,
                "{peer}: every case counted"
            );
            assert_eq!(
                n.tampered_rejected,
                5 * n.decrypted,
                "{peer}: five tampered copies of each"
            );
            if provider.name() != "ring" {
                // aws-lc-rs has every part, and the default provider takes from it what ring
                // lacks; only X448 (no backend has it) is left out.
                let x448 = cases
                    .iter()
                    .filter(|c| c["keys"].to_string().contains("\"X448\""))
                    .count();
                assert_eq!(
                    n.decrypted,
                    n.cases - x448,
                    "{peer} on {}: every case but X448 decrypts",
                    provider.name()
                );
            }
            report.push(format!("{peer} on {}: {n:?}", provider.name()));
        }
    }
    eprintln!("{}", report.join("\n"));
}

/// The peers' own private keys (from the committed vectors) by `kty`/`crv`: one RSA key (2048
/// bits) and one EC/OKP key per curve.
fn peer_keys() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for peer in PEERS {
        for c in read_vectors(peer)["cases"].as_array().expect("cases") {
            for k in c["keys"].as_array().expect("keys") {
                let kind = match k["kty"].as_str().expect("kty") {
                    "RSA" => "RSA".to_owned(),
                    "oct" => continue,
                    _ => k["crv"].as_str().expect("crv").to_owned(),
                };
                out.entry(kind).or_insert_with(|| k.clone());
            }
        }
    }
    out
}

/// The key kind (`RSA` or a curve) each key management algorithm is used with here, or
/// `None` for symmetric ones.
fn kinds_for(alg: Kma) -> Vec<Option<&'static str>> {
    let name = alg.name();
    if name.starts_with("RSA") {
        vec![Some("RSA")]
    } else if name.starts_with("ECDH-ES") {
        ["P-256", "P-384", "P-521", "X25519", "X448"]
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None]
    }
}

/// A key of `alg` for a recipient: the private JWK (what the peer decrypts with) and the
/// encryption key made from it, or `None` when the provider lacks the algorithm.
fn recipient_key(
    alg: Kma,
    kind: Option<&str>,
    enc: Enc,
    keys: &BTreeMap<String, Value>,
    provider: &CryptoProvider,
    rng: &InsecureTestRandom,
) -> Option<(Value, EncryptionKey)> {
    let kid = format!(
        "authcore-{}-{}{}",
        provider.name(),
        alg.name().to_ascii_lowercase(),
        kind.map(|k| format!("-{}", k.to_ascii_lowercase()))
            .unwrap_or_default()
    );
    let mut jwk = match kind {
        Some(kind) => {
            let mut k = keys
                .get(kind)
                .unwrap_or_else(|| panic!("no {kind} key"))
                .clone();
            let m = k.as_object_mut().expect("JWK object");
            m.retain(|n, _| !["alg", "kid", "use", "key_ops"].contains(&n.as_str()));
            k
        }
        None => {
            // PBES2: a printable password (RFC 7518 §4.8.1.1); dir: the CEK; else the KEK.
            let len = match alg {
                Kma::Dir => enc.key_len(),
                Kma::A128Kw | Kma::A128GcmKw => 16,
                Kma::A192Kw | Kma::A192GcmKw => 24,
                _ => 32,
            };
            let mut secret = vec![0u8; len];
            rng.fill(&mut secret).expect("rng");
            if alg.name().starts_with("PBES2") {
                secret = b64::encode(&secret[..12]).into_bytes();
            }
            json!({"kty": "oct", "k": b64::encode(&secret)})
        }
    };
    jwk["alg"] = alg.name().into();
    jwk["kid"] = kid.into();
    jwk["use"] = "enc".into();
    let parsed = Jwk::from_json(jwk.to_string().as_bytes()).expect("JWK");
    let key = match EncryptionKey::from_jwk(&parsed, None, provider) {
        Ok(k) => k,
        Err(Error::UnsupportedAlgorithm(_)) => return None,
        Err(e) => panic!("{} {alg}: {e}", provider.name()),
    };
    // The default (600,000) is for real passwords; the peers' own limits are lower.
    let key = if alg.name().starts_with("PBES2") {
        key.with_pbes2_iterations(2048).expect("p2c")
    } else {
        key
    };
    Some((jwk, key))
}

fn is_direct(alg: Kma) -> bool {
    matches!(alg, Kma::Dir | Kma::EcdhEs)
}

/// Every shape made here, for every algorithm of every provider, in the JWE vector schema.
fn encrypted_cases() -> Vec<Value> {
    let rng = InsecureTestRandom::new(2026);
    let keys = peer_keys();
    let mut out = Vec::new();
    for provider in providers() {
        let p = provider.name();
        let mut wrapping: Vec<(Value, EncryptionKey, String)> = Vec::new();
        for alg in Kma::ALL {
            if alg == Kma::Rsa1_5 {
                continue; // decryption only (RFC 7516 §11.5)
            }
            for kind in kinds_for(alg) {
                let label = match kind {
                    Some(k) if k != "RSA" => format!("{alg} {k}"),
                    _ => alg.name().to_owned(),
                };
                for enc in Enc::ALL {
                    let Some((jwk, key)) = recipient_key(alg, kind, enc, &keys, provider, &rng)
                    else {
                        continue;
                    };
                    let plaintext = format!("compact JWE from authcore on {p}: café ✓");
                    let Ok(token) = JweBuilder::new(enc)
                        .recipient(&key)
                        .encrypt_compact(plaintext.as_bytes(), &rng)
                    else {
                        continue; // an `enc` the provider lacks
                    };
                    out.push(json!({
                        "name": format!("{p} {label} {enc} compact"), "alg": alg.name(),
                        "enc": enc.name(), "serialization": "compact", "jwe": token,
                        "keys": [jwk], "plaintext_b64": b64::encode(&plaintext), "zip": false,
                        "expect": "valid",
                    }));
                }
                let enc = Enc::A256Gcm;
                let Some((jwk, key)) = recipient_key(alg, kind, enc, &keys, provider, &rng) else {
                    continue;
                };
                let plaintext = format!("{{\"msg\":\"flattened JSON JWE from authcore on {p}\"}}");
                let aad = format!("aad from authcore on {p}");
                if let Ok(flat) = JweBuilder::new(enc)
                    .unprotected_param("typ", "JOSE+JSON")
                    .aad(aad.as_bytes())
                    .recipient(&key)
                    .encrypt_flattened(plaintext.as_bytes(), &rng)
                {
                    out.push(json!({
                        "name": format!("{p} {label} {enc} flattened JSON"), "alg": alg.name(),
                        "enc": enc.name(), "serialization": "flattened",
                        "jwe": serde_json::from_str::<Value>(&flat).expect("JSON"),
                        "keys": [jwk.clone()], "plaintext_b64": b64::encode(&plaintext),
                        "aad_b64": b64::encode(&aad), "zip": false, "expect": "valid",
                    }));
                }
                let zip_enc = Enc::A128CbcHs256;
                if let Some((zip_jwk, zip_key)) =
                    recipient_key(alg, kind, zip_enc, &keys, provider, &rng)
                {
                    let plaintext = "compressible ".repeat(64);
                    if let Ok(zipped) = JweBuilder::new(zip_enc)
                        .compress()
                        .recipient(&zip_key)
                        .encrypt_compact(plaintext.as_bytes(), &rng)
                    {
                        out.push(json!({
                            "name": format!("{p} {label} {zip_enc} compact zip DEF"),
                            "alg": alg.name(), "enc": zip_enc.name(), "serialization": "compact",
                            "jwe": zipped, "keys": [zip_jwk],
                            "plaintext_b64": b64::encode(&plaintext), "zip": true,
                            "expect": "valid",
                        }));
                    }
                }
                if !is_direct(alg) {
                    wrapping.push((jwk, key, label));
                }
            }
        }
        // General JSON with two recipients: each key-wrapping variant paired with the next.
        for i in 0..wrapping.len() {
            let (a, b) = (&wrapping[i], &wrapping[(i + 1) % wrapping.len()]);
            if wrapping.len() < 2 {
                break;
            }
            let enc = if i % 2 == 0 {
                Enc::A128CbcHs256
            } else {
                Enc::A256Gcm
            };
            let plaintext = format!("general JSON JWE with two recipients from authcore on {p}");
            let aad = "general aad";
            let Ok(general) = JweBuilder::new(enc)
                .unprotected_param("cty", "text/plain")
                .aad(aad.as_bytes())
                .recipient(&a.1)
                .recipient(&b.1)
                .encrypt_general(plaintext.as_bytes(), &rng)
            else {
                continue;
            };
            out.push(json!({
                "name": format!("{p} {} + {} {enc} general JSON", a.2, b.2),
                "alg": a.1.algorithm().name(), "algs": [a.1.algorithm().name(), b.1.algorithm().name()],
                "enc": enc.name(), "serialization": "general",
                "jwe": serde_json::from_str::<Value>(&general).expect("JSON"),
                "keys": [a.0.clone(), b.0.clone()], "plaintext_b64": b64::encode(&plaintext),
                "aad_b64": b64::encode(aad), "zip": false, "expect": "valid",
            }));
        }
    }
    out
}

#[test]
fn jwes_made_here_decrypt_here() {
    // The cases handed to the peers decrypt here first, each recipient with its key, so a peer
    // failure is about the peer.
    let cases = encrypted_cases();
    let mut by_provider: BTreeMap<String, usize> = BTreeMap::new();
    for provider in providers() {
        let prefix = format!("{} ", provider.name());
        for c in cases
            .iter()
            .filter(|c| c["name"].as_str().unwrap_or_default().starts_with(&prefix))
        {
            for i in 0..case_algs(c).len() {
                assert!(
                    matches!(decrypt_peer_case(c, i, provider), Outcome::Decrypted),
                    "{}: made on a provider that cannot decrypt it",
                    c["name"]
                );
            }
            *by_provider.entry(provider.name().to_owned()).or_default() += 1;
        }
    }
    eprintln!("JWEs made and decrypted here: {by_provider:?}");
    for provider in providers() {
        assert!(
            by_provider.get(provider.name()).copied().unwrap_or(0) >= MIN_MADE_PER_PROVIDER,
            "{}: too few JWEs made",
            provider.name()
        );
    }
}

/// The case with one byte of its tag changed.
fn tag_tampered(c: &Value) -> Value {
    let mut t = c.clone();
    match &mut t["jwe"] {
        Value::String(s) => {
            let (rest, tag) = s.rsplit_once('.').expect("compact");
            *s = format!("{rest}.{}", flip(tag, false));
        }
        Value::Object(o) => {
            let tag = o["tag"].as_str().expect("tag").to_owned();
            o.insert("tag".into(), flip(&tag, false).into());
        }
        _ => unreachable!(),
    }
    t["name"] = format!("{} (tampered tag)", c["name"].as_str().unwrap_or_default()).into();
    t["expect"] = "invalid".into();
    t
}

/// Hands the peer every case made here that `peer_has`, and a tag-tampered copy of each; the
/// valid ones must decrypt to their plaintext for every recipient, the tampered ones must
/// fail. Returns the number of cases checked.
fn check_peer(cmd: Command, what: &str, peer_has: impl Fn(&Value) -> bool) -> usize {
    setup();
    let valid: Vec<Value> = encrypted_cases()
        .into_iter()
        .filter(|c| peer_has(c))
        .collect();
    let bad: Vec<Value> = valid.iter().map(tag_tampered).collect();
    let all: Vec<Value> = valid.into_iter().chain(bad).collect();
    let results = peer_results(cmd, &all, what);
    let mut failures = Vec::new();
    for (r, c) in results.iter().zip(&all) {
        let name = c["name"].as_str().unwrap_or_default();
        let ok = r["ok"] == true;
        let error = r["error"].as_str().unwrap_or_default();
        if c["expect"] == "valid" {
            let want: Vec<Value> = vec![c["plaintext_b64"].clone(); case_algs(c).len()];
            if !ok {
                failures.push(format!("{name}: not decrypted ({error})"));
            } else if r["output"] != Value::Array(want) {
                failures.push(format!("{name}: another plaintext: {}", r["output"]));
            }
        } else if ok {
            failures.push(format!("{name}: tampered, but decrypted"));
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} cases wrong:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    assert!(
        all.len() >= MIN_CASES_FOR_PEER,
        "{what}: too few cases ({} < {MIN_CASES_FOR_PEER})",
        all.len()
    );
    all.len()
}

fn has_x448(c: &Value) -> bool {
    c["keys"].to_string().contains("\"X448\"")
}

fn has_rsa_oaep_384_or_512(c: &Value) -> bool {
    case_algs(c)
        .iter()
        .any(|a| a == "RSA-OAEP-384" || a == "RSA-OAEP-512")
}

#[test]
fn node_jose_decrypts_jwes_made_here() {
    let mut cmd = Command::new("node");
    cmd.arg("verify_jwe_node_jose.mjs");
    // `jose` 6 has no X448.
    let n = check_peer(cmd, "node jose", |c| !has_x448(c));
    eprintln!("node jose: {n} cases as expected");
}

#[test]
fn jwcrypto_decrypts_jwes_made_here() {
    let mut cmd = Command::new(python());
    cmd.args(["verify_jwe_py_peer.py", "jwcrypto"]);
    // jwcrypto 1.6 has no RSA-OAEP-384 or RSA-OAEP-512.
    let n = check_peer(cmd, "jwcrypto", |c| !has_rsa_oaep_384_or_512(c));
    eprintln!("jwcrypto: {n} cases as expected");
}

#[test]
fn joserfc_decrypts_jwes_made_here() {
    let mut cmd = Command::new(python());
    cmd.args(["verify_jwe_py_peer.py", "joserfc"]);
    // joserfc 1.8 has no RSA-OAEP-384 or RSA-OAEP-512.
    let n = check_peer(cmd, "joserfc", |c| !has_rsa_oaep_384_or_512(c));
    eprintln!("joserfc: {n} cases as expected");
}
