//! The authentication response (OpenID Connect Core 1.0 §3.1.2.5, §3.2.2.5, §3.3.2.5): checked
//! by `authcore-oauth2`'s one callback check (`state`, `iss`, response mode, error response,
//! the values the response type returns), then, when it carries an ID token, validated with
//! what OpenID Connect adds (`nonce`, `max_age`/`auth_time`, essential `acr`, `c_hash`,
//! `at_hash`, `s_hash`).

use core::fmt;

use authcore_jose::{KeySource, UnixTime};
use authcore_oauth2::{
    AccessToken, AuthorizationCallback, AuthorizationCodeGrant, AuthorizationResponse, IdToken,
    Nonce, ResponseType, State, TokenResponse, TokenResponseOptions, TokenType,
};

use super::exchange::{Authentication, CodeExchange};
use super::request::{PendingAuthentication, RequestContext};
use crate::error::{Error, Result};
use crate::id_token::{IdTokenExpectations, IdTokenVerifier};

/// An access token returned by the authorization endpoint (`id_token token`, `code token`,
/// `code id_token token`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImplicitAccessToken {
    /// `access_token`.
    pub access_token: AccessToken,
    /// `token_type` (always `Bearer` here: the front channel cannot carry DPoP-bound tokens).
    pub token_type: TokenType,
    /// `expires_in`, seconds.
    pub expires_in: Option<u64>,
    /// `scope`, if the provider returned one.
    pub scope: Option<Vec<String>>,
}

impl From<TokenResponse> for ImplicitAccessToken {
    fn from(t: TokenResponse) -> Self {
        ImplicitAccessToken {
            access_token: t.access_token,
            token_type: t.token_type,
            expires_in: t.expires_in,
            scope: t.scope,
        }
    }
}

impl PendingAuthentication {
    /// Handles the authorization response (from the redirect URI's query or fragment, or a
    /// `form_post` body) with `authcore-oauth2`'s callback check: `state` (constant time),
    /// `iss` (RFC 9207), the response mode, an error response as
    /// [`authcore_oauth2::Error::Server`], and the parameters of the response type (a
    /// front-channel access token must be `Bearer`). A front-channel ID token is validated in
    /// the next step, [`FrontChannelIdToken::validate`].
    pub fn handle_callback(
        self,
        response: &AuthorizationResponse,
    ) -> Result<AuthenticationResponse> {
        let PendingAuthentication {
            pending,
            nonce,
            context,
        } = self;
        // Bearer only: the front channel cannot carry DPoP-bound tokens (RFC 9449 §10 binds
        // the code, not front-channel tokens).
        let AuthorizationCallback {
            response_type,
            state,
            code,
            access_token,
            id_token,
            ..
        } = pending.handle_response(response, &TokenResponseOptions::new())?;
        let access_token = access_token.map(ImplicitAccessToken::from);
        match (id_token, code) {
            (Some(id_token), code) => Ok(AuthenticationResponse::IdToken(FrontChannelIdToken {
                response_type,
                id_token,
                code,
                access_token,
                state,
                nonce,
                context,
            })),
            (None, Some(grant)) => Ok(AuthenticationResponse::Code(CodeExchange {
                response_type,
                grant,
                context,
                nonce,
                front_channel: None,
                front_channel_access_token: access_token,
            })),
            // Only a `token` request returns neither, and it is refused when built or stored.
            (None, None) => Err(Error::Misuse(
                "`token` alone is not an OpenID Connect response type",
            )),
        }
    }
}

/// An authentication response whose `state`, `iss` and parameters were checked. Its variant
/// says what comes next, so that a response can only go the way its response type allows.
#[derive(Debug)]
#[must_use]
// A value made once per sign-in and moved a few times: boxing the exchange would cost an
// allocation and make the variant awkward to match for no measurable gain.
#[allow(clippy::large_enum_variant)]
pub enum AuthenticationResponse {
    /// `code` or `code token`: no ID token in the front channel; exchange the code.
    Code(CodeExchange),
    /// `id_token`, `id_token token`, `code id_token`, `code id_token token`: validate the
    /// front-channel ID token first.
    IdToken(FrontChannelIdToken),
}

impl AuthenticationResponse {
    /// The front-channel ID token, if the response type returns one. Show it to
    /// [`JwksCache::poll_for_token`](crate::JwksCache::poll_for_token) before
    /// [`AuthenticationResponse::validate`], so a rotated key is fetched first.
    pub fn id_token(&self) -> Option<&str> {
        match self {
            AuthenticationResponse::Code(_) => None,
            AuthenticationResponse::IdToken(f) => Some(f.id_token()),
        }
    }

    /// The response type of the request.
    pub fn response_type(&self) -> ResponseType {
        match self {
            AuthenticationResponse::Code(e) => e.response_type,
            AuthenticationResponse::IdToken(f) => f.response_type,
        }
    }

    /// Validates the front-channel ID token if there is one ([`FrontChannelIdToken::validate`]);
    /// a response without one goes straight to its code exchange.
    pub fn validate(
        self,
        verifier: &IdTokenVerifier,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<CallbackOutcome> {
        match self {
            AuthenticationResponse::Code(e) => Ok(CallbackOutcome::CodeExchange(e)),
            AuthenticationResponse::IdToken(f) => f.validate(verifier, keys, now),
        }
    }
}

/// A checked response carrying an ID token in the front channel (implicit or hybrid flow),
/// not yet validated.
#[must_use]
pub struct FrontChannelIdToken {
    response_type: ResponseType,
    id_token: IdToken,
    /// The code of a hybrid response.
    code: Option<AuthorizationCodeGrant>,
    access_token: Option<ImplicitAccessToken>,
    state: State,
    nonce: Nonce,
    context: RequestContext,
}

impl fmt::Debug for FrontChannelIdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrontChannelIdToken")
            .field("response_type", &self.response_type)
            .field("has_code", &self.code.is_some())
            .field("has_access_token", &self.access_token.is_some())
            .finish_non_exhaustive()
    }
}

/// The result of validating a front-channel ID token.
#[derive(Debug)]
#[must_use]
pub enum CallbackOutcome {
    /// The response carries a code (`code`, `code token`, `code id_token`, `code id_token
    /// token`): exchange it at the token endpoint.
    CodeExchange(CodeExchange),
    /// Implicit flow (`id_token`, `id_token token`): the end-user is authenticated.
    Authenticated(Authentication),
}

impl FrontChannelIdToken {
    /// The ID token as received. Show it to
    /// [`JwksCache::poll_for_token`](crate::JwksCache::poll_for_token) before
    /// [`FrontChannelIdToken::validate`], so a rotated key is fetched first.
    pub fn id_token(&self) -> &str {
        self.id_token.secret()
    }

    /// The response type of the request.
    pub fn response_type(&self) -> ResponseType {
        self.response_type
    }

    /// Validates the ID token with every check of §3.2.2.11 (implicit) or §3.3.2.12
    /// (hybrid): signature, claims, `nonce`, `max_age`/`auth_time`, essential `acr`,
    /// `at_hash` and `c_hash` as the response type requires, `s_hash` when present.
    pub fn validate(
        self,
        verifier: &IdTokenVerifier,
        keys: &(impl KeySource + ?Sized),
        now: UnixTime,
    ) -> Result<CallbackOutcome> {
        let claims = {
            let mut e = IdTokenExpectations::authorization_endpoint(self.response_type)
                .nonce(self.nonce.secret())
                .essential_acr_values(&self.context.essential_acr)
                .state(self.state.secret());
            if let Some(m) = self.context.max_age {
                e = e.max_age(m);
            }
            if let Some(c) = &self.code {
                e = e.code(c.code().secret());
            }
            if let Some(t) = &self.access_token {
                e = e.access_token(t.access_token.secret());
            }
            verifier.validate(self.id_token.secret(), keys, &e, now)?
        };
        let FrontChannelIdToken {
            response_type,
            id_token,
            code,
            access_token,
            nonce,
            context,
            ..
        } = self;
        Ok(match code {
            Some(grant) => CallbackOutcome::CodeExchange(CodeExchange {
                response_type,
                grant,
                context,
                nonce,
                front_channel: Some(claims),
                front_channel_access_token: access_token,
            }),
            None => CallbackOutcome::Authenticated(Authentication {
                claims,
                id_token,
                tokens: None,
                front_channel_access_token: access_token,
            }),
        })
    }
}
