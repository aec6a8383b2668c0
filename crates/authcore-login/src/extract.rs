//! What handlers get: the signed-in user's validated claims and access token.

use std::fmt;
use std::sync::Arc;

use authcore_oauth2::AccessToken;
use serde_json::{Map, Value};

/// The signed-in user of this request, put in the request's extensions by the layer when the
/// session is valid (its ID token was validated at sign-in by `authcore-oidc`; the session
/// is within its timeouts, not ended by logout, and its access token fresh or refreshed).
///
/// Plain hyper or tower: `request.extensions().get::<Authenticated>()`. axum (feature
/// `axum`): take `Authenticated` as a handler argument; without a session the handler is not
/// run and the user agent is sent to sign in (an API request gets 401).
#[derive(Clone)]
pub struct Authenticated {
    pub(crate) inner: Arc<AuthenticatedInner>,
}

pub(crate) struct AuthenticatedInner {
    pub(crate) provider: String,
    pub(crate) claims: Map<String, Value>,
    pub(crate) iss: String,
    pub(crate) sub: String,
    pub(crate) access_token: AccessToken,
    pub(crate) token_type: String,
    pub(crate) id_token: String,
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claims and tokens are personal data and secrets: identifiers only.
        f.debug_struct("Authenticated")
            .field("provider", &self.inner.provider)
            .field("iss", &self.inner.iss)
            .field("sub", &self.inner.sub)
            .finish_non_exhaustive()
    }
}

impl Authenticated {
    /// The ID token's claims as validated at sign-in (OpenID Connect Core §2, §5.1): `iss`,
    /// `sub`, `name`, `email`, ... and every other claim the provider put in it.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.inner.claims
    }

    /// One claim, if present.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.inner.claims.get(name)
    }

    /// `iss`: the provider's issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.inner.iss
    }

    /// `sub`: the user at that issuer. `(issuer, subject)` is the only stable user key.
    pub fn subject(&self) -> &str {
        &self.inner.sub
    }

    /// The configured name of the provider the user signed in with.
    pub fn provider(&self) -> &str {
        &self.inner.provider
    }

    /// The access token for calling APIs (refreshed before expiry when a refresh token was
    /// issued).
    pub fn access_token(&self) -> &AccessToken {
        &self.inner.access_token
    }

    /// The access token's `token_type` (`Bearer`, or `DPoP`).
    pub fn token_type(&self) -> &str {
        &self.inner.token_type
    }

    /// The ID token as received at sign-in (for `id_token_hint`).
    pub fn id_token(&self) -> &str {
        &self.inner.id_token
    }
}

/// How the layer answers a request that needs a session and has none, put in every
/// request's extensions so an extractor can answer the same way as the layer.
#[derive(Debug, Clone)]
pub struct LoginRequired {
    pub(crate) api: bool,
    pub(crate) location: String,
}

impl LoginRequired {
    /// Whether the request is an API request (answered 401) rather than a browser's
    /// (redirected to sign in).
    pub fn is_api(&self) -> bool {
        self.api
    }

    /// The sign-in URL (with this request's path as `return_to`).
    pub fn login_location(&self) -> &str {
        &self.location
    }

    /// The response: `401` with a JSON error for an API request, else `303` to sign in.
    pub fn response(&self) -> http::Response<http_body_util::Full<bytes::Bytes>> {
        if self.api {
            crate::pages::json(
                http::StatusCode::UNAUTHORIZED,
                r#"{"error":"login_required"}"#,
            )
        } else {
            crate::pages::redirect(&self.location)
        }
    }
}

#[cfg(feature = "axum")]
mod axum_impl {
    use super::{Authenticated, LoginRequired};
    use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
    use axum_core::response::{IntoResponse, Response};
    use http::request::Parts;

    impl IntoResponse for LoginRequired {
        fn into_response(self) -> Response {
            self.response().map(axum_core::body::Body::new)
        }
    }

    /// The rejection when the layer is missing: a server error, never a silent pass.
    const NO_LAYER: &str = "the login layer is not installed in front of this handler";

    impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
        type Rejection = Response;

        async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
            if let Some(a) = parts.extensions.get::<Authenticated>() {
                return Ok(a.clone());
            }
            match parts.extensions.get::<LoginRequired>() {
                Some(required) => Err(required.clone().into_response()),
                None => Err((http::StatusCode::INTERNAL_SERVER_ERROR, NO_LAYER).into_response()),
            }
        }
    }

    /// `Option<Authenticated>`: the user if signed in, for pages that show either.
    impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
        type Rejection = Response;

        async fn from_request_parts(
            parts: &mut Parts,
            _: &S,
        ) -> Result<Option<Self>, Self::Rejection> {
            if parts.extensions.get::<LoginRequired>().is_none() {
                return Err((http::StatusCode::INTERNAL_SERVER_ERROR, NO_LAYER).into_response());
            }
            Ok(parts.extensions.get::<Authenticated>().cloned())
        }
    }
}
