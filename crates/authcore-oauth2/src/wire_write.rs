//! Serialization of the wire types: JSON objects with absent members omitted and numbers as
//! numbers, and the HTTP responses a server sends them in.

use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, PRAGMA, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};
use serde_json::{Map, Value};

/// Builds one JSON object. The members a type has fields for are written by name, present or
/// not; extension members are added last and never replace one of those, so a typed field
/// always decides what its member says (an absent field is an absent member).
pub(crate) struct JsonWriter {
    typed: Vec<&'static str>,
    map: Map<String, Value>,
}

impl JsonWriter {
    pub(crate) fn new() -> Self {
        JsonWriter {
            typed: Vec::new(),
            map: Map::new(),
        }
    }

    pub(crate) fn value(&mut self, name: &'static str, value: Option<Value>) {
        self.typed.push(name);
        if let Some(v) = value {
            self.map.insert(name.to_owned(), v);
        }
    }

    pub(crate) fn string(&mut self, name: &'static str, value: Option<&str>) {
        self.value(name, value.map(|v| Value::String(v.to_owned())));
    }

    pub(crate) fn u64(&mut self, name: &'static str, value: Option<u64>) {
        self.value(name, value.map(Value::from));
    }

    pub(crate) fn bool(&mut self, name: &'static str, value: Option<bool>) {
        self.value(name, value.map(Value::Bool));
    }

    /// A boolean whose absence means `false` (RFC 8414 §2, RFC 9126 §5): written only when
    /// `true`.
    pub(crate) fn flag(&mut self, name: &'static str, value: bool) {
        self.typed.push(name);
        if value {
            self.map.insert(name.to_owned(), Value::Bool(true));
        }
    }

    pub(crate) fn strings(&mut self, name: &'static str, value: Option<&[String]>) {
        self.value(
            name,
            value.map(|v| Value::Array(v.iter().cloned().map(Value::String).collect())),
        );
    }

    /// A space-delimited list (`scope`, RFC 6749 §3.3).
    pub(crate) fn scope(&mut self, name: &'static str, value: Option<&[String]>) {
        self.value(name, value.map(|v| Value::String(v.join(" "))));
    }

    pub(crate) fn object(&mut self, name: &'static str, value: Option<&Map<String, Value>>) {
        self.value(name, value.map(|v| Value::Object(v.clone())));
    }

    /// Extension members, skipping the names of typed fields.
    pub(crate) fn extra(&mut self, extra: &Map<String, Value>) {
        for (k, v) in extra {
            if !self.typed.contains(&k.as_str()) {
                self.map.insert(k.clone(), v.clone());
            }
        }
    }

    pub(crate) fn into_map(self) -> Map<String, Value> {
        self.map
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        // Serializing a `Value` cannot fail: every key is a string.
        serde_json::to_vec(&Value::Object(self.map)).unwrap_or_default()
    }
}

/// A JSON response of a token-like endpoint: `Content-Type: application/json`, and
/// `Cache-Control: no-store` with `Pragma: no-cache` (RFC 6749 §5.1, §5.2; RFC 7662 §2.2 and
/// RFC 7591 §3.2.1 carry credentials the same way), plus a `WWW-Authenticate` challenge when
/// given.
pub(crate) fn json_http_response(
    status: StatusCode,
    body: Vec<u8>,
    www_authenticate: Option<HeaderValue>,
) -> Response<Vec<u8>> {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    const HEADERS: [(HeaderName, &str); 3] = [
        (CONTENT_TYPE, "application/json"),
        (CACHE_CONTROL, "no-store"),
        (PRAGMA, "no-cache"),
    ];
    for (name, value) in HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Some(challenge) = www_authenticate {
        headers.insert(WWW_AUTHENTICATE, challenge);
    }
    resp
}
