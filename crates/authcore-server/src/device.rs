//! The device authorization endpoint (RFC 8628 §3.1–3.3) and the user-code verification step.

use authcore_jose::SecureRandom;

/// The user-code alphabet of RFC 8628 §6.1: twenty consonants, no vowels (no words can be
/// spelled) and no characters that look alike.
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Characters in a user code: 20^8 ≈ 2^34.5 codes, the entropy RFC 8628 §6.1 gives as its
/// example, enough with [`MAX_USER_CODE_ATTEMPTS`] failed entries allowed per code lifetime.
pub const USER_CODE_LENGTH: usize = 8;

/// Failed user-code entries allowed per device authorization before verification stops
/// (RFC 8628 §5.1: the user code's low entropy needs rate limiting). With at most this many
/// guesses while a code is valid, the chance of hitting any one of `n` live codes is
/// `n * MAX_USER_CODE_ATTEMPTS / 20^8`.
pub const MAX_USER_CODE_ATTEMPTS: u32 = 5;

/// Draws a user code of [`USER_CODE_LENGTH`] characters from [`USER_CODE_ALPHABET`] with the
/// caller's randomness, uniformly (bytes of 240 and above are drawn again, so no character is
/// more likely than another).
pub fn generate_user_code(rng: &dyn SecureRandom) -> Result<String, authcore_jose::Error> {
    let mut out = String::with_capacity(USER_CODE_LENGTH);
    let mut buf = [0u8; 16];
    while out.len() < USER_CODE_LENGTH {
        rng.fill(&mut buf)?;
        for b in buf {
            // 240 = 12 * 20: the largest multiple of 20 a byte can hold.
            if b < 240 && out.len() < USER_CODE_LENGTH {
                out.push(char::from(USER_CODE_ALPHABET[usize::from(b % 20)]));
            }
        }
    }
    Ok(out)
}

/// A user code as shown to the user: two groups of four joined by a dash (`BDWP-HQPK`), which
/// RFC 8628 §6.1 suggests for readability.
pub fn display_user_code(code: &str) -> String {
    if code.len() == USER_CODE_LENGTH && code.is_ascii() {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

/// A user code as typed by the user, in the form it is stored: upper case, with dashes and
/// spaces dropped (RFC 8628 §6.1: case and punctuation are not significant). `None` when what
/// remains is not [`USER_CODE_LENGTH`] characters of the alphabet, so that no lookup is made
/// for input that cannot be a code.
pub fn normalize_user_code(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == USER_CODE_LENGTH && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::InsecureTestRandom;
    use proptest::prelude::*;

    #[test]
    fn user_codes_use_the_alphabet_and_normalize_back() {
        let rng = InsecureTestRandom::new(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let code = generate_user_code(&rng).unwrap();
            assert_eq!(code.len(), USER_CODE_LENGTH);
            assert!(code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)));
            let shown = display_user_code(&code);
            assert_eq!(shown.len(), USER_CODE_LENGTH + 1);
            assert_eq!(
                normalize_user_code(&shown.to_lowercase()),
                Some(code.clone())
            );
            seen.insert(code);
        }
        assert_eq!(seen.len(), 200);
    }

    #[test]
    fn normalize_refuses_what_cannot_be_a_code() {
        for bad in [
            "",
            "BDWP-HQP",
            "BDWP-HQPKX",
            "BDWA-HQPK",
            "BDWP_HQPK",
            "ＢDWP-HQPK",
        ] {
            assert_eq!(normalize_user_code(bad), None, "{bad}");
        }
        assert_eq!(
            normalize_user_code(" bdwp hqpk ").as_deref(),
            Some("BDWPHQPK")
        );
    }

    #[test]
    fn every_character_is_about_equally_likely() {
        let rng = InsecureTestRandom::new(3);
        let mut counts = [0u32; 20];
        for _ in 0..2000 {
            for b in generate_user_code(&rng).unwrap().bytes() {
                let i = USER_CODE_ALPHABET.iter().position(|&a| a == b).unwrap();
                counts[i] += 1;
            }
        }
        // 16000 draws, 800 expected per character.
        assert!(
            counts.iter().all(|&c| (650..950).contains(&c)),
            "{counts:?}"
        );
    }

    proptest! {
        #[test]
        fn normalize_never_panics(s in ".{0,80}") {
            if let Some(code) = normalize_user_code(&s) {
                prop_assert_eq!(code.len(), USER_CODE_LENGTH);
            }
        }
    }
}
