//! The pushed authorization request endpoint's response (RFC 9126 §2.2). The request itself is
//! built with the authorization request, in `authorization.rs`.

use http::{Response, StatusCode};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::json_object::{JsonObject, json_members};
use crate::wire::{self, ContentTypeCheck};
use crate::wire_write::{JsonWriter, json_http_response};

json_members! {
    ParMembers[2] = ["request_uri", "expires_in"];
}

/// The PAR endpoint's answer (RFC 9126 §2.2): the `request_uri` to send to the authorization
/// endpoint and its lifetime.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PushedAuthorizationResponse {
    /// `request_uri`.
    pub request_uri: String,
    /// `expires_in`, in seconds.
    pub expires_in: u64,
    /// Other members.
    pub extra: Map<String, Value>,
}

impl PushedAuthorizationResponse {
    /// A response with both required members.
    pub fn new(request_uri: impl Into<String>, expires_in: u64) -> Self {
        PushedAuthorizationResponse {
            request_uri: request_uri.into(),
            expires_in,
            extra: Map::new(),
        }
    }

    /// The JSON body.
    pub fn to_json(&self) -> Vec<u8> {
        let mut w = JsonWriter::new();
        w.string("request_uri", Some(&self.request_uri));
        w.u64("expires_in", Some(self.expires_in));
        w.extra(&self.extra);
        w.finish()
    }

    /// The HTTP response: 201 Created with the JSON body (RFC 9126 §2.2) and `Cache-Control:
    /// no-store`.
    pub fn to_http_response(&self) -> Response<Vec<u8>> {
        json_http_response(StatusCode::CREATED, self.to_json(), None)
    }

    /// Parses the JSON body strictly: `request_uri` a non-empty string, `expires_in` a
    /// non-negative integer, both required; an `error` member is [`Error::Server`].
    pub fn from_json(body: &[u8]) -> Result<Self> {
        let mut obj = wire::parse_json_document::<ParMembers, 2>(body)?;
        if let Some(e) = obj.take_error(None)? {
            return Err(Error::Server(e));
        }
        Self::read(&mut obj)
    }

    fn read(obj: &mut JsonObject<'_, ParMembers, 2>) -> Result<Self> {
        Ok(PushedAuthorizationResponse {
            request_uri: obj.req_string("request_uri")?,
            expires_in: obj.req_u64("expires_in")?,
            extra: obj.take_extra(),
        })
    }
}

/// Parses a PAR endpoint response (RFC 9126 §2.2, §2.3).
pub fn parse_par_response(resp: &Response<Vec<u8>>) -> Result<PushedAuthorizationResponse> {
    PushedAuthorizationResponse::read(&mut wire::read_json_object::<ParMembers, 2>(
        resp,
        ContentTypeCheck::Json,
    )?)
}
