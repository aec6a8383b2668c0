//! Issuing tokens: the one place access and refresh tokens are minted, for every grant (and
//! for the implicit grant of the authorization endpoint).

use authcore_jose::random_array;
use authcore_oauth2::{AccessToken, RefreshToken, TokenResponse, TokenType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::config::AccessTokenFormat;
use crate::error::{OAuthError, ServerError};
use crate::model::{Confirmation, GrantId, TokenHash, TokenKind, TokenRecord};
use crate::step::{Context, Write};
use crate::tokens::{AccessTokenContent, CredentialKind};

/// What to issue: the facts of the grant and the token's scope, audience and binding.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenPlan {
    /// The grant the tokens belong to.
    pub grant_id: GrantId,
    /// The client.
    pub client_id: String,
    /// The resource owner (`sub`).
    pub subject: String,
    /// The access token's scope.
    pub scopes: Vec<String>,
    /// The access token's resources (audience).
    pub resources: Vec<String>,
    /// The scope a new refresh token carries (the grant's, RFC 6749 §6: a narrower access
    /// token does not narrow the refresh token).
    pub refresh_scopes: Vec<String>,
    /// The resources a new refresh token carries.
    pub refresh_resources: Vec<String>,
    /// `auth_time`, when known.
    pub auth_time: Option<authcore_jose::UnixTime>,
    /// `acr`, when known.
    pub acr: Option<String>,
    /// The key binding of the tokens.
    pub cnf: Option<Confirmation>,
    /// Whether the refresh token is bound too: for public clients, which have no other
    /// proof of who presents it (RFC 9449 §5, RFC 8705 §4).
    pub bind_refresh_token: bool,
    /// Whether to issue a refresh token, and whether it replaces one (rotation).
    pub refresh: RefreshPlan,
    /// Who acts for the subject (RFC 8693 §4.1 `act`), for token exchange by delegation.
    pub act: Option<crate::model::Actor>,
    /// `issued_token_type` (RFC 8693 §2.2.1), for token exchange.
    pub issued_token_type: Option<&'static str>,
    /// The ID token to issue beside the access token (OpenID Connect Core §3.1.3.3), with
    /// the client it is for; its `at_hash` is filled in from the access token issued.
    pub id_token: Option<(
        crate::oidc::id_token::IdTokenContent,
        crate::model::ClientRecord,
    )>,
}

impl TokenPlan {
    /// A plan for an access token only, with the same scope and resources for a refresh
    /// token if one is added.
    pub fn new(
        grant_id: GrantId,
        client_id: impl Into<String>,
        subject: impl Into<String>,
        scopes: Vec<String>,
        resources: Vec<String>,
    ) -> Self {
        TokenPlan {
            grant_id,
            client_id: client_id.into(),
            subject: subject.into(),
            refresh_scopes: scopes.clone(),
            refresh_resources: resources.clone(),
            scopes,
            resources,
            auth_time: None,
            acr: None,
            cnf: None,
            bind_refresh_token: false,
            refresh: RefreshPlan::None,
            act: None,
            issued_token_type: None,
            id_token: None,
        }
    }
}

/// Whether a refresh token is issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshPlan {
    /// No refresh token.
    None,
    /// A new refresh token.
    New,
    /// A new refresh token replacing the presented one (RFC 9700 §4.14.2 rotation).
    Rotate(TokenHash),
}

/// Tokens issued: the response body and the writes that store them.
#[derive(Debug)]
pub struct IssuedTokens {
    /// The token response (RFC 6749 §5.1).
    pub response: TokenResponse,
    /// The writes: the rotation (conditional) first, then the inserts.
    pub writes: Vec<Write>,
}

/// Mints the tokens of `plan`: an opaque access token (or a JWT access token when the
/// plan's resources are served by a resource server configured for them, RFC 9068), and
/// the refresh token when planned. `token_type` is `DPoP` for DPoP-bound tokens
/// (RFC 9449 §5).
pub fn issue_tokens(plan: &TokenPlan, ctx: &Context<'_>) -> Result<IssuedTokens, OAuthError> {
    let now = ctx.now;
    let lifetime = ctx.config.lifetimes.access_token;
    let expires_at = now.saturating_add(lifetime);
    let mut writes = Vec::new();
    // The first resource server that takes JWT access tokens decides the format, and its
    // algorithm the signature (RFC 9068 §2.1).
    let jwt = plan.resources.iter().find_map(|r| {
        ctx.config
            .resource_server(r)
            .filter(|rs| rs.access_token_format == AccessTokenFormat::Jwt)
    });
    let access_token = if let Some(rs) = jwt {
        let issuer = ctx
            .keys
            .jwt_access_tokens
            .as_ref()
            .ok_or(OAuthError::server_error(ServerError::Crypto))?;
        let jti: [u8; 16] = random_array(ctx.rng).map_err(|_| ServerError::Random)?;
        issuer.issue(
            rs.access_token_signing_alg,
            &AccessTokenContent {
                issuer: ctx.config.issuer.clone(),
                subject: plan.subject.clone(),
                client_id: plan.client_id.clone(),
                audience: plan.resources.clone(),
                scopes: plan.scopes.clone(),
                issued_at: now,
                expires_at,
                jti: URL_SAFE_NO_PAD.encode(jti),
                auth_time: plan.auth_time,
                acr: plan.acr.clone(),
                cnf: plan.cnf.clone(),
                act: plan.act.clone(),
            },
        )?
    } else {
        let (token, handle) = ctx
            .keys
            .token_hashing
            .mint(CredentialKind::AccessToken, ctx.rng)?;
        writes.push(Write::InsertToken(record(
            plan,
            handle,
            TokenKind::Access,
            &plan.scopes,
            &plan.resources,
            ctx,
            Some(expires_at),
        )));
        token
    };
    let token_type = if plan.cnf.as_ref().is_some_and(|c| c.jkt.is_some()) {
        TokenType::DPoP
    } else {
        TokenType::Bearer
    };
    let id_token = match &plan.id_token {
        Some((content, client)) => {
            let mut content = content.clone();
            // Core §3.1.3.6: at_hash is OPTIONAL at the token endpoint; it is included so a
            // relying party can bind the access token to the authentication.
            content.access_token = Some(access_token.clone());
            Some(crate::oidc::id_token::issue(&content, client, ctx)?)
        }
        None => None,
    };
    let mut response = TokenResponse::new(AccessToken::new(access_token), token_type)
        .with_expires_in(lifetime)
        .with_scope(plan.scopes.iter().cloned());
    if let Some(t) = id_token {
        response = response.with_id_token(authcore_oauth2::IdToken::new(t));
    }
    if let Some(t) = plan.issued_token_type {
        response = response.with_issued_token_type(t);
    }
    if plan.refresh != RefreshPlan::None {
        let (token, handle) = ctx
            .keys
            .token_hashing
            .mint(CredentialKind::RefreshToken, ctx.rng)?;
        let refresh_expires = ctx
            .config
            .lifetimes
            .refresh_token
            .map(|l| now.saturating_add(l));
        let mut rec = record(
            plan,
            handle,
            TokenKind::Refresh,
            &plan.refresh_scopes,
            &plan.refresh_resources,
            ctx,
            refresh_expires,
        );
        if !plan.bind_refresh_token {
            rec.cnf = None;
        }
        match &plan.refresh {
            RefreshPlan::Rotate(current) => writes.insert(
                0,
                Write::RotateRefreshIfCurrent {
                    current: current.clone(),
                    replacement: rec,
                },
            ),
            _ => writes.push(Write::InsertToken(rec)),
        }
        response = response.with_refresh_token(RefreshToken::new(token));
    }
    Ok(IssuedTokens { response, writes })
}

fn record(
    plan: &TokenPlan,
    handle: TokenHash,
    kind: TokenKind,
    scopes: &[String],
    resources: &[String],
    ctx: &Context<'_>,
    expires_at: Option<authcore_jose::UnixTime>,
) -> TokenRecord {
    TokenRecord {
        handle,
        kind,
        grant_id: plan.grant_id.clone(),
        client_id: plan.client_id.clone(),
        subject: plan.subject.clone(),
        scopes: scopes.to_vec(),
        resources: resources.to_vec(),
        cnf: plan.cnf.clone(),
        issued_at: ctx.now,
        expires_at,
        rotated: false,
        revoked: false,
        act: plan.act.clone(),
    }
}

/// A new grant id: 128 random bits, base64url.
pub(crate) fn new_grant_id(ctx: &Context<'_>) -> Result<GrantId, ServerError> {
    let b: [u8; 16] = random_array(ctx.rng).map_err(|_| ServerError::Random)?;
    Ok(GrantId(URL_SAFE_NO_PAD.encode(b)))
}
