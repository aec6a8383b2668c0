//! The OpenID provider (OpenID Connect Core 1.0, Discovery 1.0) on top of the authorization
//! server: the login session value ([`OpSession`]), ID tokens, and the discovery document.

pub mod discovery;
pub mod id_token;
pub mod session;

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
/// `nonce` and the grant's `auth_time` and `acr`.
pub fn code_id_token(
    code: &AuthorizationCodeRecord,
    grant: &GrantRecord,
    client: &ClientRecord,
    ctx: &Context<'_>,
) -> Option<(id_token::IdTokenContent, ClientRecord)> {
    if !is_provider(ctx) || !code.scopes.iter().any(|s| s == OPENID_SCOPE) {
        return None;
    }
    let content = id_token::IdTokenContent {
        subject: grant.subject.clone(),
        client_id: client.client_id.clone(),
        nonce: code.nonce.clone(),
        auth_time: grant.auth_time,
        acr: grant.acr.clone(),
        ..Default::default()
    };
    Some((content, client.clone()))
}
