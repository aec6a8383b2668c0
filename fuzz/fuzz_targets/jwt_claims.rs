//! JWT claims parsing and validation never panic, through the full verify path.
#![no_main]

use authcore_jose::jwt::{self, Claims, Validation};
use authcore_jose::{JwsAlgorithm, JwsHeader, SigningKey, UnixTime, VerifyingKey, crypto, jws};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = UnixTime::from_secs(1_700_000_000);
    let validation = Validation::new()
        .issuer("https://issuer.example")
        .audience("api")
        .subject("alice")
        .max_age(3600)
        .leeway(30)
        .typ("JWT");
    if let Ok(claims) = Claims::from_json(data) {
        let _ = validation.validate_claims(&claims, now);
        let _ = Validation::new().required_claims(["nonce", "iat"]).validate_claims(&claims, now);
        let _ = claims.to_map();
    }
    // The same bytes as the payload of a correctly signed token.
    let provider = crypto::default_provider();
    let signer = SigningKey::hmac(JwsAlgorithm::HS256, &[9; 32], provider).unwrap();
    let key = VerifyingKey::hmac(JwsAlgorithm::HS256, &[9; 32], provider).unwrap();
    let header = JwsHeader::new(JwsAlgorithm::HS256).with_typ("JWT");
    let token = jws::sign_compact(&header, data, &signer).unwrap();
    let _ = jwt::verify(&token, &key, &validation, now);
});
