//! The OpenID provider (OpenID Connect Core 1.0, Discovery 1.0) on top of the authorization
//! server: the login session value ([`OpSession`]) and silent sign-in from it
//! ([`answer_without_ui`]), ID tokens ([`id_token`]), subject identifiers ([`subject`]),
//! `id_token_hint` ([`hint`]), requested claims ([`claims`]), the `offline_access` rules,
//! the discovery document and JWK Set ([`discovery`]), and logout ([`logout`]).

pub mod claims;
pub mod discovery;
pub mod encryption;
pub mod hint;
pub mod id_token;
pub mod logout;
pub mod session;
pub mod subject;

pub use session::OpSession;

use crate::model::{AuthorizationCodeRecord, ClientRecord, GrantRecord};
use crate::step::Context;

/// The `openid` scope value that makes an OAuth 2.0 request an OpenID Connect one (Core
/// §3.1.2.1).
pub const OPENID_SCOPE: &str = "openid";

/// Whether the server is an OpenID provider: it has ID token signing keys.
pub fn is_provider(ctx: &Context<'_>) -> bool {
    ctx.keys.id_token_signing.is_some()
}

/// What every ID token of a grant says (Core §2): the subject as `client` sees it (public
/// or pairwise, §8), the grant's `auth_time`, `acr`, `amr` and `sid`, and the request's
/// `nonce`. The one place both the token endpoint and the authorization endpoint take ID
/// token facts from, so the two ID tokens of a hybrid flow agree (§3.3.3.6: same `iss` and
/// `sub`).
///
/// `auth_time` is always included when the grant knows it (it does whenever the end-user
/// authenticated at this provider): Core §2 requires it when `max_age` was asked or it was
/// requested as an essential claim, Registration §2 when the client registered
/// `require_auth_time`, and allows it otherwise, so including it always meets all three
/// without keeping per-request flags with the code.
fn grant_id_token_content(
    grant: &GrantRecord,
    client: &ClientRecord,
    nonce: Option<String>,
    ctx: &Context<'_>,
) -> Result<id_token::IdTokenContent, crate::error::OAuthError> {
    let subject = subject::subject_for(client, &grant.subject, ctx).map_err(|e| {
        crate::error::OAuthError::server_error(crate::error::ServerError::Config(match e {
            subject::SubjectError::UnsupportedSubjectType => {
                "the client's subject_type is not offered by this provider"
            }
            _ => "the client's pairwise sector cannot be determined",
        }))
    })?;
    Ok(id_token::IdTokenContent {
        subject,
        client_id: client.client_id.clone(),
        nonce,
        auth_time: grant.auth_time,
        acr: grant.acr.clone(),
        amr: grant.amr.clone(),
        sid: grant.sid.clone(),
        ..Default::default()
    })
}

/// The ID token the token endpoint issues for an authorization code (Core §3.1.3.3,
/// §3.3.3.3): one when the code's scope holds `openid` and the server is a provider, carrying
/// the request's `nonce` and the grant's facts (`sub` for this client, `auth_time`, `acr`, `amr`, `sid`). A code of a
/// hybrid flow gets the same `sub`, `nonce`, `auth_time`, `acr`, `amr` and `sid` as the ID
/// token of its authorization response.
pub fn code_id_token(
    code: &AuthorizationCodeRecord,
    grant: &GrantRecord,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<Option<(id_token::IdTokenContent, ClientRecord)>, crate::error::OAuthError> {
    if !is_provider(ctx) || !code.scopes.iter().any(|s| s == OPENID_SCOPE) {
        return Ok(None);
    }
    let content = grant_id_token_content(grant, client, code.nonce.clone(), ctx)?;
    Ok(Some((content, client.clone())))
}

/// What the authorization endpoint returns beside an ID token (implicit and hybrid flows):
/// each one the ID token binds with its hash.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrontChannelArtifacts<'a> {
    /// The code (`c_hash`, Core §3.3.2.11).
    pub code: Option<&'a str>,
    /// The access token (`at_hash`, Core §3.2.2.10, §3.3.2.11).
    pub access_token: Option<&'a str>,
    /// The request's `state` (`s_hash`, FAPI 1.0 Advanced §5.2.2.1; only with
    /// [`OpenIdSettings::state_hash`](crate::config::OpenIdSettings::state_hash)).
    pub state: Option<&'a str>,
}

/// The content of the ID token of an authorization response (Core §3.2.2.10 implicit,
/// §3.3.2.11 hybrid), before the hashes: the grant's facts and the request's `nonce`, as the
/// token endpoint's ID token has them, completed by [`id_token::complete`] (the end-user's
/// claims the request asks for in the ID token, with the §5.4 scope claims when no access
/// token comes with it, as for `response_type=id_token`; the client's encryption keys).
/// `Err(needs)` until the caller has supplied what it asks for; then the content and the
/// client to sign for, with [`authorization_endpoint_id_token`].
pub fn authorization_endpoint_id_token_content(
    grant: &GrantRecord,
    client: &ClientRecord,
    nonce: Option<String>,
    access_token_issued: bool,
    supplied: &crate::step::Supplied,
    ctx: &Context<'_>,
) -> Result<
    Result<(id_token::IdTokenContent, ClientRecord), Vec<crate::step::Need>>,
    crate::error::OAuthError,
> {
    let content = grant_id_token_content(grant, client, nonce, ctx)?;
    id_token::complete(
        content,
        client,
        grant,
        &grant.scopes,
        access_token_issued,
        supplied,
        ctx,
    )
}

/// The ID token of an authorization response, from its completed content
/// ([`authorization_endpoint_id_token_content`]), signed (and encrypted, when the client
/// registered it) for `client` with its registered algorithm: `at_hash` when an access token
/// comes with it, `c_hash` when a code does, and `s_hash` when the provider is configured for
/// it and the request had a `state`. Each hash is the left half of the hash of the ID token's
/// `alg`, base64url ([`id_token::token_hash`]).
pub fn authorization_endpoint_id_token(
    mut content: id_token::IdTokenContent,
    client: &ClientRecord,
    artifacts: FrontChannelArtifacts<'_>,
    ctx: &Context<'_>,
) -> Result<String, crate::error::OAuthError> {
    content.code = artifacts.code.map(str::to_owned);
    content.access_token = artifacts.access_token.map(str::to_owned);
    if ctx.config.openid.state_hash {
        content.state = artifacts.state.map(str::to_owned);
    }
    #[cfg(test)]
    broken_issuance::apply(&mut content);
    id_token::issue(&content, client, ctx)
}

/// A test-only hook that breaks the hashes of the authorization endpoint's ID tokens, so
/// the tests can show that the relying party catches such a provider.
#[cfg(test)]
pub(crate) mod broken_issuance {
    use std::cell::Cell;

    /// Which hash to get wrong.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Broken {
        /// `c_hash` over another code.
        CodeHash,
        /// `at_hash` over another access token.
        AccessTokenHash,
    }

    thread_local! {
        static BROKEN: Cell<Option<Broken>> = const { Cell::new(None) };
    }

    /// Breaks the next ID tokens of this thread (`None`: issue them correctly).
    pub(crate) fn set(broken: Option<Broken>) {
        BROKEN.with(|b| b.set(broken));
    }

    pub(super) fn apply(content: &mut super::id_token::IdTokenContent) {
        match BROKEN.with(Cell::get) {
            Some(Broken::CodeHash) => {
                if let Some(c) = &mut content.code {
                    c.push('x');
                }
            }
            Some(Broken::AccessTokenHash) => {
                if let Some(t) = &mut content.access_token {
                    t.push('x');
                }
            }
            None => {}
        }
    }
}

/// The answer to an interaction that may show no page (`prompt=none`, OpenID Connect Core
/// §3.1.2.1), from the provider login `session` the adapter holds for the user agent, if
/// any, and whether the user already consented to what is asked (`consented`, from the
/// application's consent records). `None` when the interaction allows UI: the application
/// shows its pages.
///
/// - no session, or a session older than the request's `max_age`: `login_required`;
/// - no earlier consent: `consent_required`;
/// - otherwise the session approves silently: the grant carries its `auth_time`, `acr`,
///   `amr` and `sid`.
pub fn answer_without_ui(
    interaction: &crate::authorize::Interaction,
    session: Option<&OpSession>,
    consented: bool,
    now: authcore_jose::UnixTime,
) -> Option<crate::authorize::InteractionResult> {
    use crate::authorize::{Approval, InteractionResult, Prompt};
    use authcore_oauth2::ErrorCode;
    if interaction.ui_allowed {
        return None;
    }
    let failed = |code: &str| Some(InteractionResult::Failed(ErrorCode::Extension(code.into())));
    let Some(session) = session else {
        return failed("login_required");
    };
    for prompt in &interaction.prompts {
        if let Prompt::Login {
            max_age: Some(max_age),
            ..
        } = prompt
        {
            if session.exceeds_max_age(*max_age, now) {
                return failed("login_required");
            }
        }
    }
    if !consented {
        return failed("consent_required");
    }
    let (scopes, resources) = interaction
        .prompts
        .iter()
        .find_map(|p| match p {
            Prompt::Consent {
                scopes, resources, ..
            } => Some((scopes.clone(), resources.clone())),
            _ => None,
        })
        .unwrap_or_default();
    // Only an earlier consent lets prompt=none through (checked above), so the approval says
    // so: it is what Core §11 accepts for offline_access.
    Some(InteractionResult::Approved(
        Approval::from_session(session, scopes, resources).with_existing_consent(),
    ))
}

/// Whether the provider login `session` the adapter holds answers the login prompt of
/// `interaction` without a login page (OpenID Connect Core §3.1.2.1), so the application
/// may go straight to consent: not when `prompt=login` asks for a new authentication, when
/// the authentication is older than `max_age`, when an `id_token_hint` names another
/// end-user (as `client` sees them: public or pairwise), or when the session's `acr` is not
/// one of the essential values asked (§5.5.1.1). The resumed approval is checked against the
/// same rules, so an application that skips this check gets the errors instead.
pub fn session_satisfies_login(
    interaction: &crate::authorize::Interaction,
    session: &OpSession,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> bool {
    use crate::authorize::Prompt;
    interaction.prompts.iter().all(|prompt| match prompt {
        Prompt::Login {
            required,
            max_age,
            id_token_hint_subject,
            essential_acr,
            ..
        } => {
            !*required
                && max_age.is_none_or(|m| !session.exceeds_max_age(m, ctx.now))
                && id_token_hint_subject
                    .as_deref()
                    .is_none_or(|sub| hint::hint_matches_session(sub, session, client, ctx))
                && (essential_acr.is_empty()
                    || session
                        .acr
                        .as_ref()
                        .is_some_and(|acr| essential_acr.contains(acr)))
        }
        _ => true,
    })
}

/// The scope value asking for a refresh token that works while the user is away (Core §11).
pub const OFFLINE_ACCESS_SCOPE: &str = "offline_access";

/// Core §11 at the authorization endpoint: whether an OpenID Connect request may be granted
/// `offline_access`. Only a response type that returns a code can lead to a refresh token;
/// and the end-user must have been asked explicitly, which §11 ties to `prompt=consent`
/// "unless other conditions for processing the request permitting offline access to the
/// requested resources are in place": here, an existing consent. `consent` is `None` before
/// the interaction (the consent page may still ask), else where the approval's consent came
/// from.
pub fn offline_access_allowed(
    prompt: &[String],
    returns_code: bool,
    consent: Option<crate::authorize::ConsentSource>,
) -> bool {
    use crate::authorize::ConsentSource;
    if !returns_code {
        return false;
    }
    match consent {
        None | Some(ConsentSource::Existing) => true,
        Some(ConsentSource::GivenNow) => prompt.iter().any(|p| p == "consent"),
    }
}

/// Core §11: removes `offline_access` from the scopes of an OpenID Connect request (`openid`
/// among `scopes`) when [`offline_access_allowed`] says no. In a plain OAuth 2.0 request
/// `offline_access` is an ordinary scope.
pub fn apply_offline_access_rule(
    scopes: &mut Vec<String>,
    prompt: &[String],
    returns_code: bool,
    consent: Option<crate::authorize::ConsentSource>,
) {
    if !scopes.iter().any(|s| s == OPENID_SCOPE) {
        return;
    }
    if !offline_access_allowed(prompt, returns_code, consent) {
        scopes.retain(|s| s != OFFLINE_ACCESS_SCOPE);
    }
}

/// Core §11 at the token endpoint: for an OpenID Connect grant of a provider, a refresh
/// token only when `offline_access` was granted.
pub fn refresh_token_allowed(scopes: &[String], ctx: &Context<'_>) -> bool {
    !is_provider(ctx)
        || !scopes.iter().any(|s| s == OPENID_SCOPE)
        || scopes.iter().any(|s| s == OFFLINE_ACCESS_SCOPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn offline_access_needs_prompt_consent_and_a_code_in_openid_requests() {
        use crate::authorize::ConsentSource::{Existing, GivenNow};
        let mut scopes = v(&["openid", "offline_access"]);
        apply_offline_access_rule(&mut scopes, &v(&["consent"]), true, Some(GivenNow));
        assert_eq!(scopes, v(&["openid", "offline_access"]));
        for (prompt, code, consent) in [
            (v(&[]), true, Some(GivenNow)),
            (v(&["login"]), true, Some(GivenNow)),
            (v(&["consent"]), false, Some(GivenNow)),
            (v(&["consent"]), false, None),
            (v(&[]), false, Some(Existing)),
        ] {
            let mut scopes = v(&["openid", "offline_access"]);
            apply_offline_access_rule(&mut scopes, &prompt, code, consent);
            assert_eq!(scopes, v(&["openid"]), "{prompt:?} {code} {consent:?}");
        }
        // An existing consent, or a request whose consent page is still to come, keeps it.
        for consent in [Some(Existing), None] {
            let mut scopes = v(&["openid", "offline_access"]);
            apply_offline_access_rule(&mut scopes, &[], true, consent);
            assert_eq!(scopes, v(&["openid", "offline_access"]), "{consent:?}");
        }
        // Plain OAuth 2.0: offline_access is an ordinary scope.
        let mut scopes = v(&["offline_access"]);
        apply_offline_access_rule(&mut scopes, &[], true, Some(GivenNow));
        assert_eq!(scopes, v(&["offline_access"]));
    }
}
