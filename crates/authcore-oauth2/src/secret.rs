//! Secret string types: redacted `Debug`, constant-time equality, wiped on drop (best effort).

use core::fmt;

use authcore_jose::{SecureRandom, b64, constant_time_eq};

use crate::error::{Error, Result};

/// Overwrites the bytes of a string before its buffer is freed. Best effort: without `unsafe`
/// the compiler may elide the writes, and earlier reallocations may have left copies.
fn wipe(s: &mut String) {
    let mut bytes = core::mem::take(s).into_bytes();
    bytes.fill(0);
    core::hint::black_box(&bytes);
}

macro_rules! secret_string {
    ($(#[$m:meta])* $name:ident $(, $derive:ident)*) => {
        $(#[$m])*
        ///
        /// `Debug` prints only the type name; `==` compares in constant time (for equal
        /// lengths); the contents are overwritten when dropped (best effort).
        $(#[derive($derive)])*
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The secret value. Every call site is a place where the secret is used.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}

        impl Drop for $name {
            fn drop(&mut self) {
                wipe(&mut self.0);
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
                String::deserialize(d).map($name)
            }
        }
    };
}

secret_string!(
    /// A client secret (RFC 6749 §2.3.1).
    ClientSecret, Clone
);
secret_string!(
    /// An access token (RFC 6749 §1.4).
    AccessToken, Clone
);
secret_string!(
    /// A refresh token (RFC 6749 §1.5).
    RefreshToken, Clone
);
secret_string!(
    /// An ID token as received in a token response; the OpenID Connect layer validates it.
    IdToken, Clone
);
secret_string!(
    /// An authorization code (RFC 6749 §1.3.1). Single use, hence not `Clone`.
    AuthorizationCode
);
secret_string!(
    /// A device verification code (RFC 8628 §3.2).
    DeviceCode
);
secret_string!(
    /// A resource owner's password, for the deprecated password grant.
    Password
);
secret_string!(
    /// A `state` value binding an authorization request to its callback (RFC 6749 §10.12).
    /// Not `Clone`: it lives in exactly one pending request.
    State
);
secret_string!(
    /// An OpenID Connect `nonce`, binding an ID token to the authorization request. Not
    /// `Clone`: it lives in exactly one pending request.
    Nonce
);
secret_string!(
    /// A PKCE code verifier (RFC 7636 §4.1): 43 to 128 unreserved characters. Not `Clone`: it
    /// lives in exactly one pending request.
    PkceCodeVerifier
);

/// Bytes of entropy in generated `state` and `nonce` values (RFC 6749 §10.10 asks for a
/// probability of guessing of at most 2^-128; 256 bits leaves margin).
pub(crate) const RANDOM_VALUE_BYTES: usize = 32;

fn random_b64<const N: usize>(rng: &dyn SecureRandom) -> Result<String> {
    let mut buf = [0u8; N];
    rng.fill(&mut buf).map_err(Error::Random)?;
    Ok(b64::encode(buf))
}

impl State {
    /// A fresh random `state` (256 bits, base64url) from `rng`.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self> {
        random_b64::<RANDOM_VALUE_BYTES>(rng).map(State)
    }

    /// The `state` for random bytes already drawn.
    pub(crate) fn from_random(bytes: &[u8]) -> Self {
        State(b64::encode(bytes))
    }
}

impl Nonce {
    /// A fresh random `nonce` (256 bits, base64url) from `rng`.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self> {
        random_b64::<RANDOM_VALUE_BYTES>(rng).map(Nonce)
    }

    /// The `nonce` for random bytes already drawn.
    pub(crate) fn from_random(bytes: &[u8]) -> Self {
        Nonce(b64::encode(bytes))
    }
}

pub(crate) fn random_jti(rng: &dyn SecureRandom) -> Result<String> {
    // 128 bits make a collision within any assertion lifetime negligible.
    random_b64::<16>(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_comparison_works() {
        let t = AccessToken::new("2YotnFZFEjr1zCsicMWpAA");
        assert_eq!(format!("{t:?}"), "AccessToken([REDACTED])");
        assert_eq!(t, AccessToken::new("2YotnFZFEjr1zCsicMWpAA"));
        assert_ne!(t, AccessToken::new("2YotnFZFEjr1zCsicMWpAB"));
        assert_ne!(t, AccessToken::new("2YotnFZFEjr1zCsicMWpA"));
        assert_eq!(t.secret(), "2YotnFZFEjr1zCsicMWpAA");
    }

    #[test]
    fn generated_values_are_distinct_and_long() {
        let rng = authcore_jose::InsecureTestRandom::new(1);
        let a = State::generate(&rng).unwrap();
        let b = State::generate(&rng).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.secret().len(), 43);
    }
}
