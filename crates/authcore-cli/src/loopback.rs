//! The loopback redirect listener of `login` (RFC 8252 §7.3): a one-shot HTTP endpoint on
//! 127.0.0.1 (or `[::1]`) that receives the authorization response from the browser.
//!
//! It answers one request to the redirect path with a small page and returns that request's
//! query. Everything is bounded: the whole wait by the caller's timeout, each connection's
//! request head by [`MAX_HEAD_BYTES`] and [`READ_TIMEOUT`], the number of unrelated requests
//! (a browser's `/favicon.ico`, a port scan) by [`MAX_CONNECTIONS`].

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::{Host, Url};

use crate::Failure;

/// Largest request head read from the browser.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long one connection may take to send its request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Most connections accepted before giving up on an authorization response.
pub const MAX_CONNECTIONS: usize = 64;

const PAGE_OK: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>authcore</title>\
</head><body><p>Authorization response received. You can close this window and return to the \
terminal.</p></body></html>\n";
const PAGE_ERROR: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>authcore</title>\
</head><body><p>The authorization server returned an error; the terminal shows it. You can \
close this window.</p></body></html>\n";

/// A bound loopback listener and the redirect URI that reaches it.
#[derive(Debug)]
pub struct Listener {
    listener: TcpListener,
    redirect_uri: Url,
}

impl Listener {
    /// Binds the address of `redirect_uri`: `http`, a loopback IP literal (RFC 8252 §8.3:
    /// not `localhost`), a port (0 or none: any free port), a path, no query or fragment.
    pub async fn bind(redirect_uri: &str) -> Result<Self, Failure> {
        let bad = |why: &str| {
            Failure::usage(format!(
                "--redirect-uri {redirect_uri}: {why} (expected http://127.0.0.1:PORT/PATH, \
                 RFC 8252 §7.3)"
            ))
        };
        let mut uri = Url::parse(redirect_uri).map_err(|_| bad("not an absolute URI"))?;
        if uri.scheme() != "http" {
            return Err(bad("a loopback redirect URI uses http"));
        }
        if !authcore_oauth2::is_loopback(&uri) {
            return Err(bad("the host must be a loopback IP address"));
        }
        let ip: IpAddr = match uri.host() {
            Some(Host::Ipv4(a)) => a.into(),
            Some(Host::Ipv6(a)) => a.into(),
            // The one loopback name: refused, a name can resolve elsewhere.
            _ => {
                return Err(bad(
                    "use the IP literal 127.0.0.1, not localhost (RFC 8252 §8.3)",
                ));
            }
        };
        if uri.query().is_some() || uri.fragment().is_some() {
            return Err(bad("no query or fragment"));
        }
        if !uri.username().is_empty() || uri.password().is_some() {
            return Err(bad("no user information"));
        }
        let port = match uri.port() {
            Some(p) => p,
            // The URL parser drops a default port; an explicit `:80` still means port 80.
            None if explicit_port_80(redirect_uri) => 80,
            None => 0,
        };
        let listener = TcpListener::bind((ip, port))
            .await
            .map_err(|e| Failure::usage(format!("cannot listen on {ip} port {port}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Failure::usage(format!("cannot listen on {ip}: {e}")))?
            .port();
        uri.set_port(Some(bound))
            .map_err(|()| bad("cannot carry a port"))?;
        Ok(Listener {
            listener,
            redirect_uri: uri,
        })
    }

    /// The redirect URI to send, with the port actually bound.
    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri.as_str()
    }

    /// Waits up to `timeout` for the request to the redirect path and returns the full
    /// redirect URI it carried (with its query, the authorization response).
    pub async fn wait(&self, timeout: Duration) -> Result<String, Failure> {
        match tokio::time::timeout(timeout, self.accept()).await {
            Ok(result) => result,
            Err(_) => Err(Failure::usage(format!(
                "no authorization response reached {} within {} s",
                self.redirect_uri,
                timeout.as_secs()
            ))),
        }
    }

    async fn accept(&self) -> Result<String, Failure> {
        for _ in 0..MAX_CONNECTIONS {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| Failure::usage(format!("the redirect listener failed: {e}")))?;
            let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
                Ok(Some(h)) => h,
                _ => continue,
            };
            let Some((method, target)) = request_line(&head) else {
                respond(
                    &mut stream,
                    "400 Bad Request",
                    "text/plain",
                    "bad request\n",
                )
                .await;
                continue;
            };
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            if method != "GET" || path != self.redirect_uri.path() {
                respond(&mut stream, "404 Not Found", "text/plain", "not found\n").await;
                continue;
            }
            let mut callback = self.redirect_uri.clone();
            callback.set_query(Some(query));
            let error = query
                .split('&')
                .any(|p| p == "error" || p.starts_with("error="));
            let page = if error { PAGE_ERROR } else { PAGE_OK };
            respond(&mut stream, "200 OK", "text/html; charset=utf-8", page).await;
            return Ok(callback.into());
        }
        Err(Failure::usage(format!(
            "{MAX_CONNECTIONS} requests reached the redirect listener, none with an authorization \
             response"
        )))
    }
}

fn explicit_port_80(uri: &str) -> bool {
    let rest = uri.split_once("://").map_or("", |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.ends_with(":80")
}

/// Reads up to the end of the request head (`\r\n\r\n`); `None` when the peer closes first or
/// the head is too large.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            return String::from_utf8(buf).ok();
        }
        if buf.len() > MAX_HEAD_BYTES {
            return None;
        }
    }
}

/// The method and request target of an HTTP/1.x request line.
fn request_line(head: &str) -> Option<(&str, &str)> {
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    if parts.next().is_some() || !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return None;
    }
    Some((method, target))
}

async fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser's page is a courtesy: a failure to deliver it does not fail the sign-in.
    let _ = tokio::time::timeout(READ_TIMEOUT, async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            request_line("GET /cb?code=x HTTP/1.1\r\nHost: a\r\n\r\n"),
            Some(("GET", "/cb?code=x"))
        );
        assert_eq!(request_line("GET http://x/ HTTP/1.1\r\n\r\n"), None);
        assert_eq!(request_line("GET /cb\r\n\r\n"), None);
        assert_eq!(request_line("GET /cb HTTP/1.1 extra\r\n\r\n"), None);
    }

    #[test]
    fn port_80_is_kept() {
        assert!(explicit_port_80("http://127.0.0.1:80/cb"));
        assert!(!explicit_port_80("http://127.0.0.1/cb"));
        assert!(!explicit_port_80("http://127.0.0.1:8080/cb"));
    }

    #[tokio::test]
    async fn refuses_non_loopback_redirect_uris() {
        for uri in [
            "https://127.0.0.1/cb",
            "http://localhost:0/cb",
            "http://192.0.2.1/cb",
            "http://127.0.0.1:0/cb?x=1",
            "not a uri",
        ] {
            assert!(Listener::bind(uri).await.is_err(), "{uri}");
        }
    }

    #[tokio::test]
    async fn ephemeral_port_is_put_in_the_uri() {
        let l = Listener::bind("http://127.0.0.1:0/callback").await.unwrap();
        let u = Url::parse(l.redirect_uri()).unwrap();
        assert_ne!(u.port(), Some(0));
        assert_eq!(u.path(), "/callback");
        let l = Listener::bind("http://127.0.0.1").await.unwrap();
        assert!(l.redirect_uri().starts_with("http://127.0.0.1:"));
    }
}
