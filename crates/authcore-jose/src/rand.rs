//! Randomness as an argument: protocol values (`jti`, nonces, symmetric keys) are drawn from a
//! source the caller passes in.
//!
//! The crypto providers keep one exception, because the underlying libraries do not accept an
//! outside entropy source: the per-signature randomness *inside* a primitive (the ECDSA nonce,
//! the RSA-PSS salt) and EC/RSA key-pair generation use the provider library's own system RNG.
//! Everything a protocol puts on the wire comes from the caller's [`SecureRandom`].

use crate::error::{Error, Result};

/// A cryptographically secure source of random bytes, supplied by the caller.
///
/// Adapters implement it over the operating system's generator (every provider offers one:
/// [`CryptoProvider::system_random`](crate::crypto::CryptoProvider::system_random)); tests use a
/// deterministic source for reproducible output.
pub trait SecureRandom: Send + Sync {
    /// Fills `dest` entirely with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<()>;
}

impl<T: SecureRandom + ?Sized> SecureRandom for &T {
    fn fill(&self, dest: &mut [u8]) -> Result<()> {
        (**self).fill(dest)
    }
}

/// Draws `N` random bytes from `rng`.
pub fn random_array<const N: usize>(rng: &dyn SecureRandom) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    rng.fill(&mut out)?;
    Ok(out)
}

/// A *deterministic, insecure* byte source for tests and reproducible examples: it cycles an
/// xorshift generator seeded by the caller. Never use it for real keys or tokens.
#[derive(Debug)]
pub struct InsecureTestRandom {
    state: std::sync::Mutex<u64>,
}

impl InsecureTestRandom {
    /// A generator that produces the same stream for the same `seed`.
    pub fn new(seed: u64) -> Self {
        // xorshift must not start at zero.
        InsecureTestRandom {
            state: std::sync::Mutex::new(seed | 1),
        }
    }
}

impl SecureRandom for InsecureTestRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<()> {
        let mut s = self.state.lock().map_err(|_| Error::Crypto)?;
        for chunk in dest.chunks_mut(8) {
            let mut x = *s;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *s = x;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_random_is_reproducible_and_not_constant() {
        let a = InsecureTestRandom::new(7);
        let b = InsecureTestRandom::new(7);
        let x: [u8; 32] = random_array(&a).unwrap();
        let y: [u8; 32] = random_array(&b).unwrap();
        assert_eq!(x, y);
        let z: [u8; 32] = random_array(&a).unwrap();
        assert_ne!(x, z);
    }
}
