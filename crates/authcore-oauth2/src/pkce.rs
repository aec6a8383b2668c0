//! Proof Key for Code Exchange (RFC 7636).

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{DigestAlgorithm, SecureRandom, b64};

use crate::error::{Error, Result};
use crate::secret::PkceCodeVerifier;

/// A PKCE code challenge method (RFC 7636 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PkceMethod {
    /// `S256`: the challenge is the base64url SHA-256 of the verifier (the default).
    #[default]
    S256,
    /// `plain`: the challenge is the verifier itself. RFC 7636 §4.2 allows it only when S256
    /// is impossible; it gives no protection if the authorization request leaks.
    Plain,
}

impl PkceMethod {
    /// The `code_challenge_method` value.
    pub fn as_str(self) -> &'static str {
        match self {
            PkceMethod::S256 => "S256",
            PkceMethod::Plain => "plain",
        }
    }
}

impl PkceCodeVerifier {
    /// A fresh verifier: 32 random bytes as 43 base64url characters (RFC 7636 §4.1).
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self> {
        let mut b = [0u8; 32];
        rng.fill(&mut b).map_err(Error::Jose)?;
        Ok(PkceCodeVerifier::new(b64::encode(b)))
    }

    /// Checks the verifier's syntax: 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
    pub fn validate(&self) -> Result<()> {
        let v = self.secret();
        let ok = (43..=128).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if ok {
            Ok(())
        } else {
            Err(Error::Misuse(
                "a PKCE verifier is 43-128 unreserved characters",
            ))
        }
    }

    /// The `code_challenge` for `method` (RFC 7636 §4.2).
    pub fn challenge(&self, method: PkceMethod, provider: &dyn CryptoProvider) -> String {
        match method {
            PkceMethod::S256 => {
                b64::encode(provider.digest(DigestAlgorithm::Sha256, self.secret().as_bytes()))
            }
            PkceMethod::Plain => self.secret().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let v = PkceCodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        v.validate().unwrap();
        let p = authcore_jose::crypto::default_provider();
        assert_eq!(
            v.challenge(PkceMethod::S256, p),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(v.challenge(PkceMethod::Plain, p), v.secret());
    }

    #[test]
    fn verifier_syntax() {
        assert!(PkceCodeVerifier::new("a".repeat(42)).validate().is_err());
        assert!(PkceCodeVerifier::new("a".repeat(129)).validate().is_err());
        assert!(
            PkceCodeVerifier::new(format!("{}+", "a".repeat(42)))
                .validate()
                .is_err()
        );
        let rng = authcore_jose::InsecureTestRandom::new(3);
        PkceCodeVerifier::generate(&rng)
            .unwrap()
            .validate()
            .unwrap();
    }
}
