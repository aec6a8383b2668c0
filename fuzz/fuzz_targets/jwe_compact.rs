//! Compact JWE parsing and decryption never panic, whatever the input.
#![no_main]

use authcore_jose::jwe::{self, DecryptionKey, DecryptionKeys, JweOptions};
use authcore_jose::{KeyManagementAlgorithm, crypto};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let provider = crypto::default_provider();
    let mut keys = DecryptionKeys::new();
    keys.push(
        DecryptionKey::symmetric(KeyManagementAlgorithm::A256GcmKw, &[7; 32], provider)
            .unwrap()
            .with_kid("k"),
    );
    keys.push(DecryptionKey::symmetric(KeyManagementAlgorithm::Dir, &[7; 16], provider).unwrap());
    let opts = JweOptions::default().understand_crit("exp");
    let _ = jwe::decrypt_compact(token, &keys, &opts);
    let _ = jwe::decode_header_unverified(token);
});
