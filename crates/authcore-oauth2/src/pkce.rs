//! Proof Key for Code Exchange (RFC 7636).

use authcore_jose::crypto::CryptoProvider;
use authcore_jose::{DigestAlgorithm, SecureRandom, b64};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::authorization::is_pkce_string;
use crate::error::{Error, Result};
use crate::secret::PkceCodeVerifier;

/// Length of an S256 `code_challenge`: a SHA-256 digest in unpadded base64url.
pub(crate) const S256_CHALLENGE_LEN: usize = 43;

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

    /// Parses a `code_challenge_method` value (RFC 7636 §4.3; case-sensitive, §4.2).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "S256" => Some(PkceMethod::S256),
            "plain" => Some(PkceMethod::Plain),
            _ => None,
        }
    }
}

impl PkceCodeVerifier {
    /// A fresh verifier: 32 random bytes as 43 base64url characters (RFC 7636 §4.1).
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self> {
        let mut b = [0u8; 32];
        rng.fill(&mut b).map_err(Error::Random)?;
        Ok(PkceCodeVerifier::from_random(&b))
    }

    /// The verifier for random bytes already drawn (32 of them, RFC 7636 §4.1).
    pub(crate) fn from_random(bytes: &[u8]) -> Self {
        PkceCodeVerifier::new(b64::encode(bytes))
    }

    /// Checks the verifier's syntax: 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
    pub fn validate(&self) -> Result<()> {
        if is_pkce_string(self.secret()) {
            Ok(())
        } else {
            Err(Error::Misuse(
                "a PKCE verifier is 43-128 unreserved characters",
            ))
        }
    }

    /// The `code_challenge` for `method` as [`PkceCodeVerifier::challenge`], the S256 one
    /// encoded into `buf` rather than a new `String`.
    pub(crate) fn challenge_in<'a>(
        &'a self,
        method: PkceMethod,
        provider: &CryptoProvider,
        buf: &'a mut [u8; S256_CHALLENGE_LEN],
    ) -> Result<&'a str> {
        match method {
            PkceMethod::S256 => {
                let digest = provider.digest(DigestAlgorithm::Sha256, self.secret().as_bytes());
                // A SHA-256 digest always fills `buf` exactly; base64url is ASCII.
                let n = URL_SAFE_NO_PAD
                    .encode_slice(digest, buf)
                    .map_err(|_| Error::Jose(authcore_jose::Error::Crypto))?;
                core::str::from_utf8(&buf[..n])
                    .map_err(|_| Error::Jose(authcore_jose::Error::Crypto))
            }
            PkceMethod::Plain => Ok(self.secret()),
        }
    }

    /// The `code_challenge` for `method` (RFC 7636 §4.2).
    pub fn challenge(&self, method: PkceMethod, provider: &CryptoProvider) -> String {
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
        let mut buf = [0u8; S256_CHALLENGE_LEN];
        assert_eq!(
            v.challenge_in(PkceMethod::S256, p, &mut buf).unwrap(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(
            v.challenge_in(PkceMethod::Plain, p, &mut buf).unwrap(),
            v.secret()
        );
    }

    #[test]
    fn methods_parse_case_sensitively() {
        for m in [PkceMethod::S256, PkceMethod::Plain] {
            assert_eq!(PkceMethod::parse(m.as_str()), Some(m));
        }
        for bad in ["s256", "PLAIN", "", "S512"] {
            assert_eq!(PkceMethod::parse(bad), None, "{bad}");
        }
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
