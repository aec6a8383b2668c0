//! Pushed authorization requests (RFC 9126): the client POSTs its authorization request to
//! the pushed authorization request endpoint, authenticated, and gets a short-lived, single-use
//! `request_uri` to send the user agent to the authorization endpoint with.
//!
//! The pushed request is checked here exactly as the authorization endpoint checks a request
//! (the same function), so an invalid request is refused to the authenticated client in JSON
//! (RFC 9126 §2.3) before any user sees it. It is stored as a
//! [`PushedRequestRecord`] under the keyed hash of the random part of the `request_uri`; the
//! authorization endpoint consumes it with a conditional write (one use, RFC 9126 §4).

use authcore_oauth2::wire::{AuthorizationRequestParams, PushedAuthorizationResponse};
use authcore_oauth2::{ClientAuthParams, FormParams, MAX_FORM_BYTES, encode_form};
use http::{Method, Request, StatusCode};

use crate::authorize::{check_request, describe};
use crate::client_auth::{AuthenticatedClient, ClientCertificate, ClientCredentials};
use crate::error::{OAuthError, ServerError};
use crate::jar;
use crate::model::PushedRequestRecord;
use crate::step::{Answer, Context, Endpoint, Need, Step, Supplied, Write, WriteOutcome};
use crate::tokens::CredentialKind;

/// The prefix of the `request_uri` values this server issues for pushed requests (RFC 9126
/// §2.2 suggests the `urn:ietf:params:oauth:request_uri:` namespace); the rest is an opaque
/// credential whose keyed hash names the stored request.
pub const PAR_REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// A pushed authorization request read without any data: the authorization parameters (from
/// the form, or from a request object in it, RFC 9126 §3) are parsed once the client is
/// known; here only the form and the client's credentials.
#[derive(Debug, Clone)]
pub struct PushedRequest {
    /// The authorization parameters as sent (without the client authentication ones).
    pairs: Vec<(String, String)>,
    credentials: ClientCredentials,
}

/// Reads a pushed authorization request (RFC 9126 §2.1): POST, form-encoded, at most
/// [`MAX_FORM_BYTES`], no repeated parameters (but `resource`), one client authentication
/// method, and no `request_uri` (§2.1 forbids it). The fuzz target's entry point.
pub fn parse_pushed_request(
    request: &Request<Vec<u8>>,
    certificate: Option<&ClientCertificate>,
) -> Result<PushedRequest, OAuthError> {
    if request.method() != Method::POST {
        return Err(OAuthError::invalid_request(
            "the pushed authorization request endpoint takes POST (RFC 9126 §2.1)",
        )
        .with_status(StatusCode::METHOD_NOT_ALLOWED));
    }
    let is_form = request
        .headers()
        .get(http::header::CONTENT_TYPE)
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
    if request.body().len() > MAX_FORM_BYTES {
        return Err(OAuthError::invalid_request("the request body is too large")
            .with_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let form = FormParams::parse_allowing_repeats(request.body(), &["resource"])
        .map_err(|e| OAuthError::invalid_request(describe(&e)))?;
    if form.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request(
            "request_uri cannot be pushed (RFC 9126 §2.1)",
        ));
    }
    let auth = ClientAuthParams::from_params(&form)
        .map_err(|e| OAuthError::invalid_request(describe(&e)))?;
    let credentials = ClientCredentials::from_request(request.headers(), &auth, certificate)?;
    let pairs = form
        .iter()
        // The client authentication parameters authenticate the push; they are not
        // authorization parameters (`client_id` is both).
        .filter(|(k, _)| *k == "client_id" || !ClientAuthParams::NAMES.contains(k))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok(PushedRequest { pairs, credentials })
}

#[derive(Debug)]
enum Phase {
    Deciding,
    /// The writes (this many) were handed out; on success, this response.
    Writing(usize, http::Response<Vec<u8>>),
    Done,
}

/// The pushed authorization request endpoint (RFC 9126 §2) for one request.
#[derive(Debug)]
#[must_use]
pub struct PushedAuthorizationEndpoint {
    parsed: Result<PushedRequest, OAuthError>,
    phase: Phase,
}

impl PushedAuthorizationEndpoint {
    /// Starts handling `request`; `certificate` is the TLS client certificate the adapter saw,
    /// if any.
    pub fn new(request: &Request<Vec<u8>>, certificate: Option<&ClientCertificate>) -> Self {
        PushedAuthorizationEndpoint {
            parsed: parse_pushed_request(request, certificate),
            phase: Phase::Deciding,
        }
    }

    fn decide(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Result<Step, OAuthError> {
        let pushed = self.parsed.as_ref().map_err(Clone::clone)?;
        let Some(endpoint) = &ctx.config.endpoints.pushed_authorization_request else {
            return Err(OAuthError::invalid_request(
                "this server does not accept pushed authorization requests",
            )
            .with_status(StatusCode::NOT_FOUND));
        };
        let need = Need::Client(pushed.credentials.client_id().to_owned());
        let Some(Answer::Client(record)) = supplied.get(&need) else {
            return Ok(Step::Need(vec![need]));
        };
        let AuthenticatedClient {
            client,
            replay_guard,
            ..
        } = pushed
            .credentials
            .authenticate(record.as_ref(), endpoint.as_str(), ctx)?;
        let form = encode_form(pushed.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let outer = FormParams::parse_allowing_repeats(form.as_bytes(), &["resource"])
            .map_err(|e| OAuthError::invalid_request(describe(&e)))?;
        let params = match outer.get("request") {
            // RFC 9126 §3: a request object in the push; only its parameters count.
            Some(object) => jar::verify_client_request_object(object, &client, ctx)
                .map_err(|e| OAuthError::new(e.error_code(), e.to_string()))?,
            None => AuthorizationRequestParams::parse(form.as_bytes())
                .map_err(|e| OAuthError::invalid_request(describe(&e)))?,
        };
        // RFC 9126 §2.1: the request is the authenticated client's own.
        if params.client_id != client.client_id {
            return Err(OAuthError::invalid_request(
                "client_id differs from the authenticated client",
            ));
        }
        if let Err(failure) = check_request(&params, &client, ctx) {
            let r = failure.into_refusal();
            return Err(OAuthError::new(r.error, r.description));
        }
        let (credential, handle) = ctx
            .keys
            .token_hashing
            .mint(CredentialKind::RequestUri, ctx.rng)?;
        let lifetime = ctx.config.lifetimes.pushed_request;
        let record = PushedRequestRecord {
            handle,
            client_id: client.client_id.clone(),
            params: params.to_pairs(),
            expires_at: ctx.now.saturating_add(lifetime),
            used: false,
        };
        let mut writes = Vec::with_capacity(2);
        // A replayed client assertion stops the batch before anything is stored.
        if let Some((key, expires_at)) = replay_guard {
            writes.push(Write::InsertIfAbsent { key, expires_at });
        }
        writes.push(Write::InsertPushedRequest(record));
        let response = PushedAuthorizationResponse::new(
            format!("{PAR_REQUEST_URI_PREFIX}{credential}"),
            lifetime,
        )
        .to_http_response();
        self.phase = Phase::Writing(writes.len(), response);
        Ok(Step::Write(writes))
    }

    fn respond_error(&mut self, e: OAuthError, ctx: &Context<'_>) -> Step {
        self.phase = Phase::Done;
        Step::Respond(e.to_http_response(&ctx.config.issuer))
    }
}

impl Endpoint for PushedAuthorizationEndpoint {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        match core::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Deciding => {
                // Still deciding until `decide` hands out the writes.
                self.phase = Phase::Deciding;
                match self.decide(ctx, supplied) {
                    Ok(step) => step,
                    Err(e) => self.respond_error(e, ctx),
                }
            }
            Phase::Writing(count, response) => {
                let outcomes = supplied.last_outcomes().unwrap_or(&[]);
                if outcomes.contains(&WriteOutcome::Conflict) {
                    let used_basic = self
                        .parsed
                        .as_ref()
                        .is_ok_and(|p| p.credentials.used_basic());
                    return self.respond_error(
                        OAuthError::invalid_client(
                            "the client assertion was used before",
                            used_basic,
                        ),
                        ctx,
                    );
                }
                if outcomes.len() < count {
                    // The caller did not apply every write: nothing was promised.
                    return self.respond_error(OAuthError::server_error(ServerError::Crypto), ctx);
                }
                Step::Respond(response)
            }
            Phase::Done => self.respond_error(
                OAuthError::invalid_request("the exchange is over")
                    .with_status(StatusCode::INTERNAL_SERVER_ERROR),
                ctx,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn post(body: &str) -> Request<Vec<u8>> {
        Request::post("https://as.example/par")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn reads_the_form_and_the_credentials() {
        let p = parse_pushed_request(
            &post("response_type=code&client_id=c&client_secret=s&scope=read&resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb"),
            None,
        )
        .unwrap();
        assert_eq!(p.credentials.client_id(), "c");
        assert!(p.pairs.iter().all(|(k, _)| k != "client_secret"));
        assert_eq!(p.pairs.iter().filter(|(k, _)| k == "resource").count(), 2);
    }

    #[test]
    fn refuses_what_rfc_9126_forbids() {
        let get = Request::get("https://as.example/par?client_id=c")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            parse_pushed_request(&get, None).unwrap_err().status,
            StatusCode::METHOD_NOT_ALLOWED
        );
        let json = Request::post("https://as.example/par")
            .header("content-type", "application/json")
            .body(b"{}".to_vec())
            .unwrap();
        assert!(parse_pushed_request(&json, None).is_err());
        for body in [
            "client_id=c&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax",
            "client_id=c&scope=a&scope=b",
            "client_id=c&client_secret=s&client_assertion=x&client_assertion_type=y",
            "scope=a",
        ] {
            assert!(parse_pushed_request(&post(body), None).is_err(), "{body}");
        }
        let big = "a".repeat(MAX_FORM_BYTES + 1);
        assert_eq!(
            parse_pushed_request(&post(&big), None).unwrap_err().status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    proptest! {
        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let req = Request::post("https://as.example/par")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .unwrap();
            let _ = parse_pushed_request(&req, None);
        }
    }
}
