//! Just enough of a browser to sign in: a cookie jar and the HTML forms of the providers'
//! login and consent pages (the same form contract `tests/interop/serve/user_agent.mjs`
//! follows).

use std::collections::BTreeMap;

/// Cookies by name. The targets are all on one host (127.0.0.1), and a cookie's `Path` only
/// narrows where a browser sends it, so every cookie is sent with every request.
#[derive(Debug, Default, Clone)]
pub(crate) struct Jar {
    cookies: BTreeMap<String, String>,
}

impl Jar {
    /// Keeps the cookies of a response's `Set-Cookie` headers; an empty or expired one
    /// (`Max-Age=0`, an `Expires` in 1970) removes its name.
    pub(crate) fn store<'a>(&mut self, set_cookie: impl Iterator<Item = &'a str>) {
        for line in set_cookie {
            let mut parts = line.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            let expired = parts.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || (a.starts_with("expires=") && a.contains("1970"))
            });
            if value.is_empty() || expired {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// The `Cookie` header value, or `None` when the jar is empty.
    pub(crate) fn header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// The first `<form ...>...</form>` whose markup contains `marker`.
pub(crate) fn find_form<'a>(html: &'a str, marker: &str) -> Option<&'a str> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<form").map(|i| i + from) {
        let end = lower[start..]
            .find("</form>")
            .map(|i| start + i + "</form>".len())?;
        let form = &html[start..end];
        if form.contains(marker) {
            return Some(form);
        }
        from = end;
    }
    None
}

/// The tags named `tag` (`input`, `button`) in `form`, each as its `<tag ...>` text.
fn tags<'a>(form: &'a str, tag: &str) -> Vec<&'a str> {
    let lower = form.to_ascii_lowercase();
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find(&open).map(|i| i + from) {
        let Some(end) = lower[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        out.push(&form[start..end]);
        from = end;
    }
    out
}

/// The value of attribute `name` of the first tag in `tag` (quoted with `"` or `'`), HTML
/// character references undone.
pub(crate) fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(name).map(|i| i + from) {
        from = at + name.len();
        // A whole attribute name: preceded by whitespace, followed by `=`.
        let before_ok = at > 0 && lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_at = from + (lower[from..].len() - rest.len()) + 1;
        let value = tag[value_at..].trim_start();
        let quote = value.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let inner = &value[1..];
        let end = inner.find(quote)?;
        return Some(unescape_html(&inner[..end]));
    }
    None
}

/// HTML character references undone: the named ones the pages use and numeric ones.
pub(crate) fn unescape_html(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let reference = &rest[1..end];
        let decoded = match reference {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            r if r.starts_with("#x") || r.starts_with("#X") => u32::from_str_radix(&r[2..], 16)
                .ok()
                .and_then(char::from_u32),
            r if r.starts_with('#') => r[1..].parse().ok().and_then(char::from_u32),
            _ => None,
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

/// A form to post: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Submission {
    /// The `action` attribute (relative to the page), if any.
    pub(crate) action: Option<String>,
    /// The fields, in order.
    pub(crate) body: Vec<(String, String)>,
}

/// A form's submission as a browser makes it: the action (relative to the page), and the
/// body: the hidden inputs, the pressed button's `name=value` (the button with id
/// `button_id`, when it has a name), then the fields the user fills in.
pub(crate) fn submission(
    form: &str,
    fields: &[(&str, &str)],
    button_id: Option<&str>,
) -> Submission {
    let action = tags(form, "form")
        .first()
        .and_then(|t| attribute(t, "action"));
    let mut body: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: &str| {
        if let Some(slot) = body.iter_mut().find(|(name, _)| name == k) {
            slot.1 = v.to_owned();
        } else {
            body.push((k.to_owned(), v.to_owned()));
        }
    };
    for input in tags(form, "input") {
        if attribute(input, "type").is_some_and(|t| t.eq_ignore_ascii_case("hidden")) {
            if let Some(name) = attribute(input, "name") {
                set(&name, &attribute(input, "value").unwrap_or_default());
            }
        }
    }
    if let Some(id) = button_id {
        if let Some(button) = tags(form, "button")
            .into_iter()
            .find(|b| attribute(b, "id").as_deref() == Some(id))
        {
            if let Some(name) = attribute(button, "name") {
                set(&name, &attribute(button, "value").unwrap_or_default());
            }
        }
    }
    for (k, v) in fields {
        set(k, v);
    }
    Submission { action, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><form method="post" action="/x?a=1&amp;b=2"><input type="hidden" name="csrf" value="t&#x2F;1"></form>
<form method='post' action='/interaction/T/login'><input type="hidden" name="csrf" value="c1">
<input id="username" name="username"><input id="password" type="password" name="password">
<button id="login" type="submit" name="op" value="login">Sign in</button></FORM></html>"#;

    #[test]
    fn the_form_with_the_marker_and_its_submission() {
        let form = find_form(PAGE, r#"id="password""#).unwrap();
        let Submission { action, body } = submission(
            form,
            &[("username", "alice"), ("password", "pw")],
            Some("login"),
        );
        assert_eq!(action.as_deref(), Some("/interaction/T/login"));
        assert_eq!(
            body,
            [
                ("csrf", "c1"),
                ("op", "login"),
                ("username", "alice"),
                ("password", "pw")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let first = find_form(PAGE, "csrf").unwrap();
        let Submission { action, body } = submission(first, &[], None);
        assert_eq!(action.as_deref(), Some("/x?a=1&b=2"));
        assert_eq!(body, [("csrf".to_owned(), "t/1".to_owned())]);
        assert!(find_form(PAGE, "id=\"approve\"").is_none());
    }

    #[test]
    fn broken_markup_finds_nothing_and_never_panics() {
        for html in [
            "<form",
            "<form action=\"/a\">",
            "<form><input name=x",
            "&#xZZ;&",
            "",
        ] {
            assert!(find_form(html, "x").is_none_or(|f| f.ends_with("</form>")));
            let _ = submission(html, &[], Some("b"));
            let _ = unescape_html(html);
        }
        assert_eq!(unescape_html("a&amp;b&unknown;&#65;&"), "a&b&unknown;A&");
        assert_eq!(attribute("<input value=bare>", "value"), None);
    }

    #[test]
    fn the_jar_keeps_replaces_and_expires_cookies() {
        let mut jar = Jar::default();
        assert_eq!(jar.header(), None);
        jar.store(["a=1; Path=/; HttpOnly", "b=2"].into_iter());
        jar.store(["a=3"].into_iter());
        assert_eq!(jar.header().as_deref(), Some("a=3; b=2"));
        jar.store(
            [
                "a=; Max-Age=0",
                "b=x; expires=Thu, 01 Jan 1970 00:00:00 GMT",
            ]
            .into_iter(),
        );
        assert_eq!(jar.header(), None);
    }
}
