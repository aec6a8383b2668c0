//! The grants: each reads its parameters, says what records it needs, and decides.

use authcore_jose::{JwsAlgorithm, VerifyingKeys, constant_time_eq};
use authcore_oauth2::{ErrorCode, PkceCodeVerifier, TokenRequest, token_type_uri};

use super::issue::{RefreshPlan, TokenPlan, issue_tokens, new_grant_id};
use super::{
    DEVICE_CODE_GRANT_TYPE, Decision, DpopBinding, JWT_BEARER_GRANT_TYPE, TOKEN_EXCHANGE_GRANT_TYPE,
};
use crate::client_auth::{AuthenticatedClient, verify_assertion};
use crate::error::OAuthError;
use crate::model::{
    Actor, Confirmation, DeviceCodeStatus, GrantId, GrantRecord, MAX_DELEGATION_DEPTH, TokenKind,
    TokenRecord,
};
use crate::step::{Answer, Context, Need, PasswordCheck, Supplied, Write};
use crate::tokens::CredentialKind;

pub(super) struct GrantInput<'a> {
    pub(super) request: &'a TokenRequest,
    pub(super) client: &'a AuthenticatedClient,
    pub(super) dpop: Option<&'a DpopBinding>,
}

pub(super) enum Outcome {
    Need(Vec<Need>),
    Decided(Decision),
}

/// Whether the server offers `grant_type` at all (the client's registration is checked
/// separately).
pub(super) fn is_supported(grant_type: &str, ctx: &Context<'_>) -> bool {
    match grant_type {
        "authorization_code" | "refresh_token" | "client_credentials" => true,
        DEVICE_CODE_GRANT_TYPE => ctx.config.endpoints.device_authorization.is_some(),
        TOKEN_EXCHANGE_GRANT_TYPE => !ctx.config.token_exchange.rules.is_empty(),
        JWT_BEARER_GRANT_TYPE => !ctx.config.trusted_jwt_bearer_issuers.is_empty(),
        "password" => ctx.config.legacy.password_grant,
        _ => false,
    }
}

/// The grant types [`is_supported`] accepts under this configuration, for metadata.
pub(crate) fn supported_grant_types(ctx_config: &crate::ServerConfig) -> Vec<&'static str> {
    let mut v = vec!["authorization_code", "refresh_token", "client_credentials"];
    if ctx_config.endpoints.device_authorization.is_some() {
        v.push(DEVICE_CODE_GRANT_TYPE);
    }
    if !ctx_config.token_exchange.rules.is_empty() {
        v.push(TOKEN_EXCHANGE_GRANT_TYPE);
    }
    if !ctx_config.trusted_jwt_bearer_issuers.is_empty() {
        v.push(JWT_BEARER_GRANT_TYPE);
    }
    if ctx_config.legacy.password_grant {
        v.push("password");
    }
    v
}

pub(super) fn decide(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Outcome, OAuthError> {
    match input.request.grant_type() {
        "authorization_code" => authorization_code(input, ctx, supplied),
        "refresh_token" => refresh_token(input, ctx, supplied),
        "client_credentials" => client_credentials(input, ctx),
        DEVICE_CODE_GRANT_TYPE => device_code(input, ctx, supplied),
        TOKEN_EXCHANGE_GRANT_TYPE => token_exchange(input, ctx, supplied),
        JWT_BEARER_GRANT_TYPE => jwt_bearer(input, ctx),
        "password" => password(input, ctx, supplied),
        _ => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "the grant type is not supported",
        )),
    }
}

/// The key binding for new tokens: the DPoP key, and the client certificate for clients
/// registered for certificate-bound tokens (RFC 8705 §3).
fn binding(input: &GrantInput<'_>, ctx: &Context<'_>) -> Option<Confirmation> {
    let mut c = Confirmation {
        jkt: input.dpop.map(|d| d.jkt.clone()),
        x5t_s256: None,
    };
    if input
        .client
        .client
        .tls_client_certificate_bound_access_tokens
    {
        c.x5t_s256 = input
            .client
            .certificate
            .as_ref()
            .map(|cert| cert.thumbprint_s256(ctx.keys.provider));
    }
    (!c.is_empty()).then_some(c)
}

/// A plan for tokens of `grant_id` about `subject`, for the requesting client and bound to
/// the key the request proves (every grant's tokens start here).
fn plan(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    grant_id: GrantId,
    subject: &str,
    scopes: Vec<String>,
    resources: Vec<String>,
) -> TokenPlan {
    let mut plan = TokenPlan::new(
        grant_id,
        &input.client.client.client_id,
        subject,
        scopes,
        resources,
    );
    plan.cnf = binding(input, ctx);
    plan
}

/// A plan for more tokens of a stored grant: its subject and what is known of the user's
/// authentication (`auth_time`, `acr`, RFC 9068 §2.2.1).
fn plan_for_grant(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    grant: &GrantRecord,
    scopes: Vec<String>,
    resources: Vec<String>,
) -> TokenPlan {
    let mut plan = plan(
        input,
        ctx,
        grant.id.clone(),
        &grant.subject,
        scopes,
        resources,
    );
    plan.auth_time = grant.auth_time;
    plan.acr = grant.acr.clone();
    plan
}

/// A new grant for `subject` (the grant types that start one: client credentials, JWT
/// bearer, password), the plan for its tokens, and the write that stores the grant ahead of
/// them.
fn plan_for_new_grant(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    subject: &str,
    scopes: Vec<String>,
    resources: Vec<String>,
) -> Result<(TokenPlan, Write), OAuthError> {
    let grant = GrantRecord::new(
        new_grant_id(ctx)?,
        &input.client.client.client_id,
        subject,
        scopes.clone(),
        resources.clone(),
        ctx.now,
    );
    let plan = plan(input, ctx, grant.id.clone(), subject, scopes, resources);
    Ok((plan, Write::InsertGrant(grant)))
}

/// Adds a new refresh token to `plan` when `offered` and the client is registered for the
/// refresh grant; a public client's is bound to its key like the access token, as it has no
/// other proof of who presents it (RFC 9449 §5, RFC 8705 §4).
fn offer_refresh(plan: &mut TokenPlan, input: &GrantInput<'_>, offered: bool) {
    plan.bind_refresh_token = input.client.client.is_public();
    if offered && input.client.client.allows_grant_type("refresh_token") {
        plan.refresh = RefreshPlan::New;
    }
}

/// Whether the request proves the key a bound credential is bound to.
fn proves_binding(cnf: Option<&Confirmation>, input: &GrantInput<'_>, ctx: &Context<'_>) -> bool {
    let Some(cnf) = cnf else { return true };
    let jkt_ok = cnf.jkt.as_ref().is_none_or(|want| {
        input
            .dpop
            .is_some_and(|d| constant_time_eq(d.jkt.as_bytes(), want.as_bytes()))
    });
    let x5t_ok = cnf.x5t_s256.as_ref().is_none_or(|want| {
        input.client.certificate.as_ref().is_some_and(|c| {
            constant_time_eq(
                c.thumbprint_s256(ctx.keys.provider).as_bytes(),
                want.as_bytes(),
            )
        })
    });
    jkt_ok && x5t_ok
}

/// The requested resources, each a configured resource server the client may use
/// (RFC 8707 §2: `invalid_target` otherwise).
fn checked_resources(input: &GrantInput<'_>, ctx: &Context<'_>) -> Result<Vec<String>, OAuthError> {
    let resources = input.request.resources();
    for r in resources {
        if ctx.config.resource_server(r).is_none() || !input.client.client.allows_resources(&[r]) {
            return Err(OAuthError::new(
                ErrorCode::InvalidTarget,
                "the resource is unknown or not allowed for the client",
            ));
        }
    }
    Ok(resources.to_vec())
}

/// `requested` must lie within `granted` (RFC 6749 §6: a refresh may narrow, never widen);
/// nothing requested means everything granted.
fn narrowed(requested: &[String], granted: &[String]) -> Result<Vec<String>, OAuthError> {
    if requested.is_empty() {
        return Ok(granted.to_vec());
    }
    if requested.iter().all(|s| granted.contains(s)) {
        Ok(requested.to_vec())
    } else {
        Err(OAuthError::invalid_scope(
            "the requested scope exceeds the one granted",
        ))
    }
}

fn answer<'s>(supplied: &'s Supplied, need: &Need) -> Option<&'s Answer> {
    supplied.get(need)
}

fn decided(
    plan: &TokenPlan,
    ctx: &Context<'_>,
    leading: Vec<Write>,
    revoke_on_conflict: bool,
) -> Result<Outcome, OAuthError> {
    let issued = issue_tokens(plan, ctx)?;
    let mut writes = leading;
    // A rotation is conditional: it goes first, after the caller's leading writes.
    writes.extend(issued.writes);
    Ok(Outcome::Decided(Decision {
        writes,
        response: Ok(issued.response.to_http_response()),
        revoke_on_conflict: revoke_on_conflict.then(|| plan.grant_id.clone()),
    }))
}

fn failed_with_writes(writes: Vec<Write>, error: OAuthError) -> Outcome {
    Outcome::Decided(Decision {
        writes,
        response: Err(error),
        revoke_on_conflict: None,
    })
}

/// Whether PKCE is required of this client by the policy (public clients always,
/// RFC 9700 §2.1.1).
fn pkce_required(input: &GrantInput<'_>, ctx: &Context<'_>) -> bool {
    input.client.client.is_public() || ctx.config.pkce.required_for_confidential_clients
}

/// RFC 6749 §4.1.3, RFC 7636 §4.6, RFC 9700 §4.8.2.
fn authorization_code(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Outcome, OAuthError> {
    let req = input.request;
    let code = req.get("code").unwrap_or_default();
    let handle = ctx
        .keys
        .token_hashing
        .hash_presented(CredentialKind::AuthorizationCode, code)
        .ok_or_else(|| OAuthError::invalid_grant("unknown authorization code"))?;
    let need = Need::Code(handle.clone());
    let Some(Answer::Code(record)) = answer(supplied, &need) else {
        return Ok(Outcome::Need(vec![need]));
    };
    let record = record
        .as_ref()
        .ok_or_else(|| OAuthError::invalid_grant("unknown authorization code"))?;
    if record.client_id != input.client.client.client_id {
        // RFC 6749 §4.1.3: the code must have been issued to this client (code injection).
        return Err(OAuthError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if record.used {
        // RFC 6749 §4.1.2: a second use; revoke what the first issued.
        return Ok(failed_with_writes(
            vec![Write::RevokeGrant(record.grant_id.clone())],
            OAuthError::invalid_grant("the authorization code was used before"),
        ));
    }
    if ctx.now >= record.expires_at {
        return Err(OAuthError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    if record.redirect_uri.as_deref() != req.get("redirect_uri") {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    let verifier = req.get("code_verifier");
    match (&record.code_challenge, verifier) {
        (Some(challenge), Some(v)) => {
            let v = PkceCodeVerifier::new(v);
            if v.validate().is_err() {
                return Err(OAuthError::invalid_grant(
                    "code_verifier is not 43-128 unreserved characters (RFC 7636 §4.1)",
                ));
            }
            if !ctx.config.pkce.allows(challenge.method) {
                return Err(OAuthError::invalid_grant("PKCE plain is not allowed"));
            }
            let computed = v.challenge(challenge.method, ctx.keys.provider);
            if !constant_time_eq(computed.as_bytes(), challenge.challenge.as_bytes()) {
                return Err(OAuthError::invalid_grant("code_verifier does not match"));
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant("code_verifier is required"));
        }
        // RFC 9700 §4.8.2: a verifier without a challenge is a PKCE downgrade attempt.
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier sent but the authorization request had no code_challenge",
            ));
        }
        (None, None) if pkce_required(input, ctx) => {
            return Err(OAuthError::invalid_grant("PKCE is required"));
        }
        (None, None) => {}
    }
    if let Some(jkt) = &record.dpop_jkt {
        // RFC 9449 §10: the DPoP key of the token request must be the one named at the
        // authorization endpoint.
        if !input
            .dpop
            .is_some_and(|d| constant_time_eq(d.jkt.as_bytes(), jkt.as_bytes()))
        {
            return Err(OAuthError::new(
                ErrorCode::InvalidDpopProof,
                "the DPoP key differs from dpop_jkt",
            ));
        }
    }
    let grant = match supplied.grant_in_force(&record.grant_id) {
        Err(grant_need) => return Ok(Outcome::Need(vec![grant_need])),
        Ok(grant) => {
            grant.ok_or_else(|| OAuthError::invalid_grant("the grant has been revoked"))?
        }
    };
    // RFC 8707 §2.2: the token request may narrow the resources of the code.
    let resources = narrowed_resources(req.resources(), &record.resources)?;
    let scopes = narrowed(req.scopes(), &record.scopes)?;
    let mut plan = plan_for_grant(input, ctx, grant, scopes, resources);
    plan.refresh_scopes = record.scopes.clone();
    plan.refresh_resources = record.resources.clone();
    offer_refresh(
        &mut plan,
        input,
        crate::oidc::refresh_token_allowed(&record.scopes, ctx),
    );
    if let Some((content, client)) =
        crate::oidc::code_id_token(record, grant, &input.client.client, ctx)?
    {
        // Core §5.4: an access token is issued with it, so the scope claims are UserInfo's.
        match crate::oidc::id_token::complete(
            content,
            &client,
            grant,
            &record.scopes,
            true,
            supplied,
            ctx,
        )? {
            Ok(ready) => plan.id_token = Some(ready),
            Err(needs) => return Ok(Outcome::Need(needs)),
        }
    }
    decided(&plan, ctx, vec![Write::ConsumeCodeIfUnused(handle)], true)
}

fn narrowed_resources(requested: &[String], granted: &[String]) -> Result<Vec<String>, OAuthError> {
    narrowed(requested, granted).map_err(|_| {
        OAuthError::new(
            ErrorCode::InvalidTarget,
            "the requested resource was not granted",
        )
    })
}

/// RFC 6749 §6, RFC 9700 §4.14.2.
fn refresh_token(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Outcome, OAuthError> {
    let req = input.request;
    let presented = req.get("refresh_token").unwrap_or_default();
    let handle = ctx
        .keys
        .token_hashing
        .hash_presented(CredentialKind::RefreshToken, presented)
        .ok_or_else(|| OAuthError::invalid_grant("unknown refresh token"))?;
    let need = Need::RefreshToken(handle.clone());
    let Some(Answer::Token(record)) = answer(supplied, &need) else {
        return Ok(Outcome::Need(vec![need]));
    };
    let record: &TokenRecord = record
        .as_ref()
        .ok_or_else(|| OAuthError::invalid_grant("unknown refresh token"))?;
    if record.client_id != input.client.client.client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if record.rotated {
        // RFC 9700 §4.14.2: a rotated refresh token used again means one of two parties
        // holds a stolen copy; revoke the grant.
        return Ok(failed_with_writes(
            vec![Write::RevokeGrant(record.grant_id.clone())],
            OAuthError::invalid_grant("the refresh token was used before"),
        ));
    }
    if record.revoked || record.expires_at.is_some_and(|e| ctx.now >= e) {
        return Err(OAuthError::invalid_grant(
            "the refresh token is revoked or expired",
        ));
    }
    if !proves_binding(record.cnf.as_ref(), input, ctx) {
        return Err(OAuthError::invalid_grant(
            "the refresh token is bound to another key",
        ));
    }
    let grant = match supplied.grant_in_force(&record.grant_id) {
        Err(grant_need) => return Ok(Outcome::Need(vec![grant_need])),
        Ok(grant) => {
            grant.ok_or_else(|| OAuthError::invalid_grant("the grant has been revoked"))?
        }
    };
    let scopes = narrowed(req.scopes(), &record.scopes)?;
    let resources = narrowed_resources(req.resources(), &record.resources)?;
    let mut plan = plan_for_grant(input, ctx, grant, scopes, resources);
    plan.refresh_scopes = record.scopes.clone();
    plan.refresh_resources = record.resources.clone();
    offer_refresh(&mut plan, input, false);
    // A public client's refresh token stays bound to the key it was first bound to.
    if plan.bind_refresh_token && record.cnf.is_some() {
        plan.cnf = record.cnf.clone();
    }
    // Always rotated: public clients must be (RFC 9700 §4.14.2), and rotation lets every
    // client's replayed token be noticed.
    plan.refresh = RefreshPlan::Rotate(handle);
    decided(&plan, ctx, Vec::new(), true)
}

/// RFC 6749 §4.4.
fn client_credentials(input: &GrantInput<'_>, ctx: &Context<'_>) -> Result<Outcome, OAuthError> {
    let client = &input.client.client;
    if client.is_public() {
        return Err(OAuthError::unauthorized_client(
            "public clients cannot use client_credentials (RFC 6749 §4.4)",
        ));
    }
    let scopes = narrowed(input.request.scopes(), &client.allowed_scopes)?;
    let resources = checked_resources(input, ctx)?;
    let (plan, insert_grant) =
        plan_for_new_grant(input, ctx, &client.client_id, scopes, resources)?;
    // RFC 6749 §4.4.3: no refresh token.
    decided(&plan, ctx, vec![insert_grant], false)
}

/// RFC 8628 §3.4, §3.5.
fn device_code(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Outcome, OAuthError> {
    let presented = input.request.get("device_code").unwrap_or_default();
    let handle = ctx
        .keys
        .token_hashing
        .hash_presented(CredentialKind::DeviceCode, presented)
        .ok_or_else(|| OAuthError::invalid_grant("unknown device code"))?;
    let need = Need::DeviceCode(handle.clone());
    let Some(Answer::DeviceCode(record)) = answer(supplied, &need) else {
        return Ok(Outcome::Need(vec![need]));
    };
    let record = record
        .as_ref()
        .ok_or_else(|| OAuthError::invalid_grant("unknown device code"))?;
    if record.client_id != input.client.client.client_id {
        return Err(OAuthError::invalid_grant(
            "the device code was issued to another client",
        ));
    }
    if ctx.now >= record.expires_at {
        return Err(OAuthError::new(
            ErrorCode::ExpiredToken,
            "the device code has expired",
        ));
    }
    // RFC 8628 §3.5: polling faster than the interval is answered `slow_down`, and the
    // interval grows by 5 seconds for every later request.
    let too_fast = record
        .last_polled_at
        .is_some_and(|t| ctx.now < t.saturating_add(record.interval));
    let poll = |interval| Write::RecordDevicePoll {
        handle: handle.clone(),
        at: ctx.now,
        interval,
    };
    if too_fast {
        return Ok(failed_with_writes(
            vec![poll(record.interval + 5)],
            OAuthError::new(ErrorCode::SlowDown, "polling too fast"),
        ));
    }
    match &record.status {
        DeviceCodeStatus::Pending => Ok(failed_with_writes(
            vec![poll(record.interval)],
            OAuthError::new(
                ErrorCode::AuthorizationPending,
                "the user has not decided yet",
            ),
        )),
        DeviceCodeStatus::Denied => Err(OAuthError::new(
            ErrorCode::AccessDenied,
            "the user denied the request",
        )),
        DeviceCodeStatus::Consumed => {
            Err(OAuthError::invalid_grant("the device code was used before"))
        }
        DeviceCodeStatus::Approved(grant_id) => {
            let grant = match supplied.grant_in_force(grant_id) {
                Err(grant_need) => return Ok(Outcome::Need(vec![grant_need])),
                Ok(grant) => {
                    grant.ok_or_else(|| OAuthError::invalid_grant("the grant has been revoked"))?
                }
            };
            let mut plan = plan_for_grant(
                input,
                ctx,
                grant,
                grant.scopes.clone(),
                grant.resources.clone(),
            );
            offer_refresh(&mut plan, input, true);
            decided(
                &plan,
                ctx,
                vec![Write::ConsumeDeviceCodeIfApproved(handle.clone())],
                false,
            )
        }
    }
}

/// RFC 8693 §2: impersonation of this server's own access tokens, or delegation with an
/// actor token, as the policy allows.
fn token_exchange(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Outcome, OAuthError> {
    let req = input.request;
    let client = &input.client.client;
    let rule = ctx
        .config
        .token_exchange
        .rules
        .iter()
        .find(|r| r.client_id == client.client_id)
        .ok_or_else(|| {
            OAuthError::unauthorized_client("the policy does not let this client exchange")
        })?;
    // RFC 8693 §2.1: actor_token_type is required with an actor_token, and only with one.
    let actor_presented = match (req.get("actor_token"), req.get("actor_token_type")) {
        (None, None) => None,
        (Some(token), Some(token_type)) => Some((token, token_type)),
        (Some(_), None) => {
            return Err(OAuthError::invalid_request(
                "actor_token_type is required with actor_token (RFC 8693 §2.1)",
            ));
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_request(
                "actor_token_type without actor_token (RFC 8693 §2.1)",
            ));
        }
    };
    if actor_presented.is_some() && rule.actors.is_empty() {
        // RFC 8693 §2.2.2: a token unacceptable by policy is `invalid_request`.
        return Err(OAuthError::invalid_request(
            "the policy does not let this client act for others",
        ));
    }
    if let Some((_, t)) = actor_presented {
        if t != token_type_uri::ACCESS_TOKEN {
            return Err(OAuthError::invalid_request(
                "only access tokens of this server can be actor tokens",
            ));
        }
    }
    if req.get("subject_token_type") != Some(token_type_uri::ACCESS_TOKEN) {
        return Err(OAuthError::invalid_request(
            "only access tokens of this server can be exchanged",
        ));
    }
    if let Some(t) = req.get("requested_token_type") {
        if t != token_type_uri::ACCESS_TOKEN {
            return Err(OAuthError::invalid_request(
                "only access tokens can be requested",
            ));
        }
    }
    let handle = ctx
        .keys
        .token_hashing
        .hash_presented(
            CredentialKind::AccessToken,
            req.get("subject_token").unwrap_or_default(),
        )
        .ok_or_else(|| OAuthError::invalid_grant("the subject token is not valid"))?;
    let mut needs = vec![Need::AccessToken(handle)];
    if let Some((actor_token, _)) = actor_presented {
        let actor_handle = ctx
            .keys
            .token_hashing
            .hash_presented(CredentialKind::AccessToken, actor_token)
            .ok_or_else(|| OAuthError::invalid_request("the actor token is not valid"))?;
        needs.push(Need::AccessToken(actor_handle));
    }
    let mut records = Vec::with_capacity(needs.len());
    for need in &needs {
        match answer(supplied, need) {
            Some(Answer::Token(record)) => records.push(record.as_ref()),
            _ => return Ok(Outcome::Need(needs)),
        }
    }
    // Each token counts only while in force, under a grant in force (its grant looked up
    // next); an inactive actor token is refused in `delegation`.
    let mut grant_needs = Vec::new();
    let mut live = Vec::with_capacity(records.len());
    for record in &records {
        match supplied.token_in_force(*record, ctx.now) {
            Ok(r) => live.push(r),
            Err(grant_need) => grant_needs.push(grant_need),
        }
    }
    if !grant_needs.is_empty() {
        return Ok(Outcome::Need(grant_needs));
    }
    let subject = live[0];
    let actor = live.get(1).copied();
    let subject =
        subject.ok_or_else(|| OAuthError::invalid_grant("the subject token is not active"))?;
    let act = match actor {
        None => subject.act.clone(),
        Some(actor) => Some(delegation(rule, client, subject, actor, ctx)?),
    };
    // RFC 8693 §2.1: `audience` and `resource` both name the targets.
    let targets: Vec<String> = req
        .get_all("audience")
        .map(str::to_owned)
        .chain(req.resources().iter().cloned())
        .collect();
    if targets.is_empty() || !targets.iter().all(|t| rule.audiences.contains(t)) {
        return Err(OAuthError::new(
            ErrorCode::InvalidTarget,
            "the policy does not allow this audience",
        ));
    }
    let allowed: Vec<String> = subject
        .scopes
        .iter()
        .filter(|s| rule.scopes.contains(s))
        .cloned()
        .collect();
    let scopes = narrowed(req.scopes(), &allowed)?;
    let mut plan = plan(
        input,
        ctx,
        subject.grant_id.clone(),
        &subject.subject,
        scopes,
        targets,
    );
    plan.act = act;
    plan.issued_token_type = Some(token_type_uri::ACCESS_TOKEN);
    decided(&plan, ctx, Vec::new(), false)
}

/// The `act` of a token issued by delegation (RFC 8693 §1.1, §4.1): the actor token must be
/// an active access token (of this server, found by its hash) issued to the exchanging
/// client, so a client cannot present another party as itself; its subject must be an actor
/// the rule names, acting for a subject the rule allows. The subject token's own `act` (it
/// was itself delegated) becomes the prior actor.
fn delegation(
    rule: &crate::config::TokenExchangeRule,
    client: &crate::model::ClientRecord,
    subject: &TokenRecord,
    actor: Option<&TokenRecord>,
    ctx: &Context<'_>,
) -> Result<Actor, OAuthError> {
    // RFC 8693 §2.2.2: an invalid or unacceptable actor token is `invalid_request`.
    let actor = actor
        .filter(|t| t.kind == TokenKind::Access && t.is_active(ctx.now))
        .ok_or_else(|| OAuthError::invalid_request("the actor token is not active"))?;
    if actor.client_id != client.client_id {
        return Err(OAuthError::invalid_request(
            "the actor token was issued to another client",
        ));
    }
    if !rule.actors.contains(&actor.subject) {
        return Err(OAuthError::invalid_request(
            "the policy does not let this actor act",
        ));
    }
    if !rule.act_for.is_empty() && !rule.act_for.contains(&subject.subject) {
        return Err(OAuthError::invalid_request(
            "the policy does not let the actor act for this subject",
        ));
    }
    let act = Actor::new(actor.subject.clone(), subject.act.clone());
    if act.depth() > MAX_DELEGATION_DEPTH {
        return Err(OAuthError::invalid_request(
            "the delegation chain is too long",
        ));
    }
    Ok(act)
}

/// RFC 7523 §2.1, §3: an assertion of a trusted issuer as the grant.
fn jwt_bearer(input: &GrantInput<'_>, ctx: &Context<'_>) -> Result<Outcome, OAuthError> {
    let assertion = input.request.get("assertion").unwrap_or_default();
    let iss = authcore_jose::jwt::decode_unverified(assertion)
        .ok()
        .and_then(|(_, c)| c.registered.iss)
        .ok_or_else(|| OAuthError::invalid_grant("the assertion has no `iss`"))?;
    let client = &input.client.client;
    let issuer = ctx
        .config
        .trusted_jwt_bearer_issuers
        .iter()
        .find(|t| t.issuer == iss)
        .ok_or_else(|| OAuthError::invalid_grant("the assertion's issuer is not trusted"))?;
    if !issuer.clients.contains(&client.client_id) {
        return Err(OAuthError::unauthorized_client(
            "the client may not present this issuer's assertions",
        ));
    }
    let algs: Vec<JwsAlgorithm> = issuer.algorithms.clone();
    let keys =
        VerifyingKeys::from_jwk_set(&issuer.keys, &algs, ctx.keys.provider, &Default::default())
            .map_err(|_| OAuthError::invalid_grant("the issuer has no usable key"))?;
    let v = verify_assertion(
        assertion,
        &keys,
        &issuer.issuer,
        None,
        &[
            ctx.config.endpoints.token.as_str(),
            ctx.config.issuer.as_str(),
        ],
        "jwt_bearer",
        ctx,
    )
    .map_err(OAuthError::invalid_grant)?;
    let subject = v
        .jwt
        .claims
        .registered
        .sub
        .clone()
        .ok_or_else(|| OAuthError::invalid_grant("the assertion has no `sub`"))?;
    let grantable: Vec<String> = issuer
        .scopes
        .iter()
        .filter(|s| client.allowed_scopes.contains(s))
        .cloned()
        .collect();
    let scopes = narrowed(input.request.scopes(), &grantable)?;
    let resources = checked_resources(input, ctx)?;
    let (plan, insert_grant) = plan_for_new_grant(input, ctx, &subject, scopes, resources)?;
    // The assertion is single use (RFC 7523 §3 item 7); the replay key goes first.
    decided(
        &plan,
        ctx,
        vec![
            Write::InsertIfAbsent {
                key: v.replay_key,
                expires_at: v.expires_at,
            },
            insert_grant,
        ],
        false,
    )
}

/// RFC 6749 §4.3, only behind `legacy.password_grant` (RFC 9700 §2.4).
fn password(
    input: &GrantInput<'_>,
    ctx: &Context<'_>,
    supplied: &Supplied,
) -> Result<Outcome, OAuthError> {
    let client = &input.client.client;
    let need = Need::ResourceOwnerPassword(PasswordCheck {
        username: input.request.get("username").unwrap_or_default().to_owned(),
        password: input.request.get("password").unwrap_or_default().to_owned(),
    });
    let Some(Answer::Subject(subject)) = answer(supplied, &need) else {
        return Ok(Outcome::Need(vec![need]));
    };
    let subject = subject
        .as_ref()
        .ok_or_else(|| OAuthError::invalid_grant("wrong username or password"))?;
    let scopes = narrowed(input.request.scopes(), &client.allowed_scopes)?;
    let resources = checked_resources(input, ctx)?;
    let (mut plan, insert_grant) = plan_for_new_grant(input, ctx, subject, scopes, resources)?;
    offer_refresh(&mut plan, input, true);
    decided(&plan, ctx, vec![insert_grant], false)
}
