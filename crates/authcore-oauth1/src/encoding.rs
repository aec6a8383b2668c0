//! Percent-encoding (RFC 5849 §3.6) and `application/x-www-form-urlencoded` decoding
//! (RFC 5849 §3.4.1.3.1, which refers to the HTML 4.0 form encoding).

use crate::error::Error;

/// Percent-encodes `s` as RFC 5849 §3.6 requires: the UTF-8 octets of every character
/// except the unreserved set (`ALPHA`, `DIGIT`, `-`, `.`, `_`, `~`) become `%XX` with
/// uppercase hexadecimal digits.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (and, when `plus_is_space`, `+` as a space, as form encoding does).
/// A `%` not followed by two hexadecimal digits, or octets that are not UTF-8, are an error.
pub fn percent_decode(s: &str, plus_is_space: bool) -> Result<String, Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(Error::Malformed("invalid percent-encoding"));
                };
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| Error::Malformed("percent-encoded text is not UTF-8"))
}

/// Most parameters read from one query string or form body (bounded input, DESIGN rule 10).
pub const MAX_PARAMETERS: usize = 512;

/// Decodes a query string or `application/x-www-form-urlencoded` body into name/value pairs
/// in order, keeping repeats and empty values (RFC 5849 §3.4.1.3.1: `c2&a3=2+q` has the
/// parameters `c2` with an empty value and `a3` with `2 q`). Empty segments (`a=1&&b=2`) are
/// skipped.
pub fn parse_form(s: &str) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        if out.len() == MAX_PARAMETERS {
            return Err(Error::TooLarge("parameters"));
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((percent_decode(name, true)?, percent_decode(value, true)?));
    }
    Ok(out)
}

/// Encodes name/value pairs as a form body or query string with the §3.6 encoding (which
/// every form decoder reads back).
pub fn encode_form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (n, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&percent_encode(n));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_unreserved_set_only() {
        assert_eq!(percent_encode("abcXYZ019-._~"), "abcXYZ019-._~");
        assert_eq!(percent_encode("a b+c/d=e&f"), "a%20b%2Bc%2Fd%3De%26f");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("*"), "%2A");
    }

    #[test]
    fn decodes_plus_only_in_forms() {
        assert_eq!(percent_decode("2+q", true).unwrap(), "2 q");
        assert_eq!(percent_decode("2+q", false).unwrap(), "2+q");
        assert_eq!(percent_decode("%3d%3D", false).unwrap(), "==");
    }

    #[test]
    fn rejects_bad_escapes_and_non_utf8() {
        for bad in ["%", "%4", "%zz", "a%G1", "%FF"] {
            assert!(
                matches!(percent_decode(bad, true), Err(Error::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn form_keeps_repeats_and_empty_values() {
        let p = parse_form("b5=%3D%253D&a3=a&c%40=&a2=r%20b&c2&a3=2+q").unwrap();
        assert_eq!(p.len(), 6);
        assert_eq!(p[0], ("b5".into(), "=%3D".into()));
        assert_eq!(p[4], ("c2".into(), String::new()));
        assert_eq!(p[5], ("a3".into(), "2 q".into()));
    }

    #[test]
    fn form_is_bounded() {
        let many = "a=1&".repeat(MAX_PARAMETERS + 1);
        assert!(matches!(parse_form(&many), Err(Error::TooLarge(_))));
        assert_eq!(
            parse_form(&"a=1&".repeat(MAX_PARAMETERS)).unwrap().len(),
            MAX_PARAMETERS
        );
    }
}
