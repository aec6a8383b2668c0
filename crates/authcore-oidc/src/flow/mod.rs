//! Authentication requests and their responses for the authorization code, implicit and
//! hybrid flows (OpenID Connect Core 1.0 §3), and ID tokens of refresh responses (§12).
//!
//! The front channel is `authcore-oauth2`'s: its `AuthorizationRequest` builds the request of
//! every response type and its one callback check handles the response. This module adds
//! what OpenID Connect adds, in three steps:
//!
//! - `request`: [`AuthenticationRequest`] (the `openid` scope, `nonce`, `max_age`, `prompt`,
//!   `claims`...) and the [`PendingAuthentication`] it yields;
//! - `callback`: [`PendingAuthentication::handle_callback`] and the [`AuthenticationResponse`]
//!   whose variant says what comes next, the front-channel ID token's validation;
//! - `exchange`: [`CodeExchange`], the token request and the token endpoint's ID token, and
//!   [`validate_refresh_response`].

mod callback;
mod exchange;
mod request;

pub use callback::{
    AuthenticationResponse, CallbackOutcome, FrontChannelIdToken, ImplicitAccessToken,
};
pub use exchange::{Authentication, CodeExchange, validate_refresh_response};
pub use request::{AuthenticationRequest, PendingAuthentication, PendingPushedAuthentication};

use crate::error::Error;
use authcore_oauth2::SecurityError;

impl From<SecurityError> for Error {
    fn from(e: SecurityError) -> Self {
        Error::OAuth2(e.into())
    }
}
