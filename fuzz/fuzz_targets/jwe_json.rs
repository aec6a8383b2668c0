//! JSON-serialized JWE parsing and decryption never panic, whatever the input.
#![no_main]

use authcore_jose::jwe::{self, DecryptionKey, DecryptionKeys, JweOptions};
use authcore_jose::{KeyManagementAlgorithm, crypto};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let provider = crypto::default_provider();
    let mut keys = DecryptionKeys::new();
    keys.push(
        DecryptionKey::symmetric(KeyManagementAlgorithm::A128GcmKw, &[7; 16], provider)
            .unwrap()
            .with_kid("k"),
    );
    keys.push(DecryptionKey::symmetric(KeyManagementAlgorithm::Dir, &[7; 32], provider).unwrap());
    let opts = JweOptions::default();
    let _ = jwe::decrypt_json(data, &keys, &opts);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = jwe::decrypt(text, &keys, &opts);
    }
});
