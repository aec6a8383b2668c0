//! Reading the provider's pages as a client does: the forms of an HTML page (the fixed
//! contract of the login, consent, device and logout pages: `username`, `password`, the
//! hidden `csrf`, the `decision` buttons) and the cookies a response sets. For cookie-jar clients, scripted
//! user agents and tests that sign in without a browser; the provider itself never reads
//! them. Lenient, bounded and panic-free on any input; not a general HTML parser.

use std::collections::BTreeMap;

/// The cookies the provider set: name to value, one origin only.
#[derive(Debug, Default)]
pub struct CookieJar {
    cookies: BTreeMap<String, String>,
}

impl CookieJar {
    /// Records the `Set-Cookie` headers of a response (RFC 6265 §5.2: the name-value pair
    /// before the first `;`; `Max-Age=0` or an empty value removes the cookie).
    pub fn store(&mut self, headers: &http::HeaderMap) {
        for value in headers.get_all(http::header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let name = name.trim().to_owned();
            let expired = parts.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || a.starts_with("max-age=-")
            });
            if expired || value.trim().is_empty() {
                self.cookies.remove(&name);
            } else {
                self.cookies.insert(name, value.trim().to_owned());
            }
        }
    }

    /// The `Cookie` header value, if there are cookies.
    pub fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// One HTML form: where it posts and its hidden and prefilled fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// The `action` attribute, as written.
    pub action: String,
    /// `name`/`value` of its `input` elements, in order.
    pub fields: Vec<(String, String)>,
}

/// The forms of an HTML page, read leniently (attribute values in double or single quotes,
/// entities decoded). Enough for the provider's own pages; not a general HTML parser.
pub fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<form").map(|i| i + pos) {
        let end = lower[start..]
            .find("</form")
            .map_or(html.len(), |i| i + start);
        let tag_end = lower[start..].find('>').map_or(end, |i| i + start);
        let action = attribute(&html[start..tag_end], "action").unwrap_or_default();
        let mut fields = Vec::new();
        let mut p = tag_end;
        // `input` elements and named submit `button`s (a browser sends the clicked one).
        while let Some(i) = lower[p..end].find('<').map(|i| i + p) {
            let close = lower[i..end].find('>').map_or(end, |j| j + i);
            let tag = &html[i..close];
            let element = &lower[i..close];
            if element.starts_with("<input") || element.starts_with("<button") {
                if let Some(name) = attribute(tag, "name") {
                    fields.push((name, attribute(tag, "value").unwrap_or_default()));
                }
            }
            p = close.max(i + 1);
        }
        out.push(Form { action, fields });
        pos = end.max(start + 1);
    }
    out
}

/// The value of attribute `name` in a start tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name).map(|i| i + from) {
        from = i + name.len();
        // A whole attribute name: preceded by whitespace, followed by `=`.
        let before_ok = lower[..i].ends_with(|c: char| c.is_ascii_whitespace());
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let value = tag[value_start..].trim_start();
        let (quote, body) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
            _ => (None, value),
        };
        let raw = match quote {
            Some(q) => body.split(q).next().unwrap_or_default(),
            None => body
                .split(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or_default(),
        };
        return Some(decode_entities(raw));
    }
    None
}

/// Decodes the character references an HTML escaper writes (`&amp;`, `&#39;`, `&#x2B;`);
/// anything else is kept as written.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN: &str = r#"<!doctype html><html><body>
<h1>Sign in to &quot;Demo&quot;</h1>
<form method="post" action="/interaction/abc&amp;1/login">
  <input type="hidden" name="csrf" value="tok&#x2B;en">
  <label>Username <input name="username" autocomplete="username"></label>
  <label>Password <input type='password' name='password'></label>
  <button type="submit">Sign in</button>
</form></body></html>"#;

    #[test]
    fn forms_are_read() {
        let f = forms(LOGIN);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].action, "/interaction/abc&1/login");
        assert_eq!(
            f[0].fields,
            [
                ("csrf".to_owned(), "tok+en".to_owned()),
                ("username".to_owned(), String::new()),
                ("password".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn cookies_are_kept_and_removed() {
        let mut jar = CookieJar::default();
        let mut h = http::HeaderMap::new();
        h.append(
            http::header::SET_COOKIE,
            "sid=abc; Path=/; HttpOnly; SameSite=Lax".parse().unwrap(),
        );
        h.append(http::header::SET_COOKIE, "i=1; Path=/".parse().unwrap());
        jar.store(&h);
        assert_eq!(jar.header().unwrap(), "i=1; sid=abc");
        let mut h = http::HeaderMap::new();
        h.append(http::header::SET_COOKIE, "i=; Max-Age=0".parse().unwrap());
        jar.store(&h);
        assert_eq!(jar.header().unwrap(), "sid=abc");
    }

    #[test]
    fn entities_and_odd_markup_never_panic() {
        assert_eq!(
            decode_entities("a&amp;b&#65;&#x42;&bogus;&"),
            "a&bAB&bogus;&"
        );
        for html in [
            "<form",
            "<form action=",
            "<form><input name=",
            "<input name='x",
            "&#xFFFFFFFF;",
        ] {
            let _ = forms(html);
            let _ = decode_entities(html);
        }
    }

    #[test]
    fn the_provider_pages_are_read_by_their_contract() {
        let page = |r: http::Response<Vec<u8>>| String::from_utf8(r.into_body()).unwrap();
        let html = page(crate::ui::login(
            "s",
            "/interaction/T/login",
            "C&1",
            "App",
            None,
            None,
        ));
        let found = forms(&html);
        assert_eq!(found.len(), 1, "{html}");
        assert_eq!(found[0].action, "/interaction/T/login");
        let names: Vec<&str> = found[0].fields.iter().map(|(n, _)| n.as_str()).collect();
        for name in ["csrf", "username", "password"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        assert!(found[0].fields.contains(&("csrf".into(), "C&1".into())));
        let html = page(crate::ui::consent(
            "s",
            "/interaction/T/consent",
            "C",
            "App",
            "alice",
            &["openid".into()],
            &[],
        ));
        let consent = forms(&html);
        let decisions: Vec<&str> = consent[0]
            .fields
            .iter()
            .filter(|(n, _)| n == "decision")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(decisions, ["approve", "deny"]);
    }
}
