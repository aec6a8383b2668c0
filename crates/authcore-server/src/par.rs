//! Pushed authorization requests (RFC 9126): the pushed authorization request endpoint.

/// The prefix of the `request_uri` values this server issues for pushed requests (RFC 9126
/// §2.2 suggests the `urn:ietf:params:oauth:request_uri:` namespace); the rest is an opaque
/// credential whose keyed hash names the stored request.
pub const PAR_REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
