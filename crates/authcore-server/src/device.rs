//! The device authorization endpoint (RFC 8628 §3.1, §3.2) and the user-code verification
//! step (§3.3) that records the user's decision after the application's interaction.
//!
//! A device authorization is a [`DeviceCodeRecord`] keyed by the keyed hash of its
//! `device_code`, holding the keyed hash of its normalized user code for the verification
//! page's lookup. User codes are short (RFC 8628 §6.1), so guessing is bounded: every failed
//! entry is counted against an attempt key the application chooses (the user's account or
//! session, or the client address) with [`Write::InsertIfAbsent`] slots that expire with the
//! device codes, and once [`DeviceSettings::max_failed_user_codes`] have failed, no code is
//! looked up for that key until they expire (§5.1).
//!
//! [`DeviceSettings::max_failed_user_codes`]: crate::config::DeviceSettings

use authcore_jose::SecureRandom;
use authcore_oauth2::DeviceCode;
use authcore_oauth2::wire::{DeviceAuthorizationRequest, DeviceAuthorizationResponse, ErrorCode};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};

use crate::authorize::{Interaction, InteractionResult, LoginDetails, error_page, prompts_for};
use crate::client_auth::{AuthenticatedClient, ClientCertificate, ClientCredentials};
use crate::error::{OAuthError, ServerError};
use crate::model::{DeviceCodeRecord, DeviceCodeStatus, GrantId, GrantRecord, TokenHash};
use crate::step::{Answer, Context, Endpoint, Need, Step, Supplied, Write, WriteOutcome};
use crate::token::DEVICE_CODE_GRANT_TYPE;
use crate::tokens::CredentialKind;

/// The user-code alphabet of RFC 8628 §6.1: twenty consonants, no vowels (no words can be
/// spelled) and no characters that look alike.
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Characters in a user code: 20^8 ≈ 2^34.5 codes, the entropy RFC 8628 §6.1 gives as its
/// example, enough with the failed-entry limit of
/// [`DeviceSettings::max_failed_user_codes`](crate::config::DeviceSettings) per device-code
/// lifetime: an attacker allowed `m` guesses against `n` live codes succeeds with chance
/// `n * m / 20^8`.
pub const USER_CODE_LENGTH: usize = 8;

/// Draws a user code of [`USER_CODE_LENGTH`] characters from [`USER_CODE_ALPHABET`] with the
/// caller's randomness, uniformly (bytes of 240 and above are drawn again, so no character is
/// more likely than another).
pub fn generate_user_code(rng: &dyn SecureRandom) -> Result<String, authcore_jose::Error> {
    let mut out = String::with_capacity(USER_CODE_LENGTH);
    let mut buf = [0u8; 16];
    while out.len() < USER_CODE_LENGTH {
        rng.fill(&mut buf)?;
        for b in buf {
            // 240 = 12 * 20: the largest multiple of 20 a byte can hold.
            if b < 240 && out.len() < USER_CODE_LENGTH {
                out.push(char::from(USER_CODE_ALPHABET[usize::from(b % 20)]));
            }
        }
    }
    Ok(out)
}

/// A user code as shown to the user: two groups of four joined by a dash (`BDWP-HQPK`), which
/// RFC 8628 §6.1 suggests for readability.
pub fn display_user_code(code: &str) -> String {
    if code.len() == USER_CODE_LENGTH && code.is_ascii() {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_owned()
    }
}

/// A user code as typed by the user, in the form it is stored: upper case, with dashes and
/// spaces dropped (RFC 8628 §6.1: case and punctuation are not significant). `None` when what
/// remains is not [`USER_CODE_LENGTH`] characters of the alphabet, so that no lookup is made
/// for input that cannot be a code.
pub fn normalize_user_code(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == USER_CODE_LENGTH && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

/// The keyed hash a normalized user code is stored and looked up under.
pub fn user_code_handle(ctx: &Context<'_>, normalized: &str) -> Result<TokenHash, ServerError> {
    ctx.keys
        .token_hashing
        .hash_value(CredentialKind::DeviceCode, normalized)
}

/// Reads a device authorization request (RFC 8628 §3.1): POST, form-encoded, the strict
/// parameter rules of [`DeviceAuthorizationRequest::from_form`], one client authentication
/// method. The fuzz target's entry point.
pub fn parse_device_authorization_request(
    request: &Request<Vec<u8>>,
    certificate: Option<&ClientCertificate>,
) -> Result<(DeviceAuthorizationRequest, ClientCredentials), OAuthError> {
    if request.method() != Method::POST {
        return Err(OAuthError::invalid_request(
            "the device authorization endpoint takes POST (RFC 8628 §3.1)",
        )
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
    let parsed = DeviceAuthorizationRequest::from_form(request.body())
        .map_err(|e| OAuthError::invalid_request(crate::authorize::describe(&e)))?;
    let credentials =
        ClientCredentials::from_request(request.headers(), &parsed.client, certificate)?;
    Ok((parsed, credentials))
}

#[derive(Debug)]
enum DevicePhase {
    Deciding,
    Writing(usize, Response<Vec<u8>>),
    Done,
}

/// The device authorization endpoint (RFC 8628 §3.1, §3.2) for one request: authenticates
/// the client (public clients send only `client_id`), checks that it may use the device grant
/// and the scope it asks for, and issues a `device_code` (256 bits, stored as its keyed hash)
/// and a user code ([`generate_user_code`]) with the verification URI.
#[derive(Debug)]
#[must_use]
pub struct DeviceAuthorizationEndpoint {
    parsed: Result<(DeviceAuthorizationRequest, ClientCredentials), OAuthError>,
    /// The user code drawn, kept across steps while its uniqueness is checked.
    user_code: Option<(String, TokenHash)>,
    phase: DevicePhase,
}

impl DeviceAuthorizationEndpoint {
    /// Starts handling `request`; `certificate` is the TLS client certificate the adapter saw,
    /// if any.
    pub fn new(request: &Request<Vec<u8>>, certificate: Option<&ClientCertificate>) -> Self {
        DeviceAuthorizationEndpoint {
            parsed: parse_device_authorization_request(request, certificate),
            user_code: None,
            phase: DevicePhase::Deciding,
        }
    }

    fn decide(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Result<Step, OAuthError> {
        let (request, credentials) = self.parsed.as_ref().map_err(Clone::clone)?;
        let (Some(endpoint), Some(verification)) = (
            &ctx.config.endpoints.device_authorization,
            &ctx.config.endpoints.device_verification,
        ) else {
            return Err(OAuthError::invalid_request(
                "this server does not offer the device authorization grant",
            )
            .with_status(StatusCode::NOT_FOUND));
        };
        let need = Need::Client(credentials.client_id().to_owned());
        let Some(Answer::Client(record)) = supplied.get(&need) else {
            return Ok(Step::Need(vec![need]));
        };
        let AuthenticatedClient {
            client,
            replay_guard,
            ..
        } = credentials.authenticate(record.as_ref(), endpoint.as_str(), ctx)?;
        if !client.allows_grant_type(DEVICE_CODE_GRANT_TYPE) {
            return Err(OAuthError::unauthorized_client(
                "the client is not registered for the device authorization grant",
            ));
        }
        // RFC 8628 §3.1: the scope of the access request (RFC 6749 §3.3).
        if !client.allows_scopes(&request.scope) {
            return Err(OAuthError::invalid_scope(
                "scope not allowed for this client",
            ));
        }
        // RFC 8707 §2: resource indicators (one here: the request form has no repeats).
        let resources: Vec<String> = request
            .extra
            .iter()
            .filter(|(k, _)| k == "resource")
            .map(|(_, v)| v.clone())
            .collect();
        if resources
            .iter()
            .any(|r| ctx.config.resource_server(r).is_none() || !client.allows_resources(&[r]))
        {
            return Err(OAuthError::new(
                ErrorCode::InvalidTarget,
                "resource not known or not allowed for this client",
            ));
        }
        // A user code must name one live device authorization only: draw, look it up, and
        // draw again while it is taken.
        let (user_code, user_handle) = loop {
            let (code, handle) = match self.user_code.take() {
                Some(drawn) => drawn,
                None => {
                    let code = generate_user_code(ctx.rng).map_err(|_| ServerError::Random)?;
                    let handle = user_code_handle(ctx, &code)?;
                    (code, handle)
                }
            };
            let need = Need::DeviceCodeByUserCode(handle.clone());
            match supplied.get(&need) {
                None => {
                    self.user_code = Some((code, handle));
                    return Ok(Step::Need(vec![need]));
                }
                Some(Answer::DeviceCode(Some(existing))) if ctx.now < existing.expires_at => {
                    // Taken: this need stays answered, so the next draw asks anew.
                    continue;
                }
                Some(_) => break (code, handle),
            }
        };
        let (device_code, handle) = ctx
            .keys
            .token_hashing
            .mint(CredentialKind::DeviceCode, ctx.rng)?;
        let lifetime = ctx.config.lifetimes.device_code;
        let interval = ctx.config.device.interval;
        let record = DeviceCodeRecord {
            handle,
            user_code_handle: user_handle,
            client_id: client.client_id.clone(),
            scopes: request.scope.clone(),
            resources,
            issued_at: ctx.now,
            expires_at: ctx.now.saturating_add(lifetime),
            interval,
            last_polled_at: None,
            failed_attempts: 0,
            status: DeviceCodeStatus::Pending,
        };
        let shown = display_user_code(&user_code);
        let mut complete = verification.clone();
        complete.query_pairs_mut().append_pair("user_code", &shown);
        let response = DeviceAuthorizationResponse::new(
            DeviceCode::new(device_code),
            shown,
            verification.as_str(),
            lifetime,
        )
        .with_verification_uri_complete(complete.as_str())
        .with_interval(interval)
        .to_http_response();
        let mut writes = Vec::with_capacity(2);
        if let Some((key, expires_at)) = replay_guard {
            writes.push(Write::InsertIfAbsent { key, expires_at });
        }
        writes.push(Write::InsertDeviceCode(record));
        self.phase = DevicePhase::Writing(writes.len(), response);
        Ok(Step::Write(writes))
    }

    fn respond_error(&mut self, e: OAuthError, ctx: &Context<'_>) -> Step {
        self.phase = DevicePhase::Done;
        Step::Respond(e.to_http_response(&ctx.config.issuer))
    }
}

impl Endpoint for DeviceAuthorizationEndpoint {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        match core::mem::replace(&mut self.phase, DevicePhase::Done) {
            DevicePhase::Deciding => {
                self.phase = DevicePhase::Deciding;
                match self.decide(ctx, supplied) {
                    Ok(step) => step,
                    Err(e) => self.respond_error(e, ctx),
                }
            }
            DevicePhase::Writing(count, response) => {
                let outcomes = supplied.last_outcomes().unwrap_or(&[]);
                if outcomes.contains(&WriteOutcome::Conflict) {
                    let used_basic = self.parsed.as_ref().is_ok_and(|(_, c)| c.used_basic());
                    return self.respond_error(
                        OAuthError::invalid_client(
                            "the client assertion was used before",
                            used_basic,
                        ),
                        ctx,
                    );
                }
                if outcomes.len() < count {
                    return self.respond_error(OAuthError::server_error(ServerError::Crypto), ctx);
                }
                Step::Respond(response)
            }
            DevicePhase::Done => self.respond_error(
                OAuthError::invalid_request("the exchange is over")
                    .with_status(StatusCode::INTERNAL_SERVER_ERROR),
                ctx,
            ),
        }
    }
}

/// The user-code verification step (RFC 8628 §3.3) on the application's verification page.
///
/// [`DeviceVerification::lookup`] takes the code the user typed and answers
/// [`Step::Interact`] with what the device asks for (the consent prompt; the ticket is the
/// normalized user code), or an error page: unknown, expired or already decided codes, and
/// too many failed entries for the attempt key (`429`). After the application has logged the
/// user in and asked for consent, [`DeviceVerification::decide`] records the decision
/// (approval: a new grant; or denial) with a conditional write, so a code is decided once;
/// the device's next poll of the token endpoint sees it.
#[derive(Debug)]
#[must_use]
pub struct DeviceVerification {
    user_code: String,
    attempt_key: String,
    decision: Option<InteractionResult>,
    phase: VerificationPhase,
}

#[derive(Debug)]
enum VerificationPhase {
    Deciding,
    /// Writes handed out: the response when they apply, and whether a conflict means the
    /// code was decided already (or, for a counted failure, nothing: the failure stands).
    Writing {
        count: usize,
        done: Response<Vec<u8>>,
        on_conflict: Response<Vec<u8>>,
    },
    Done,
}

/// A failed entry's slots are named `device_user_code:<attempt key>:<n>`.
fn failure_slot(attempt_key: &str, n: u32) -> String {
    format!("device_user_code:{attempt_key}:{n}")
}

impl DeviceVerification {
    /// Looks up the code the user typed. `attempt_key` names who is guessing (the user's
    /// account or session, or the client address): failed entries are counted against it.
    pub fn lookup(user_code: impl Into<String>, attempt_key: impl Into<String>) -> Self {
        DeviceVerification {
            user_code: user_code.into(),
            attempt_key: attempt_key.into(),
            decision: None,
            phase: VerificationPhase::Deciding,
        }
    }

    /// Records the user's decision about the device authorization of `user_code` (the
    /// interaction's ticket).
    pub fn decide(
        user_code: impl Into<String>,
        attempt_key: impl Into<String>,
        decision: InteractionResult,
    ) -> Self {
        DeviceVerification {
            user_code: user_code.into(),
            attempt_key: attempt_key.into(),
            decision: Some(decision),
            phase: VerificationPhase::Deciding,
        }
    }

    fn step_deciding(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        let max = ctx.config.device.max_failed_user_codes;
        // RFC 8628 §5.1: how many entries failed for this attempt key while codes live.
        let slots: Vec<Need> = (1..=max)
            .map(|n| Need::ReplayCheck(failure_slot(&self.attempt_key, n)))
            .collect();
        let mut failed = 0u32;
        let mut missing = Vec::new();
        for need in slots {
            match supplied.get(&need) {
                Some(Answer::Seen(true)) => failed += 1,
                Some(_) => {}
                None => missing.push(need),
            }
        }
        if !missing.is_empty() {
            return Step::Need(missing);
        }
        if failed >= max {
            return self.finish(error_page(
                StatusCode::TOO_MANY_REQUESTS,
                &ErrorCode::AccessDenied,
                "too many wrong codes; try again later",
            ));
        }
        let window = ctx.now.saturating_add(ctx.config.lifetimes.device_code);
        let wrong = |this: &mut Self, why: &str| {
            // Count the failure in the first free slot; a lost race for that slot means
            // another failure took it, which counts the same.
            let write = Write::InsertIfAbsent {
                key: failure_slot(&this.attempt_key, failed + 1),
                expires_at: window,
            };
            let page = error_page(StatusCode::BAD_REQUEST, &ErrorCode::InvalidRequest, why);
            let again = error_page(StatusCode::BAD_REQUEST, &ErrorCode::InvalidRequest, why);
            this.phase = VerificationPhase::Writing {
                count: 1,
                done: page,
                on_conflict: again,
            };
            Step::Write(vec![write])
        };
        let Some(normalized) = normalize_user_code(&self.user_code) else {
            return wrong(self, "that is not a valid code");
        };
        let handle = match user_code_handle(ctx, &normalized) {
            Ok(h) => h,
            Err(_) => {
                return self.finish(error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &ErrorCode::ServerError,
                    "the code could not be checked",
                ));
            }
        };
        let need = Need::DeviceCodeByUserCode(handle);
        let record = match supplied.get(&need) {
            Some(Answer::DeviceCode(r)) => r.as_ref(),
            _ => return Step::Need(vec![need]),
        };
        let Some(record) =
            record.filter(|r| ctx.now < r.expires_at && r.status == DeviceCodeStatus::Pending)
        else {
            return wrong(self, "the code is not known, has expired, or was used");
        };
        let expires_at = record.expires_at;
        let Some(decision) = &self.decision else {
            return self.interact(Interaction::new(
                normalized,
                record.client_id.clone(),
                prompts_for(
                    &[],
                    LoginDetails::default(),
                    &record.scopes,
                    &record.resources,
                ),
                true,
                expires_at,
            ));
        };
        let decided_already = error_page(
            StatusCode::BAD_REQUEST,
            &ErrorCode::InvalidRequest,
            "the code was decided already",
        );
        let (status, mut writes) = match decision {
            InteractionResult::Approved(a) => {
                if !a.scopes.iter().all(|s| record.scopes.contains(s))
                    || !a.resources.iter().all(|r| record.resources.contains(r))
                {
                    return self.finish(error_page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &ErrorCode::ServerError,
                        "the approval grants more than the device asked for",
                    ));
                }
                let Ok(grant_id) = GrantId::generate(ctx.rng) else {
                    return self.finish(error_page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        &ErrorCode::ServerError,
                        "no randomness",
                    ));
                };
                let mut grant = GrantRecord::new(
                    grant_id.clone(),
                    record.client_id.clone(),
                    a.subject.clone(),
                    a.scopes.clone(),
                    a.resources.clone(),
                    ctx.now,
                );
                grant.auth_time = Some(a.auth_time);
                grant.acr = a.acr.clone();
                (
                    DeviceCodeStatus::Approved(grant_id),
                    vec![Write::InsertGrant(grant)],
                )
            }
            // RFC 8628 §3.5: a device sees any other outcome as `access_denied`.
            InteractionResult::Denied | InteractionResult::Failed(_) => {
                (DeviceCodeStatus::Denied, Vec::new())
            }
        };
        let approved = matches!(status, DeviceCodeStatus::Approved(_));
        // The decision first: it is the conditional write (a code is decided once).
        writes.insert(
            0,
            Write::DecideDeviceCodeIfPending {
                handle: record.handle.clone(),
                decision: status,
            },
        );
        let done = decided_page(approved);
        self.phase = VerificationPhase::Writing {
            count: writes.len(),
            done,
            on_conflict: decided_already,
        };
        Step::Write(writes)
    }

    fn finish(&mut self, response: Response<Vec<u8>>) -> Step {
        self.phase = VerificationPhase::Done;
        Step::Respond(response)
    }

    fn interact(&mut self, interaction: Interaction) -> Step {
        self.phase = VerificationPhase::Done;
        Step::Interact(interaction)
    }
}

/// The page after the decision: the user goes back to the device.
fn decided_page(approved: bool) -> Response<Vec<u8>> {
    let text = if approved {
        "The device is authorized. You can return to it now."
    } else {
        "The device was not authorized."
    };
    let mut resp = Response::new(
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Device</title></head><body><p>{text}</p></body></html>"
        )
        .into_bytes(),
    );
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

impl Endpoint for DeviceVerification {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        match core::mem::replace(&mut self.phase, VerificationPhase::Done) {
            VerificationPhase::Deciding => {
                self.phase = VerificationPhase::Deciding;
                self.step_deciding(ctx, supplied)
            }
            VerificationPhase::Writing {
                count,
                done,
                on_conflict,
            } => {
                let outcomes = supplied.last_outcomes().unwrap_or(&[]);
                let applied =
                    outcomes.len() >= count && outcomes.iter().all(|o| *o == WriteOutcome::Applied);
                self.finish(if applied { done } else { on_conflict })
            }
            VerificationPhase::Done => self.finish(error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ErrorCode::ServerError,
                "this verification has already been answered",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::InsecureTestRandom;
    use proptest::prelude::*;

    #[test]
    fn user_codes_use_the_alphabet_and_normalize_back() {
        let rng = InsecureTestRandom::new(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let code = generate_user_code(&rng).unwrap();
            assert_eq!(code.len(), USER_CODE_LENGTH);
            assert!(code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b)));
            let shown = display_user_code(&code);
            assert_eq!(shown.len(), USER_CODE_LENGTH + 1);
            assert_eq!(
                normalize_user_code(&shown.to_lowercase()),
                Some(code.clone())
            );
            seen.insert(code);
        }
        assert_eq!(seen.len(), 200);
    }

    #[test]
    fn normalize_refuses_what_cannot_be_a_code() {
        for bad in [
            "",
            "BDWP-HQP",
            "BDWP-HQPKX",
            "BDWA-HQPK",
            "BDWP_HQPK",
            "ＢDWP-HQPK",
        ] {
            assert_eq!(normalize_user_code(bad), None, "{bad}");
        }
        assert_eq!(
            normalize_user_code(" bdwp hqpk ").as_deref(),
            Some("BDWPHQPK")
        );
    }

    #[test]
    fn every_character_is_about_equally_likely() {
        let rng = InsecureTestRandom::new(3);
        let mut counts = [0u32; 20];
        for _ in 0..2000 {
            for b in generate_user_code(&rng).unwrap().bytes() {
                let i = USER_CODE_ALPHABET.iter().position(|&a| a == b).unwrap();
                counts[i] += 1;
            }
        }
        // 16000 draws, 800 expected per character.
        assert!(
            counts.iter().all(|&c| (650..950).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn device_requests_are_read_strictly() {
        let post = |ct: &str, body: &str| {
            Request::post("https://as.example/device")
                .header(CONTENT_TYPE, ct)
                .body(body.as_bytes().to_vec())
                .unwrap()
        };
        let form = "application/x-www-form-urlencoded";
        let (req, creds) =
            parse_device_authorization_request(&post(form, "client_id=tv&scope=read"), None)
                .unwrap();
        assert_eq!(req.scope, ["read"]);
        assert_eq!(creds.client_id(), "tv");
        for (ct, body) in [
            ("application/json", "{}"),
            (form, "client_id=tv&scope=a&scope=b"),
            (form, "client_id=tv&scope=%22bad%22"),
            (form, "scope=read"),
        ] {
            assert!(
                parse_device_authorization_request(&post(ct, body), None).is_err(),
                "{body}"
            );
        }
        let get = Request::get("https://as.example/device?client_id=tv")
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            parse_device_authorization_request(&get, None)
                .unwrap_err()
                .status,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }

    proptest! {
        #[test]
        fn device_request_parsing_never_panics(body in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let req = Request::post("https://as.example/device")
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body)
                .unwrap();
            let _ = parse_device_authorization_request(&req, None);
        }

        #[test]
        fn normalize_never_panics(s in ".{0,80}") {
            if let Some(code) = normalize_user_code(&s) {
                prop_assert_eq!(code.len(), USER_CODE_LENGTH);
            }
        }
    }
}
