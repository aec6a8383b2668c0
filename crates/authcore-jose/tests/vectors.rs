//! Vector tests: the project's `vectors/` files (RFC appendices and cross-implementation
//! tokens; see `vectors/README.md`) and, when `AUTHCORE_JOSE_COOKBOOK` names a directory holding
//! the machine-readable RFC 7520 cookbook, all of its JWS and JWK examples.
//!
//! Every valid JWS is verified on every provider that has its algorithms, each signature on its
//! own, and then tampered (protected header, payload, one signature byte) and must fail.
//! Deterministic algorithms must also reproduce the signature exactly.

use std::path::{Path, PathBuf};

use authcore_jose::crypto::{CryptoProvider, providers};
use authcore_jose::jws::{self, JwsJson, JwsOptions};
use authcore_jose::{
    AlgorithmFamily, DigestAlgorithm, Jwk, JwsAlgorithm, JwsSigner, KeyParams, SigningKey,
    VerifyingKey, VerifyingKeys, b64,
};
use serde_json::{Map, Value};

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "json"));
    v.sort();
    v
}

/// One JWS to check, in any serialization.
struct Case<'a> {
    name: String,
    keys: Vec<Jwk>,
    /// Compact string, or a JSON object (flattened or general).
    jws: &'a Value,
    payload: Vec<u8>,
    detached: bool,
    expect_valid: bool,
    deterministic: bool,
}

#[derive(Default, Debug)]
struct Counts {
    verified: usize,
    rejected_as_expected: usize,
    tampered_rejected: usize,
    reproduced: usize,
    skipped_unsupported: usize,
}

/// Every algorithm this key can serve, for the harness's allow-list (the vectors' own `alg`
/// headers then pick one; the test is about signature correctness).
fn fitting_algs(jwk: &Jwk) -> Vec<JwsAlgorithm> {
    JwsAlgorithm::ALL
        .into_iter()
        .filter(|a| jwk.check_fits(*a).is_ok())
        .collect()
}

fn public(jwk: &Jwk) -> Jwk {
    match jwk.params {
        KeyParams::Oct(_) => jwk.clone(),
        _ => jwk.to_public().unwrap(),
    }
}

fn verifying_keys(keys: &[Jwk], provider: &CryptoProvider) -> VerifyingKeys {
    let mut out = VerifyingKeys::new();
    for k in keys {
        let mut pk = public(k);
        // Vectors list private keys with key_ops/use for signing; verification here is the
        // point, so only the material matters.
        pk.key_ops = None;
        for alg in fitting_algs(&pk) {
            if provider.supports(alg) && (pk.alg.is_none() || pk.alg.as_deref() == Some(alg.name()))
            {
                out.push(VerifyingKey::from_jwk(&pk, Some(alg), provider).unwrap());
            }
        }
    }
    out
}

/// The algorithms named by the JWS's headers.
fn algs_of(jws: &Value) -> Vec<JwsAlgorithm> {
    let headers: Vec<Map<String, Value>> = match jws {
        Value::String(s) => {
            let h = s.split('.').next().unwrap_or("");
            vec![serde_json::from_slice(&b64::decode(h).unwrap_or_default()).unwrap_or_default()]
        }
        Value::Object(o) => {
            let sigs: Vec<Value> = match o.get("signatures") {
                Some(Value::Array(a)) => a.clone(),
                _ => vec![jws.clone()],
            };
            sigs.iter()
                .map(|s| {
                    let mut m: Map<String, Value> = s
                        .get("protected")
                        .and_then(Value::as_str)
                        .and_then(|p| serde_json::from_slice(&b64::decode(p).ok()?).ok())
                        .unwrap_or_default();
                    if let Some(Value::Object(h)) = s.get("header") {
                        m.extend(h.clone());
                    }
                    m
                })
                .collect()
        }
        _ => vec![],
    };
    headers
        .iter()
        .filter_map(|h| {
            h.get("alg")
                .and_then(Value::as_str)
                .and_then(|a| a.parse().ok())
        })
        .collect()
}

fn verify_any(
    jws: &Value,
    payload: &[u8],
    detached: bool,
    keys: &VerifyingKeys,
) -> authcore_jose::Result<Vec<u8>> {
    let opts = JwsOptions::default();
    match jws {
        Value::String(s) if detached => {
            jws::verify_detached(s, payload, keys, &opts).map(|_| payload.to_vec())
        }
        Value::String(s) if unencoded_header(s) => {
            jws::verify_compact_unencoded(s, keys, &opts).map(|v| v.payload)
        }
        Value::String(s) => jws::verify_compact(s, keys, &opts).map(|v| v.payload),
        other => {
            let parsed = JwsJson::parse(other.to_string().as_bytes(), &opts)?;
            if detached {
                parsed
                    .verify_detached(payload, keys, &opts)
                    .map(|v| v.payload)
            } else {
                parsed.verify_unencoded(keys, &opts).map(|v| v.payload)
            }
        }
    }
}

/// Whether a compact JWS's header says `b64: false` (RFC 7797 §5.2 attached form).
fn unencoded_header(token: &str) -> bool {
    token
        .split('.')
        .next()
        .and_then(|h| b64::decode(h).ok())
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
        .is_some_and(|h| h["b64"] == Value::Bool(false))
}

/// Splits a general JSON JWS into one flattened JWS per signature.
fn each_signature(jws: &Value) -> Vec<Value> {
    match jws.get("signatures") {
        Some(Value::Array(sigs)) => sigs
            .iter()
            .map(|s| {
                let mut f = s.as_object().unwrap().clone();
                if let Some(p) = jws.get("payload") {
                    f.insert("payload".into(), p.clone());
                }
                Value::Object(f)
            })
            .collect(),
        _ => vec![jws.clone()],
    }
}

/// Tampered variants of a JWS: (what, tampered JWS, tampered detached payload).
fn tamperings(jws: &Value, payload: &[u8]) -> Vec<(&'static str, Value, Vec<u8>)> {
    let mut out = Vec::new();
    let mut other_payload = payload.to_vec();
    if other_payload.is_empty() {
        other_payload.push(b'x');
    } else {
        other_payload[0] ^= 1;
    }
    let flip_b64 = |s: &str| {
        let mut raw = b64::decode(s).unwrap();
        if let Some(b) = raw.first_mut() {
            *b ^= 1;
        }
        b64::encode(raw)
    };
    let retag_header = |s: &str| {
        let mut h: Map<String, Value> = serde_json::from_slice(&b64::decode(s).unwrap()).unwrap();
        h.insert("x-tampered".into(), true.into());
        b64::encode(Value::Object(h).to_string())
    };
    match jws {
        Value::String(s) => {
            let p: Vec<&str> = s.split('.').collect();
            out.push((
                "signature",
                Value::String(format!("{}.{}.{}", p[0], p[1], flip_b64(p[2]))),
                payload.to_vec(),
            ));
            out.push((
                "header",
                Value::String(format!("{}.{}.{}", retag_header(p[0]), p[1], p[2])),
                payload.to_vec(),
            ));
            if p[1].is_empty() {
                out.push(("payload", jws.clone(), other_payload));
            } else {
                out.push((
                    "payload",
                    Value::String(format!("{}.{}.{}", p[0], b64::encode(&other_payload), p[2])),
                    payload.to_vec(),
                ));
            }
        }
        Value::Object(o) => {
            let mut sig = jws.clone();
            let mut hdr = jws.clone();
            fn first(v: &mut Value) -> &mut Map<String, Value> {
                if v.get("signatures").is_some() {
                    v["signatures"][0].as_object_mut().unwrap()
                } else {
                    v.as_object_mut().unwrap()
                }
            }
            let s = first(&mut sig);
            let flipped = flip_b64(s["signature"].as_str().unwrap());
            s.insert("signature".into(), flipped.into());
            out.push(("signature", sig, payload.to_vec()));
            let h = first(&mut hdr);
            if let Some(p) = h
                .get("protected")
                .and_then(Value::as_str)
                .map(str::to_owned)
            {
                h.insert("protected".into(), retag_header(&p).into());
                out.push(("header", hdr, payload.to_vec()));
            }
            if o.contains_key("payload") {
                let mut pl = jws.clone();
                let encoded = o["payload"].as_str().unwrap();
                let tampered = match b64::decode(encoded) {
                    Ok(_) => b64::encode(&other_payload),
                    Err(_) => String::from_utf8_lossy(&other_payload).into_owned(),
                };
                pl["payload"] = tampered.into();
                out.push(("payload", pl, payload.to_vec()));
            } else {
                out.push(("payload", jws.clone(), other_payload));
            }
        }
        _ => {}
    }
    out
}

fn check_case(case: &Case<'_>, counts: &mut Counts) {
    let tampered_before = counts.tampered_rejected;
    for provider in providers() {
        let algs = algs_of(case.jws);
        if !case.expect_valid {
            let keys = verifying_keys(&case.keys, provider);
            assert!(
                verify_any(case.jws, &case.payload, case.detached, &keys).is_err(),
                "{}: invalid vector accepted on {}",
                case.name,
                provider.name()
            );
            counts.rejected_as_expected += 1;
            continue;
        }
        if algs.is_empty() || algs.iter().any(|a| !provider.supports(*a)) {
            counts.skipped_unsupported += 1;
            continue;
        }
        let keys = verifying_keys(&case.keys, provider);
        let got = verify_any(case.jws, &case.payload, case.detached, &keys)
            .unwrap_or_else(|e| panic!("{}: rejected on {}: {e}", case.name, provider.name()));
        assert_eq!(got, case.payload, "{}: payload", case.name);
        // Each signature of a general JWS verifies on its own.
        if case.jws.get("signatures").is_some() {
            for one in each_signature(case.jws) {
                verify_any(&one, &case.payload, case.detached, &keys)
                    .unwrap_or_else(|e| panic!("{}: one signature rejected: {e}", case.name));
            }
        }
        counts.verified += 1;
        for one in each_signature(case.jws) {
            for (what, tampered, payload) in tamperings(&one, &case.payload) {
                assert!(
                    verify_any(&tampered, &payload, case.detached, &keys).is_err(),
                    "{}: tampered {what} accepted on {}",
                    case.name,
                    provider.name()
                );
                counts.tampered_rejected += 1;
            }
        }
        if case.deterministic {
            reproduce(case, provider, counts);
        }
    }
    // aws-lc-rs has every algorithm: with it compiled in, a valid vector that was not verified
    // and tampered (say, an alg name that does not parse) would otherwise pass unseen.
    assert!(
        !cfg!(feature = "aws-lc-rs")
            || !case.expect_valid
            || counts.tampered_rejected > tampered_before,
        "{}: valid vector neither verified nor tampered on any provider",
        case.name
    );
}

/// Re-signs each signature's exact signing input with the private key and compares.
fn reproduce(case: &Case<'_>, provider: &CryptoProvider, counts: &mut Counts) {
    let sigs: Vec<(String, String, Vec<u8>)> = match case.jws {
        Value::String(s) => {
            let p: Vec<&str> = s.split('.').collect();
            vec![(p[0].to_owned(), p[1].to_owned(), b64::decode(p[2]).unwrap())]
        }
        v => each_signature(v)
            .iter()
            .map(|s| {
                (
                    s.get("protected")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    s.get("payload")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    b64::decode(s["signature"].as_str().unwrap()).unwrap(),
                )
            })
            .collect(),
    };
    for (prot, payload_part, sig) in sigs {
        let header: Map<String, Value> =
            serde_json::from_slice(&b64::decode(&prot).unwrap_or_default()).unwrap_or_default();
        let Some(alg) = header
            .get("alg")
            .and_then(Value::as_str)
            .and_then(|a| a.parse::<JwsAlgorithm>().ok())
        else {
            continue;
        };
        if matches!(
            alg.family(),
            AlgorithmFamily::Ecdsa | AlgorithmFamily::RsaPss
        ) {
            continue;
        }
        let unencoded = header.get("b64") == Some(&Value::Bool(false));
        let mut input = format!("{prot}.").into_bytes();
        if case.detached {
            if unencoded {
                input.extend_from_slice(&case.payload);
            } else {
                input.extend_from_slice(b64::encode(&case.payload).as_bytes());
            }
        } else {
            input.extend_from_slice(payload_part.as_bytes());
        }
        let signer = case
            .keys
            .iter()
            .filter(|k| k.is_private() && k.check_fits(alg).is_ok())
            .find_map(|k| {
                let mut k = k.clone();
                k.key_ops = None;
                k.key_use = None;
                let s = SigningKey::from_jwk(&k, Some(alg), provider).ok()?;
                (s.sign(&input).ok()? == sig).then_some(())
            });
        assert!(
            signer.is_some(),
            "{}: {alg} signature not reproduced on {}",
            case.name,
            provider.name()
        );
        counts.reproduced += 1;
    }
}

fn jwk_of(v: &Value) -> Jwk {
    Jwk::from_json(v.to_string().as_bytes()).unwrap_or_else(|e| panic!("key {v}: {e}"))
}

#[test]
fn project_jws_vectors() {
    let dir = vectors_dir().join("jws");
    let files = json_files(&dir);
    assert!(
        !files.is_empty(),
        "no JWS vector files in {}",
        dir.display()
    );
    let mut counts = Counts::default();
    for file in files {
        let doc = read_json(&file);
        assert!(
            doc.get("source").is_some(),
            "{} names no source",
            file.display()
        );
        for c in doc["cases"].as_array().unwrap() {
            let case = Case {
                name: format!(
                    "{}: {}",
                    file.file_name().unwrap().to_string_lossy(),
                    c["name"].as_str().unwrap_or("?")
                ),
                keys: c["keys"]
                    .as_array()
                    .map(|a| a.iter().map(jwk_of).collect())
                    .unwrap_or_default(),
                jws: &c["jws"],
                payload: b64::decode(c["payload_b64"].as_str().unwrap_or("")).unwrap(),
                detached: c["detached"].as_bool().unwrap_or(false),
                expect_valid: c["expect"] == "valid",
                deterministic: c["deterministic"].as_bool().unwrap_or(false),
            };
            check_case(&case, &mut counts);
        }
    }
    eprintln!("project JWS vectors: {counts:?}");
    assert!(counts.verified > 0 && counts.tampered_rejected > 0);
}

#[test]
fn project_jwk_vectors() {
    let dir = vectors_dir().join("jwk");
    let files = json_files(&dir);
    assert!(
        !files.is_empty(),
        "no JWK vector files in {}",
        dir.display()
    );
    let (mut parsed, mut rejected, mut thumbprints) = (0, 0, 0);
    for file in files {
        let doc = read_json(&file);
        for c in doc["cases"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap_or("?");
            let res = Jwk::from_json(c["jwk"].to_string().as_bytes());
            if c["expect"] == "invalid" {
                assert!(res.is_err(), "{name}: invalid JWK accepted");
                rejected += 1;
                continue;
            }
            let jwk = res.unwrap_or_else(|e| panic!("{name}: {e}"));
            let again = Jwk::from_json(jwk.to_json().as_bytes()).unwrap();
            assert_eq!(again, jwk, "{name}: round trip");
            // Serialization preserves every member of the source.
            let src: Map<String, Value> = serde_json::from_value(c["jwk"].clone()).unwrap();
            assert_eq!(jwk.to_map(), src, "{name}: members preserved");
            if let Some(t) = c.get("thumbprint_sha256").and_then(Value::as_str) {
                for provider in providers() {
                    assert_eq!(
                        b64::encode(jwk.thumbprint(provider, DigestAlgorithm::Sha256)),
                        t,
                        "{name}"
                    );
                }
                thumbprints += 1;
            }
            parsed += 1;
        }
    }
    eprintln!(
        "project JWK vectors: {parsed} parsed and round-tripped, {rejected} rejected, {thumbprints} thumbprints"
    );
    assert!(parsed > 0);
}

/// Whether any protected header of `jws` says `b64: false` without listing `b64` in `crit`.
fn b64_false_without_crit(jws: &Value) -> bool {
    let protected: Vec<&str> = match jws {
        Value::String(s) => s.split('.').next().into_iter().collect(),
        Value::Object(o) => match o.get("signatures") {
            Some(Value::Array(sigs)) => sigs
                .iter()
                .filter_map(|s| s.get("protected").and_then(Value::as_str))
                .collect(),
            _ => o
                .get("protected")
                .and_then(Value::as_str)
                .into_iter()
                .collect(),
        },
        _ => Vec::new(),
    };
    protected.iter().any(|p| {
        let Ok(h) = b64::decode(p).map(|b| serde_json::from_slice::<Value>(&b)) else {
            return false;
        };
        let Ok(h) = h else { return false };
        let listed = h["crit"]
            .as_array()
            .is_some_and(|c| c.iter().any(|n| n == "b64"));
        h["b64"] == Value::Bool(false) && !listed
    })
}

/// The RFC 7520 cookbook in its own machine-readable layout, when available.
#[test]
fn jose_cookbook_when_available() {
    let Some(dir) = std::env::var_os("AUTHCORE_JOSE_COOKBOOK") else {
        eprintln!("AUTHCORE_JOSE_COOKBOOK not set: cookbook run skipped");
        return;
    };
    let dir = PathBuf::from(dir);
    let mut counts = Counts::default();
    let mut files = json_files(&dir.join("jws"));
    files.extend(json_files(&dir.join("rfc7797")));
    files.push(dir.join("curve25519/jws.json"));
    for file in files.iter().filter(|f| f.exists()) {
        let doc = read_json(file);
        let docs: Vec<Value> = match doc {
            Value::Array(a) => a,
            d => vec![d],
        };
        for d in docs {
            let input = &d["input"];
            let keys: Vec<Jwk> = match &input["key"] {
                Value::Array(a) => a.iter().map(jwk_of).collect(),
                k @ Value::Object(_) => vec![jwk_of(k)],
                _ => continue,
            };
            let payload = input["payload"].as_str().unwrap_or("").as_bytes().to_vec();
            let reproducible = d["reproducible"].as_bool().unwrap_or(false);
            let title = d["title"].as_str().unwrap_or("?").to_owned();
            let output = &d["output"];
            for (form, jws) in [
                ("compact", &output["compact"]),
                ("json", &output["json"]),
                ("json_flat", &output["json_flat"]),
            ] {
                if jws.is_null() {
                    continue;
                }
                let detached = match jws {
                    Value::String(s) => s.contains(".."),
                    v => v.get("payload").is_none(),
                };
                // The cookbook's extra RFC 7797 data includes `b64: false` headers that do
                // not list `b64` in `crit` (valid HMACs, but RFC 7797 §6 makes them invalid).
                let expect_valid = !b64_false_without_crit(jws);
                check_case(
                    &Case {
                        name: format!("{} {title} ({form})", file.display()),
                        keys: keys.clone(),
                        jws,
                        payload: payload.clone(),
                        detached,
                        expect_valid,
                        deterministic: reproducible,
                    },
                    &mut counts,
                );
            }
        }
    }
    let mut jwks = 0;
    for file in json_files(&dir.join("jwk")) {
        let doc = read_json(&file);
        let keys: Vec<Value> = match doc.get("keys") {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![doc],
        };
        for k in keys {
            let jwk = jwk_of(&k);
            assert_eq!(Jwk::from_json(jwk.to_json().as_bytes()).unwrap(), jwk);
            jwks += 1;
        }
    }
    eprintln!("cookbook: JWS {counts:?}; {jwks} JWKs round-tripped");
    assert!(counts.verified > 0 && jwks > 0);
}
