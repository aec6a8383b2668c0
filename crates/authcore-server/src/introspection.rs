//! The introspection endpoint (RFC 7662), with signed JWT responses (RFC 9701).
//!
//! Only resource servers may introspect (RFC 7662 §2.1 requires authorization; §4 warns
//! against token scanning): the caller authenticates as a client, and its `client_id` must
//! be the [`ResourceServer::introspection_client_id`] of a configured resource server. A
//! resource server learns about tokens meant for it only: a token restricted to other
//! resource servers (RFC 8707) is reported inactive, as is any unknown, expired, revoked or
//! rotated token (RFC 7662 §2.2: an inactive token says nothing more).
//!
//! Opaque tokens are looked up ([`crate::Need::AccessToken`], [`crate::Need::RefreshToken`]); JWT access
//! tokens are validated with the server's own signing keys. A request that accepts
//! `application/token-introspection+jwt` gets the answer as a JWT signed by the current
//! signing key (RFC 9701 §5): `typ` `token-introspection+jwt`, `iss` the issuer, `aud` the
//! resource server's `client_id`, `iat`, and the `token_introspection` claim.

use authcore_jose::UnixTime;
use authcore_oauth2::{IntrospectionResponse, TOKEN_INTROSPECTION_JWT, TokenHintRequest};
use http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use serde_json::{Map, Value};

use crate::access_token::JwtAccessTokenValidation;
use crate::client_auth::{ClientCertificate, ClientCredentials};
use crate::config::ResourceServer;
use crate::error::OAuthError;
use crate::model::{TokenKind, TokenRecord};
use crate::revocation::{
    authenticate_client, parse_token_hint_request, replayed_assertion, stored_token_need,
    supplied_token,
};
use crate::signing_keys::SigningKeySet;
use crate::step::{Context, Endpoint, Step, Supplied, Write, WriteOutcome};
use crate::tokens::AccessTokenContent;

/// The `typ` of JWT introspection responses (RFC 9701 §5).
pub const TOKEN_INTROSPECTION_JWT_TYP: &str = "token-introspection+jwt";

#[derive(Debug)]
enum Phase {
    Deciding,
    Writing(Box<Response<Vec<u8>>>),
    Done,
}

/// The introspection endpoint for one request.
#[derive(Debug)]
pub struct IntrospectionEndpoint<'k> {
    parsed: Result<(TokenHintRequest, ClientCredentials), OAuthError>,
    wants_jwt: bool,
    signing_keys: Option<&'k SigningKeySet>,
    phase: Phase,
}

impl<'k> IntrospectionEndpoint<'k> {
    /// Starts handling `request`; `certificate` is the TLS client certificate the adapter
    /// saw, if any; `signing_keys` are the server's signing keys, which validate JWT access
    /// tokens and sign JWT responses (without them JWT access tokens are reported inactive
    /// and JWT responses are not offered).
    pub fn new(
        request: &Request<Vec<u8>>,
        certificate: Option<&ClientCertificate>,
        signing_keys: Option<&'k SigningKeySet>,
    ) -> Self {
        IntrospectionEndpoint {
            parsed: parse_token_hint_request(request, certificate),
            wants_jwt: accepts_jwt(request),
            signing_keys,
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
            .introspection
            .as_ref()
            .map_or(ctx.config.issuer.as_str(), url::Url::as_str);
        let client = match authenticate_client(creds, endpoint, ctx, supplied)? {
            Ok(c) => c,
            Err(need) => return Ok(Step::Need(vec![need])),
        };
        // RFC 7662 §2.1: only the configured resource servers may introspect.
        let resource_server = ctx
            .config
            .resource_servers
            .iter()
            .find(|rs| rs.introspection_client_id.as_deref() == Some(&client.client.client_id))
            .ok_or_else(|| {
                OAuthError::unauthorized_client("the client may not introspect tokens")
                    .with_status(StatusCode::FORBIDDEN)
            })?;
        let answer = match stored_token_need(ctx, &request.token) {
            Some(need) => {
                let Some(record) = supplied_token(supplied, &need) else {
                    return Ok(Step::Need(vec![need]));
                };
                // Active only under a grant in force: a token left live under a revoked
                // grant is inactive (RFC 7662 §2.2).
                match supplied.token_in_force(record, ctx.now) {
                    Err(grant_need) => return Ok(Step::Need(vec![grant_need])),
                    Ok(Some(r)) => from_record(r, resource_server, ctx),
                    Ok(None) => IntrospectionResponse::new(false),
                }
            }
            None => self.introspect_jwt(&request.token, resource_server, ctx),
        };
        let response = self.render(&answer, &client.client.client_id, ctx)?;
        match &client.replay_guard {
            Some((key, exp)) => {
                self.phase = Phase::Writing(Box::new(response));
                Ok(Step::Write(vec![Write::InsertIfAbsent {
                    key: key.clone(),
                    expires_at: *exp,
                }]))
            }
            None => Ok(Step::Respond(response)),
        }
    }

    /// A JWT access token issued by this server, validated as the resource server it is
    /// meant for would (RFC 9068 §4).
    fn introspect_jwt(
        &self,
        token: &str,
        rs: &ResourceServer,
        ctx: &Context<'_>,
    ) -> IntrospectionResponse {
        let Some(keys) = self.signing_keys else {
            return IntrospectionResponse::new(false);
        };
        let now = ctx.now;
        JwtAccessTokenValidation::new(ctx.config.issuer.clone(), rs.identifier.clone())
            .validate(token, keys.verifying_keys_at(now), now)
            .map(|c| from_content(&c))
            .unwrap_or_else(|_| IntrospectionResponse::new(false))
    }

    /// JSON (RFC 7662 §2.2), or a signed JWT when the client asked for one (RFC 9701 §4).
    fn render(
        &self,
        answer: &IntrospectionResponse,
        client_id: &str,
        ctx: &Context<'_>,
    ) -> Result<Response<Vec<u8>>, OAuthError> {
        let keys = match (self.wants_jwt, self.signing_keys) {
            (true, Some(k)) => k,
            _ => return Ok(answer.to_http_response()),
        };
        let object: Map<String, Value> = serde_json::from_slice(&answer.to_json())
            .map_err(|_| OAuthError::server_error(crate::ServerError::Crypto))?;
        let mut claims = Map::new();
        claims.insert("iss".into(), ctx.config.issuer.clone().into());
        claims.insert("aud".into(), client_id.into());
        claims.insert("iat".into(), ctx.now.as_secs().into());
        claims.insert("token_introspection".into(), Value::Object(object));
        let jwt = keys
            .sign_jwt(TOKEN_INTROSPECTION_JWT_TYP, &claims)
            .map_err(|_| OAuthError::server_error(crate::ServerError::Crypto))?;
        let mut r = Response::new(jwt.into_bytes());
        let h = r.headers_mut();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(TOKEN_INTROSPECTION_JWT),
        );
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(r)
    }
}

/// Whether the request's `Accept` names the JWT response type (RFC 9701 §4).
fn accepts_jwt(request: &Request<Vec<u8>>) -> bool {
    request.headers().get_all(ACCEPT).iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',').any(|m| {
                m.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case(TOKEN_INTROSPECTION_JWT))
            })
        })
    })
}

/// A stored token in force (see `Supplied::token_in_force`) as the resource server `rs` may
/// see it.
fn from_record(rec: &TokenRecord, rs: &ResourceServer, ctx: &Context<'_>) -> IntrospectionResponse {
    let for_rs = rec.resources.is_empty() || rec.resources.contains(&rs.identifier);
    if !for_rs {
        return IntrospectionResponse::new(false);
    }
    let mut r = IntrospectionResponse::new(true);
    r.scope = Some(rec.scopes.clone()).filter(|s| !s.is_empty());
    r.client_id = Some(rec.client_id.clone());
    r.sub = Some(rec.subject.clone());
    r.aud = Some(rec.resources.clone()).filter(|a| !a.is_empty());
    r.iss = Some(ctx.config.issuer.clone());
    r.iat = Some(rec.issued_at.as_secs());
    r.exp = rec.expires_at.map(UnixTime::as_secs);
    let cnf = rec.cnf.as_ref().filter(|c| !c.is_empty());
    if rec.kind == TokenKind::Access {
        r.token_type = Some(if cnf.is_some_and(|c| c.jkt.is_some()) {
            "DPoP".to_owned()
        } else {
            "Bearer".to_owned()
        });
    }
    if let Some(c) = cnf {
        r.extra.insert("cnf".into(), Value::Object(c.to_json()));
    }
    // RFC 8693 §4.1: the delegation chain of the token.
    if let Some(act) = &rec.act {
        r.extra.insert("act".into(), act.to_json());
    }
    r
}

/// A validated JWT access token's content as an introspection answer.
fn from_content(c: &AccessTokenContent) -> IntrospectionResponse {
    let mut r = IntrospectionResponse::new(true);
    r.scope = Some(c.scopes.clone()).filter(|s| !s.is_empty());
    r.client_id = Some(c.client_id.clone());
    r.sub = Some(c.subject.clone());
    r.aud = Some(c.audience.clone());
    r.iss = Some(c.issuer.clone());
    r.iat = Some(c.issued_at.as_secs());
    r.exp = Some(c.expires_at.as_secs());
    r.jti = Some(c.jti.clone());
    let cnf = c.cnf.as_ref().filter(|c| !c.is_empty());
    r.token_type = Some(if cnf.is_some_and(|c| c.jkt.is_some()) {
        "DPoP".to_owned()
    } else {
        "Bearer".to_owned()
    });
    if let Some(cnf) = cnf {
        r.extra.insert("cnf".into(), Value::Object(cnf.to_json()));
    }
    if let Some(t) = c.auth_time {
        r.extra.insert("auth_time".into(), t.as_secs().into());
    }
    if let Some(a) = &c.acr {
        r.extra.insert("acr".into(), a.clone().into());
    }
    if let Some(act) = &c.act {
        r.extra.insert("act".into(), act.to_json());
    }
    r
}

impl Endpoint for IntrospectionEndpoint<'_> {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        match core::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Deciding => {
                self.phase = Phase::Deciding;
                match self.decide(ctx, supplied) {
                    Ok(step) => step,
                    Err(e) => self.respond(Err(e), ctx),
                }
            }
            Phase::Writing(response) => {
                let replayed = supplied
                    .last_outcomes()
                    .is_some_and(|o| o.first() != Some(&WriteOutcome::Applied));
                match (&self.parsed, replayed) {
                    (Ok((_, creds)), true) => {
                        let e = replayed_assertion(creds);
                        self.respond(Err(e), ctx)
                    }
                    _ => self.respond(Ok(*response), ctx),
                }
            }
            Phase::Done => self.respond(
                Err(OAuthError::invalid_request("the exchange is over")),
                ctx,
            ),
        }
    }
}
