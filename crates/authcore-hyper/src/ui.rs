//! The provider's pages: login, consent, device code entry, logout confirmation, and the
//! message page. Plain HTML forms that work without JavaScript, every value escaped, errors
//! shown on the page in words (never a stack trace or an internal message).
//!
//! The element ids and names are a fixed contract (browser tests and cookie-jar clients
//! fill the forms by them): `username`, `password`, `login`, `approve`, `deny`, `user_code`,
//! `submit`, `logout`, the hidden `csrf`, and the `decision` values `approve`, `deny`,
//! `logout`.

use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};

/// HTML-escapes `s` for text and double-quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;\
padding:0 1rem;line-height:1.5;color:#222}h1{font-size:1.4rem}label{display:block;\
margin-top:.8rem}input{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}\
button{margin-top:1rem;margin-right:.5rem;padding:.5rem 1.2rem;font-size:1rem}\
.error{color:#a00;border:1px solid #a00;padding:.5rem;border-radius:4px}\
.site{color:#666;font-size:.9rem}";

/// A complete page: `status`, no caching, the site name and `title` as heading.
pub(crate) fn page(
    status: StatusCode,
    site: &str,
    title: &str,
    body: &str,
) -> http::Response<Vec<u8>> {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} – {site}</title><style>{STYLE}</style></head><body>\
         <p class=\"site\">{site}</p><h1>{title}</h1>{body}</body></html>",
        title = escape(title),
        site = escape(site),
    );
    let mut r = http::Response::new(html.into_bytes());
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn error_block(error: Option<&str>) -> String {
    error.map_or_else(String::new, |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))
    })
}

/// A page with a message only (an expired interaction, a refused request).
pub(crate) fn message(
    status: StatusCode,
    site: &str,
    title: &str,
    text: &str,
) -> http::Response<Vec<u8>> {
    page(status, site, title, &format!("<p>{}</p>", escape(text)))
}

/// The login page, posting to `action`.
pub(crate) fn login(
    site: &str,
    action: &str,
    csrf: &str,
    client_name: &str,
    username: Option<&str>,
    error: Option<&str>,
) -> http::Response<Vec<u8>> {
    let body = format!(
        "<p>Sign in to continue to <strong>{client}</strong>.</p>{err}\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"username\">Username</label>\
         <input id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{user}\">\
         <label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
         <button id=\"login\" type=\"submit\">Sign in</button></form>",
        client = escape(client_name),
        err = error_block(error),
        action = escape(action),
        csrf = escape(csrf),
        user = escape(username.unwrap_or("")),
    );
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    page(status, site, "Sign in", &body)
}

/// A human description of a scope token (OpenID Connect Core §5.4 for the standard ones).
fn describe_scope(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "Sign you in with your account",
        "profile" => "Your name and basic profile",
        "email" => "Your email address",
        "address" => "Your postal address",
        "phone" => "Your phone number",
        "offline_access" => "Keep access while you are away",
        _ => return None,
    })
}

/// The consent page, posting to `action`.
pub(crate) fn consent(
    site: &str,
    action: &str,
    csrf: &str,
    client_name: &str,
    user: &str,
    scopes: &[String],
    resources: &[String],
) -> http::Response<Vec<u8>> {
    let mut items = String::new();
    for s in scopes {
        match describe_scope(s) {
            Some(d) => items.push_str(&format!(
                "<li>{} (<code>{}</code>)</li>",
                escape(d),
                escape(s)
            )),
            None => items.push_str(&format!("<li><code>{}</code></li>", escape(s))),
        }
    }
    if items.is_empty() {
        items.push_str("<li>Basic access</li>");
    }
    let mut res = String::new();
    if !resources.is_empty() {
        res.push_str("<p>At:</p><ul>");
        for r in resources {
            res.push_str(&format!("<li><code>{}</code></li>", escape(r)));
        }
        res.push_str("</ul>");
    }
    let body = format!(
        "<p>Signed in as <strong>{user}</strong>.</p>\
         <p><strong>{client}</strong> asks for:</p><ul>{items}</ul>{res}\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button id=\"approve\" name=\"decision\" value=\"approve\" type=\"submit\">Allow</button>\
         <button id=\"deny\" name=\"decision\" value=\"deny\" type=\"submit\">Deny</button></form>",
        user = escape(user),
        client = escape(client_name),
        action = escape(action),
        csrf = escape(csrf),
    );
    page(StatusCode::OK, site, "Allow access?", &body)
}

/// The device code entry page, posting to `action`.
pub(crate) fn device(
    site: &str,
    action: &str,
    csrf: &str,
    user_code: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> http::Response<Vec<u8>> {
    let body = format!(
        "<p>Enter the code shown on your device.</p>{err}\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"user_code\">Code</label>\
         <input id=\"user_code\" name=\"user_code\" autocomplete=\"off\" required value=\"{code}\">\
         <button id=\"submit\" type=\"submit\">Continue</button></form>",
        err = error_block(error),
        action = escape(action),
        csrf = escape(csrf),
        code = escape(user_code.unwrap_or("")),
    );
    page(status, site, "Connect a device", &body)
}

/// The logout confirmation page: a form re-posting the end-session `params` to `action`.
pub(crate) fn logout(
    site: &str,
    action: &str,
    csrf: &str,
    client_name: Option<&str>,
    params: &[(String, String)],
) -> http::Response<Vec<u8>> {
    let mut hidden = String::new();
    for (k, v) in params {
        hidden.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(k),
            escape(v)
        ));
    }
    let from = client_name.map_or_else(String::new, |c| {
        format!(" <strong>{}</strong> asked to sign you out.", escape(c))
    });
    let body = format!(
        "<p>Do you want to sign out of {site}?{from}</p>\
         <form method=\"post\" action=\"{action}\">{hidden}\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button id=\"logout\" name=\"decision\" value=\"logout\" type=\"submit\">Sign out</button>\
         </form>",
        site = escape(site),
        action = escape(action),
        csrf = escape(csrf),
    );
    page(StatusCode::OK, site, "Sign out", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &http::Response<Vec<u8>>) -> String {
        String::from_utf8(r.body().clone()).unwrap()
    }

    #[test]
    fn every_value_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let evil = "<script>alert(1)</script>";
        let r = login("site", "/i/t/login", "c", evil, Some(evil), Some(evil));
        assert!(!text(&r).contains("<script>"));
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = consent(
            "s",
            "/a",
            "c",
            evil,
            evil,
            &[evil.to_owned()],
            &[evil.to_owned()],
        );
        assert!(!text(&r).contains("<script>"));
        let r = logout("s", "/l", "c", Some(evil), &[(evil.into(), evil.into())]);
        assert!(!text(&r).contains("<script>"));
        let r = device(
            "s",
            "/d",
            "c",
            Some(evil),
            Some(evil),
            StatusCode::BAD_REQUEST,
        );
        assert!(!text(&r).contains("<script>"));
    }

    #[test]
    fn the_forms_keep_their_contract() {
        let t = text(&login("s", "/interaction/T/login", "C", "App", None, None));
        for part in [
            "<form method=\"post\" action=\"/interaction/T/login\">",
            "<input id=\"username\" name=\"username\"",
            "<input id=\"password\" name=\"password\" type=\"password\"",
            "name=\"csrf\" value=\"C\"",
            "<button id=\"login\" type=\"submit\">",
            "App",
        ] {
            assert!(t.contains(part), "{part}");
        }
        let t = text(&consent(
            "s",
            "/interaction/T/consent",
            "C",
            "App",
            "alice",
            &["openid".into(), "email".into()],
            &[],
        ));
        for part in [
            "<form method=\"post\" action=\"/interaction/T/consent\">",
            "<button id=\"approve\" name=\"decision\" value=\"approve\"",
            "<button id=\"deny\" name=\"decision\" value=\"deny\"",
            "Your email address",
            "App",
        ] {
            assert!(t.contains(part), "{part}");
        }
        let t = text(&device(
            "s",
            "/device",
            "C",
            Some("ABCD-EFGH"),
            None,
            StatusCode::OK,
        ));
        assert!(t.contains("<input id=\"user_code\" name=\"user_code\""));
        assert!(t.contains("value=\"ABCD-EFGH\""));
        assert!(t.contains("<button id=\"submit\""));
        let t = text(&logout("s", "/logout", "C", None, &[]));
        assert!(t.contains("<button id=\"logout\" name=\"decision\" value=\"logout\""));
    }
}
