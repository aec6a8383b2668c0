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

/// The ID token the token endpoint issues for an authorization code (Core §3.1.3.3): one
/// when the code's scope holds `openid` and the server is a provider, carrying the request's
/// `nonce` and the grant's `auth_time`, `acr`, `amr` and `sid`, for the subject the client
/// sees (public or pairwise, §8).
pub fn code_id_token(
    code: &AuthorizationCodeRecord,
    grant: &GrantRecord,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<Option<(id_token::IdTokenContent, ClientRecord)>, crate::error::OAuthError> {
    if !is_provider(ctx) || !code.scopes.iter().any(|s| s == OPENID_SCOPE) {
        return Ok(None);
    }
    let subject = subject::subject_for(client, &grant.subject, ctx).map_err(|e| {
        crate::error::OAuthError::server_error(crate::error::ServerError::Config(match e {
            subject::SubjectError::UnsupportedSubjectType => {
                "the client's subject_type is not offered by this provider"
            }
            _ => "the client's pairwise sector cannot be determined",
        }))
    })?;
    let content = id_token::IdTokenContent {
        subject,
        client_id: client.client_id.clone(),
        nonce: code.nonce.clone(),
        auth_time: grant.auth_time,
        acr: grant.acr.clone(),
        amr: grant.amr.clone(),
        sid: grant.sid.clone(),
        ..Default::default()
    };
    Ok(Some((content, client.clone())))
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
    Some(InteractionResult::Approved(Approval::from_session(
        session, scopes, resources,
    )))
}

/// The scope value asking for a refresh token that works while the user is away (Core §11).
pub const OFFLINE_ACCESS_SCOPE: &str = "offline_access";

/// Core §11 at the authorization endpoint: in an OpenID Connect request (`openid` among
/// `scopes`), `offline_access` is ignored (removed) unless the response type returns a code
/// and `prompt` holds `consent`, so the user is asked explicitly for offline access.
pub fn apply_offline_access_rule(scopes: &mut Vec<String>, prompt: &[String], returns_code: bool) {
    if !scopes.iter().any(|s| s == OPENID_SCOPE) {
        return;
    }
    if !(returns_code && prompt.iter().any(|p| p == "consent")) {
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
        let mut scopes = v(&["openid", "offline_access"]);
        apply_offline_access_rule(&mut scopes, &v(&["consent"]), true);
        assert_eq!(scopes, v(&["openid", "offline_access"]));
        for (prompt, code) in [
            (v(&[]), true),
            (v(&["login"]), true),
            (v(&["consent"]), false),
        ] {
            let mut scopes = v(&["openid", "offline_access"]);
            apply_offline_access_rule(&mut scopes, &prompt, code);
            assert_eq!(scopes, v(&["openid"]), "{prompt:?} {code}");
        }
        // Plain OAuth 2.0: offline_access is an ordinary scope.
        let mut scopes = v(&["offline_access"]);
        apply_offline_access_rule(&mut scopes, &[], true);
        assert_eq!(scopes, v(&["offline_access"]));
    }
}
