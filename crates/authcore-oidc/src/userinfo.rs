//! The UserInfo endpoint (OpenID Connect Core 1.0 §5.3).

use authcore_jose::{KeySource, SecureRandom, UnixTime, jwt::Claims};
use authcore_oauth2::{
    AccessToken, DpopExchange, DpopKey, ErrorResponse, ProtocolError, authorize_bearer,
};
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use serde_json::{Map, Value};

use authcore_oauth2::is_compact_jwe;

use crate::claims::{StandardClaims, take_string};
use crate::encrypted::{Plaintext, Presence};
use crate::error::{Error, Result, TokenError, UserInfoError};
use crate::id_token::IdTokenVerifier;

/// Largest UserInfo response accepted, in bytes.
pub const MAX_USERINFO_BYTES: usize = 64 * 1024;

/// The claims of a UserInfo response (OpenID Connect Core 1.0 §5.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserInfo {
    /// `sub`, checked equal to the ID token's `sub`.
    pub sub: String,
    /// The standard claims.
    pub standard: StandardClaims,
    /// Every other claim (for a signed response, `iss` and `aud` included).
    pub extra: Map<String, Value>,
    /// Whether the response was a signed JWT (`application/jwt`).
    pub signed: bool,
    /// Whether the response was encrypted (a JWE, OpenID Connect Core 1.0 §5.3.2), decrypted
    /// with the client's keys and the registered `userinfo_encrypted_response_alg/enc`.
    pub encrypted: bool,
}

fn base_request(endpoint: &str) -> Result<Request<Vec<u8>>> {
    Request::builder()
        .method(Method::GET)
        .uri(endpoint)
        .header(ACCEPT, "application/json, application/jwt")
        .body(Vec::new())
        .map_err(|_| Error::Misuse("userinfo_endpoint is not a valid HTTP URI"))
}

/// The UserInfo request with a Bearer access token (§5.3.1, RFC 6750 §2.1): a GET with
/// `Authorization: Bearer`.
pub fn build_userinfo_request(
    userinfo_endpoint: &str,
    access_token: &AccessToken,
) -> Result<Request<Vec<u8>>> {
    let mut req = base_request(userinfo_endpoint)?;
    authorize_bearer(&mut req, access_token)?;
    Ok(req)
}

/// The UserInfo request with a DPoP-bound access token (RFC 9449 §7.1): `Authorization: DPoP`
/// and a fresh `DPoP` proof (with `ath`, and the server's `nonce` if it demanded one).
pub fn build_userinfo_request_dpop(
    userinfo_endpoint: &str,
    access_token: &AccessToken,
    dpop: &DpopKey,
    dpop_nonce: Option<&str>,
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<Request<Vec<u8>>> {
    let mut req = base_request(userinfo_endpoint)?;
    dpop.attach_proof(&mut req, Some(access_token), dpop_nonce, now, rng)?;
    Ok(req)
}

/// The UserInfo request with a DPoP-bound access token as a [`DpopExchange`], which retries
/// once when the server demands a `DPoP-Nonce` (RFC 9449 §9): send
/// [`DpopExchange::request`], hand the answer to [`DpopExchange::handle_response`], and parse
/// the final response with [`parse_userinfo_response`].
pub fn userinfo_dpop_exchange(
    userinfo_endpoint: &str,
    access_token: &AccessToken,
    dpop: &DpopKey,
    dpop_nonce: Option<&str>,
) -> Result<DpopExchange> {
    Ok(DpopExchange::new(
        dpop.clone(),
        base_request(userinfo_endpoint)?,
        Some(access_token.clone()),
        dpop_nonce.map(str::to_owned),
    ))
}

fn media_type(resp: &Response<Vec<u8>>) -> Option<String> {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// Status and size checks; a 401/403 with a `WWW-Authenticate` error becomes
/// [`authcore_oauth2::Error::Server`] (RFC 6750 §3.1).
fn check_status(resp: &Response<Vec<u8>>) -> Result<()> {
    if resp.body().len() > MAX_USERINFO_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: MAX_USERINFO_BYTES,
        }
        .into());
    }
    if resp.status() == StatusCode::OK {
        return Ok(());
    }
    if let Ok(challenges) = authcore_oauth2::parse_www_authenticate_headers(resp.headers()) {
        if let Some(code) = challenges.iter().find_map(|c| c.error()) {
            let mut e = ErrorResponse::new(code);
            e.status = Some(resp.status().as_u16());
            e.error_description = challenges
                .iter()
                .find_map(|c| c.error_description())
                .map(str::to_owned);
            return Err(authcore_oauth2::Error::Server(e).into());
        }
    }
    Err(ProtocolError::UnexpectedStatus {
        status: resp.status().as_u16(),
    }
    .into())
}

fn from_object(
    mut m: Map<String, Value>,
    expected_sub: &str,
    signed: bool,
    encrypted: bool,
) -> Result<UserInfo> {
    let sub = take_string(&mut m, "sub")?.ok_or(TokenError::MissingClaim("sub"))?;
    // §5.3.2: a response whose `sub` differs from the ID token's must not be used (token
    // substitution).
    if sub != expected_sub {
        return Err(UserInfoError::SubjectMismatch {
            expected: expected_sub.to_owned(),
            received: sub,
        }
        .into());
    }
    let standard = StandardClaims::take_from(&mut m)?;
    Ok(UserInfo {
        sub,
        standard,
        extra: m,
        signed,
        encrypted,
    })
}

/// Parses a JSON UserInfo object (§5.3.2) for the end-user whose ID token has `expected_sub`.
pub fn parse_userinfo_json(body: &[u8], expected_sub: &str) -> Result<UserInfo> {
    if body.len() > MAX_USERINFO_BYTES {
        return Err(ProtocolError::TooLarge {
            limit: MAX_USERINFO_BYTES,
        }
        .into());
    }
    let m =
        authcore_jose::json::parse_object(body).map_err(|e| ProtocolError::Json(e.to_string()))?;
    from_object(m, expected_sub, false, false)
}

/// Parses a plain JSON UserInfo response (`application/json`). A signed response is refused
/// ([`UserInfoError::UnexpectedFormat`]): use [`parse_signed_userinfo_response`] for clients
/// that registered `userinfo_signed_response_alg`.
pub fn parse_userinfo_response(resp: &Response<Vec<u8>>, expected_sub: &str) -> Result<UserInfo> {
    parse_userinfo_json(plain_json_body(resp)?, expected_sub)
}

/// The body of a successful plain JSON UserInfo response.
fn plain_json_body(resp: &Response<Vec<u8>>) -> Result<&[u8]> {
    check_status(resp)?;
    match media_type(resp).as_deref() {
        Some("application/json") => Ok(resp.body()),
        Some("application/jwt") => Err(UserInfoError::UnexpectedFormat(
            "a signed UserInfo response was not expected",
        )
        .into()),
        other => Err(UserInfoError::ContentType(other.map(str::to_owned)).into()),
    }
}

/// The JWT of a successful `application/jwt` UserInfo response (§5.3.2).
fn jwt_body<'r>(resp: &'r Response<Vec<u8>>, expected: &'static str) -> Result<&'r str> {
    check_status(resp)?;
    match media_type(resp).as_deref() {
        Some("application/jwt") => {}
        Some("application/json") => {
            return Err(UserInfoError::UnexpectedFormat(expected).into());
        }
        other => return Err(UserInfoError::ContentType(other.map(str::to_owned)).into()),
    }
    Ok(core::str::from_utf8(resp.body())
        .map_err(|_| ProtocolError::Malformed("the JWT is not UTF-8"))?
        .trim())
}

/// Parses a signed UserInfo response (`application/jwt`, §5.3.2): the JWS is verified with
/// `keys` (or the client secret for HMAC) and the algorithms of `verifier` (build it with the
/// registered `userinfo_signed_response_alg`); `iss`, if present, must be the issuer and
/// `aud`, if present, must contain the client id. Plain JSON is refused.
///
/// When `verifier` has a registered UserInfo encryption
/// ([`IdTokenVerifier::userinfo_encrypted_response`]), the response must be signed, then
/// encrypted (§5.3.2, §10.2): a JWE with exactly those algorithms and `cty` `JWT`, decrypted
/// with the verifier's decryption keys; a response that is only signed is then refused
/// ([`TokenError::EncryptionRequired`]). Without one, a JWE is refused
/// ([`UserInfoError::Encrypted`]).
pub fn parse_signed_userinfo_response(
    resp: &Response<Vec<u8>>,
    expected_sub: &str,
    verifier: &IdTokenVerifier,
    keys: &(impl KeySource + ?Sized),
) -> Result<UserInfo> {
    let body = jwt_body(resp, "a signed response was expected")?;
    let registered = verifier.userinfo_encryption();
    if registered.is_none() && is_compact_jwe(body) {
        return Err(UserInfoError::Encrypted.into());
    }
    let body =
        verifier
            .decryption()
            .open(body, registered, Presence::Required, Plaintext::NestedJwt)?;
    let rules = verifier.rules();
    let verified = rules.verify_signature(&body, keys)?;
    let claims = Claims::from_json(&verified.payload)?;
    if let Some(iss) = &claims.registered.iss {
        rules
            .check_issuer(iss, &claims.extra)
            .map_err(UserInfoError::Claims)?;
    }
    if let Some(aud) = &claims.registered.aud {
        rules
            .check_userinfo_audience(aud.as_slice())
            .map_err(UserInfoError::Claims)?;
    }
    from_object(claims.to_map(), expected_sub, true, registered.is_some())
}

/// Parses an encrypted, unsigned UserInfo response (`application/jwt`, OpenID Connect Core
/// 1.0 §5.3.2): for a client that registered `userinfo_encrypted_response_alg/enc`
/// ([`IdTokenVerifier::userinfo_encrypted_response`]) but no
/// `userinfo_signed_response_alg`. The JWE must use exactly the registered algorithms and
/// decrypt with the verifier's decryption keys; its plaintext is the claims as a strict JSON
/// object (a `cty` of `JWT` is refused: a signed response is
/// [`parse_signed_userinfo_response`]'s), bound to `expected_sub` as for plain JSON. A
/// response that is not encrypted is refused ([`TokenError::EncryptionRequired`]).
pub fn parse_encrypted_userinfo_response(
    resp: &Response<Vec<u8>>,
    expected_sub: &str,
    verifier: &IdTokenVerifier,
) -> Result<UserInfo> {
    let registered = verifier.userinfo_encryption().ok_or(Error::Misuse(
        "an encrypted UserInfo response needs the registered userinfo_encrypted_response_alg",
    ))?;
    let body = jwt_body(resp, "an encrypted response was expected")?;
    let claims = verifier.decryption().open(
        body,
        Some(registered),
        Presence::Required,
        Plaintext::Claims,
    )?;
    let m = authcore_jose::json::parse_object(claims.as_bytes())
        .map_err(|e| ProtocolError::Json(e.to_string()))?;
    from_object(m, expected_sub, false, true)
}

/// Parses a plain JSON response of an OAuth 2.0 endpoint that serves UserInfo-like claims
/// with no ID token to bind them to: as [`parse_userinfo_response`] (status, media type,
/// size, strict JSON, `sub` required), except that `sub` is not compared with anything.
///
/// An OpenID Connect client holds the ID token's `sub` and must use
/// [`parse_userinfo_response`]: OpenID Connect Core §5.3.2 forbids using a response about
/// another subject (token substitution).
pub fn parse_userinfo_response_without_subject_check(resp: &Response<Vec<u8>>) -> Result<UserInfo> {
    let body = plain_json_body(resp)?;
    // Bounded by check_status's size limit before parsing.
    let m =
        authcore_jose::json::parse_object(body).map_err(|e| ProtocolError::Json(e.to_string()))?;
    let sub = match m.get("sub") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(TokenError::WrongType("sub").into()),
        None => return Err(TokenError::MissingClaim("sub").into()),
    };
    from_object(m, &sub, false, false)
}
