//! JWE vector tests: RFC 7516 Appendix A.1–A.3, RFC 7518 Appendix C, RFC 7520 §5 (every
//! example) and §6 (nesting), RFC 8037 Appendix A.6, from the project's `vectors/jwe/` files.
//!
//! Every example is decrypted on every provider that has its algorithms, in every
//! serialization the RFC gives, and then tampered (each part in turn) and must fail. Where the
//! RFC fixes the content key, the IVs, the salt and the ephemeral key, they are passed in
//! through a deterministic random source and the exact ciphertext (and the encrypted key,
//! where the key management is deterministic) must come out again.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use authcore_jose::crypto::{CryptoProvider, providers};
use authcore_jose::jwe::{self, DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
use authcore_jose::{
    ContentEncryptionAlgorithm, Error, Jwk, JwsAlgorithm, KeyManagementAlgorithm, SecureRandom,
    UnixTime, VerifyingKey, b64, jwt,
};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/jwe")
}

fn read_json(name: &str) -> Value {
    let p = vectors_dir().join(name);
    serde_json::from_slice(&std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn jwk_of(v: &Value) -> Jwk {
    Jwk::from_json(v.to_string().as_bytes()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    b64::decode(text(v)).unwrap()
}

/// A random source that returns the given byte strings in order, each exactly once, and
/// fails the test on a request of another length: the RFC examples' "generated" values.
struct Sequence(Mutex<VecDeque<Vec<u8>>>);

impl Sequence {
    fn new(parts: impl IntoIterator<Item = Vec<u8>>) -> Self {
        Sequence(Mutex::new(parts.into_iter().collect()))
    }
    fn is_used_up(&self) -> bool {
        self.0.lock().unwrap().is_empty()
    }
}

impl SecureRandom for Sequence {
    fn fill(&self, dest: &mut [u8]) -> authcore_jose::Result<()> {
        let next = self
            .0
            .lock()
            .unwrap()
            .pop_front()
            .expect("more randomness than given");
        assert_eq!(
            next.len(),
            dest.len(),
            "random draw of an unexpected length"
        );
        dest.copy_from_slice(&next);
        Ok(())
    }
}

fn supports(
    p: &CryptoProvider,
    alg: KeyManagementAlgorithm,
    enc: ContentEncryptionAlgorithm,
) -> bool {
    p.supports(alg) && p.supports(enc)
}

fn options() -> JweOptions {
    JweOptions::default().with_legacy_rsa1_5()
}

/// The JWE with one character of its `part`-th compact part changed (a valid base64url
/// character, so the change reaches the cryptography).
fn tamper_compact(token: &str, part: usize) -> Option<String> {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let p = &mut parts[part];
    if p.is_empty() {
        return None;
    }
    // The first character: every bit of it is significant.
    let c = p.remove(0);
    p.insert(0, if c == 'A' { 'B' } else { 'A' });
    Some(parts.join("."))
}

/// Each member of a JSON-serialized JWE that is integrity protected, changed in turn.
fn tamper_json(jwe: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for member in [
        "protected",
        "iv",
        "ciphertext",
        "tag",
        "aad",
        "encrypted_key",
    ] {
        if let Some(Value::String(s)) = jwe.get(member) {
            let mut v = jwe.clone();
            let c = if s.starts_with('A') { "B" } else { "A" };
            v[member] = Value::String(format!("{c}{}", &s[1..]));
            out.push((member.to_owned(), v));
        }
    }
    if let Some(Value::Array(rs)) = jwe.get("recipients") {
        for i in 0..rs.len() {
            if let Some(Value::String(s)) = rs[i].get("encrypted_key") {
                let mut v = jwe.clone();
                let c = if s.starts_with('A') { "B" } else { "A" };
                v["recipients"][i]["encrypted_key"] = Value::String(format!("{c}{}", &s[1..]));
                out.push((format!("recipients[{i}].encrypted_key"), v));
            }
        }
    }
    out
}

#[derive(Debug, Default)]
struct Counts {
    decrypted: usize,
    tampered_rejected: usize,
    reproduced: usize,
    skipped_unsupported: usize,
}

/// Decrypts `jwe` (compact text or JSON) with `key` and checks the plaintext, then checks that
/// every tampered variant fails.
fn check_decrypts(
    name: &str,
    jwe: &Value,
    key: &DecryptionKey,
    plaintext: &[u8],
    counts: &mut Counts,
) -> usize {
    let opts = options();
    let decrypted = match jwe {
        Value::String(t) => jwe::decrypt_compact(t, key, &opts),
        v => jwe::decrypt_json(v.to_string(), key, &opts),
    }
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(decrypted.plaintext, plaintext, "{name}");
    counts.decrypted += 1;
    match jwe {
        Value::String(t) => {
            for part in 0..5 {
                if let Some(bad) = tamper_compact(t, part) {
                    assert!(
                        jwe::decrypt_compact(&bad, key, &opts).is_err(),
                        "{name}: part {part} tampered"
                    );
                    counts.tampered_rejected += 1;
                }
            }
        }
        v => {
            for (member, bad) in tamper_json(v) {
                let r = jwe::decrypt_json(bad.to_string(), key, &opts);
                // A recipient whose encrypted key is not the one this key opens may be changed
                // freely; every other change must fail.
                if member.starts_with("recipients[")
                    && !member.starts_with(&format!("recipients[{}]", decrypted.recipient_index))
                {
                    continue;
                }
                assert!(r.is_err(), "{name}: `{member}` tampered");
                counts.tampered_rejected += 1;
            }
        }
    }
    decrypted.recipient_index
}

/// The parts of a compact JWE, decoded.
fn compact_parts(token: &str) -> Vec<Vec<u8>> {
    token.split('.').map(|p| b64::decode(p).unwrap()).collect()
}

#[test]
fn rfc7516_appendix_a() {
    let doc = read_json("rfc7516.json");
    let mut counts = Counts::default();
    for case in doc["cases"].as_array().unwrap() {
        let name = format!("RFC 7516 {}", text(&case["section"]));
        let alg: KeyManagementAlgorithm = text(&case["alg"]).parse().unwrap();
        let enc: ContentEncryptionAlgorithm = text(&case["enc"]).parse().unwrap();
        let jwk = jwk_of(&case["key"]);
        let plaintext = text(&case["plaintext"]).as_bytes();
        for p in providers() {
            if !supports(p, alg, enc) {
                counts.skipped_unsupported += 1;
                continue;
            }
            let key = DecryptionKey::from_jwk(&jwk, Some(alg), p).unwrap();
            check_decrypts(&name, &case["compact"], &key, plaintext, &mut counts);
            if alg == KeyManagementAlgorithm::Rsa1_5 {
                // Encryption with RSA1_5 is refused; decryption was the legacy opt-in.
                continue;
            }
            let public = match jwk.to_public() {
                Ok(j) => j,
                Err(_) => jwk.clone(),
            };
            let to = EncryptionKey::from_jwk(&public, Some(alg), p).unwrap();
            let rng = Sequence::new([bytes(&case["cek"]), bytes(&case["iv"])]);
            let token = JweBuilder::new(enc)
                .recipient(&to)
                .encrypt_compact(plaintext, &rng)
                .unwrap();
            assert!(rng.is_used_up(), "{name}");
            let ours = compact_parts(&token);
            let theirs = compact_parts(text(&case["compact"]));
            // The protected header is `{"alg":...,"enc":...}` in both, so the tag matches too.
            assert_eq!(ours[0], theirs[0], "{name}: protected header");
            assert_eq!(ours[2..], theirs[2..], "{name}: iv, ciphertext and tag");
            if alg == KeyManagementAlgorithm::A128Kw {
                assert_eq!(ours[1], theirs[1], "{name}: encrypted key");
            }
            assert_eq!(
                jwe::decrypt_compact(&token, &key, &options())
                    .unwrap()
                    .plaintext,
                plaintext
            );
            counts.reproduced += 1;
        }
    }
    eprintln!("RFC 7516 App. A: {counts:?}");
    // Every case ran on every provider that has its algorithms (ring has none of RSA
    // encryption, AES key wrap and AES-CBC; aws-lc-rs has them all).
    assert_eq!(
        counts.decrypted + counts.skipped_unsupported,
        3 * providers().len()
    );
}

#[test]
fn rfc7518_appendix_c_ecdh_es_derivation() {
    let doc = read_json("rfc7518.json");
    let alice = jwk_of(&doc["alice_ephemeral"]);
    let bob = jwk_of(&doc["bob"]);
    let derived = bytes(&doc["derived_key"]);
    let plaintext = b"Appendix C";
    let iv = [7u8; 12];
    let mut checked = 0;
    for p in providers() {
        if !supports(
            p,
            KeyManagementAlgorithm::EcdhEs,
            ContentEncryptionAlgorithm::A128Gcm,
        ) {
            continue;
        }
        let z = p
            .key_agreement
            .agree(&bob.params, &alice.to_public().unwrap().params)
            .unwrap();
        assert_eq!(z.expose(), bytes(&doc["z"]), "{}", p.name());
        // The sender's side: Alice's ephemeral key from the random source, apu/apv set.
        let to = EncryptionKey::from_jwk(
            &bob.to_public().unwrap(),
            Some(KeyManagementAlgorithm::EcdhEs),
            p,
        )
        .unwrap()
        .with_party_info(Some(b"Alice".to_vec()), Some(b"Bob".to_vec()))
        .unwrap();
        let d = match &alice.params {
            authcore_jose::KeyParams::Ec(e) => e.d.as_ref().unwrap().expose().to_vec(),
            _ => unreachable!(),
        };
        let rng = Sequence::new([d, iv.to_vec()]);
        let token = JweBuilder::new(ContentEncryptionAlgorithm::A128Gcm)
            .recipient(&to)
            .encrypt_compact(plaintext, &rng)
            .unwrap();
        let header = jwe::decode_header_unverified(&token).unwrap();
        assert_eq!(
            header.epk.as_deref().unwrap().to_public().unwrap(),
            alice.to_public().unwrap()
        );
        assert_eq!(header.apu.as_deref(), Some(&b"Alice"[..]));
        // The content key is the RFC's derived key: the same content sealed with it matches.
        let protected = token.split('.').next().unwrap();
        let (ct, tag) = p
            .aes_gcm
            .seal(&derived, &iv, protected.as_bytes(), plaintext)
            .unwrap();
        let parts = compact_parts(&token);
        assert_eq!((parts[3].clone(), parts[4].clone()), (ct, tag.to_vec()));
        // The recipient's side derives the same key.
        let key = DecryptionKey::from_jwk(&bob, Some(KeyManagementAlgorithm::EcdhEs), p).unwrap();
        assert_eq!(
            jwe::decrypt_compact(&token, &key, &options())
                .unwrap()
                .plaintext,
            plaintext
        );
        checked += 1;
    }
    eprintln!("RFC 7518 App. C: {checked} providers");
}

#[test]
fn rfc8037_appendix_a6_x25519() {
    let doc = read_json("rfc8037.json");
    let public = jwk_of(&doc["bob_public"]);
    let mut private_json = doc["bob_public"].clone();
    private_json["d"] = doc["bob_private_d"].clone();
    let private = jwk_of(&private_json);
    let hex = |s: &Value| -> Vec<u8> {
        let s = text(s);
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    let plaintext = text(&doc["jwe"]["plaintext"]).as_bytes();
    let mut checked = 0;
    for p in providers() {
        if !supports(
            p,
            KeyManagementAlgorithm::EcdhEs,
            ContentEncryptionAlgorithm::A128Gcm,
        ) || !p
            .key_agreement
            .supports(authcore_jose::crypto::AgreementCurve::X25519)
        {
            continue;
        }
        let to = EncryptionKey::from_jwk(&public, Some(KeyManagementAlgorithm::EcdhEs), p).unwrap();
        let rng = Sequence::new([hex(&doc["ephemeral_secret_hex"]), vec![1u8; 12]]);
        let token = JweBuilder::new(ContentEncryptionAlgorithm::A128Gcm)
            .recipient(&to)
            .encrypt_compact(b"A.6", &rng)
            .unwrap();
        let epk = jwe::decode_header_unverified(&token).unwrap().epk.unwrap();
        let authcore_jose::KeyParams::Okp(okp) = &epk.params else {
            panic!("epk")
        };
        assert_eq!(b64::encode(&okp.x), text(&doc["ephemeral_public_x"]));
        let z = p.key_agreement.agree(&private.params, &epk.params).unwrap();
        assert_eq!(z.expose(), hex(&doc["z_hex"]));
        let key =
            DecryptionKey::from_jwk(&private, Some(KeyManagementAlgorithm::EcdhEs), p).unwrap();
        assert_eq!(
            jwe::decrypt_compact(&token, &key, &options())
                .unwrap()
                .plaintext,
            b"A.6"
        );
        let mut counts = Counts::default();
        check_decrypts(
            "RFC 8037 X25519 (compact)",
            &doc["jwe"]["compact"],
            &key,
            plaintext,
            &mut counts,
        );
        check_decrypts(
            "RFC 8037 X25519 (json)",
            &doc["jwe"]["json"],
            &key,
            plaintext,
            &mut counts,
        );
        checked += 1;
    }
    eprintln!("RFC 8037 App. A.6: {checked} providers");
}

/// The recipient randomness of an RFC 7520 example, in the order the builder draws it.
fn generated(case: &Value, alg: KeyManagementAlgorithm) -> Vec<Vec<u8>> {
    use KeyManagementAlgorithm as K;
    let g = &case["generated"];
    let k = &case["encrypting_key"];
    let mut out = Vec::new();
    if !matches!(alg, K::Dir | K::EcdhEs) {
        out.push(bytes(&g["cek"]));
    }
    match alg {
        K::EcdhEs | K::EcdhEsA128Kw | K::EcdhEsA192Kw | K::EcdhEsA256Kw => {
            out.push(bytes(&k["epk"]["d"]))
        }
        K::A128GcmKw | K::A192GcmKw | K::A256GcmKw => out.push(bytes(&k["iv"])),
        K::Pbes2Hs256A128Kw | K::Pbes2Hs384A192Kw | K::Pbes2Hs512A256Kw => {
            out.push(bytes(&k["salt"]))
        }
        _ => {}
    }
    out.push(bytes(&g["iv"]));
    out
}

#[test]
fn rfc7520_section5_every_example() {
    use KeyManagementAlgorithm as K;
    let doc = read_json("rfc7520.json");
    let mut counts = Counts::default();
    for case in doc["cases"].as_array().unwrap() {
        let section = text(&case["section"]);
        let input = &case["input"];
        let plaintext = text(&input["plaintext"]).as_bytes();
        // (key, alg) pairs: one per recipient.
        let recipients: Vec<(Option<Jwk>, K)> = match (&input["key"], &input["alg"]) {
            (Value::Array(keys), Value::Array(algs)) => keys
                .iter()
                .zip(algs)
                .map(|(k, a)| (Some(jwk_of(k)), text(a).parse().unwrap()))
                .collect(),
            (Value::Null, a) => vec![(None, text(a).parse().unwrap())],
            (k, a) => vec![(Some(jwk_of(k)), text(a).parse().unwrap())],
        };
        let protected = &case["encrypting_content"]["protected"];
        let unprotected = &case["encrypting_content"]["unprotected"];
        let enc_name = protected.get("enc").or(unprotected.get("enc")).unwrap();
        let enc: ContentEncryptionAlgorithm = text(enc_name).parse().unwrap();
        for p in providers() {
            for (index, (jwk, alg)) in recipients.iter().enumerate() {
                let name = format!("RFC 7520 §{section} recipient {index} ({})", p.name());
                if !supports(p, *alg, enc)
                    || jwk
                        .as_ref()
                        .is_some_and(|j| DecryptionKey::from_jwk(j, Some(*alg), p).is_err())
                {
                    counts.skipped_unsupported += 1;
                    continue;
                }
                let key = match jwk {
                    Some(j) => DecryptionKey::from_jwk(j, Some(*alg), p).unwrap(),
                    None => {
                        DecryptionKey::symmetric(*alg, text(&input["pwd"]).as_bytes(), p).unwrap()
                    }
                };
                for form in ["compact", "json", "json_flat"] {
                    let jwe = &case["output"][form];
                    if jwe.is_null() {
                        continue;
                    }
                    let got = check_decrypts(
                        &format!("{name} {form}"),
                        jwe,
                        &key,
                        plaintext,
                        &mut counts,
                    );
                    if form == "json" {
                        assert_eq!(got, index, "{name}: the recipient that decrypted");
                    }
                    // Without the legacy opt-in only RSA1_5 recipients are refused; the other
                    // recipients of the same JWE (§5.13) still decrypt.
                    let default = match jwe {
                        Value::String(t) => jwe::decrypt_compact(t, &key, &JweOptions::default()),
                        v => jwe::decrypt_json(v.to_string(), &key, &JweOptions::default()),
                    };
                    if *alg == K::Rsa1_5 {
                        assert!(
                            matches!(default, Err(Error::UnsupportedAlgorithm(_))),
                            "{name}"
                        );
                    } else {
                        assert_eq!(default.unwrap().plaintext, plaintext, "{name}");
                    }
                }
            }
            // Reproduction: one recipient, deterministic key management.
            let [(jwk, alg)] = &recipients[..] else {
                continue;
            };
            if matches!(alg, K::Rsa1_5 | K::RsaOaep) || !supports(p, *alg, enc) {
                continue;
            }
            let to = match jwk {
                Some(j) => {
                    let public = j.to_public().unwrap_or_else(|_| j.clone());
                    match EncryptionKey::from_jwk(&public, Some(*alg), p) {
                        Ok(k) => k,
                        Err(_) => continue,
                    }
                }
                None => EncryptionKey::symmetric(*alg, text(&input["pwd"]).as_bytes(), p)
                    .unwrap()
                    .with_pbes2_iterations(
                        case["encrypting_key"]["iteration_count"].as_u64().unwrap() as u32,
                    )
                    .unwrap(),
            };
            let rng = Sequence::new(generated(case, *alg));
            let mut builder = JweBuilder::new(enc).recipient(&to);
            if input.get("zip").is_some() {
                builder = builder.compress();
            }
            if let Some(cty) = protected.get("cty") {
                builder = builder.cty(text(cty));
            }
            let expected = &case["encrypting_content"];
            let (ours, iv, ciphertext, encrypted_key) = if let Some(aad) = input.get("aad") {
                let out: Value = serde_json::from_str(
                    &builder
                        .aad(text(aad).as_bytes())
                        .encrypt_flattened(plaintext, &rng)
                        .unwrap(),
                )
                .unwrap();
                let ek = out.get("encrypted_key").map(bytes).unwrap_or_default();
                (
                    out.to_string(),
                    bytes(&out["iv"]),
                    bytes(&out["ciphertext"]),
                    ek,
                )
            } else {
                let t = builder.encrypt_compact(plaintext, &rng).unwrap();
                let parts = compact_parts(&t);
                (t, parts[2].clone(), parts[3].clone(), parts[1].clone())
            };
            assert!(
                rng.is_used_up(),
                "RFC 7520 §{section}: randomness left over"
            );
            let name = format!("RFC 7520 §{section} reproduced ({})", p.name());
            assert_eq!(iv, bytes(&case["generated"]["iv"]), "{name}: iv");
            if input.get("zip").is_none() {
                assert_eq!(
                    ciphertext,
                    bytes(&expected["ciphertext"]),
                    "{name}: ciphertext"
                );
            }
            if let Some(ek) = case["encrypting_key"].get("encrypted_key") {
                assert_eq!(encrypted_key, bytes(ek), "{name}: encrypted key");
            } else {
                assert!(
                    encrypted_key.is_empty(),
                    "{name}: direct agreement has no encrypted key"
                );
            }
            let key = match jwk {
                Some(j) => DecryptionKey::from_jwk(j, Some(*alg), p).unwrap(),
                None => DecryptionKey::symmetric(*alg, text(&input["pwd"]).as_bytes(), p).unwrap(),
            };
            assert_eq!(
                jwe::decrypt(&ours, &key, &options()).unwrap().plaintext,
                plaintext,
                "{name}"
            );
            counts.reproduced += 1;
        }
    }
    eprintln!("RFC 7520 §5: {counts:?}");
    assert!(counts.decrypted > 0);
}

#[test]
fn rfc7520_section6_nested_jwt() {
    let doc = read_json("rfc7520.json");
    let nest = &doc["nesting"];
    let sign_key = jwk_of(&nest["sign"]["input"]["key"]);
    let enc_key = jwk_of(&nest["encrypt"]["input"]["key"]);
    let validation = jwt::Validation::new().issuer("hobbiton.example").typ("JWT");
    let mut checked = 0;
    for p in providers() {
        if !supports(
            p,
            KeyManagementAlgorithm::RsaOaep,
            ContentEncryptionAlgorithm::A128Gcm,
        ) || !p.supports(JwsAlgorithm::PS256)
        {
            continue;
        }
        let decryption = DecryptionKey::from_jwk(&enc_key, None, p).unwrap();
        let verification =
            VerifyingKey::from_jwk(&sign_key.to_public().unwrap(), Some(JwsAlgorithm::PS256), p)
                .unwrap();
        for form in ["compact", "json", "json_flat"] {
            let jwe = &nest["encrypt"]["output"][form];
            let mut counts = Counts::default();
            check_decrypts(
                &format!("RFC 7520 §6 {form}"),
                jwe,
                &decryption,
                text(&nest["encrypt"]["input"]["plaintext"]).as_bytes(),
                &mut counts,
            );
        }
        let token = text(&nest["encrypt"]["output"]["compact"]);
        let ok = jwt::decrypt_and_verify(
            token,
            &decryption,
            &JweOptions::default(),
            &verification,
            &validation,
            UnixTime::from_secs(1_300_819_000),
        )
        .unwrap();
        assert_eq!(
            ok.inner.claims.registered.iss.as_deref(),
            Some("hobbiton.example")
        );
        assert!(ok.jwe_header.cty_is_jwt());
        // After `exp` the inner JWT is rejected even though the JWE decrypts.
        let late = jwt::decrypt_and_verify(
            token,
            &decryption,
            &JweOptions::default(),
            &verification,
            &validation,
            UnixTime::from_secs(1_400_000_000),
        );
        assert!(matches!(late, Err(Error::Validation(_))));
        checked += 1;
    }
    eprintln!("RFC 7520 §6: {checked} providers");
}
