//! The OpenID provider (OpenID Connect Core 1.0, Discovery 1.0) on top of the authorization
//! server: the login session value ([`OpSession`]), ID tokens, and the discovery document.

pub mod logout;
pub mod session;

pub use session::OpSession;
