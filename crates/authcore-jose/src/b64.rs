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

/// Marks a byte outside the base64url alphabet in the decoding tables: every alphabet value
/// fits in the low 24 bits, so one test of the top byte over the OR of all looked-up values
/// finds any invalid byte.
const INVALID: u32 = 0xFF00_0000;

/// The 6-bit value of each base64url alphabet byte shifted left by `shift`, [`INVALID`] for
/// every other byte (`=`, `+`, `/`, whitespace, `.`, non-ASCII).
const fn table(shift: u32) -> [u32; 256] {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = (i as u32) << shift;
        t[b'a' as usize + i] = (26 + i as u32) << shift;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = (52 + d as u32) << shift;
        d += 1;
    }
    t[b'-' as usize] = 62 << shift;
    t[b'_' as usize] = 63 << shift;
    t
}

/// One table per position in a group of four characters, so a group decodes with four
/// lookups and three ORs.
static D18: [u32; 256] = table(18);
static D12: [u32; 256] = table(12);
static D6: [u32; 256] = table(6);
static D0: [u32; 256] = table(0);

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

/// The part of a compact serialization (`token`, its parts separated by `.`) that holds
/// whitespace, named by `names` (the last name for any part beyond them), or `None` when the
/// token has none. For error messages: base64url has no whitespace, and neither has a compact
/// token (RFC 7515 §7.1, RFC 7516 §7.1), so a trailing newline or a surrounding space is
/// otherwise reported as mere "invalid base64url".
#[cold]
pub fn whitespace_part(token: &str, names: &[&'static str]) -> Option<&'static str> {
    let i = token
        .split('.')
        .position(|part| part.bytes().any(|b| b.is_ascii_whitespace()))?;
    names.get(i).or(names.last()).copied()
}

/// Decodes strict unpadded base64url.
#[allow(clippy::slow_vector_initialization)] // deliberate, see below
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>> {
    let input = input.as_ref();
    let len = decoded_len(input.len()).ok_or(Error::Base64)?;
    // `malloc` and a fill rather than `vec![0; len]`: the zeroing allocator path (`calloc`) is
    // slower for the small sizes of JOSE values.
    let mut out = Vec::with_capacity(len);
    out.resize(len, 0);
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
// One shared copy for the three parts of a token: less code to fetch after the primitive
// has run than three inlined ones.
#[inline(never)]
fn decode_exact(input: &[u8], out: &mut [u8]) -> Result<()> {
    #[inline(always)]
    fn group(c: &[u8]) -> u32 {
        D18[usize::from(c[0])]
            | D12[usize::from(c[1])]
            | D6[usize::from(c[2])]
            | D0[usize::from(c[3])]
    }
    let full = input.len() / 4;
    let (body, tail) = input.split_at(full * 4);
    let (out_body, out_tail) = out.split_at_mut(full * 3);
    // Invalid bytes are collected and tested once at the end (the output is discarded on
    // error anyway).
    let mut bad = 0u32;
    // Sixteen characters into twelve bytes per step, as two 8-byte stores of which the last
    // two bytes each run past their six (overwritten by the next store or the loops below):
    // only while the output has room for that.
    let (mut i, mut o) = (0, 0);
    while i + 16 <= body.len() && o + 14 <= out_body.len() {
        let c = &body[i..i + 16];
        let (a, b) = (group(&c[..4]), group(&c[4..8]));
        let (x, y) = (group(&c[8..12]), group(&c[12..]));
        bad |= a | b | x | y;
        let first = (u64::from(a) << 40) | (u64::from(b) << 16);
        let second = (u64::from(x) << 40) | (u64::from(y) << 16);
        out_body[o..o + 8].copy_from_slice(&first.to_be_bytes());
        out_body[o + 6..o + 14].copy_from_slice(&second.to_be_bytes());
        i += 16;
        o += 12;
    }
    // Then eight characters into six bytes per step, and a last group of four.
    let mut body_chunks = body[i..].chunks_exact(8);
    let mut out_chunks = out_body[o..].chunks_exact_mut(6);
    for (c, o) in (&mut body_chunks).zip(&mut out_chunks) {
        let (hi, lo) = (group(&c[..4]), group(&c[4..]));
        bad |= hi | lo;
        let n = (u64::from(hi) << 24) | u64::from(lo);
        o.copy_from_slice(&n.to_be_bytes()[2..]);
    }
    if let (c @ [_, _, _, _], o) = (body_chunks.remainder(), out_chunks.into_remainder()) {
        let n = group(c);
        bad |= n;
        o.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    match *tail {
        [] => {}
        [a, b] => {
            let n = D18[usize::from(a)] | D12[usize::from(b)];
            // Two characters carry 12 bits for one byte: the low 4 bits must be zero.
            bad |= n | (u32::from(n & 0x00_F000 != 0) << 31);
            out_tail[0] = (n >> 16) as u8;
        }
        [a, b, c] => {
            let n = D18[usize::from(a)] | D12[usize::from(b)] | D6[usize::from(c)];
            // Three characters carry 18 bits for two bytes: the low 2 bits must be zero.
            bad |= n | (u32::from(n & 0x00_00C0 != 0) << 31);
            out_tail[0] = (n >> 16) as u8;
            out_tail[1] = (n >> 8) as u8;
        }
        _ => return Err(Error::Base64),
    }
    if bad & INVALID != 0 {
        return Err(Error::Base64);
    }
    Ok(())
}

/// Decodes strict unpadded base64url into `stack` when the result fits, else into `heap`
/// (cleared first), and returns the decoded bytes.
#[inline]
pub(crate) fn decode_buffered<'b>(
    input: &[u8],
    stack: &'b mut [u8],
    heap: &'b mut Vec<u8>,
) -> Result<&'b [u8]> {
    let len = decoded_len(input.len()).ok_or(Error::Base64)?;
    if len <= stack.len() {
        let out = &mut stack[..len];
        decode_exact(input, out)?;
        Ok(out)
    } else {
        heap.clear();
        heap.resize(len, 0);
        decode_exact(input, heap)?;
        Ok(heap)
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
            let (mut stack, mut heap) = ([0u8; 16], Vec::new());
            let d = decode_buffered(enc.as_bytes(), &mut stack, &mut heap).unwrap();
            assert_eq!(d, &data[..]);
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
        for len in 0..72usize {
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
        let (mut stack, mut heap) = ([0u8; 8], Vec::new());
        let d = decode_buffered(enc.as_bytes(), &mut stack, &mut heap).unwrap();
        assert_eq!(d, &[1u8; 40][..]);
        assert_eq!(heap.len(), 40, "decoded on the heap");
        assert!(decode_buffered(b"YR", &mut stack, &mut heap).is_err());
        let mut big = [0u8; 64];
        assert!(decode_buffered(b"YQ==", &mut big, &mut heap).is_err());
    }
}
