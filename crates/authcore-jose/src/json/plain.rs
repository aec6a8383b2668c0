//! The plain-JSON fast reader (see [`Plain`]).

use core::fmt;

use serde_json::Value;

use super::{PLAIN_MAX_ELEMENTS, PLAIN_MAX_MEMBERS};

/// A forward-only reader of *plain* JSON, the form nearly every JOSE header and JWT claims set
/// takes: one object of members whose names and string values have no escapes, whose numbers
/// are non-negative integers, and whose only nested values are arrays of such strings.
///
/// It is the fast path in front of the strict `serde_json` visitors: every method returns
/// `None` ("not plain") as soon as the input leaves that form, valid JSON or not, and the
/// caller then parses the same bytes with the strict parser, which alone decides acceptance
/// and produces every error. The fast path therefore only ever accepts a subset of what the
/// strict parser accepts and must build the same value from it. Member names with escapes
/// always leave the fast path, so a name compared byte by byte here is the name itself and
/// duplicates spelled differently (`"e\u0078p"` and `"exp"`) are left to the strict parser.
///
/// Crate-private: typed values are read through member tables (the `json_members!` macro),
/// which give the fast reader and the strict one from one list. The reader itself does not
/// notice a repeated member name; the table does (a field already filled means "not plain").
///
/// ```text
/// use authcore_jose::json::Plain;
///
/// let mut p = Plain::object(br#"{"sub":"alice","exp":1700000000,"admin":true}"#).unwrap();
/// let (mut sub, mut exp) = (None, None);
/// while let Some(name) = p.member().unwrap() {
///     match name {
///         "sub" if sub.is_none() => sub = Some(p.owned_string().unwrap()),
///         "exp" if exp.is_none() => exp = Some(p.uint().unwrap()),
///         _ => {
///             p.scalar().unwrap();
///         }
///     }
/// }
/// p.finish().unwrap();
/// assert_eq!((sub.as_deref(), exp), (Some("alice"), Some(1700000000)));
///
/// // Escapes, fractions, nested objects: not plain, the strict parser decides.
/// let mut p = Plain::object(br#"{"sub":"al\u0069ce"}"#).unwrap();
/// assert_eq!(p.member(), Some(Some("sub")));
/// assert_eq!(p.string(), None);
/// ```
pub struct Plain<'a> {
    /// The whole input, valid UTF-8 (checked once, so strings are sliced without checks).
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Whether a member was read in the current object (a `,` must come before the next).
    more: bool,
    /// Members read so far (at most [`PLAIN_MAX_MEMBERS`]).
    members: usize,
}

/// Shows the read position only: the input may be a token's payload.
impl fmt::Debug for Plain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plain")
            .field("position", &self.i)
            .finish_non_exhaustive()
    }
}

impl<'a> Plain<'a> {
    /// Starts reading `b`, which must hold one object.
    #[inline]
    pub fn object(b: &'a [u8]) -> Option<Self> {
        // Invalid UTF-8 is an error in strings and outside them: the strict parser reports it.
        let s = std::str::from_utf8(b).ok()?;
        let mut p = Plain {
            s,
            b,
            i: 0,
            more: false,
            members: 0,
        };
        p.expect(b'{')?;
        Some(p)
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// The name of the next member (its `:` consumed), or `Some(None)` at the end of the object;
    /// `None` after [`PLAIN_MAX_MEMBERS`] members.
    #[inline(never)]
    pub fn member(&mut self) -> Option<Option<&'a str>> {
        match self.peek()? {
            b'}' => {
                self.i += 1;
                return Some(None);
            }
            b',' if self.more => self.i += 1,
            _ if self.more => return None,
            _ => {}
        }
        self.members += 1;
        if self.members > PLAIN_MAX_MEMBERS {
            return None;
        }
        let name = self.string()?;
        self.expect(b':')?;
        self.more = true;
        Some(Some(name))
    }

    /// Succeeds when only whitespace follows the object.
    #[inline]
    pub fn finish(mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// A string without escapes or control characters.
    #[inline(never)]
    pub fn string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let end = start + string_len(self.b.get(start..)?);
        // `"` ends the string; `\` (an escape) and control characters leave the fast path.
        if *self.b.get(end)? != b'"' {
            return None;
        }
        self.i = end + 1;
        // Both ends are next to an ASCII `"`, so they are character boundaries.
        self.s.get(start..end)
    }

    /// [`Plain::string`], copied (one shared copy of the allocation code).
    #[inline(never)]
    pub fn owned_string(&mut self) -> Option<String> {
        self.string().map(str::to_owned)
    }

    /// A non-negative integer that fits `u64`, without fraction or exponent.
    #[inline(never)]
    pub fn uint(&mut self) -> Option<u64> {
        self.ws();
        let start = self.i;
        let mut n = 0u64;
        while let Some(&c) = self.b.get(self.i) {
            if !c.is_ascii_digit() {
                break;
            }
            // Wrapping is harmless: more than 19 digits leave the fast path below.
            n = n.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            self.i += 1;
        }
        let digits = self.i - start;
        // 19 digits always fit in a u64; longer numbers (and leading zeros) go to the strict
        // parser.
        if digits == 0 || digits > 19 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.b.get(self.i) {
            return None;
        }
        Some(n)
    }

    /// `true` or `false`.
    #[inline]
    pub fn boolean(&mut self) -> Option<bool> {
        self.ws();
        let rest = self.b.get(self.i..)?;
        if rest.starts_with(b"true") {
            self.i += 4;
            Some(true)
        } else if rest.starts_with(b"false") {
            self.i += 5;
            Some(false)
        } else {
            None
        }
    }

    /// An array of plain strings.
    pub fn strings(&mut self) -> Option<Vec<String>> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(out);
        }
        loop {
            if out.len() >= PLAIN_MAX_ELEMENTS {
                return None;
            }
            out.push(self.owned_string()?);
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    /// A string, a non-negative integer, `true`, `false` or `null`, as a [`Value`].
    pub fn scalar(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => Some(Value::String(self.owned_string()?)),
            b'0'..=b'9' => Some(Value::from(self.uint()?)),
            b't' | b'f' => Some(Value::Bool(self.boolean()?)),
            b'n' if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                Some(Value::Null)
            }
            _ => None,
        }
    }
}

/// The length of the run of bytes at the start of `b` that are neither `"`, `\\` nor control
/// characters, eight bytes per step.
#[inline]
pub(super) fn string_len(b: &[u8]) -> usize {
    const LO: u64 = u64::from_ne_bytes([0x01; 8]);
    const HI: u64 = u64::from_ne_bytes([0x80; 8]);
    // The lowest flagged byte of each test is exact (a false flag can only follow a true one),
    // so the lowest flagged byte of the union is the first stop byte.
    let stops = |v: u64| {
        let quote = v ^ (LO * u64::from(b'"'));
        let backslash = v ^ (LO * u64::from(b'\\'));
        (quote.wrapping_sub(LO) & !quote
            | backslash.wrapping_sub(LO) & !backslash
            | v.wrapping_sub(LO * 0x20) & !v)
            & HI
    };
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let m = stops(u64::from_le_bytes(w));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// A member name of at most eight bytes as one integer (little-endian, zero-padded), so the
/// fast paths compare names without calls to `memcmp`; `0` for longer names. Names on the
/// fast path have no NUL bytes (control characters leave it), so the packing is one-to-one
/// for the names it covers.
#[inline]
pub const fn key8(s: &str) -> u64 {
    let b = s.as_bytes();
    if b.len() > 8 {
        return 0;
    }
    let mut k = 0u64;
    let mut i = 0;
    while i < b.len() {
        k |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    k
}

/// The position of `name` in `table` (names packed by [`key8`]).
#[inline]
pub(crate) fn name_index(name: &str, table: &[u64]) -> Option<usize> {
    let k = key8(name);
    if k == 0 {
        return None;
    }
    table.iter().position(|&t| t == k)
}

/// Inserts an extra member read on the fast path; `None` when the name repeats.
#[inline]
pub fn plain_insert(map: &mut serde_json::Map<String, Value>, name: &str, v: Value) -> Option<()> {
    match map.insert(name.to_owned(), v) {
        None => Some(()),
        Some(_) => None,
    }
}
