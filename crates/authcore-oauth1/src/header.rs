//! The `Authorization: OAuth ...` header (RFC 5849 §3.5.1).

use crate::encoding::{percent_decode, percent_encode};
use crate::error::Error;

/// Longest `Authorization` header read (bounded input).
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

/// Formats the `Authorization` header value: `OAuth`, the optional `realm` (not signed,
/// §3.5.1), then each parameter as `name="value"` with both parts percent-encoded (§3.6),
/// separated by `, `.
pub fn format_authorization<'a>(
    realm: Option<&'a str>,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut out = String::from("OAuth ");
    let mut first = true;
    let realm = realm.map(|r| ("realm", r));
    for (n, v) in realm.into_iter().chain(params) {
        if !first {
            out.push_str(", ");
        }
        first = false;
        out.push_str(&percent_encode(n));
        out.push_str("=\"");
        out.push_str(&percent_encode(v));
        out.push('"');
    }
    out
}

/// The parameters of an `Authorization` header with the `OAuth` scheme, in order and
/// decoded; `None` when the header uses another scheme. `realm` is returned with the rest.
pub fn parse_authorization(value: &str) -> Result<Option<Vec<(String, String)>>, Error> {
    if value.len() > MAX_HEADER_BYTES {
        return Err(Error::TooLarge("Authorization header"));
    }
    let value = value.trim_start_matches([' ', '\t']);
    let (scheme, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    // Auth scheme names are case-insensitive (RFC 9110 §11.1).
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut rest = rest.trim_matches([' ', '\t']);
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or(Error::Malformed("Authorization parameter without '='"))?;
        let name = name.trim_matches([' ', '\t']);
        if name.is_empty() || name.contains([' ', '\t', ',', '"']) {
            return Err(Error::Malformed("Authorization parameter name"));
        }
        let after = after.trim_start_matches([' ', '\t']);
        // §3.5.1: values are quoted strings holding percent-encoded text, so no escapes.
        let quoted = after.strip_prefix('"').ok_or(Error::Malformed(
            "Authorization parameter value is not quoted",
        ))?;
        let end = quoted.find('"').ok_or(Error::Malformed(
            "unterminated Authorization parameter value",
        ))?;
        out.push((
            percent_decode(name, false)?,
            percent_decode(&quoted[..end], false)?,
        ));
        if out.len() > crate::encoding::MAX_PARAMETERS {
            return Err(Error::TooLarge("parameters"));
        }
        rest = quoted[end + 1..].trim_start_matches([' ', '\t']);
        if let Some(next) = rest.strip_prefix(',') {
            rest = next.trim_start_matches([' ', '\t']);
            if rest.is_empty() {
                return Err(Error::Malformed("trailing ',' in Authorization header"));
            }
        } else if !rest.is_empty() {
            return Err(Error::Malformed(
                "Authorization parameters not separated by ','",
            ));
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_rfc5849_section_3_5_1_example() {
        let h = "OAuth realm=\"Example\",\n oauth_consumer_key=\"0685bd9184jfhq22\",\n oauth_token=\"ad180jjd733klru7\",\n oauth_signature_method=\"HMAC-SHA1\",\n oauth_signature=\"wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D\",\n oauth_timestamp=\"137131200\",\n oauth_nonce=\"4572616e48616d6d65724c61686176\",\n oauth_version=\"1.0\"";
        // Line folding is gone by the time a header reaches an application; newlines
        // here stand for the RFC's layout only.
        let h = h.replace(",\n ", ", ");
        let p = parse_authorization(&h).unwrap().unwrap();
        assert_eq!(p.len(), 8);
        assert_eq!(p[0], ("realm".into(), "Example".into()));
        assert_eq!(p[4].1, "wOJIO9A2W5mFwDgiDvZbTSMK/PY=");
    }

    #[test]
    fn other_schemes_are_not_ours() {
        assert_eq!(parse_authorization("Bearer abc").unwrap(), None);
        assert_eq!(
            parse_authorization("oauth a=\"b\"").unwrap().unwrap().len(),
            1
        );
    }

    #[test]
    fn malformed_headers_are_rejected() {
        for bad in [
            "OAuth a=b",
            "OAuth a=\"b",
            "OAuth a=\"b\" c=\"d\"",
            "OAuth a=\"b\",",
            "OAuth =\"b\"",
            "OAuth a",
            "OAuth a=\"%zz\"",
        ] {
            assert!(
                matches!(parse_authorization(bad), Err(Error::Malformed(_))),
                "{bad}"
            );
        }
        let long = format!("OAuth a=\"{}\"", "x".repeat(MAX_HEADER_BYTES));
        assert!(matches!(
            parse_authorization(&long),
            Err(Error::TooLarge(_))
        ));
    }

    #[test]
    fn format_then_parse_round_trips() {
        let h = format_authorization(Some("Photos"), [("oauth_nonce", "a b\"c,d")]);
        assert_eq!(h, "OAuth realm=\"Photos\", oauth_nonce=\"a%20b%22c%2Cd\"");
        let p = parse_authorization(&h).unwrap().unwrap();
        assert_eq!(p[1], ("oauth_nonce".into(), "a b\"c,d".into()));
    }
}
