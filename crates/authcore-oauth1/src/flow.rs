//! The three-legged flow (RFC 5849 §2) as values, for both sides.
//!
//! Client: [`request_temporary_credentials`] → [`TemporaryCredentials`] →
//! [`TemporaryCredentials::authorization_url`] → the callback ([`TemporaryCredentials::handle_callback`]
//! or, out of band, [`TemporaryCredentials::with_verifier`]) → [`AuthorizedTemporaryCredentials::token_request`]
//! → token [`Credentials`].
//!
//! Server: [`issue_temporary_credentials`] → [`authorize`] → [`issue_token_credentials`], each
//! on a [`VerifiedRequest`] and the records the caller stored.

use authcore_jose::{SecureRandom, UnixTime};
use url::Url;

use crate::client::{Credentials, Signer, random_hex};
use crate::encoding::{encode_form, parse_form};
use crate::error::Error;
use crate::secret::Secret;
use crate::server::{VerifiedRequest, parse_callback};

/// Where the server sends the resource owner after authorization (RFC 5849 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// `oob`: no redirect; the verifier is shown to the resource owner.
    OutOfBand,
    /// An absolute URI.
    Uri(Url),
}

impl Callback {
    /// The `oauth_callback` value.
    pub fn as_str(&self) -> &str {
        match self {
            Callback::OutOfBand => "oob",
            Callback::Uri(u) => u.as_str(),
        }
    }
}

/// Largest credentials response read (bounded input).
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Reads a credentials response (RFC 5849 §2.1, §2.3): status 200 and a form body with
/// `oauth_token` and `oauth_token_secret`, each once.
fn parse_credentials_response(
    resp: &http::Response<Vec<u8>>,
) -> Result<Vec<(String, String)>, Error> {
    if !resp.status().is_success() {
        let body = &resp.body()[..resp.body().len().min(1024)];
        return Err(Error::ErrorResponse {
            status: resp.status().as_u16(),
            body: String::from_utf8_lossy(body).into_owned(),
        });
    }
    if resp.body().len() > MAX_RESPONSE_BYTES {
        return Err(Error::TooLarge("credentials response"));
    }
    let text = core::str::from_utf8(resp.body())
        .map_err(|_| Error::Protocol("credentials response is not UTF-8"))?;
    parse_form(text).map_err(|_| Error::Protocol("credentials response is not a form"))
}

fn single<'a>(pairs: &'a [(String, String)], name: &'static str) -> Result<&'a str, Error> {
    let mut it = pairs.iter().filter(|(n, _)| n == name);
    match (it.next(), it.next()) {
        (Some((_, v)), None) => Ok(v),
        (None, _) => Err(Error::Protocol(name)),
        (Some(_), Some(_)) => Err(Error::Protocol(
            "repeated parameter in credentials response",
        )),
    }
}

fn credentials_from(pairs: &[(String, String)]) -> Result<Credentials, Error> {
    let token = single(pairs, "oauth_token")?;
    if token.is_empty() {
        return Err(Error::Protocol("empty oauth_token"));
    }
    Ok(Credentials::new(
        token,
        single(pairs, "oauth_token_secret")?,
    ))
}

fn post(endpoint: &Url) -> Result<http::Request<Vec<u8>>, Error> {
    http::Request::post(endpoint.as_str())
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(Vec::new())
        .map_err(|_| Error::Misuse("endpoint URI".into()))
}

/// Builds the temporary credentials request (RFC 5849 §2.1): a signed POST to `endpoint`
/// with `oauth_callback`. The signer must have no token.
pub fn request_temporary_credentials(
    signer: &Signer,
    endpoint: &Url,
    callback: &Callback,
    now: UnixTime,
    rng: &dyn SecureRandom,
) -> Result<(http::Request<Vec<u8>>, PendingTemporaryCredentials), Error> {
    let mut req = post(endpoint)?;
    signer.sign_with(&mut req, &[("oauth_callback", callback.as_str())], now, rng)?;
    Ok((req, PendingTemporaryCredentials { _private: () }))
}

/// Waits for the temporary credentials response.
#[derive(Debug)]
#[must_use]
pub struct PendingTemporaryCredentials {
    _private: (),
}

impl PendingTemporaryCredentials {
    /// Reads the response: the temporary credentials, and `oauth_callback_confirmed=true`,
    /// which RFC 5849 §2.1 requires (its absence marks a server of OAuth 1.0 without the
    /// session fixation fix of 1.0a).
    pub fn handle_response(
        self,
        resp: &http::Response<Vec<u8>>,
    ) -> Result<TemporaryCredentials, Error> {
        let pairs = parse_credentials_response(resp)?;
        if single(&pairs, "oauth_callback_confirmed")? != "true" {
            return Err(Error::Protocol("oauth_callback_confirmed is not true"));
        }
        Ok(TemporaryCredentials {
            credentials: credentials_from(&pairs)?,
        })
    }
}

/// Temporary credentials, waiting for the resource owner's authorization.
#[derive(Debug, Clone)]
#[must_use]
pub struct TemporaryCredentials {
    /// The temporary token and its secret.
    pub credentials: Credentials,
}

impl TemporaryCredentials {
    /// The resource owner authorization URI (RFC 5849 §2.2): `endpoint` with `oauth_token`
    /// added to its query.
    pub fn authorization_url(&self, endpoint: &Url) -> Url {
        let mut url = endpoint.clone();
        url.query_pairs_mut()
            .append_pair("oauth_token", &self.credentials.token);
        url
    }

    /// Reads the callback request's URI (RFC 5849 §2.2): its `oauth_token` must be this
    /// temporary token, and it carries `oauth_verifier`.
    pub fn handle_callback(self, callback: &Url) -> Result<AuthorizedTemporaryCredentials, Error> {
        let pairs = parse_form(callback.query().unwrap_or(""))?;
        let token =
            single(&pairs, "oauth_token").map_err(|_| Error::MissingParameter("oauth_token"))?;
        if token != self.credentials.token {
            return Err(Error::InvalidToken);
        }
        let verifier = single(&pairs, "oauth_verifier")
            .map_err(|_| Error::MissingParameter("oauth_verifier"))?;
        Ok(self.with_verifier(verifier))
    }

    /// The verifier the resource owner typed in (out-of-band callback).
    pub fn with_verifier(self, verifier: impl Into<String>) -> AuthorizedTemporaryCredentials {
        AuthorizedTemporaryCredentials {
            credentials: self.credentials,
            verifier: Secret::new(verifier),
        }
    }
}

/// Temporary credentials with their verifier, ready to be exchanged.
#[derive(Debug)]
#[must_use]
pub struct AuthorizedTemporaryCredentials {
    credentials: Credentials,
    verifier: Secret,
}

impl AuthorizedTemporaryCredentials {
    /// Builds the token credentials request (RFC 5849 §2.3): a POST to `endpoint` signed with
    /// the temporary credentials and carrying `oauth_verifier`. `signer` is the client's
    /// (without a token); the temporary token is added here.
    pub fn token_request(
        self,
        signer: Signer,
        endpoint: &Url,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(http::Request<Vec<u8>>, PendingTokenCredentials), Error> {
        let signer = signer.with_credentials(self.credentials);
        let mut req = post(endpoint)?;
        signer.sign_with(
            &mut req,
            &[("oauth_verifier", self.verifier.expose())],
            now,
            rng,
        )?;
        Ok((req, PendingTokenCredentials { _private: () }))
    }
}

/// Waits for the token credentials response.
#[derive(Debug)]
#[must_use]
pub struct PendingTokenCredentials {
    _private: (),
}

impl PendingTokenCredentials {
    /// Reads the token credentials (RFC 5849 §2.3).
    pub fn handle_response(self, resp: &http::Response<Vec<u8>>) -> Result<Credentials, Error> {
        credentials_from(&parse_credentials_response(resp)?)
    }
}

// ---- server side ----

/// Bytes of randomness in issued tokens, secrets and verifiers (hexadecimal on the wire).
const ISSUED_BYTES: usize = 16;

/// Temporary credentials as the server stores them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryCredentialsRecord {
    /// The client they were issued to.
    pub consumer_key: String,
    /// The temporary token and its secret.
    pub credentials: Credentials,
    /// Where to send the resource owner afterwards.
    pub callback: Callback,
    /// The verifier, once the resource owner authorized ([`authorize`]).
    pub verifier: Option<Secret>,
}

fn form_response(pairs: &[(&str, &str)]) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(encode_form(pairs.iter().copied()).into_bytes())
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// The temporary credentials endpoint (RFC 5849 §2.1), after the request verified with no
/// token: issues temporary credentials bound to the request's `oauth_callback`. Returns the
/// record to store and the response to send.
pub fn issue_temporary_credentials(
    request: &VerifiedRequest,
    rng: &dyn SecureRandom,
) -> Result<(TemporaryCredentialsRecord, http::Response<Vec<u8>>), Error> {
    if request.token().is_some() {
        return Err(Error::UnsupportedParameter("oauth_token".into()));
    }
    let callback = request
        .callback()
        .ok_or(Error::MissingParameter("oauth_callback"))?;
    let callback = match parse_callback(callback)? {
        None => Callback::OutOfBand,
        Some(u) => Callback::Uri(u),
    };
    let credentials = Credentials::new(
        random_hex(rng, ISSUED_BYTES)?,
        random_hex(rng, ISSUED_BYTES)?,
    );
    let resp = form_response(&[
        ("oauth_token", &credentials.token),
        ("oauth_token_secret", credentials.secret.expose()),
        ("oauth_callback_confirmed", "true"),
    ]);
    Ok((
        TemporaryCredentialsRecord {
            consumer_key: request.consumer_key().to_owned(),
            credentials,
            callback,
            verifier: None,
        },
        resp,
    ))
}

/// The `oauth_token` of a resource owner authorization request (RFC 5849 §2.2), to look the
/// temporary credentials up by.
pub fn parse_authorization_request(uri: &Url) -> Result<String, Error> {
    let pairs = parse_form(uri.query().unwrap_or(""))?;
    let mut it = pairs.into_iter().filter(|(n, _)| n == "oauth_token");
    match (it.next(), it.next()) {
        (Some((_, v)), None) if !v.is_empty() => Ok(v),
        (Some(_), Some(_)) => Err(Error::DuplicateParameter("oauth_token".into())),
        _ => Err(Error::MissingParameter("oauth_token")),
    }
}

/// The resource owner's approval, as values.
#[derive(Debug)]
pub struct Authorization {
    /// The record to store in place of the old one: it now holds the verifier.
    pub record: TemporaryCredentialsRecord,
    /// Where to redirect the resource owner (RFC 5849 §2.2: the callback with `oauth_token`
    /// and `oauth_verifier` added), or `None` for `oob`, where the verifier is shown instead.
    pub redirect: Option<Url>,
}

impl Authorization {
    /// The verifier, to show the resource owner for `oob`.
    pub fn verifier(&self) -> &str {
        self.record.verifier.as_ref().map_or("", |v| v.expose())
    }
}

/// The resource owner authorized the temporary credentials (RFC 5849 §2.2): issues a verifier
/// bound to them and their callback. A record authorized before is refused.
pub fn authorize(
    record: TemporaryCredentialsRecord,
    rng: &dyn SecureRandom,
) -> Result<Authorization, Error> {
    if record.verifier.is_some() {
        return Err(Error::InvalidToken);
    }
    let verifier = random_hex(rng, ISSUED_BYTES)?;
    let redirect = match &record.callback {
        Callback::OutOfBand => None,
        Callback::Uri(u) => {
            let mut u = u.clone();
            u.query_pairs_mut()
                .append_pair("oauth_token", &record.credentials.token)
                .append_pair("oauth_verifier", &verifier);
            Some(u)
        }
    };
    let mut record = record;
    record.verifier = Some(Secret::new(verifier));
    Ok(Authorization { record, redirect })
}

/// The write that makes temporary credentials single-use: delete the record if it is still
/// there; a store that finds it gone must answer [`Error::InvalidToken`] instead of the
/// response (the exchange lost a race with a replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumeTemporaryCredentialsIfUnused {
    /// The temporary token.
    pub token: String,
}

/// Token credentials as issued: what to store, what to delete, what to send.
#[derive(Debug)]
pub struct TokenCredentialsIssued {
    /// The client the token credentials belong to.
    pub consumer_key: String,
    /// The token credentials to store.
    pub credentials: Credentials,
    /// The conditional delete of the temporary credentials.
    pub consume: ConsumeTemporaryCredentialsIfUnused,
    /// The response to send once the delete succeeded.
    pub response: http::Response<Vec<u8>>,
}

/// The token credentials endpoint (RFC 5849 §2.3), after the request verified with the
/// temporary token secret from `record` (looked up by the request's token): the record
/// belongs to this client and token, was authorized, and the verifier matches (in constant
/// time).
pub fn issue_token_credentials(
    request: &VerifiedRequest,
    record: &TemporaryCredentialsRecord,
    rng: &dyn SecureRandom,
) -> Result<TokenCredentialsIssued, Error> {
    if request.token() != Some(record.credentials.token.as_str()) {
        return Err(Error::InvalidToken);
    }
    if request.consumer_key() != record.consumer_key {
        return Err(Error::InvalidConsumerKey);
    }
    let sent = request
        .verifier()
        .ok_or(Error::MissingParameter("oauth_verifier"))?;
    let Some(expected) = &record.verifier else {
        return Err(Error::InvalidVerifier);
    };
    if !expected.matches(sent) {
        return Err(Error::InvalidVerifier);
    }
    let credentials = Credentials::new(
        random_hex(rng, ISSUED_BYTES)?,
        random_hex(rng, ISSUED_BYTES)?,
    );
    let response = form_response(&[
        ("oauth_token", &credentials.token),
        ("oauth_token_secret", credentials.secret.expose()),
    ]);
    Ok(TokenCredentialsIssued {
        consumer_key: record.consumer_key.clone(),
        consume: ConsumeTemporaryCredentialsIfUnused {
            token: record.credentials.token.clone(),
        },
        credentials,
        response,
    })
}
