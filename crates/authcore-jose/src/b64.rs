//! Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
//!
//! Decoding rejects padding, the standard alphabet's `+` and `/`, whitespace, and non-canonical
//! trailing bits, so every value has exactly one accepted encoding.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};

/// Encodes `data` as unpadded base64url.
pub fn encode(data: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Appends the unpadded base64url encoding of `data` to `out`.
pub fn encode_into(data: impl AsRef<[u8]>, out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(data, out)
}

/// Decodes strict unpadded base64url.
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>> {
    let input = input.as_ref();
    // A length of 1 mod 4 can never be valid; the engine rejects it too, this just fails early.
    if input.len() % 4 == 1 {
        return Err(Error::Base64);
    }
    URL_SAFE_NO_PAD.decode(input).map_err(|_| Error::Base64)
}

/// Decodes strict unpadded base64url into `out` (cleared first), reusing its allocation.
pub fn decode_into(input: impl AsRef<[u8]>, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    URL_SAFE_NO_PAD
        .decode_vec(input, out)
        .map_err(|_| Error::Base64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).collect();
            assert_eq!(decode(encode(&data)).unwrap(), data);
        }
    }

    #[test]
    fn rejects_padding_std_alphabet_whitespace_and_trailing_bits() {
        assert_eq!(decode("YQ").unwrap(), b"a");
        assert!(decode("YQ==").is_err(), "padding");
        assert!(decode("YR").is_err(), "non-canonical trailing bits");
        assert!(decode("+/8").is_err(), "standard alphabet");
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert!(decode("Y Q").is_err(), "whitespace");
        assert!(decode("YQ\n").is_err(), "newline");
        assert!(decode("a").is_err(), "impossible length");
    }
}
