//! Shared secrets as a type: consumer secrets, token secrets and verifiers.

use core::fmt;

use authcore_jose::SecretBytes;

/// A secret string (a consumer secret, a token secret, a verifier). `Debug` prints only its
/// length and `==` compares in constant time (both through authcore-jose's [`SecretBytes`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(SecretBytes);

impl Secret {
    /// Wraps `secret`.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(SecretBytes::new(secret.into().into_bytes()))
    }

    /// The secret text. Every call site is a place where the secret is used.
    pub fn expose(&self) -> &str {
        // Built only from a `String`, so always UTF-8.
        core::str::from_utf8(self.0.expose()).unwrap_or_default()
    }

    /// Whether `candidate` equals this secret, compared in constant time (the length is not
    /// secret).
    pub fn matches(&self, candidate: &str) -> bool {
        authcore_jose::constant_time_eq(self.0.expose(), candidate.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([REDACTED; {}])", self.0.len())
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_comparison_exact() {
        let s = Secret::new("kd94hf93k423kf44");
        assert_eq!(format!("{s:?}"), "Secret([REDACTED; 16])");
        assert!(s.matches("kd94hf93k423kf44"));
        assert!(!s.matches("kd94hf93k423kf45"));
        assert!(!s.matches("kd94hf93k423kf4"));
        assert_eq!(s, Secret::from("kd94hf93k423kf44"));
        assert_ne!(s, Secret::from("other"));
    }
}
