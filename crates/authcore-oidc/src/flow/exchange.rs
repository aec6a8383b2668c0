//! The code exchange (OpenID Connect Core 1.0 §3.1.3, §3.3.3): the token request of a
//! checked callback, and the validation of the token endpoint's ID token against the request
//! (and, in a hybrid flow, against the front-channel ID token); ID tokens of refresh
//! responses (§12.2).

use core::fmt;

use authcore_jose::{KeySource, SecureRandom, UnixTime};
use authcore_oauth2::{
    AuthorizationCodeGrant, AuthorizationServer, Client, IdToken, Nonce, ProtocolError,
    ResponseType, TokenRequest, TokenResponse,
};

use super::callback::ImplicitAccessToken;
use super::request::RequestContext;
use crate::claims::IdTokenClaims;
use crate::error::Result;
use crate::id_token::{IdTokenExpectations, IdTokenVerifier};

/// A validated callback with a code, ready for the token request (OpenID Connect Core 1.0
/// §3.1.3.1, §3.3.3.1). The token response's ID token is checked against the request's
/// `nonce`, `max_age` and essential `acr`, and in a hybrid flow against the front-channel ID
/// token.
#[must_use]
pub struct CodeExchange {
    pub(super) response_type: ResponseType,
    pub(super) grant: AuthorizationCodeGrant,
    pub(super) context: RequestContext,
    pub(super) nonce: Nonce,
    pub(super) front_channel: Option<IdTokenClaims>,
    pub(super) front_channel_access_token: Option<ImplicitAccessToken>,
}

impl fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodeExchange")
            .field("request", self.grant.token_request())
            .field("response_type", &self.response_type)
            .field("front_channel", &self.front_channel)
            .finish_non_exhaustive()
    }
}

impl CodeExchange {
    /// The token request (`grant_type=authorization_code`, `code`, `redirect_uri`,
    /// `code_verifier`).
    pub fn token_request(&self) -> &TokenRequest {
        self.grant.token_request()
    }

    /// Mutable access to the token request (`resource` indicators, extension parameters).
    pub fn token_request_mut(&mut self) -> &mut TokenRequest {
        self.grant.token_request_mut()
    }

    /// The claims of the validated front-channel ID token (hybrid flows).
    pub fn front_channel_claims(&self) -> Option<&IdTokenClaims> {
        self.front_channel.as_ref()
    }

    /// The access token returned by the authorization endpoint (`code token`, `code id_token
    /// token`).
    pub fn front_channel_access_token(&self) -> Option<&ImplicitAccessToken> {
        self.front_channel_access_token.as_ref()
    }

    /// The `nonce` sent.
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }

    /// Builds the token request for `client` at `server` (client authentication included).
    pub fn build_token_request(
        &self,
        client: &Client,
        server: &AuthorizationServer,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<http::Request<Vec<u8>>> {
        Ok(self.grant.build_token_request(client, server, now, rng)?)
    }

    /// Validates the ID token of the token response (parse the HTTP response with
    /// [`authcore_oauth2::parse_token_response`] first): it is required (OpenID Connect Core
    /// 1.0 §3.1.3.3), and checked with every step of §3.1.3.7 plus `at_hash` when present;
    /// in a hybrid flow its `iss` and `sub` must equal the front-channel ID token's.
    ///
    /// Takes `&self` so that after a [`TokenError::UnknownKeyId`](crate::TokenError::UnknownKeyId)
    /// the call can be repeated once the JWKS cache has refetched; show the token to
    /// [`JwksCache::poll_for_token`](crate::JwksCache::poll_for_token) first to avoid that.
    pub fn validate_token_response(
        &self,
        tokens: TokenResponse,
        verifier: &IdTokenVerifier,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<Authentication> {
        let id_token = tokens
            .id_token
            .clone()
            .ok_or(ProtocolError::MissingParameter("id_token"))?;
        let mut e = IdTokenExpectations::token_endpoint()
            .nonce(self.nonce.secret())
            .essential_acr_values(&self.context.essential_acr)
            .access_token(tokens.access_token.secret());
        if self.response_type != ResponseType::Code {
            // §3.3.3.6: in a hybrid flow, a c_hash in the token endpoint's ID token is checked
            // too.
            e = e.code(self.grant.code().secret());
        }
        if let Some(m) = self.context.max_age {
            e = e.max_age(m);
        }
        let claims = match &self.front_channel {
            Some(front) => {
                verifier.validate_hybrid_token_endpoint(id_token.secret(), keys, &e, front, now)?
            }
            None => verifier.validate(id_token.secret(), keys, &e, now)?,
        };
        Ok(Authentication {
            claims,
            id_token,
            tokens: Some(tokens),
            front_channel_access_token: self.front_channel_access_token.clone(),
        })
    }
}

/// A completed OpenID Connect authentication: the validated ID token and the tokens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Authentication {
    /// The validated claims. `(iss, sub)` identifies the end-user.
    pub claims: IdTokenClaims,
    /// The ID token as received (for `id_token_hint` in later requests and logout).
    pub id_token: IdToken,
    /// The token endpoint response (absent for the implicit flow).
    pub tokens: Option<TokenResponse>,
    /// The access token returned by the authorization endpoint, if any.
    pub front_channel_access_token: Option<ImplicitAccessToken>,
}

/// Validates the ID token of a refresh token response, if it has one (OpenID Connect Core
/// 1.0 §12.2): same `iss`, `sub`, `aud` and `azp` as `previous`, `auth_time` unchanged if
/// present, no `nonce` required, `at_hash` checked when present.
pub fn validate_refresh_response(
    tokens: &TokenResponse,
    verifier: &IdTokenVerifier,
    keys: &(impl KeySource + ?Sized),
    previous: &IdTokenClaims,
    now: UnixTime,
) -> Result<Option<IdTokenClaims>> {
    match &tokens.id_token {
        None => Ok(None),
        Some(t) => verifier
            .validate_refreshed(
                t.secret(),
                keys,
                previous,
                Some(tokens.access_token.secret()),
                now,
            )
            .map(Some),
    }
}
