//! Aggregated and distributed claims (OpenID Connect Core 1.0 §5.6.2): claims whose values a
//! UserInfo response or an ID token does not carry itself, but names a Claims Provider for:
//! either a signed JWT embedded in the response (aggregated) or an endpoint that returns one
//! (distributed).
//!
//! Sans-IO like the rest of the crate: [`claim_sources`] reads the references,
//! [`build_distributed_claims_request`] makes the request for a distributed source,
//! [`verify_claims_jwt`] / [`parse_distributed_claims_response`] verify what the Claims
//! Provider signed, and [`UserInfo::insert_source_claims`] adds the values. Which keys belong
//! to which Claims Provider is the caller's knowledge: the references name no keys.

use authcore_jose::{KeySource, UnixTime, jwt};
use authcore_oauth2::{AccessToken, ProtocolError, authorize_bearer, check_server_endpoint};
use http::header::ACCEPT;
use http::{Method, Request, Response};
use serde_json::{Map, Value};

use crate::error::{Error, Result, TokenError, UserInfoError};
use crate::userinfo::{MAX_USERINFO_BYTES, UserInfo};

/// Where the values of some claims are (§5.6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimSourceKind {
    /// Aggregated claims: a JWT signed by the Claims Provider, carried in the response.
    Aggregated {
        /// The JWT.
        jwt: String,
    },
    /// Distributed claims: an endpoint of the Claims Provider that returns them as a JWT.
    Distributed {
        /// The endpoint (`https`, or `http` on a loopback host).
        endpoint: String,
        /// The access token for the endpoint, when the response gave one.
        access_token: Option<AccessToken>,
    },
}

/// One entry of `_claim_sources` and the claims `_claim_names` assigns to it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClaimSource {
    /// The source's name (its member name in `_claim_sources`).
    pub name: String,
    /// The claims whose values come from this source, in `_claim_names` order.
    pub claims: Vec<String>,
    /// Where the values are.
    pub kind: ClaimSourceKind,
}

fn malformed(why: &'static str) -> Error {
    UserInfoError::ClaimSources(why).into()
}

/// Reads `_claim_names` and `_claim_sources` from the claims of a UserInfo response or an ID
/// token (for [`UserInfo`] its `extra` map, for [`crate::IdTokenClaims`] also `extra`).
///
/// No references: an empty list. Every source that `_claim_names` refers to must exist and be
/// either `{"JWT": ...}` or `{"endpoint": ..., "access_token": ...}` (not both); sources no
/// claim refers to are left out. Sources come in name order.
pub fn claim_sources(claims: &Map<String, Value>) -> Result<Vec<ClaimSource>> {
    let (names, sources) = match (claims.get("_claim_names"), claims.get("_claim_sources")) {
        (None, None) => return Ok(Vec::new()),
        (Some(Value::Object(n)), Some(Value::Object(s))) => (n, s),
        (Some(_), Some(_)) => return Err(malformed("not JSON objects")),
        _ => {
            return Err(malformed("_claim_names and _claim_sources come together"));
        }
    };
    let mut out: Vec<ClaimSource> = Vec::new();
    for (claim, source) in names {
        let Value::String(source) = source else {
            return Err(malformed("a _claim_names value is not a source name"));
        };
        if let Some(s) = out.iter_mut().find(|s| &s.name == source) {
            s.claims.push(claim.clone());
            continue;
        }
        let Some(Value::Object(def)) = sources.get(source) else {
            return Err(malformed(
                "a claim refers to a source that is not described",
            ));
        };
        let text = |name| match def.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(malformed("a source member is not a string")),
        };
        let kind = match (text("JWT")?, text("endpoint")?) {
            (Some(jwt), None) => ClaimSourceKind::Aggregated { jwt },
            (None, Some(endpoint)) => {
                // The endpoint comes from the server's response: a bad one is its fault.
                check_server_endpoint(&endpoint, "endpoint")?;
                ClaimSourceKind::Distributed {
                    endpoint,
                    access_token: text("access_token")?.map(AccessToken::new),
                }
            }
            _ => {
                return Err(malformed(
                    "a source has neither or both of JWT and endpoint",
                ));
            }
        };
        out.push(ClaimSource {
            name: source.clone(),
            claims: vec![claim.clone()],
            kind,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The request for a distributed source (§5.6.2): a GET of its endpoint asking for a JWT,
/// with the source's access token as a Bearer token (RFC 6750 §2.1), or `access_token` when
/// the caller has one for this Claims Provider from elsewhere. An aggregated source needs no
/// request: [`Error::Misuse`].
pub fn build_distributed_claims_request(
    source: &ClaimSource,
    access_token: Option<&AccessToken>,
) -> Result<Request<Vec<u8>>> {
    let ClaimSourceKind::Distributed {
        endpoint,
        access_token: own,
    } = &source.kind
    else {
        return Err(Error::Misuse(
            "an aggregated source carries its JWT already",
        ));
    };
    let mut req = Request::builder()
        .method(Method::GET)
        .uri(endpoint.as_str())
        .header(ACCEPT, "application/jwt")
        .body(Vec::new())
        .map_err(|_| Error::Misuse("the source endpoint is not a valid HTTP URI"))?;
    if let Some(token) = access_token.or(own.as_ref()) {
        authorize_bearer(&mut req, token)?;
    }
    Ok(req)
}

/// Verifies a Claims Provider's JWT for `source` and returns the values of the claims the
/// source was named for (other claims of the JWT are not taken: a Claims Provider speaks
/// only for the claims referred to it, never for `sub` or anything else).
///
/// The JWT must verify with `keys` (the Claims Provider's, which the caller trusts for this
/// source; the keys decide the algorithms); `iss`, when `claims_provider` is given, must equal
/// it; `aud`, when present, must contain `client_id`; `exp`, `nbf` and `iat`, when present, are
/// checked against `now`. A claim the source was named for but that the JWT lacks is left
/// out.
pub fn verify_claims_jwt(
    jwt_text: &str,
    source: &ClaimSource,
    keys: &(impl KeySource + ?Sized),
    claims_provider: Option<&str>,
    client_id: &str,
    now: UnixTime,
) -> Result<Map<String, Value>> {
    let mut validation = jwt::Validation::new()
        .required_claims(Vec::<String>::new())
        .insecure_ignore_audience();
    if let Some(iss) = claims_provider {
        validation = validation.issuer(iss).require("iss");
    }
    let verified = jwt::verify(jwt_text.trim(), keys, &validation, now)?;
    if let Some(aud) = &verified.claims.registered.aud {
        if !aud.contains(client_id) {
            return Err(TokenError::AudienceMissingClient {
                client_id: client_id.to_owned(),
            }
            .into());
        }
    }
    let mut all = verified.claims.to_map();
    let mut out = Map::new();
    for name in &source.claims {
        if let Some(v) = all.remove(name) {
            out.insert(name.clone(), v);
        }
    }
    Ok(out)
}

/// Parses a distributed source's answer (a `200` with a JWT, §5.6.2) and verifies it as
/// [`verify_claims_jwt`] does. Another status is [`ProtocolError::UnexpectedStatus`].
pub fn parse_distributed_claims_response(
    resp: &Response<Vec<u8>>,
    source: &ClaimSource,
    keys: &(impl KeySource + ?Sized),
    claims_provider: Option<&str>,
    client_id: &str,
    now: UnixTime,
) -> Result<Map<String, Value>> {
    if !resp.status().is_success() {
        return Err(ProtocolError::UnexpectedStatus {
            status: resp.status().as_u16(),
        }
        .into());
    }
    if resp.body().len() > MAX_USERINFO_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: MAX_USERINFO_BYTES,
        }
        .into());
    }
    let text = core::str::from_utf8(resp.body())
        .map_err(|_| malformed("the Claims Provider's JWT is not UTF-8"))?;
    verify_claims_jwt(text, source, keys, claims_provider, client_id, now)
}

impl ClaimSource {
    /// Verifies an aggregated source's embedded JWT (see [`verify_claims_jwt`]); a
    /// distributed source has none: [`Error::Misuse`].
    pub fn verify_aggregated(
        &self,
        keys: &(impl KeySource + ?Sized),
        claims_provider: Option<&str>,
        client_id: &str,
        now: UnixTime,
    ) -> Result<Map<String, Value>> {
        match &self.kind {
            ClaimSourceKind::Aggregated { jwt } => {
                verify_claims_jwt(jwt, self, keys, claims_provider, client_id, now)
            }
            ClaimSourceKind::Distributed { .. } => Err(Error::Misuse(
                "a distributed source's claims are fetched from its endpoint",
            )),
        }
    }
}

impl UserInfo {
    /// Adds the verified values of a source's claims: standard claims go to their typed
    /// fields (with the same type checks), others to `extra`. `sub` is never replaced.
    pub fn insert_source_claims(&mut self, claims: Map<String, Value>) -> Result<()> {
        for (name, value) in claims {
            if name == "sub" {
                return Err(malformed("a Claims Provider cannot set sub"));
            }
            if let Some((name, value)) = self.standard.set(name, value)? {
                self.extra.insert(name, value);
            }
        }
        Ok(())
    }
}
