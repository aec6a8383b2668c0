//! Secret byte strings: redacted `Debug`, constant-time equality, wiped on drop (best effort).

use core::fmt;

use subtle::ConstantTimeEq;

/// Bytes that must not leak: private key components, HMAC keys.
///
/// `Debug` prints only the length; `==` runs in constant time for equal lengths. The buffer is
/// overwritten with zeros when dropped (best effort: without `unsafe` the compiler may elide it).
#[derive(Clone, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(bytes)
    }

    /// The secret bytes. Every call site is a place where the secret is used.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(v: Vec<u8>) -> Self {
        SecretBytes(v)
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(v: &[u8]) -> Self {
        SecretBytes(v.to_vec())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SecretBytes {}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {}])", self.0.len())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            *b = 0;
        }
        core::hint::black_box(&self.0);
    }
}

/// Compares two byte strings in constant time (for equal lengths; the length itself is not
/// secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_eq_works() {
        let s = SecretBytes::new(b"hunter2".to_vec());
        assert_eq!(format!("{s:?}"), "SecretBytes([REDACTED; 7])");
        assert_eq!(s, SecretBytes::from(&b"hunter2"[..]));
        assert_ne!(s, SecretBytes::from(&b"hunter3"[..]));
        assert_ne!(s, SecretBytes::from(&b"hunter"[..]));
        assert!(constant_time_eq(b"ab", b"ab"));
        assert!(!constant_time_eq(b"ab", b"ac"));
    }
}
