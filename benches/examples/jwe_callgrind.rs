//! Instruction counts of JWE decryption, for profiling with callgrind where wall-clock time
//! is too noisy (a shared machine).
//!
//! `jwe_callgrind <case> <n>` encrypts one compact JWE of a 150-byte JWT claims set and
//! decrypts it `n` times inside `measured_loop`; `<case>` is `A256KW/A256GCM`,
//! `dir/A128CBC-HS256` or `ECDH-ES-X25519/A256GCM`, with the default provider. Run it as
//!
//! ```text
//! cargo build --release -p authcore-benches --example jwe_callgrind
//! valgrind --tool=callgrind --toggle-collect='*measured_loop*' \
//!     target/release/examples/jwe_callgrind A256KW/A256GCM 200
//! ```
//!
//! and divide the collected instruction count by `n`.

use std::hint::black_box;

use authcore_jose::crypto::{self, AgreementCurve, EncryptionKeyOptions};
use authcore_jose::jwe::{self, DecryptionKey, EncryptionKey, JweBuilder, JweOptions};
use authcore_jose::{
    ContentEncryptionAlgorithm as Enc, InsecureTestRandom, Jwk, KeyManagementAlgorithm as Kma,
};

const CLAIMS: &str = r#"{"iss":"https://issuer.example.com","sub":"248289761001","aud":"https://api.example.com","exp":4102444800,"iat":1700000000,"jti":"5f0c1c2e-9d1b-4b8e"}"#;

#[inline(never)]
fn measured_loop(n: u64, f: &mut dyn FnMut()) {
    for _ in 0..n {
        f();
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().expect("usage: jwe_callgrind <case> <n>");
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .expect("usage: jwe_callgrind <case> <n>");
    let provider = crypto::default_provider();
    let rng = InsecureTestRandom::new(7);
    let (alg, enc) = match case.as_str() {
        "A256KW/A256GCM" => (Kma::A256Kw, Enc::A256Gcm),
        "dir/A128CBC-HS256" => (Kma::Dir, Enc::A128CbcHs256),
        "ECDH-ES-X25519/A256GCM" => (Kma::EcdhEs, Enc::A256Gcm),
        other => panic!("unknown case {other}"),
    };
    let options = EncryptionKeyOptions::default()
        .with_curve(AgreementCurve::X25519)
        .with_enc(enc);
    let private = Jwk::generate_for_encryption(alg, &options, provider, &rng).expect("key");
    let public = if alg == Kma::EcdhEs {
        private.to_public().expect("public key")
    } else {
        private.clone()
    };
    let encryption_key = EncryptionKey::from_jwk(&public, None, provider).expect("encryption key");
    let decryption_key = DecryptionKey::from_jwk(&private, None, provider).expect("decryption key");
    let token = JweBuilder::new(enc)
        .recipient(&encryption_key)
        .encrypt_compact(CLAIMS.as_bytes(), &rng)
        .expect("encrypt");
    let jwe_options = JweOptions::default();
    let decrypted = jwe::decrypt_compact(&token, &decryption_key, &jwe_options).expect("decrypt");
    assert_eq!(decrypted.plaintext, CLAIMS.as_bytes());
    measured_loop(n, &mut || {
        black_box(jwe::decrypt_compact(black_box(&token), &decryption_key, &jwe_options).unwrap());
    });
}
