//! Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
//!
//! Decoding rejects padding, the standard alphabet's `+` and `/`, whitespace, and non-canonical
//! trailing bits, so every value has exactly one accepted encoding.
//!
//! Besides [`decode`], which returns a new `Vec`, [`decode_to_slice`] writes into a buffer the
//! caller owns (a stack array, for instance), so the small parts of a token need no allocation.

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

/// Marks a byte outside the base64url alphabet in [`DECODE`]. Every alphabet value is below 64,
/// so a single test of bit 7 over the OR of a group's values finds any invalid byte.
const INVALID: u8 = 0xFF;

/// The value of each base64url alphabet byte, [`INVALID`] for every other byte (`=`, `+`, `/`,
/// whitespace, non-ASCII).
static DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t
};

/// The number of bytes that `encoded_len` characters of unpadded base64url decode to, or `None`
/// for a length no unpadded encoding has (1 modulo 4).
#[inline]
pub const fn decoded_len(encoded_len: usize) -> Option<usize> {
    match encoded_len % 4 {
        0 => Some(encoded_len / 4 * 3),
        2 => Some(encoded_len / 4 * 3 + 1),
        3 => Some(encoded_len / 4 * 3 + 2),
        _ => None,
    }
}

/// Decodes strict unpadded base64url.
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>> {
    let input = input.as_ref();
    let len = decoded_len(input.len()).ok_or(Error::Base64)?;
    let mut out = vec![0u8; len];
    decode_exact(input, &mut out)?;
    Ok(out)
}

/// Decodes strict unpadded base64url into `out` (cleared first), reusing its allocation.
pub fn decode_into(input: impl AsRef<[u8]>, out: &mut Vec<u8>) -> Result<()> {
    let input = input.as_ref();
    out.clear();
    let len = decoded_len(input.len()).ok_or(Error::Base64)?;
    out.resize(len, 0);
    let r = decode_exact(input, out);
    if r.is_err() {
        out.clear();
    }
    r
}

/// Decodes strict unpadded base64url into the start of `out` and returns the decoded length.
///
/// Fails with [`Error::Base64`] on invalid input and with [`Error::TooLarge`] when `out` is
/// shorter than [`decoded_len`]. On failure the contents of `out` are unspecified.
pub fn decode_to_slice(input: impl AsRef<[u8]>, out: &mut [u8]) -> Result<usize> {
    let input = input.as_ref();
    let len = decoded_len(input.len()).ok_or(Error::Base64)?;
    let Some(dst) = out.get_mut(..len) else {
        return Err(Error::TooLarge {
            what: "base64url output buffer",
            limit: out.len(),
        });
    };
    decode_exact(input, dst)?;
    Ok(len)
}

/// Decodes `input` into `out`, whose length must be `decoded_len(input.len())`.
#[inline]
fn decode_exact(input: &[u8], out: &mut [u8]) -> Result<()> {
    let full = input.len() / 4;
    let (body, tail) = input.split_at(full * 4);
    let (out_body, out_tail) = out.split_at_mut(full * 3);
    // Eight characters into six bytes per step; the invalid marker is collected and tested
    // once at the end (the output is discarded on error anyway).
    let mut bad = 0u8;
    let mut body_chunks = body.chunks_exact(8);
    let mut out_chunks = out_body.chunks_exact_mut(6);
    for (c, o) in (&mut body_chunks).zip(&mut out_chunks) {
        let mut n = 0u64;
        for &ch in c {
            let v = DECODE[usize::from(ch)];
            bad |= v;
            n = (n << 6) | u64::from(v);
        }
        o.copy_from_slice(&n.to_be_bytes()[2..]);
    }
    let rest = body_chunks.remainder();
    let out_rest = out_chunks.into_remainder();
    for (c, o) in rest.chunks_exact(4).zip(out_rest.chunks_exact_mut(3)) {
        let mut n = 0u32;
        for &ch in c {
            let v = DECODE[usize::from(ch)];
            bad |= v;
            n = (n << 6) | u32::from(v);
        }
        o.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    match *tail {
        [] => {}
        [a, b] => {
            let (a, b) = (DECODE[usize::from(a)], DECODE[usize::from(b)]);
            bad |= a | b;
            // Two characters carry 12 bits for one byte: the low 4 bits must be zero.
            bad |= u8::from(b & 0x0F != 0) << 7;
            out_tail[0] = (a << 2) | (b >> 4);
        }
        [a, b, c] => {
            let (a, b, c) = (
                DECODE[usize::from(a)],
                DECODE[usize::from(b)],
                DECODE[usize::from(c)],
            );
            bad |= a | b | c;
            // Three characters carry 18 bits for two bytes: the low 2 bits must be zero.
            bad |= u8::from(c & 0x03 != 0) << 7;
            out_tail[0] = (a << 2) | (b >> 4);
            out_tail[1] = (b << 4) | (c >> 2);
        }
        _ => return Err(Error::Base64),
    }
    if bad & 0x80 != 0 {
        return Err(Error::Base64);
    }
    Ok(())
}

/// A decoded value that lives on the stack when it fits in `N` bytes and on the heap otherwise.
pub(crate) enum DecodeBuf<const N: usize> {
    Stack([u8; N], usize),
    Heap(Vec<u8>),
}

impl<const N: usize> DecodeBuf<N> {
    /// Decodes strict unpadded base64url.
    #[inline]
    pub(crate) fn decode(input: &[u8]) -> Result<Self> {
        let len = decoded_len(input.len()).ok_or(Error::Base64)?;
        if len <= N {
            let mut buf = [0u8; N];
            decode_exact(input, &mut buf[..len])?;
            Ok(DecodeBuf::Stack(buf, len))
        } else {
            let mut v = vec![0u8; len];
            decode_exact(input, &mut v)?;
            Ok(DecodeBuf::Heap(v))
        }
    }
}

impl<const N: usize> core::ops::Deref for DecodeBuf<N> {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            DecodeBuf::Stack(b, len) => &b[..*len],
            DecodeBuf::Heap(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for len in 0..80 {
            let data: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(151)).collect();
            let enc = encode(&data);
            assert_eq!(decode(&enc).unwrap(), data);
            let mut v = vec![9; 3];
            decode_into(&enc, &mut v).unwrap();
            assert_eq!(v, data);
            let mut buf = [0u8; 80];
            let n = decode_to_slice(&enc, &mut buf).unwrap();
            assert_eq!(&buf[..n], &data[..]);
            assert_eq!(
                &*DecodeBuf::<16>::decode(enc.as_bytes()).unwrap(),
                &data[..]
            );
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
        assert!(decode("YWJj").is_ok());
        assert!(decode("YWJ=").is_err(), "padding in a full group");
        assert!(decode("-_9").is_err(), "non-canonical two-byte tail");
    }

    /// Every single-byte corruption at every position of inputs of many lengths agrees with
    /// the reference engine (which is just as strict in this configuration).
    #[test]
    fn agrees_with_reference_engine() {
        let reference = |s: &[u8]| URL_SAFE_NO_PAD.decode(s).ok();
        for len in 0..40usize {
            let data: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(77) ^ 0x3c).collect();
            let enc = encode(&data).into_bytes();
            for pos in 0..enc.len() {
                for byte in [
                    b'=', b'+', b'/', b' ', b'\n', 0, 0x80, 0xff, b'A', b'_', b'-', b'z',
                ] {
                    let mut bad = enc.clone();
                    bad[pos] = byte;
                    assert_eq!(decode(&bad).ok(), reference(&bad), "{bad:?}");
                }
            }
        }
        for s in [
            "", "A", "AA", "AB", "AAA", "AAB", "AAE", "AAAA", "AAAAA", "AAAAAA", "AAAAAB",
        ] {
            assert_eq!(decode(s).ok(), reference(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn slice_and_stack_buffers() {
        let enc = encode([1u8; 40]);
        let mut small = [0u8; 39];
        assert!(matches!(
            decode_to_slice(&enc, &mut small),
            Err(Error::TooLarge { .. })
        ));
        let heap = DecodeBuf::<8>::decode(enc.as_bytes()).unwrap();
        assert!(matches!(heap, DecodeBuf::Heap(_)));
        assert_eq!(&*heap, &[1u8; 40][..]);
        assert!(DecodeBuf::<8>::decode(b"YR").is_err());
        assert!(DecodeBuf::<64>::decode(b"YQ==").is_err());
    }
}
