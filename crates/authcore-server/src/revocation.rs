//! The revocation endpoint (RFC 7009).
//!
//! The client authenticates as at the token endpoint ([`crate::client_auth`]); the token is
//! found by its kind, which its prefix tells ([`crate::tokens`]), so `token_type_hint` is not
//! needed and is ignored (RFC 7009 §2.1 allows that). Revoking a refresh token revokes its
//! whole grant, with every access token issued under it (RFC 7009 §2.1: "SHOULD also
//! invalidate all access tokens based on the same authorization grant"); revoking an opaque
//! access token revokes that token. A token that is unknown, already invalid, or another
//! client's is answered 200 like a success (RFC 7009 §2.2), so a client learns nothing about
//! tokens that are not its own. JWT access tokens are self-contained: they stay valid until
//! they expire (keep their lifetime short), but revoking the refresh token of their grant
//! stops new ones.

use authcore_oauth2::TokenHintRequest;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};

use crate::client_auth::{AuthenticatedClient, ClientCertificate, ClientCredentials};
use crate::error::OAuthError;
use crate::model::{TokenKind, TokenRecord};
use crate::step::{Answer, Context, Endpoint, Need, Step, Supplied, Write, WriteOutcome};
use crate::tokens::CredentialKind;

/// Largest revocation or introspection request body accepted, in bytes.
pub const MAX_TOKEN_HINT_REQUEST_BYTES: usize = 64 * 1024;

/// Parses and checks a revocation (RFC 7009 §2.1) or introspection (RFC 7662 §2.1) request
/// without any data: POST, an `application/x-www-form-urlencoded` body of at most
/// [`MAX_TOKEN_HINT_REQUEST_BYTES`], the strict parameter rules of
/// [`TokenHintRequest::from_form`], and the client credentials (one method, RFC 6749 §2.3).
/// The fuzz targets' entry point.
pub fn parse_token_hint_request(
    request: &Request<Vec<u8>>,
    certificate: Option<&ClientCertificate>,
) -> Result<(TokenHintRequest, ClientCredentials), OAuthError> {
    if request.method() != Method::POST {
        return Err(OAuthError::invalid_request("the endpoint takes POST")
            .with_status(StatusCode::METHOD_NOT_ALLOWED));
    }
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    if request.body().len() > MAX_TOKEN_HINT_REQUEST_BYTES {
        return Err(OAuthError::invalid_request("the request body is too large")
            .with_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let parsed = TokenHintRequest::from_form(request.body())
        .map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let creds = ClientCredentials::from_request(request.headers(), &parsed.client, certificate)?;
    Ok((parsed, creds))
}

/// The opaque token a presented value names: its kind and its hash, or `None` when it is
/// none of the server's opaque access or refresh tokens.
pub(crate) fn stored_token_need(ctx: &Context<'_>, token: &str) -> Option<Need> {
    let keys = &ctx.keys.token_hashing;
    if let Some(h) = keys.hash_presented(CredentialKind::RefreshToken, token) {
        return Some(Need::RefreshToken(h));
    }
    keys.hash_presented(CredentialKind::AccessToken, token)
        .map(Need::AccessToken)
}

/// The record a [`stored_token_need`] was answered with, if any.
pub(crate) fn supplied_token<'s>(
    supplied: &'s Supplied,
    need: &Need,
) -> Option<Option<&'s TokenRecord>> {
    match supplied.get(need)? {
        Answer::Token(t) => Some(t.as_ref()),
        _ => Some(None),
    }
}

/// The client-authentication phase both endpoints share: asks for the client, then checks
/// its credentials against the record; the client assertion's replay guard is returned as
/// the first write to perform.
pub(crate) fn authenticate_client(
    creds: &ClientCredentials,
    endpoint: &str,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Result<AuthenticatedClient, Need>, OAuthError> {
    let need = Need::Client(creds.client_id().to_owned());
    let Some(Answer::Client(record)) = supplied.get(&need) else {
        return Ok(Err(need));
    };
    creds.authenticate(record.as_ref(), endpoint, ctx).map(Ok)
}

/// The answer to a replayed client assertion (RFC 7523 §3 `jti`).
pub(crate) fn replayed_assertion(creds: &ClientCredentials) -> OAuthError {
    OAuthError::invalid_client("the client assertion was used before", creds.used_basic())
}

/// An empty 200 with `Cache-Control: no-store` (RFC 7009 §2.2).
fn revoked() -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    r.headers_mut()
        .insert(CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    r
}

#[derive(Debug)]
enum Phase {
    Deciding,
    Writing { guarded: bool },
    Done,
}

/// The revocation endpoint for one request.
#[derive(Debug)]
pub struct RevocationEndpoint {
    parsed: Result<(TokenHintRequest, ClientCredentials), OAuthError>,
    phase: Phase,
}

impl RevocationEndpoint {
    /// Starts handling `request`; `certificate` is the TLS client certificate the adapter
    /// saw, if any.
    pub fn new(request: &Request<Vec<u8>>, certificate: Option<&ClientCertificate>) -> Self {
        RevocationEndpoint {
            parsed: parse_token_hint_request(request, certificate),
            phase: Phase::Deciding,
        }
    }

    fn respond(&mut self, r: Result<Response<Vec<u8>>, OAuthError>, ctx: &Context<'_>) -> Step {
        self.phase = Phase::Done;
        Step::Respond(r.unwrap_or_else(|e| e.to_http_response(&ctx.config.issuer)))
    }

    fn decide(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Result<Step, OAuthError> {
        let (request, creds) = self.parsed.as_ref().map_err(Clone::clone)?;
        let endpoint = ctx
            .config
            .endpoints
            .revocation
            .as_ref()
            .map_or(ctx.config.issuer.as_str(), url::Url::as_str);
        let client = match authenticate_client(creds, endpoint, ctx, supplied)? {
            Ok(c) => c,
            Err(need) => return Ok(Step::Need(vec![need])),
        };
        let mut writes = Vec::new();
        if let Some((key, exp)) = &client.replay_guard {
            writes.push(Write::InsertIfAbsent {
                key: key.clone(),
                expires_at: *exp,
            });
        }
        if let Some(need) = stored_token_need(ctx, &request.token) {
            let Some(record) = supplied_token(supplied, &need) else {
                return Ok(Step::Need(vec![need]));
            };
            // RFC 7009 §2.1: only the client the token was issued to may revoke it.
            if let Some(rec) = record.filter(|r| r.client_id == client.client.client_id) {
                writes.push(match rec.kind {
                    TokenKind::Refresh => Write::RevokeGrant(rec.grant_id.clone()),
                    TokenKind::Access => Write::RevokeToken(rec.handle.clone()),
                });
            }
        }
        if writes.is_empty() {
            return Ok(Step::Respond(revoked()));
        }
        self.phase = Phase::Writing {
            guarded: client.replay_guard.is_some(),
        };
        Ok(Step::Write(writes))
    }
}

impl Endpoint for RevocationEndpoint {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        match core::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Deciding => {
                self.phase = Phase::Deciding;
                match self.decide(ctx, supplied) {
                    Ok(step) => step,
                    Err(e) => self.respond(Err(e), ctx),
                }
            }
            Phase::Writing { guarded } => {
                let replayed = guarded
                    && supplied
                        .last_outcomes()
                        .is_some_and(|o| o.first() == Some(&WriteOutcome::Conflict));
                match (&self.parsed, replayed) {
                    (Ok((_, creds)), true) => {
                        let e = replayed_assertion(creds);
                        self.respond(Err(e), ctx)
                    }
                    _ => self.respond(Ok(revoked()), ctx),
                }
            }
            Phase::Done => self.respond(
                Err(OAuthError::invalid_request("the exchange is over")),
                ctx,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_auth::generate_secret;
    use crate::config::{ServerConfig, ServerKeys};
    use crate::model::{ClientAuthMethod, ClientRecord, GrantId, GrantRecord};
    use crate::step::{Store, drive};
    use crate::store::MemoryStore;
    use authcore_jose::{InsecureTestRandom, UnixTime, crypto};
    use base64::Engine;

    fn record(handle: crate::model::TokenHash, kind: TokenKind, now: UnixTime) -> TokenRecord {
        TokenRecord {
            handle,
            kind,
            grant_id: GrantId("g1".into()),
            client_id: "app".into(),
            subject: "alice".into(),
            scopes: vec!["read".into()],
            resources: Vec::new(),
            cnf: None,
            issued_at: now,
            expires_at: Some(now.saturating_add(3600)),
            rotated: false,
            revoked: false,
            act: None,
        }
    }

    fn post(body: String, basic: Option<(&str, &str)>) -> Request<Vec<u8>> {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri("https://as.example/revoke")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some((id, secret)) = basic {
            b = b.header(
                http::header::AUTHORIZATION,
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
                ),
            );
        }
        b.body(body.into_bytes()).unwrap()
    }

    #[test]
    fn revoking_a_refresh_token_revokes_its_grant() {
        let rng = InsecureTestRandom::new(3);
        let p = crypto::default_provider();
        let config = ServerConfig::new("https://as.example").unwrap();
        let keys = ServerKeys::generate(p, &rng).unwrap();
        let now = UnixTime::from_secs(10_000);
        let ctx = Context::new(&config, &keys, now, &rng);
        let store = MemoryStore::new();
        let (secret, stored) = generate_secret(&ctx).unwrap();
        let secret = String::from_utf8(secret.expose().to_vec()).unwrap();
        let mut client = ClientRecord::new("app", ClientAuthMethod::ClientSecretBasic);
        client.secret = Some(stored);
        store.put_client(client);
        store.apply(
            &Write::InsertGrant(GrantRecord::new(
                GrantId("g1".into()),
                "app",
                "alice",
                vec!["read".into()],
                Vec::new(),
                now,
            )),
            now,
        );
        let (_, ah) = keys
            .token_hashing
            .mint(CredentialKind::AccessToken, &rng)
            .unwrap();
        let (refresh, rh) = keys
            .token_hashing
            .mint(CredentialKind::RefreshToken, &rng)
            .unwrap();
        store.apply(
            &Write::InsertToken(record(ah.clone(), TokenKind::Access, now)),
            now,
        );
        store.apply(
            &Write::InsertToken(record(rh.clone(), TokenKind::Refresh, now)),
            now,
        );
        let active = |need: Need| match store.answer(&need, now) {
            Answer::Token(Some(t)) => t.is_active(now),
            _ => false,
        };
        assert!(active(Need::AccessToken(ah.clone())));

        // Revoking the refresh token (with a misleading hint, which is ignored) revokes the
        // grant's access token too (RFC 7009 §2.1).
        let body = format!("token={refresh}&token_type_hint=access_token");
        let mut e = RevocationEndpoint::new(&post(body, Some(("app", &secret))), None);
        let r = drive(&mut e, &ctx, &store, &|_| None);
        assert_eq!(r.status(), StatusCode::OK);
        assert!(!active(Need::RefreshToken(rh)));
        assert!(!active(Need::AccessToken(ah)));
    }

    #[test]
    fn malformed_requests_are_refused_before_any_lookup() {
        let get = Request::builder()
            .method(Method::GET)
            .uri("https://as.example/revoke")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            parse_token_hint_request(&get, None).unwrap_err().status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        let json = Request::builder()
            .method(Method::POST)
            .uri("https://as.example/revoke")
            .header(CONTENT_TYPE, "application/json")
            .body(b"{}".to_vec())
            .unwrap();
        assert!(parse_token_hint_request(&json, None).is_err());
        // No token; the token twice; two client authentication methods.
        for body in [
            "client_id=app".to_owned(),
            "token=a&token=b&client_id=app".to_owned(),
            "token=a&client_id=app&client_secret=s".to_owned(),
        ] {
            let basic = body.contains("client_secret").then_some(("app", "s"));
            assert!(parse_token_hint_request(&post(body, basic), None).is_err());
        }
        let big = format!("token={}", "a".repeat(MAX_TOKEN_HINT_REQUEST_BYTES));
        assert_eq!(
            parse_token_hint_request(&post(big, None), None)
                .unwrap_err()
                .status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }
}
