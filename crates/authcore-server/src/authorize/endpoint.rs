//! The authorization endpoint as an [`Endpoint`]: a request goes from the front channel to
//! either an error (a page or a redirect) or an [`Interaction`]; the application's answer
//! resumes it to the redirect that carries the code, the ID token of the implicit and hybrid
//! flows, or (behind the legacy setting) the access token.

use authcore_oauth2::wire::{
    AuthorizationRequestParams, AuthorizationSuccess, ErrorCode, ResponseType,
};
use authcore_oauth2::{AccessToken, AuthorizationCode, IdToken, encode_form};
use http::StatusCode;
use url::Url;

use super::checks::{
    Refusal, check_dpop_jkt, check_pkce, check_prompt, check_resources, check_response_type,
    check_scope, choose_response_mode, error_response_mode,
};
use super::interaction::{
    Interaction, InteractionResult, LoginDetails, is_interaction_error, prompts_for,
};
use super::openid::{
    HINT_SUBJECT, OpenIdRequest, Resumed, check_openid_parameters, enforce_on_approval,
};
use super::redirect_uri::match_redirect_uri;
use super::request::{FrontChannelRequest, UnreadableRequest, read_front_channel_request};
use super::response::{ResponseTarget, error_page};
use crate::error::OAuthError;
use crate::jar;
use crate::model::{
    ApplicationType, AuthorizationCodeRecord, ClientRecord, CodeChallenge, GrantId, GrantRecord,
    InteractionRecord, TokenHash,
};
use crate::par::PAR_REQUEST_URI_PREFIX;
use crate::step::{Answer, Context, Endpoint, Finished, Need, Step, Supplied, Write, WriteOutcome};
use crate::tokens::CredentialKind;

/// The authorization endpoint (RFC 6749 §3.1, §4.1; RFC 9700; RFC 9101; RFC 9126; RFC 9207),
/// driven like every endpoint ([`crate::drive_to_finish`] or the caller's own loop).
///
/// It starts from the user agent's request ([`AuthorizationEndpoint::new`]) and ends in one
/// of:
/// - an error page (`400`) when the client or the redirect URI cannot be trusted: no
///   `client_id`, an unknown client, a `redirect_uri` that is not registered (exact string
///   match; loopback ports vary only for native clients, RFC 8252 §7.3). Never a redirect:
///   no open redirector (RFC 9700 §4.11);
/// - an error redirected to the client with `error`, `error_description`, `state` and `iss`
///   (RFC 6749 §4.1.2.1, RFC 9207), in the requested response mode;
/// - [`Step::Interact`]: the request is valid and stored as an interaction; the application
///   logs the user in and asks for consent its own way, then resumes with
///   [`AuthorizationEndpoint::resume`], which ends in the redirect with the code.
///
/// An application that can often answer at once (a signed-in user whose consent is stored)
/// builds the endpoint with [`AuthorizationEndpoint::holding_interaction`]: the
/// [`Step::Interact`] then comes before the interaction is stored, and the application either
/// answers it on the same endpoint ([`AuthorizationEndpoint::answer`]: no interaction is
/// written, read back or removed) or parks it ([`AuthorizationEndpoint::park`]: stored as
/// above, for a later [`AuthorizationEndpoint::resume`]).
///
/// Where the parameters come from: the query (GET) or form (POST); a signed request object
/// by value or by reference (RFC 9101; `Need::Fetch` for the reference), parameters then only
/// from the object; or a pushed request (`request_uri` from the PAR endpoint, RFC 9126:
/// single use through a conditional write, required when the server or the client says so).
#[derive(Debug)]
#[must_use]
pub struct AuthorizationEndpoint {
    input: Input,
    pending: Option<Pending>,
    finished: bool,
    /// Whether a valid request stops at its interaction before storing it.
    hold: bool,
    /// The valid request's interaction, not stored yet (with [`Self::holding_interaction`]).
    held: Option<Box<Held>>,
    /// The answer to the held interaction ([`Self::answer`]).
    held_answer: Option<InteractionResult>,
}

#[derive(Debug)]
enum Input {
    Request(Box<http::Request<Vec<u8>>>),
    Resume {
        ticket: String,
        result: InteractionResult,
    },
}

/// A valid request's interaction as [`decide_request`] leaves it: what storing it takes, and
/// what answering it in place takes.
#[derive(Debug)]
struct Held {
    interaction: Interaction,
    record: InteractionRecord,
    /// The client the request was checked against.
    client: ClientRecord,
    /// The pushed request it came from (RFC 9126), consumed with whichever write comes next.
    pushed: Option<TokenHash>,
    /// Where the request's errors go.
    target: ResponseTarget,
}

impl Held {
    /// The write that consumes the pushed request, if there is one.
    fn consume_pushed(&self) -> Option<Write> {
        self.pushed.clone().map(Write::ConsumePushedRequestIfUnused)
    }

    /// The response when the pushed request was used meanwhile.
    fn pushed_used(&self) -> Finished {
        Finished::Respond(
            self.target
                .error(ErrorCode::InvalidRequestUri, "request_uri was used already"),
        )
    }

    /// Storing the interaction: the writes, ending in the [`Step::Interact`].
    fn store(&self) -> Decided {
        let mut writes: Vec<Write> = self.consume_pushed().into_iter().collect();
        writes.push(Write::InsertInteraction(self.record.clone()));
        Decided {
            writes,
            done: Finished::Interact(self.interaction.clone()),
            on_conflict: self.pushed_used(),
        }
    }
}

/// The outcomes of a write batch already handed out.
#[derive(Debug)]
struct Pending {
    writes: usize,
    done: Finished,
    on_conflict: Finished,
}

/// A write batch and how the request ends after it.
struct Decided {
    writes: Vec<Write>,
    /// The end when every write applied.
    done: Finished,
    /// The end when a conditional write lost its race.
    on_conflict: Finished,
}

enum Decision {
    Need(Vec<Need>),
    Finish(Finished),
    Write(Decided),
    /// A valid request: its interaction, to be stored, or held (see [`Held`]).
    Interact(Box<Held>),
}

impl AuthorizationEndpoint {
    /// The endpoint for the user agent's request (GET with a query, or POST with a form).
    pub fn new(request: http::Request<Vec<u8>>) -> Self {
        AuthorizationEndpoint {
            input: Input::Request(Box::new(request)),
            pending: None,
            finished: false,
            hold: false,
            held: None,
            held_answer: None,
        }
    }

    /// This endpoint, stopping at a valid request's [`Step::Interact`] before the interaction
    /// is stored. The application then calls [`AuthorizationEndpoint::answer`] when it can
    /// answer at once (the user is signed in and consent is stored), or
    /// [`AuthorizationEndpoint::park`] when the user must see its pages; the next steps do
    /// what it chose. Until then a step ends in an error page.
    ///
    /// Answering in place spares the store the interaction record (written, read back and
    /// removed within the same request otherwise). A pushed request (RFC 9126) is consumed
    /// either way.
    ///
    /// ```
    /// use authcore_server::authorize::{AuthorizationEndpoint, Interaction, InteractionResult};
    /// use authcore_server::{Context, Finished, Store, drive_to_finish};
    ///
    /// /// The authorization endpoint of an application that can often answer from the user's
    /// /// session and stored consent (`from_session`).
    /// fn authorize(
    ///     request: http::Request<Vec<u8>>,
    ///     ctx: &Context<'_>,
    ///     store: &dyn Store,
    ///     from_session: impl Fn(&Interaction) -> Option<InteractionResult>,
    /// ) -> Option<http::Response<Vec<u8>>> {
    ///     let no_fetch = |_: &str| None;
    ///     let mut endpoint = AuthorizationEndpoint::new(request).holding_interaction();
    ///     let interaction = match drive_to_finish(&mut endpoint, ctx, store, &no_fetch) {
    ///         Finished::Respond(response) => return Some(response),
    ///         Finished::Interact(interaction) => interaction,
    ///     };
    ///     match from_session(&interaction) {
    ///         Some(result) => endpoint.answer(result),
    ///         None => endpoint.park(),
    ///     }
    ///     match drive_to_finish(&mut endpoint, ctx, store, &no_fetch) {
    ///         // Answered: the redirect to the client.
    ///         Finished::Respond(response) => Some(response),
    ///         // Parked: stored under `interaction.ticket`; the application shows its pages
    ///         // and later resumes with `AuthorizationEndpoint::resume`.
    ///         Finished::Interact(_) => None,
    ///     }
    /// }
    /// ```
    pub fn holding_interaction(mut self) -> Self {
        self.hold = true;
        self
    }

    /// Answers the held interaction in place with `result` (after
    /// [`AuthorizationEndpoint::holding_interaction`]); the next steps end in the response
    /// [`AuthorizationEndpoint::resume`] would give. Does nothing when no interaction is
    /// held.
    pub fn answer(&mut self, result: InteractionResult) {
        if self.held.is_some() {
            self.held_answer = Some(result);
        }
    }

    /// Stores the held interaction (after [`AuthorizationEndpoint::holding_interaction`]): the
    /// next steps write it and end in the same [`Step::Interact`], to be resumed later with
    /// its ticket. Does nothing when no interaction is held.
    pub fn park(&mut self) {
        if self.held.is_some() {
            self.hold = false;
        }
    }

    /// The client a held interaction's request was checked against (after
    /// [`AuthorizationEndpoint::holding_interaction`]), so the application need not look it
    /// up again while deciding.
    pub fn held_client(&self) -> Option<&ClientRecord> {
        self.held.as_ref().map(|h| &h.client)
    }

    /// The endpoint resuming an [`Interaction`] with the application's answer. The ticket is
    /// good for one answer.
    pub fn resume(ticket: impl Into<String>, result: InteractionResult) -> Self {
        AuthorizationEndpoint {
            input: Input::Resume {
                ticket: ticket.into(),
                result,
            },
            pending: None,
            finished: false,
            hold: false,
            held: None,
            held_answer: None,
        }
    }
}

impl Endpoint for AuthorizationEndpoint {
    fn step(&mut self, ctx: &Context<'_>, supplied: &Supplied) -> Step {
        if self.finished {
            return Step::Respond(error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ErrorCode::ServerError,
                "this authorization request has already been answered",
            ));
        }
        if let Some(p) = self.pending.take() {
            // RFC 9126 §4 / the interaction ticket: a conditional write that lost its race
            // means the request_uri or ticket was used already.
            let applied = supplied.last_outcomes().is_some_and(|o| {
                o.len() == p.writes && o.iter().all(|w| *w == WriteOutcome::Applied)
            });
            return self.finish(if applied { p.done } else { p.on_conflict });
        }
        if ctx.config.endpoints.authorization.is_none() {
            // Not offered (and not advertised in the metadata).
            return self.finish(Finished::Respond(error_page(
                StatusCode::NOT_FOUND,
                &ErrorCode::InvalidRequest,
                "this server has no authorization endpoint",
            )));
        }
        let decision = match (&self.held, &self.held_answer, &self.input) {
            (Some(held), Some(result), _) => decide_held_answer(held, result, ctx, supplied),
            (Some(_), None, _) if self.hold => {
                return self.finish(Finished::Respond(error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &ErrorCode::ServerError,
                    "the held interaction was neither answered nor parked",
                )));
            }
            (Some(held), None, _) => Decision::Write(held.store()),
            (None, _, Input::Request(req)) => decide_request(req, ctx, supplied),
            (None, _, Input::Resume { ticket, result }) => {
                decide_resume(ticket, result, ctx, supplied)
            }
        };
        let decided = match decision {
            Decision::Need(needs) => return Step::Need(needs),
            Decision::Finish(f) => return self.finish(f),
            Decision::Write(w) => w,
            Decision::Interact(held) if self.hold => {
                let interaction = held.interaction.clone();
                self.held = Some(held);
                return Step::Interact(interaction);
            }
            Decision::Interact(held) => held.store(),
        };
        self.pending = Some(Pending {
            writes: decided.writes.len(),
            done: decided.done,
            on_conflict: decided.on_conflict,
        });
        Step::Write(decided.writes)
    }
}

impl AuthorizationEndpoint {
    fn finish(&mut self, f: Finished) -> Step {
        self.finished = true;
        match f {
            Finished::Respond(r) => Step::Respond(r),
            Finished::Interact(i) => Step::Interact(i),
        }
    }
}

fn page(status: StatusCode, error: ErrorCode, description: &str) -> Decision {
    Decision::Finish(Finished::Respond(error_page(status, &error, description)))
}

fn redirect_error(target: &ResponseTarget, error: ErrorCode, description: &str) -> Decision {
    Decision::Finish(Finished::Respond(target.error(error, description)))
}

/// An [`OAuthError`] redirected to the client (its description, or the code alone).
fn oauth_error(target: &ResponseTarget, e: &OAuthError) -> Decision {
    let description = e.description.as_deref().unwrap_or(e.code.as_str());
    redirect_error(target, e.code.clone(), description)
}

/// The client record supplied for `client_id`, or the need for it.
fn supplied_client<'a>(
    supplied: &'a Supplied,
    client_id: &str,
) -> Result<Option<&'a ClientRecord>, Need> {
    let need = Need::Client(client_id.to_owned());
    match supplied.get(&need) {
        Some(Answer::Client(c)) => Ok(c.as_ref()),
        _ => Err(need),
    }
}

/// Where to send an error found before the request's own parameters can be trusted (a
/// malformed request, a bad request object or `request_uri`): the outer `redirect_uri` if
/// the client registered it (or the client's only registered URI when none was sent). A
/// registered URI is never an open redirect.
fn fallback_target(
    front: &FrontChannelRequest,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Option<ResponseTarget> {
    let redirect = match_redirect_uri(
        front.redirect_uri.as_deref(),
        &client.redirect_uris,
        client.application_type == ApplicationType::Native,
    )?;
    Some(ResponseTarget {
        redirect_uri: Url::parse(&redirect).ok()?,
        response_mode: error_response_mode(
            front.response_type.as_deref(),
            front.response_mode.as_deref(),
        ),
        state: front.state.clone(),
        issuer: ctx.config.issuer.clone(),
    })
}

fn decide_request(
    req: &http::Request<Vec<u8>>,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Decision {
    let front = match read_front_channel_request(req) {
        Ok(f) => f,
        Err(UnreadableRequest::Method) => {
            return page(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::InvalidRequest,
                "the authorization endpoint takes GET or POST",
            );
        }
        Err(UnreadableRequest::ContentType) => {
            return page(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::InvalidRequest,
                "a POST to the authorization endpoint must be form-encoded",
            );
        }
        Err(UnreadableRequest::TooLarge) => {
            return page(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::InvalidRequest,
                "the authorization request is too large",
            );
        }
    };
    if front.ambiguous_target {
        return page(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            "client_id or redirect_uri is repeated",
        );
    }
    let Some(client_id) = front.client_id.clone() else {
        return page(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            "client_id is missing",
        );
    };
    let client = match supplied_client(supplied, &client_id) {
        Err(need) => return Decision::Need(vec![need]),
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidClient,
                "the client is not known",
            );
        }
        Ok(Some(c)) => c,
    };
    let fallback = fallback_target(&front, client, ctx);
    // RFC 6749 §4.1.2.1: redirect only to a redirect URI the client registered.
    let refuse_early = |error: ErrorCode, description: &str| match &fallback {
        Some(t) => redirect_error(t, error, description),
        None => page(StatusCode::BAD_REQUEST, error, description),
    };
    // Where the parameters come from. With a request object or a request_uri, only its
    // parameters count (RFC 9101 §5, RFC 9126 §4): the outer ones need not even be valid.
    let mut pushed: Option<TokenHash> = None;
    let params: AuthorizationRequestParams = match (&front.request, &front.request_uri) {
        (Some(_), Some(_)) => {
            // RFC 9101 §5: by value or by reference, never both.
            return refuse_early(
                ErrorCode::InvalidRequest,
                "request and request_uri sent together",
            );
        }
        (None, Some(uri)) => {
            if let Some(random) = uri.strip_prefix(PAR_REQUEST_URI_PREFIX) {
                let Some(handle) = ctx
                    .keys
                    .token_hashing
                    .hash_presented(CredentialKind::RequestUri, random)
                else {
                    return refuse_early(ErrorCode::InvalidRequestUri, "request_uri is not known");
                };
                let need = Need::PushedRequest(handle.clone());
                let record = match supplied.get(&need) {
                    Some(Answer::PushedRequest(r)) => r.as_ref(),
                    _ => return Decision::Need(vec![need]),
                };
                // RFC 9126 §4: one use, short-lived, and only by the client that pushed it.
                let Some(record) = record
                    .filter(|r| !r.used && ctx.now < r.expires_at && r.client_id == client_id)
                else {
                    return refuse_early(
                        ErrorCode::InvalidRequestUri,
                        "request_uri is not known, expired, used, or of another client",
                    );
                };
                pushed = Some(handle);
                match parse_stored(&record.params) {
                    Ok(p) => p,
                    Err(why) => return refuse_early(ErrorCode::InvalidRequest, &why),
                }
            } else {
                // RFC 9101 §5.2: a request object by reference.
                if !jar::request_uri_allowed(uri, client) {
                    return refuse_early(
                        ErrorCode::InvalidRequestUri,
                        "request_uri is not an https URL registered for this client",
                    );
                }
                let need = Need::Fetch(uri.clone());
                let body = match supplied.get(&need) {
                    Some(Answer::Fetched(b)) => b.as_deref(),
                    _ => return Decision::Need(vec![need]),
                };
                let Some(object) = body.and_then(|b| core::str::from_utf8(b).ok()) else {
                    return refuse_early(
                        ErrorCode::InvalidRequestUri,
                        "request_uri could not be fetched",
                    );
                };
                match jar::verify_client_request_object(object.trim(), client, ctx) {
                    Ok(p) => p,
                    Err(e) => return refuse_early(e.error_code(), &e.to_string()),
                }
            }
        }
        (Some(object), None) => match jar::verify_client_request_object(object, client, ctx) {
            Ok(p) => p,
            Err(e) => return refuse_early(e.error_code(), &e.to_string()),
        },
        (None, None) => match &front.params {
            Ok(p) => p.clone(),
            Err(why) => return refuse_early(ErrorCode::InvalidRequest, why),
        },
    };
    if pushed.is_none()
        && (ctx.config.require_pushed_authorization_requests
            || client.require_pushed_authorization_requests)
    {
        // RFC 9126 §5, §6: only pushed requests are accepted.
        return refuse_early(
            ErrorCode::InvalidRequest,
            "pushed authorization requests are required",
        );
    }
    if params.client_id != client_id {
        return refuse_early(
            ErrorCode::InvalidRequest,
            "client_id differs from the request's",
        );
    }
    let checked = match check_request(&params, client, ctx) {
        Ok(c) => c,
        Err(f) => return f.into_decision(),
    };

    // Core §3.1.2.1: an id_token_hint must be an ID token this provider issued to this
    // client; its `sub` is kept with the interaction (the hint may expire before the user is
    // done) and the approval must be for that end-user.
    let hint_subject = match &params.id_token_hint {
        None => None,
        Some(hint) => match crate::oidc::hint::verify_id_token_hint(hint, client, ctx) {
            Ok(sub) => Some(sub),
            Err(e) => return oauth_error(&checked.target, &e),
        },
    };
    let (ticket, handle) = match ctx
        .keys
        .token_hashing
        .mint(CredentialKind::InteractionTicket, ctx.rng)
    {
        Ok(t) => t,
        Err(_) => return redirect_error(&checked.target, ErrorCode::ServerError, "no randomness"),
    };
    let expires_at = ctx.now.saturating_add(ctx.config.lifetimes.interaction);
    let login = LoginDetails {
        max_age: params.max_age,
        login_hint: params.login_hint.clone(),
        id_token_hint_subject: hint_subject.clone(),
        acr_values: params.acr_values.clone(),
        essential_acr: checked.openid.essential_acr.clone(),
    };
    let mut interaction = Interaction::new(
        ticket,
        client_id.clone(),
        prompts_for(&params.prompt, login, &checked.scopes, &checked.resources),
        !params.prompt.iter().any(|p| p == "none"),
        expires_at,
    );
    interaction.ui_locales = params.ui_locales.clone();
    interaction.display = checked.openid.display;
    let mut extra = serde_json::Map::new();
    if let Some(sub) = hint_subject {
        extra.insert(HINT_SUBJECT.into(), sub.into());
    }
    let record = InteractionRecord {
        handle,
        client_id,
        params: params.to_pairs(),
        created_at: ctx.now,
        expires_at,
        extra,
    };
    Decision::Interact(Box::new(Held {
        interaction,
        record,
        client: client.clone(),
        pushed,
        target: checked.target,
    }))
}

/// Reads parameters stored by this server (a pushed request, an interaction).
fn parse_stored(pairs: &[(String, String)]) -> Result<AuthorizationRequestParams, String> {
    let form = encode_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    AuthorizationRequestParams::parse(form.as_bytes()).map_err(|e| super::describe(&e))
}

/// Why [`check_request`] refused a request.
pub(crate) enum CheckFailure {
    /// The redirect URI is not one of the client's: nowhere to redirect to.
    RedirectUri(&'static str),
    /// Any other check, with the place its error may be redirected to.
    Refused(Box<ResponseTarget>, Refusal),
}

impl CheckFailure {
    fn into_decision(self) -> Decision {
        match self {
            CheckFailure::RedirectUri(why) => {
                page(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, why)
            }
            CheckFailure::Refused(target, r) => redirect_error(&target, r.error, r.description),
        }
    }

    /// The error as the back channel (the PAR endpoint, RFC 9126 §2.3) reports it.
    pub(crate) fn into_refusal(self) -> Refusal {
        match self {
            CheckFailure::RedirectUri(why) => Refusal {
                error: ErrorCode::InvalidRequest,
                description: why,
            },
            CheckFailure::Refused(_, r) => r,
        }
    }
}

/// A request that passed every check.
pub(crate) struct CheckedRequest {
    pub(crate) target: ResponseTarget,
    pub(crate) code_challenge: Option<CodeChallenge>,
    pub(crate) scopes: Vec<String>,
    pub(crate) resources: Vec<String>,
    /// What the OpenID Connect parameters ask of the interaction.
    pub(crate) openid: OpenIdRequest,
}

/// Every check of an authorization request against its client and the server's settings, in
/// one place for the front channel, the resumed interaction and the PAR endpoint. An error
/// is a page when the redirect URI is not the client's, a redirect otherwise.
pub(crate) fn check_request(
    params: &AuthorizationRequestParams,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<CheckedRequest, CheckFailure> {
    let Some(redirect) = match_redirect_uri(
        params.redirect_uri.as_deref(),
        &client.redirect_uris,
        client.application_type == ApplicationType::Native,
    ) else {
        return Err(CheckFailure::RedirectUri(
            "redirect_uri is missing or not registered for this client",
        ));
    };
    let Ok(redirect_uri) = Url::parse(&redirect) else {
        return Err(CheckFailure::RedirectUri(
            "the registered redirect_uri is not a URL",
        ));
    };
    let rt = params.response_type;
    let mut target = ResponseTarget {
        redirect_uri,
        response_mode: error_response_mode(
            Some(rt.as_str()),
            params.response_mode.as_ref().map(|m| m.as_str()),
        ),
        state: params.state.clone(),
        issuer: ctx.config.issuer.clone(),
    };
    let checked = (|| -> Result<_, Refusal> {
        check_response_type(
            rt,
            client
                .response_types
                .iter()
                .any(|r| ResponseType::parse(r).is_some_and(|registered| registered == rt)),
            ctx.config.legacy.implicit_grant,
            crate::oidc::is_provider(ctx),
        )?;
        let mode = choose_response_mode(rt, params.response_mode.as_ref())?;
        let code_challenge = if rt.returns_code() {
            check_pkce(
                params.code_challenge.as_deref(),
                params.code_challenge_method,
                client.is_public() || ctx.config.pkce.required_for_confidential_clients,
                ctx.config.pkce.allow_plain,
            )?
        } else {
            None
        };
        let mut scopes = check_scope(&params.scope, &client.allowed_scopes, &[])?;
        // Core §11: decided again on the approval, once the consent is known.
        crate::oidc::apply_offline_access_rule(
            &mut scopes,
            &params.prompt,
            rt.returns_code(),
            None,
        );
        let openid = check_openid_parameters(params, &scopes)?;
        let resources = check_resources(
            &params.resource,
            |r| ctx.config.resource_server(r).is_some(),
            |r| client.allows_resources(&[r]),
        )?;
        check_prompt(&params.prompt)?;
        check_dpop_jkt(params.dpop_jkt.as_deref())?;
        Ok((mode, code_challenge, scopes, resources, openid))
    })();
    match checked {
        Ok((mode, code_challenge, scopes, resources, openid)) => {
            target.response_mode = mode;
            Ok(CheckedRequest {
                target,
                code_challenge,
                scopes,
                resources,
                openid,
            })
        }
        Err(r) => Err(CheckFailure::Refused(Box::new(target), r)),
    }
}

fn decide_resume(
    ticket: &str,
    result: &InteractionResult,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Decision {
    let unknown = || {
        page(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            "the interaction is not known or has expired",
        )
    };
    let Some(handle) = ctx
        .keys
        .token_hashing
        .hash_presented(CredentialKind::InteractionTicket, ticket)
    else {
        return unknown();
    };
    let need = Need::Interaction(handle.clone());
    let record = match supplied.get(&need) {
        Some(Answer::Interaction(r)) => r.as_ref(),
        _ => return Decision::Need(vec![need]),
    };
    let Some(record) = record.filter(|r| ctx.now < r.expires_at) else {
        return unknown();
    };
    let client = match supplied_client(supplied, &record.client_id) {
        Err(need) => return Decision::Need(vec![need]),
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidClient,
                "the client is not known",
            );
        }
        Ok(Some(c)) => c,
    };
    // The ticket is good for one answer: removing the record is the conditional write.
    let answering = Answering {
        first: Some(Write::RemoveInteractionIfPresent(handle)),
        on_conflict: Finished::Respond(error_page(
            StatusCode::BAD_REQUEST,
            &ErrorCode::InvalidRequest,
            "the interaction was completed already",
        )),
    };
    decide_answer(record, client, result, answering, ctx, supplied)
}

/// A held interaction answered in place: nothing was stored, so the only conditional write
/// is the pushed request's consumption, if the request came from one.
fn decide_held_answer(
    held: &Held,
    result: &InteractionResult,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Decision {
    let answering = Answering {
        first: held.consume_pushed(),
        on_conflict: held.pushed_used(),
    };
    decide_answer(&held.record, &held.client, result, answering, ctx, supplied)
}

/// What answering an interaction writes ahead of its outcome's writes, and how the request
/// ends when that write loses its race.
struct Answering {
    first: Option<Write>,
    on_conflict: Finished,
}

/// The application's answer to an interaction, stored ([`decide_resume`]) or held
/// ([`decide_held_answer`]): the request checked again, the approval enforced, and the
/// response with its writes.
fn decide_answer(
    record: &InteractionRecord,
    client: &ClientRecord,
    result: &InteractionResult,
    answering: Answering,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Decision {
    let params = match parse_stored(&record.params) {
        Ok(p) => p,
        Err(why) => {
            return page(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::ServerError,
                &why,
            );
        }
    };
    // The checks again: the client's registration or the server's settings may have changed
    // while the user was logging in.
    let checked = match check_request(&params, client, ctx) {
        Ok(c) => c,
        Err(f) => return f.into_decision(),
    };
    let target = &checked.target;
    let ending = |writes: Vec<Write>, done: Finished| {
        Decision::Write(Decided {
            writes: answering.first.into_iter().chain(writes).collect(),
            done,
            on_conflict: answering.on_conflict,
        })
    };
    let approval = match result {
        InteractionResult::Denied => {
            return ending(
                Vec::new(),
                Finished::Respond(
                    target.error(ErrorCode::AccessDenied, "the user denied the request"),
                ),
            );
        }
        InteractionResult::Failed(code) => {
            let code = if is_interaction_error(code) {
                code.clone()
            } else {
                ErrorCode::ServerError
            };
            return ending(
                Vec::new(),
                Finished::Respond(target.error(code, "the interaction did not complete")),
            );
        }
        InteractionResult::Approved(a) => a,
    };
    if !approval.scopes.iter().all(|s| checked.scopes.contains(s))
        || !approval
            .resources
            .iter()
            .all(|r| checked.resources.contains(r))
    {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServerError,
            "the approval grants more than the request asked for",
        );
    }
    let resumed = Resumed {
        params: &params,
        openid: &checked.openid,
        requested_at: record.created_at,
        hint_subject: record.extra.get(HINT_SUBJECT).and_then(|v| v.as_str()),
        client,
    };
    let scopes = match enforce_on_approval(&resumed, approval, ctx) {
        Ok(scopes) => scopes,
        Err(r) => return redirect_error(target, r.error, r.description),
    };
    match issue(&params, &checked, approval, scopes, client, supplied, ctx) {
        Ok(Err(needs)) => Decision::Need(needs),
        Ok(Ok((writes, success))) => ending(writes, Finished::Respond(target.success(success))),
        Err(e) => oauth_error(target, &e),
    }
}

/// What [`issue`] decided: the writes and the response, or what it still needs (the ID
/// token's claims or the client's encryption keys).
type Issued = Result<(Vec<Write>, AuthorizationSuccess), Vec<Need>>;

/// The grant, the code (bound to the client, redirect URI, PKCE challenge, scope, resources,
/// `dpop_jkt`, `nonce` and grant; RFC 6749 §4.1.2), the access token of the response types
/// that return one in the front channel (RFC 6749 §4.2.2, OpenID Connect Core §3.2.2.5,
/// §3.3.2.5), and the ID token of those that return one (Core §3.2.2.10, §3.3.2.11), which
/// binds the code and the access token with `c_hash` and `at_hash`. `scopes` are the
/// approval's after the OpenID Connect rules.
fn issue(
    params: &AuthorizationRequestParams,
    checked: &CheckedRequest,
    approval: &super::interaction::Approval,
    scopes: Vec<String>,
    client: &ClientRecord,
    supplied: &Supplied,
    ctx: &Context<'_>,
) -> Result<Issued, OAuthError> {
    let no_randomness = |_| OAuthError::server_error(crate::error::ServerError::Random);
    let client_id = client.client_id.as_str();
    let grant_id = GrantId::generate(ctx.rng).map_err(OAuthError::server_error)?;
    let mut grant = GrantRecord::new(
        grant_id.clone(),
        client_id,
        approval.subject.clone(),
        scopes.clone(),
        approval.resources.clone(),
        ctx.now,
    );
    grant.auth_time = Some(approval.auth_time);
    grant.acr = approval.acr.clone();
    grant.amr = approval.amr.clone();
    grant.sid = approval.sid.clone();
    grant.claims_request = crate::oidc::claims::ClaimsRequest::grant_text(params.claims.as_ref());
    let rt = params.response_type;
    // The ID token's claims and keys first: what it needs is asked for before any credential
    // is minted (this step runs again, from the start, once the needs are supplied).
    let id_token = if rt.returns_id_token() {
        match crate::oidc::authorization_endpoint_id_token_content(
            &grant,
            client,
            params.nonce.clone(),
            rt.returns_access_token(),
            supplied,
            ctx,
        )? {
            Ok(completed) => Some(completed),
            Err(needs) => return Ok(Err(needs)),
        }
    } else {
        None
    };
    let mut writes = Vec::new();
    let mut success = AuthorizationSuccess::new();
    let hashing = &ctx.keys.token_hashing;
    let mut code_issued = None;
    if rt.returns_code() {
        let (code, handle) = hashing
            .mint(CredentialKind::AuthorizationCode, ctx.rng)
            .map_err(no_randomness)?;
        writes.push(Write::InsertCode(AuthorizationCodeRecord {
            handle,
            grant_id: grant_id.clone(),
            client_id: client_id.to_owned(),
            redirect_uri: params.redirect_uri.clone(),
            code_challenge: checked.code_challenge.clone(),
            scopes: scopes.clone(),
            resources: approval.resources.clone(),
            dpop_jkt: params.dpop_jkt.clone(),
            nonce: params.nonce.clone(),
            issued_at: ctx.now,
            expires_at: ctx
                .now
                .saturating_add(ctx.config.lifetimes.authorization_code),
            used: false,
        }));
        code_issued = Some(code);
    }
    let mut access_token_issued = None;
    if rt.returns_access_token() {
        // The one place tokens are minted (opaque, or a JWT for a resource server that takes
        // them, RFC 9068), as for every grant; Bearer, since nothing binds a front-channel
        // token to a key.
        let mut plan = crate::token::TokenPlan::new(
            grant_id.clone(),
            client_id,
            approval.subject.clone(),
            scopes.clone(),
            approval.resources.clone(),
        );
        plan.auth_time = Some(approval.auth_time);
        plan.acr = approval.acr.clone();
        let issued = crate::token::issue_tokens(&plan, ctx)?;
        writes.extend(issued.writes);
        let t = issued.response;
        success.token_type = Some(t.token_type);
        success.expires_in = t.expires_in;
        success.scope = t.scope;
        access_token_issued = Some(t.access_token.secret().to_owned());
    }
    if let Some((content, id_token_client)) = id_token {
        let id_token = crate::oidc::authorization_endpoint_id_token(
            content,
            &id_token_client,
            crate::oidc::FrontChannelArtifacts {
                code: code_issued.as_deref(),
                access_token: access_token_issued.as_deref(),
                state: params.state.as_deref(),
            },
            ctx,
        )?;
        success.id_token = Some(IdToken::new(id_token));
    }
    success.code = code_issued.map(AuthorizationCode::new);
    success.access_token = access_token_issued.map(AccessToken::new);
    writes.insert(0, Write::InsertGrant(grant));
    Ok(Ok((writes, success)))
}
