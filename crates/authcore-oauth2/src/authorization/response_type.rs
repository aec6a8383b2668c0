//! What an authorization request asks the authorization endpoint to return (`response_type`,
//! RFC 6749 §3.1.1; OAuth 2.0 Multiple Response Type Encoding Practices; OpenID Connect Core
//! 1.0 §3) and how (`response_mode`), plus the type-level flows a pending request belongs to.

use core::fmt;

/// A `response_type`: the set of values the authorization endpoint returns (RFC 6749 §3.1.1,
/// OAuth 2.0 Multiple Response Type Encoding Practices §5, OpenID Connect Core 1.0 §3).
///
/// The values of a set are space-separated and their order does not matter (RFC 6749
/// §3.1.1); [`ResponseType::parse`] accepts any order and [`ResponseType::as_str`] gives the
/// registered spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ResponseType {
    /// `code`: the authorization code grant (RFC 6749 §4.1, OpenID Connect Core §3.1).
    Code,
    /// `token`: the implicit grant (RFC 6749 §4.2), deprecated by RFC 9700 §2.1.2. Not an
    /// OpenID Connect response type: it returns no ID token.
    Token,
    /// `id_token`: OpenID Connect implicit flow, ID token only (§3.2).
    IdToken,
    /// `id_token token`: OpenID Connect implicit flow with an access token (§3.2).
    IdTokenToken,
    /// `code id_token`: hybrid flow (OpenID Connect Core §3.3).
    CodeIdToken,
    /// `code token`: hybrid flow (OpenID Connect Core §3.3).
    CodeToken,
    /// `code id_token token`: hybrid flow (OpenID Connect Core §3.3).
    CodeIdTokenToken,
}

impl ResponseType {
    /// Every response type, in declaration order.
    pub const ALL: [ResponseType; 7] = [
        ResponseType::Code,
        ResponseType::Token,
        ResponseType::IdToken,
        ResponseType::IdTokenToken,
        ResponseType::CodeIdToken,
        ResponseType::CodeToken,
        ResponseType::CodeIdTokenToken,
    ];

    /// The `response_type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResponseType::Code => "code",
            ResponseType::Token => "token",
            ResponseType::IdToken => "id_token",
            ResponseType::IdTokenToken => "id_token token",
            ResponseType::CodeIdToken => "code id_token",
            ResponseType::CodeToken => "code token",
            ResponseType::CodeIdTokenToken => "code id_token token",
        }
    }

    /// Parses a `response_type` value; the space-separated values may come in any order
    /// (RFC 6749 §3.1.1), each exactly once, separated by single spaces.
    pub fn parse(s: &str) -> Option<Self> {
        let (mut code, mut token, mut id_token) = (false, false, false);
        for part in s.split(' ') {
            let seen = match part {
                "code" => &mut code,
                "token" => &mut token,
                "id_token" => &mut id_token,
                _ => return None,
            };
            if *seen {
                return None;
            }
            *seen = true;
        }
        Some(match (code, id_token, token) {
            (true, false, false) => ResponseType::Code,
            (false, false, true) => ResponseType::Token,
            (false, true, false) => ResponseType::IdToken,
            (false, true, true) => ResponseType::IdTokenToken,
            (true, true, false) => ResponseType::CodeIdToken,
            (true, false, true) => ResponseType::CodeToken,
            (true, true, true) => ResponseType::CodeIdTokenToken,
            (false, false, false) => return None,
        })
    }

    /// Whether the authorization endpoint returns a `code`.
    pub const fn returns_code(self) -> bool {
        matches!(
            self,
            ResponseType::Code
                | ResponseType::CodeIdToken
                | ResponseType::CodeToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Whether the authorization endpoint returns an `id_token`.
    pub const fn returns_id_token(self) -> bool {
        matches!(
            self,
            ResponseType::IdToken
                | ResponseType::IdTokenToken
                | ResponseType::CodeIdToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Whether the authorization endpoint returns an `access_token`.
    pub const fn returns_access_token(self) -> bool {
        matches!(
            self,
            ResponseType::Token
                | ResponseType::IdTokenToken
                | ResponseType::CodeToken
                | ResponseType::CodeIdTokenToken
        )
    }

    /// Whether the authorization endpoint returns a token (access or ID token), which must
    /// never travel in a query (Multiple Response Type Encoding Practices §2.1, §3).
    pub const fn returns_tokens(self) -> bool {
        self.returns_access_token() || self.returns_id_token()
    }

    /// Whether this is one of OpenID Connect's response types (every one but `token`, which
    /// returns no ID token and no code, OpenID Connect Core 1.0 §3).
    pub const fn is_openid(self) -> bool {
        !matches!(self, ResponseType::Token)
    }

    /// The default response mode: `query` for `code`, `fragment` for the others (tokens never
    /// go in a query, Multiple Response Type Encoding Practices §2.1, §5).
    pub fn default_response_mode(self) -> ResponseMode {
        if self == ResponseType::Code {
            ResponseMode::Query
        } else {
            ResponseMode::Fragment
        }
    }
}

impl fmt::Display for ResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the authorization server returns the authorization response (OAuth 2.0 Multiple
/// Response Type Encoding Practices, OAuth 2.0 Form Post Response Mode).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query (the default for `code`).
    Query,
    /// Parameters in the redirect URI's fragment (the default for `token`).
    Fragment,
    /// Parameters in an auto-submitted HTML form POSTed to the redirect URI.
    FormPost,
    /// Another registered response mode, sent verbatim.
    Other(String),
}

impl ResponseMode {
    /// The `response_mode` value.
    pub fn as_str(&self) -> &str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
            ResponseMode::FormPost => "form_post",
            ResponseMode::Other(s) => s,
        }
    }

    /// Parses a `response_mode` value; unregistered values become [`ResponseMode::Other`].
    pub fn parse(s: &str) -> Self {
        match s {
            "query" => ResponseMode::Query,
            "fragment" => ResponseMode::Fragment,
            "form_post" => ResponseMode::FormPost,
            other => ResponseMode::Other(other.to_owned()),
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The flow a pending authorization request belongs to, as a type: it decides which callback
/// handler exists, so a callback can only be handled by a value that expects it (a code-flow
/// request has no implicit handler, and the other way round). Implemented by [`CodeFlow`],
/// [`ImplicitFlow`] and [`AnyResponseType`] only.
pub trait AuthorizationFlow: sealed::Sealed + Copy + fmt::Debug + Default {
    /// Whether a pending request of this flow may have `response_type`; checked when a stored
    /// pending request is deserialized.
    #[doc(hidden)]
    fn allows(response_type: ResponseType) -> bool;
}

/// The authorization code flow (`response_type=code`, RFC 6749 §4.1): the callback yields an
/// [`AuthorizationCodeGrant`](crate::AuthorizationCodeGrant).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeFlow;

/// The implicit grant (`response_type=token`, RFC 6749 §4.2, deprecated by RFC 9700 §2.1.2):
/// the callback yields a [`TokenResponse`](crate::TokenResponse).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImplicitFlow;

/// Any [`ResponseType`] chosen at run time (the OpenID Connect implicit and hybrid flows build
/// on it): the callback yields an [`AuthorizationCallback`](crate::AuthorizationCallback)
/// holding exactly what the response type returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnyResponseType;

impl sealed::Sealed for CodeFlow {}
impl sealed::Sealed for ImplicitFlow {}
impl sealed::Sealed for AnyResponseType {}

impl AuthorizationFlow for CodeFlow {
    fn allows(response_type: ResponseType) -> bool {
        response_type == ResponseType::Code
    }
}

impl AuthorizationFlow for ImplicitFlow {
    fn allows(response_type: ResponseType) -> bool {
        response_type == ResponseType::Token
    }
}

impl AuthorizationFlow for AnyResponseType {
    fn allows(_: ResponseType) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_types_round_trip() {
        for rt in ResponseType::ALL {
            assert_eq!(ResponseType::parse(rt.as_str()), Some(rt));
        }
        assert_eq!(
            ResponseType::parse("token id_token code"),
            Some(ResponseType::CodeIdTokenToken)
        );
        assert_eq!(ResponseType::parse("token"), Some(ResponseType::Token));
        assert!(!ResponseType::Token.is_openid());
        for bad in [
            "",
            " ",
            "code code",
            "none",
            "code  id_token",
            " code",
            "code ",
            "Code",
            "code\tid_token",
        ] {
            assert_eq!(ResponseType::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn response_modes_round_trip() {
        for m in ["query", "fragment", "form_post", "jwt"] {
            assert_eq!(ResponseMode::parse(m).as_str(), m);
        }
        assert_eq!(
            ResponseMode::parse("jwt"),
            ResponseMode::Other("jwt".into())
        );
    }

    #[test]
    fn flows_allow_their_response_types() {
        assert!(CodeFlow::allows(ResponseType::Code));
        assert!(!CodeFlow::allows(ResponseType::Token));
        assert!(ImplicitFlow::allows(ResponseType::Token));
        assert!(!ImplicitFlow::allows(ResponseType::CodeToken));
        assert!(
            ResponseType::ALL
                .iter()
                .all(|rt| AnyResponseType::allows(*rt))
        );
    }
}
