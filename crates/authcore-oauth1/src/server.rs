//! Verifying signed requests as a server (RFC 5849 §3.2), with every lookup and write as a
//! value: the caller looks up the client's key and the token's secret by the identifiers the
//! parsed request names, and performs the nonce replay check as a conditional insert.

use authcore_jose::UnixTime;
use authcore_jose::crypto::Provider;
use url::Url;

use crate::error::Error;
use crate::header::parse_authorization;
use crate::request::{
    PROTOCOL_PARAMETERS, Parameters, body_hash, is_form, read_query_and_body, request_url,
};
use crate::secret::Secret;
use crate::signature::{ClientVerificationKey, SignatureMethod, base_string_uri, verify};

/// Longest nonce accepted (bounded input; OAuthLib's servers accept at most 30 characters).
pub const MAX_NONCE_CHARS: usize = 128;

/// What a server accepts. Build with [`VerificationPolicy::default`] and the methods.
#[derive(Debug, Clone)]
pub struct VerificationPolicy {
    timestamp_window: u64,
    allow_plaintext_over_tls: bool,
    require_body_hash: bool,
    min_rsa_bits: usize,
    provider: Provider,
}

impl Default for VerificationPolicy {
    /// A 300-second timestamp window either side of `now`, `PLAINTEXT` refused, body hashes
    /// checked when present, RSA keys of at least 2048 bits, the default crypto provider.
    fn default() -> Self {
        VerificationPolicy {
            timestamp_window: 300,
            allow_plaintext_over_tls: false,
            require_body_hash: false,
            min_rsa_bits: 2048,
            provider: Provider::default(),
        }
    }
}

impl VerificationPolicy {
    /// Accepts timestamps at most `seconds` before or after `now` (RFC 5849 §3.3 leaves the
    /// window to the server). The nonce store must keep entries at least this long.
    pub fn timestamp_window(mut self, seconds: u64) -> Self {
        self.timestamp_window = seconds;
        self
    }

    /// Accepts `PLAINTEXT` signatures, and only on `https` requests (RFC 5849 §3.4.4: the
    /// secrets travel as they are).
    pub fn allow_plaintext_over_tls(mut self) -> Self {
        self.allow_plaintext_over_tls = true;
        self
    }

    /// Requires `oauth_body_hash` on every request whose body is not a form.
    pub fn require_body_hash(mut self) -> Self {
        self.require_body_hash = true;
        self
    }

    /// Accepts RSA keys down to `bits` (at least 1024) for legacy clients.
    pub fn min_rsa_bits(mut self, bits: usize) -> Self {
        self.min_rsa_bits = bits.max(1024);
        self
    }

    /// Uses `provider` for HMAC, RSA and digests.
    pub fn provider(mut self, provider: impl Into<Provider>) -> Self {
        self.provider = provider.into();
        self
    }
}

/// The protocol parameters of a request, each checked for syntax.
#[derive(Debug, Clone)]
struct Protocol {
    consumer_key: String,
    token: Option<String>,
    method: SignatureMethod,
    signature: String,
    timestamp: u64,
    nonce: String,
    callback: Option<String>,
    verifier: Option<String>,
    body_hash: Option<String>,
}

/// A request parsed for verification: the identifiers to look up are readable, nothing is
/// trusted yet.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    method: http::Method,
    https: bool,
    base_uri: String,
    params: Parameters,
    protocol: Protocol,
    body_is_form: bool,
    body_digest_input: Vec<u8>,
}

/// The nonce replay check (RFC 5849 §3.3) the caller performs as a conditional write: insert
/// this key if absent, and keep it for at least the timestamp window. The outcome goes back
/// to [`PendingNonce::complete`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NonceCheck {
    /// The client the nonce is scoped to.
    pub consumer_key: String,
    /// The token the nonce is scoped to, when the request has one.
    pub token: Option<String>,
    /// The request's timestamp.
    pub timestamp: u64,
    /// The nonce.
    pub nonce: String,
    /// The earliest time the entry may be forgotten: after it, the timestamp is outside the
    /// window anyway.
    pub keep_until: UnixTime,
}

/// A request whose signature verified, waiting for the nonce replay check.
#[derive(Debug)]
#[must_use = "the nonce check must be performed and its outcome passed to complete()"]
pub struct PendingNonce {
    request: SignedRequest,
    check: NonceCheck,
}

impl PendingNonce {
    /// The conditional insert to perform.
    pub fn nonce_check(&self) -> &NonceCheck {
        &self.check
    }

    /// Finishes verification with the outcome of the insert: `true` when the nonce was new
    /// (inserted), `false` when it was already there, which is a replay.
    pub fn complete(self, inserted: bool) -> Result<VerifiedRequest, Error> {
        if !inserted {
            return Err(Error::NonceReplayed);
        }
        Ok(VerifiedRequest {
            request: self.request,
        })
    }
}

/// A request that passed every check.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    request: SignedRequest,
}

impl VerifiedRequest {
    /// The authenticated client.
    pub fn consumer_key(&self) -> &str {
        &self.request.protocol.consumer_key
    }

    /// The token the request was signed with.
    pub fn token(&self) -> Option<&str> {
        self.request.protocol.token.as_deref()
    }

    /// `oauth_callback`, when present.
    pub fn callback(&self) -> Option<&str> {
        self.request.protocol.callback.as_deref()
    }

    /// `oauth_verifier`, when present.
    pub fn verifier(&self) -> Option<&str> {
        self.request.protocol.verifier.as_deref()
    }

    /// The signed parameters that are not protocol parameters (query and form body), which
    /// the application can trust.
    pub fn parameters(&self) -> impl Iterator<Item = (&str, &str)> {
        self.request
            .params
            .query
            .iter()
            .chain(&self.request.params.body)
            .filter(|(n, _)| !n.starts_with("oauth_"))
            .map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

fn required(p: &mut Option<String>, name: &'static str) -> Result<String, Error> {
    p.take().ok_or(Error::MissingParameter(name))
}

impl SignedRequest {
    /// Parses `req`. A request target in origin form (`/photos?x=1`) is completed with
    /// `scheme` and the `Host` header; an absolute one is taken as it is.
    ///
    /// Checks (RFC 5849 §3.2 and §3.5): the protocol parameters are in one location only, none
    /// is repeated, none is unknown, the required ones are present and well formed
    /// (`oauth_timestamp` digits, `oauth_version` `1.0` when present).
    pub fn from_http(req: &http::Request<Vec<u8>>, scheme: &str) -> Result<Self, Error> {
        let url = request_url(req, Some(scheme))?;
        let base_uri = base_string_uri(&url).map_err(|_| Error::Malformed("request URI"))?;
        let mut params = read_query_and_body(&url, req.headers(), req.body())?;
        let mut auth = req.headers().get_all(http::header::AUTHORIZATION).iter();
        if let Some(value) = auth.next() {
            if auth.next().is_some() {
                return Err(Error::DuplicateParameter("Authorization header".into()));
            }
            let text = value
                .to_str()
                .map_err(|_| Error::Malformed("Authorization header is not text"))?;
            if let Some(header) = parse_authorization(text)? {
                params.header = header;
            }
        }
        let body_is_form = is_form(req.headers().get(http::header::CONTENT_TYPE));
        let protocol = Self::protocol(&params)?;
        Ok(SignedRequest {
            method: req.method().clone(),
            https: url.scheme() == "https",
            base_uri,
            params,
            protocol,
            body_is_form,
            body_digest_input: if body_is_form {
                Vec::new()
            } else {
                req.body().clone()
            },
        })
    }

    fn protocol(params: &Parameters) -> Result<Protocol, Error> {
        let locations = [&params.query, &params.header, &params.body];
        let carrying = locations
            .iter()
            .filter(|l| l.iter().any(|(n, _)| n.starts_with("oauth_")))
            .count();
        // RFC 5849 §3.5: one and only one location.
        if carrying > 1 {
            return Err(Error::DuplicateParameter(
                "protocol parameters in more than one location".into(),
            ));
        }
        let mut realm_seen = false;
        for (name, _) in &params.header {
            if name == "realm" {
                if realm_seen {
                    return Err(Error::DuplicateParameter("realm".into()));
                }
                realm_seen = true;
            } else if !name.starts_with("oauth_") {
                // §3.5.1: the header carries the protocol parameters and `realm` only.
                return Err(Error::UnsupportedParameter(name.clone()));
            }
        }
        let mut found: [Option<String>; PROTOCOL_PARAMETERS.len()] = Default::default();
        for (name, value) in locations.into_iter().flatten() {
            if !name.starts_with("oauth_") {
                continue;
            }
            let slot = PROTOCOL_PARAMETERS
                .iter()
                .position(|p| p == name)
                .ok_or_else(|| Error::UnsupportedParameter(name.clone()))?;
            if found[slot].replace(value.clone()).is_some() {
                return Err(Error::DuplicateParameter(name.clone()));
            }
        }
        let [
            consumer_key,
            token,
            method,
            signature,
            timestamp,
            nonce,
            version,
            callback,
            verifier,
            body_hash,
        ] = &mut found;
        if let Some(v) = version.take() {
            // RFC 5849 §3.1: OPTIONAL, and "1.0" when present.
            if v != "1.0" {
                return Err(Error::UnsupportedParameter(format!("oauth_version={v}")));
            }
        }
        let method = SignatureMethod::from_name(&required(method, "oauth_signature_method")?)?;
        let timestamp = required(timestamp, "oauth_timestamp")?;
        // §3.3: a positive integer; leading zeros or signs are not numbers anyone sends.
        if timestamp.is_empty()
            || timestamp.len() > 19
            || !timestamp.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Error::Malformed("oauth_timestamp"));
        }
        let timestamp: u64 = timestamp
            .parse()
            .map_err(|_| Error::Malformed("oauth_timestamp"))?;
        let nonce = required(nonce, "oauth_nonce")?;
        if nonce.is_empty() || nonce.chars().count() > MAX_NONCE_CHARS {
            return Err(Error::Malformed("oauth_nonce"));
        }
        Ok(Protocol {
            consumer_key: required(consumer_key, "oauth_consumer_key")?,
            token: token.take(),
            method,
            signature: required(signature, "oauth_signature")?,
            timestamp,
            nonce,
            callback: callback.take(),
            verifier: verifier.take(),
            body_hash: body_hash.take(),
        })
    }

    /// The client identifier to look the client's key up by.
    pub fn consumer_key(&self) -> &str {
        &self.protocol.consumer_key
    }

    /// The token to look its secret up by (temporary or token credentials), if any.
    pub fn token(&self) -> Option<&str> {
        self.protocol.token.as_deref()
    }

    /// The signature method the client used.
    pub fn signature_method(&self) -> SignatureMethod {
        self.protocol.method
    }

    /// The signature base string the server computed (for debugging signature mismatches).
    pub fn base_string(&self) -> String {
        self.params.base_string(&self.method, &self.base_uri)
    }

    /// Verifies the request with the client's key and the token's secret (`None` when the
    /// request names no token), looked up by [`SignedRequest::consumer_key`] and
    /// [`SignedRequest::token`]: the method is allowed, the timestamp is in the window, the
    /// body hash matches, the signature verifies. Then the nonce check remains
    /// ([`PendingNonce`]); it comes last so that unauthenticated requests write nothing.
    pub fn verify(
        self,
        client_key: &ClientVerificationKey,
        token_secret: Option<&Secret>,
        policy: &VerificationPolicy,
        now: UnixTime,
    ) -> Result<PendingNonce, Error> {
        let p = &self.protocol;
        if p.token.is_some() != token_secret.is_some() {
            return Err(Error::InvalidToken);
        }
        if p.method == SignatureMethod::Plaintext {
            if !policy.allow_plaintext_over_tls {
                return Err(Error::UnsupportedSignatureMethod(p.method.name().into()));
            }
            if !self.https {
                return Err(Error::PlaintextWithoutTls);
            }
        }
        let now_s = now.as_secs();
        if p.timestamp.abs_diff(now_s) > policy.timestamp_window {
            return Err(Error::TimestampOutsideWindow {
                timestamp: p.timestamp,
                now: now_s,
            });
        }
        match (&p.body_hash, self.body_is_form) {
            // OAuth Request Body Hash §4.1.1: never on form bodies.
            (Some(_), true) => return Err(Error::BodyHashMismatch),
            (Some(h), false) => {
                let expected = body_hash(&policy.provider, &self.body_digest_input);
                if &expected != h {
                    return Err(Error::BodyHashMismatch);
                }
            }
            (None, false) if policy.require_body_hash && !self.body_digest_input.is_empty() => {
                return Err(Error::MissingParameter("oauth_body_hash"));
            }
            (None, _) => {}
        }
        verify(
            p.method,
            &self.base_string(),
            &p.signature,
            client_key,
            token_secret,
            &policy.provider,
            policy.min_rsa_bits,
        )?;
        let check = NonceCheck {
            consumer_key: p.consumer_key.clone(),
            token: p.token.clone(),
            timestamp: p.timestamp,
            nonce: p.nonce.clone(),
            keep_until: UnixTime::from_secs(p.timestamp.saturating_add(policy.timestamp_window)),
        };
        Ok(PendingNonce {
            request: self,
            check,
        })
    }
}

/// Parses an `oauth_callback` value (RFC 5849 §2.1): `oob`, or an absolute URI.
pub(crate) fn parse_callback(value: &str) -> Result<Option<Url>, Error> {
    if value == "oob" {
        return Ok(None);
    }
    let url =
        Url::parse(value).map_err(|_| Error::Malformed("oauth_callback is not an absolute URI"))?;
    if url.cannot_be_a_base() {
        return Err(Error::Malformed("oauth_callback is not an absolute URI"));
    }
    Ok(Some(url))
}
