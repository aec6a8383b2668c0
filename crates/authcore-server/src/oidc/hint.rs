//! `id_token_hint` (OpenID Connect Core §3.1.2.1): an ID token this provider issued earlier to
//! the same client, naming the end-user the client expects.

use authcore_jose::jwt;

use crate::error::OAuthError;
use crate::model::ClientRecord;
use crate::step::Context;

use super::OpSession;

/// Verifies `hint` as an ID token of this provider for `client`: signed by one of the
/// provider's ID token keys valid now, `iss` this issuer, `aud` the client (a hint issued to
/// another client is refused), not expired. Returns its `sub` (the subject as the client
/// sees it: public or pairwise).
pub fn verify_id_token_hint(
    hint: &str,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Result<String, OAuthError> {
    let invalid = || {
        OAuthError::invalid_request(
            "id_token_hint is not a valid ID token of this provider for this client",
        )
    };
    let keys = ctx.keys.id_token_signing.as_ref().ok_or_else(invalid)?;
    let validation = jwt::Validation::new()
        .issuer(ctx.config.issuer.clone())
        .audience(client.client_id.clone())
        .leeway(ctx.config.lifetimes.leeway);
    let verified = jwt::verify(hint, keys.verifying_keys_at(ctx.now), &validation, ctx.now)
        .map_err(|_| invalid())?;
    verified.claims.registered.sub.ok_or_else(invalid)
}

/// Whether the subject of a verified hint is the end-user of `session`, as `client` sees
/// them. With `prompt=none`, a mismatch is answered `login_required` (Core §3.1.2.1: the
/// provider must not sign in another user silently).
pub fn hint_matches_session(
    hint_subject: &str,
    session: &OpSession,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> bool {
    super::subject::subject_for(client, &session.subject, ctx).is_ok_and(|s| s == hint_subject)
}
