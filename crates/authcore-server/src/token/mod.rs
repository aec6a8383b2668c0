//! The token endpoint (RFC 6749 §3.2, §4–6) with every grant: `authorization_code` (with
//! PKCE, RFC 7636 §4.6), `refresh_token` (rotation with reuse detection, RFC 9700 §4.14),
//! `client_credentials`, the device code grant (RFC 8628 §3.4–3.5), token exchange (RFC 8693)
//! under the configured policy, JWT bearer assertions (RFC 7523 §2.1) from trusted issuers,
//! and `password` only behind [`LegacySettings::password_grant`].
//!
//! [`TokenEndpoint`] is an [`Endpoint`]: drive it with [`drive`](crate::drive) or your own
//! loop. Every error is a typed RFC 6749 §5.2 error ([`OAuthError`]) in a JSON response with
//! `Cache-Control: no-store`, as is every success (RFC 6749 §5.1).
//!
//! [`LegacySettings::password_grant`]: crate::config::LegacySettings::password_grant

pub(crate) mod grants;
mod issue;

use authcore_jose::UnixTime;
use authcore_oauth2::TokenRequest;
use http::{Method, Request, Response};

use crate::client_auth::{AuthenticatedClient, ClientCertificate, ClientCredentials};
use crate::dpop::{DpopError, DpopVerifier, ProofTarget};
use crate::error::OAuthError;
use crate::model::GrantId;
use crate::step::{Answer, Context, Endpoint, Need, Step, Supplied, Write, WriteOutcome};

pub(crate) use issue::issue_tokens;
pub use issue::{IssuedTokens, TokenPlan};

/// Largest token request body accepted, in bytes.
pub const MAX_TOKEN_REQUEST_BYTES: usize = 64 * 1024;

/// The grant type of the device code grant (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The grant type of token exchange (RFC 8693 §2.1).
pub const TOKEN_EXCHANGE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The grant type of JWT bearer assertions (RFC 7523 §2.1).
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A verified DPoP proof of the token request (RFC 9449 §4.3): the key's thumbprint the
/// tokens get bound to, and the proof's replay key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopBinding {
    /// The JWK SHA-256 thumbprint of the proof's key (`cnf.jkt`, RFC 9449 §6.1).
    pub jkt: String,
    /// The replay key of the proof's `jti`.
    pub replay_key: String,
    /// Until when the replay key must be remembered.
    pub expires_at: UnixTime,
}

/// Parses and checks a token request without any data: method POST, form body of at most
/// [`MAX_TOKEN_REQUEST_BYTES`], the strict parameter rules of [`TokenRequest::from_form`],
/// and the client credentials (one method, RFC 6749 §2.3). The fuzz target's entry point.
pub fn parse_token_request(
    request: &Request<Vec<u8>>,
    certificate: Option<&ClientCertificate>,
) -> Result<(TokenRequest, ClientCredentials), OAuthError> {
    if request.method() != Method::POST {
        return Err(
            OAuthError::invalid_request("the token endpoint takes POST (RFC 6749 §3.2)")
                .with_status(http::StatusCode::METHOD_NOT_ALLOWED),
        );
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
            "the body must be application/x-www-form-urlencoded (RFC 6749 §3.2)",
        ));
    }
    if request.body().len() > MAX_TOKEN_REQUEST_BYTES {
        return Err(OAuthError::invalid_request("the request body is too large")
            .with_status(http::StatusCode::PAYLOAD_TOO_LARGE));
    }
    let parsed = TokenRequest::from_form(request.body())
        .map_err(|e| OAuthError::invalid_request(e.to_string()))?;
    let creds = ClientCredentials::from_request(request.headers(), parsed.client(), certificate)?;
    Ok((parsed, creds))
}

/// The token endpoint's answer to a refused proof (RFC 9449 §5, §8).
fn dpop_error(e: &DpopError) -> OAuthError {
    OAuthError::new(e.error_code(), e.description())
}

/// What the endpoint does after it decided.
#[derive(Debug)]
struct Decision {
    /// The writes, conditional ones first.
    writes: Vec<Write>,
    /// The answer when every write applies.
    response: Result<Response<Vec<u8>>, OAuthError>,
    /// The grant to revoke when a conditional write of the grant's credential loses (a
    /// code or refresh token used twice).
    revoke_on_conflict: Option<GrantId>,
}

#[derive(Debug)]
enum Phase {
    /// Gathering records and deciding.
    Deciding,
    /// The decision's writes were handed out; waiting for their outcomes.
    Writing(Decision),
    /// After a lost race: the revocation was handed out, this error follows.
    Compensating(OAuthError),
    /// The response was given.
    Done,
}

/// The token endpoint for one request.
#[derive(Debug)]
pub struct TokenEndpoint {
    parsed: Result<(TokenRequest, ClientCredentials), OAuthError>,
    /// The request's `DPoP` header fields, verified on the first step.
    dpop_headers: http::HeaderMap,
    dpop_checked: bool,
    dpop: Option<DpopBinding>,
    client: Option<AuthenticatedClient>,
    phase: Phase,
}

impl TokenEndpoint {
    /// Starts handling `request`; `certificate` is the TLS client certificate the adapter
    /// saw, if any.
    pub fn new(request: &Request<Vec<u8>>, certificate: Option<&ClientCertificate>) -> Self {
        let mut dpop_headers = http::HeaderMap::new();
        for v in request.headers().get_all(authcore_oauth2::DPOP) {
            dpop_headers.append(authcore_oauth2::DPOP, v.clone());
        }
        TokenEndpoint {
            parsed: parse_token_request(request, certificate),
            dpop_headers,
            dpop_checked: false,
            dpop: None,
            client: None,
            phase: Phase::Deciding,
        }
    }

    /// Adds a DPoP proof the adapter already verified (with [`crate::dpop::DpopVerifier`]):
    /// the tokens are bound to its key (RFC 9449 §5) and its `jti` is recorded single use.
    /// Without it, the endpoint verifies the request's `DPoP` header itself on its first
    /// step, against the token endpoint URL, the configured algorithms and `iat` window, and
    /// the server nonces of [`ServerKeys::dpop_nonces`](crate::ServerKeys).
    pub fn with_dpop(mut self, binding: DpopBinding) -> Self {
        self.dpop = Some(binding);
        self.dpop_checked = true;
        self
    }

    /// Verifies the request's DPoP proof, once (RFC 9449 §4.3, §5).
    fn check_dpop(&mut self, ctx: &Context<'_>) -> Result<(), OAuthError> {
        if self.dpop_checked {
            return Ok(());
        }
        self.dpop_checked = true;
        let mut verifier = DpopVerifier::new(&ctx.config.dpop);
        if let Some(n) = &ctx.keys.dpop_nonces {
            verifier = verifier.with_nonces(n);
        }
        let target = ProofTarget {
            method: &Method::POST,
            uri: ctx.config.endpoints.token.as_str(),
            access_token: None,
        };
        match verifier.verify(&self.dpop_headers, &target, ctx.now, ctx.keys.provider) {
            Ok(Some(proof)) => {
                self.dpop = Some(proof.token_endpoint_binding());
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(dpop_error(&e)),
        }
    }

    /// Adds a fresh `DPoP-Nonce` to a response when the server demands nonces and the
    /// request used DPoP (RFC 9449 §8: the server may supply a new nonce in any response).
    fn with_nonce(&self, mut resp: Response<Vec<u8>>, ctx: &Context<'_>) -> Response<Vec<u8>> {
        if let Some(n) = &ctx.keys.dpop_nonces {
            if !self.dpop_headers.is_empty() {
                if let Ok(v) = http::HeaderValue::try_from(n.issue(ctx.now)) {
                    resp.headers_mut().insert(authcore_oauth2::DPOP_NONCE, v);
                }
            }
        }
        resp
    }

    fn realm<'c>(ctx: &'c Context<'_>) -> &'c str {
        &ctx.config.issuer
    }

    fn respond_error(&mut self, e: OAuthError, ctx: &Context<'_>) -> Step {
        self.respond(Err(e), ctx)
    }

    fn respond(&mut self, r: Result<Response<Vec<u8>>, OAuthError>, ctx: &Context<'_>) -> Step {
        self.phase = Phase::Done;
        let resp = match r {
            Ok(resp) => resp,
            Err(e) => e.to_http_response(Self::realm(ctx)),
        };
        Step::Respond(self.with_nonce(resp, ctx))
    }

    fn decide(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Result<Step, OAuthError> {
        if let Err(e) = &self.parsed {
            return Err(e.clone());
        }
        self.check_dpop(ctx)?;
        let (request, creds) = self.parsed.as_ref().map_err(Clone::clone)?;
        if self.client.is_none() {
            let need = Need::Client(creds.client_id().to_owned());
            let Some(Answer::Client(record)) = supplied.get(&need) else {
                return Ok(Step::Need(vec![need]));
            };
            let authenticated =
                creds.authenticate(record.as_ref(), ctx.config.endpoints.token.as_str(), ctx)?;
            self.client = Some(authenticated);
        }
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| OAuthError::server_error(crate::ServerError::Crypto))?;
        let grant_type = request.grant_type();
        if !grants::is_supported(grant_type, ctx) {
            return Err(OAuthError::new(
                authcore_oauth2::ErrorCode::UnsupportedGrantType,
                "the grant type is not supported",
            ));
        }
        if !client.client.allows_grant_type(grant_type) {
            return Err(OAuthError::unauthorized_client(
                "the client is not registered for this grant type",
            ));
        }
        // RFC 9449 §5.2 / RFC 8705 §3.4: a client registered for bound tokens must bind.
        if client.client.dpop_bound_access_tokens && self.dpop.is_none() {
            return Err(dpop_error(&DpopError::Missing));
        }
        if client.client.tls_client_certificate_bound_access_tokens && client.certificate.is_none()
        {
            return Err(OAuthError::invalid_request(
                "the client must present its TLS certificate",
            ));
        }
        let input = grants::GrantInput {
            request,
            client,
            dpop: self.dpop.as_ref(),
        };
        match grants::decide(&input, ctx, supplied)? {
            grants::Outcome::Need(needs) => Ok(Step::Need(needs)),
            grants::Outcome::Decided(mut decision) => {
                // Replay guards first: a replayed assertion or proof stops the batch before
                // anything is consumed.
                let mut guards = Vec::new();
                if let Some((key, exp)) = &client.replay_guard {
                    guards.push(Write::InsertIfAbsent {
                        key: key.clone(),
                        expires_at: *exp,
                    });
                }
                if let Some(d) = &self.dpop {
                    guards.push(Write::InsertIfAbsent {
                        key: d.replay_key.clone(),
                        expires_at: d.expires_at,
                    });
                }
                if !guards.is_empty() {
                    guards.append(&mut decision.writes);
                    decision.writes = guards;
                }
                if decision.writes.is_empty() {
                    return Ok(self.respond(decision.response, ctx));
                }
                let writes = decision.writes.clone();
                self.phase = Phase::Writing(decision);
                Ok(Step::Write(writes))
            }
        }
    }

    fn after_writes(&mut self, decision: Decision, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        let outcomes = supplied.last_outcomes().unwrap_or(&[]);
        let conflict = outcomes
            .iter()
            .position(|o| *o == WriteOutcome::Conflict)
            .and_then(|i| decision.writes.get(i));
        let incomplete = conflict.is_none() && outcomes.len() < decision.writes.len();
        let Some(lost) = conflict else {
            if incomplete {
                // The caller did not apply every write: nothing can be promised.
                return self
                    .respond_error(OAuthError::server_error(crate::ServerError::Crypto), ctx);
            }
            return self.respond(decision.response, ctx);
        };
        let used_basic = self.parsed.as_ref().is_ok_and(|(_, c)| c.used_basic());
        let error = match lost {
            Write::InsertIfAbsent { key, .. }
                if self.dpop.as_ref().is_some_and(|d| &d.replay_key == key) =>
            {
                dpop_error(&DpopError::Replayed)
            }
            Write::InsertIfAbsent { key, .. }
                if self
                    .client
                    .as_ref()
                    .and_then(|c| c.replay_guard.as_ref())
                    .is_some_and(|(k, _)| k == key) =>
            {
                OAuthError::invalid_client("the client assertion was used before", used_basic)
            }
            _ => OAuthError::invalid_grant("the grant was used before"),
        };
        // A code or refresh token used twice: revoke everything issued from it (RFC 6749
        // §4.1.2, RFC 9700 §4.14.2).
        let replayed_credential = matches!(
            lost,
            Write::ConsumeCodeIfUnused(_) | Write::RotateRefreshIfCurrent { .. }
        );
        match decision.revoke_on_conflict {
            Some(grant) if replayed_credential => {
                self.phase = Phase::Compensating(error);
                Step::Write(vec![Write::RevokeGrant(grant)])
            }
            _ => self.respond_error(error, ctx),
        }
    }
}

impl Endpoint for TokenEndpoint {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        match core::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Deciding => {
                self.phase = Phase::Deciding;
                match self.decide(ctx, supplied) {
                    Ok(step) => step,
                    Err(e) => self.respond_error(e, ctx),
                }
            }
            Phase::Writing(decision) => self.after_writes(decision, ctx, supplied),
            Phase::Compensating(error) => self.respond_error(error, ctx),
            Phase::Done => {
                self.respond_error(OAuthError::invalid_request("the exchange is over"), ctx)
            }
        }
    }
}
