//! The crate's error type.

use std::fmt;

/// What went wrong setting up the layer or serving one of its routes.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot work (named reason).
    Config(String),
    /// Discovery, a token request or a validation through `authcore-reqwest` failed.
    Client(authcore_reqwest::Error),
    /// A sealed cookie would be larger than the cap (`needed` bytes, `limit` allowed):
    /// browsers drop cookies past about 4 KiB. Use a server-side
    /// [`SessionStore`](crate::SessionStore) or ask for fewer scopes.
    CookieTooLarge {
        /// The sealed cookie's size.
        needed: usize,
        /// The cap.
        limit: usize,
    },
    /// Sealing with the session key failed.
    Seal(authcore_jose::Error),
    /// The system's random generator failed.
    Random,
    /// A session store or the ended-session registry failed.
    Store(StoreError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "login layer configuration: {m}"),
            Error::Client(e) => write!(f, "OpenID Connect: {e}"),
            Error::CookieTooLarge { needed, limit } => write!(
                f,
                "the session cookie would be {needed} bytes, over the {limit}-byte cap; use a \
                 server-side session store"
            ),
            Error::Seal(e) => write!(f, "sealing a cookie: {e}"),
            Error::Random => f.write_str("the system random generator failed"),
            Error::Store(e) => write!(f, "session store: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Client(e) => Some(e),
            Error::Seal(e) => Some(e),
            Error::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<authcore_reqwest::Error> for Error {
    fn from(e: authcore_reqwest::Error) -> Self {
        Error::Client(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

/// A failure of a [`SessionStore`](crate::SessionStore) or
/// [`EndedSessions`](crate::EndedSessions) implementation, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}
