//! Signing requests as a client (RFC 5849 §3.1).

use authcore_jose::crypto::Provider;
use authcore_jose::{SecureRandom, UnixTime};

use crate::encoding::encode_form;
use crate::error::Error;
use crate::header::format_authorization;
use crate::request::{Placement, body_hash, is_form, read_query_and_body, request_url};
use crate::secret::Secret;
use crate::signature::{ClientKey, SignatureMethod, base_string_uri, sign};

/// A set of credentials: an identifier and its shared secret (RFC 5849 §1.1: the temporary
/// and the token credentials are such pairs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The identifier (`oauth_token`).
    pub token: String,
    /// The shared secret (`oauth_token_secret`).
    pub secret: Secret,
}

impl Credentials {
    /// A token and its secret.
    pub fn new(token: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Credentials {
            token: token.into(),
            secret: secret.into(),
        }
    }
}

/// Signs requests for one client and, optionally, one token: the value a request hook holds.
///
/// ```
/// use authcore_oauth1::{Secret, SignatureMethod, Signer};
/// # let rng = authcore_jose::InsecureTestRandom::new(1);
/// let signer = Signer::new("dpf43f3p2l4k3l03", Secret::new("kd94hf93k423kf44"))
///     .with_token_credentials("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")
///     .with_method(SignatureMethod::HmacSha256);
/// let mut req = http::Request::get("https://photos.example.net/photos?size=original")
///     .body(Vec::new())?;
/// // `now` is a fixed test value here; an adapter passes the clock it reads.
/// signer.sign(&mut req, authcore_jose::UnixTime::from_secs(1_191_242_096), &rng)?;
/// assert!(req.headers()["authorization"].to_str()?.starts_with("OAuth oauth_consumer_key="));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Signer {
    consumer_key: String,
    client_key: ClientKey,
    token: Option<Credentials>,
    method: SignatureMethod,
    placement: Placement,
    realm: Option<String>,
    body_hash: bool,
    provider: Provider,
}

/// Bytes of randomness in a nonce: 96 bits, written as 24 hexadecimal digits (within the
/// 20 to 30 alphanumeric characters that OAuthLib's servers accept by default).
const NONCE_BYTES: usize = 12;

/// A random alphanumeric value of `bytes` random bytes, as lowercase hexadecimal.
pub(crate) fn random_hex(rng: &dyn SecureRandom, bytes: usize) -> Result<String, Error> {
    let mut b = vec![0u8; bytes];
    rng.fill(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

impl Signer {
    /// A client with a shared secret, signing with `HMAC-SHA1` in the `Authorization` header,
    /// through authcore-jose's default crypto provider.
    pub fn new(consumer_key: impl Into<String>, client_key: impl Into<ClientKey>) -> Self {
        Signer {
            consumer_key: consumer_key.into(),
            client_key: client_key.into(),
            token: None,
            method: SignatureMethod::HmacSha1,
            placement: Placement::Header,
            realm: None,
            body_hash: true,
            provider: Provider::default(),
        }
    }

    /// A client with an RSA key (see [`ClientKey::rsa`]), signing with `RSA-SHA256`.
    pub fn new_rsa(consumer_key: impl Into<String>, key: ClientKey) -> Self {
        Signer::new(consumer_key, key).with_method(SignatureMethod::RsaSha256)
    }

    /// Signs with `method`.
    pub fn with_method(mut self, method: SignatureMethod) -> Self {
        self.method = method;
        self
    }

    /// Puts the protocol parameters in `placement` (default: the header).
    pub fn with_placement(mut self, placement: Placement) -> Self {
        self.placement = placement;
        self
    }

    /// Adds `realm` to the `Authorization` header (RFC 5849 §3.5.1; not signed).
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Signs for a token: temporary credentials (§2.3) or token credentials (§3).
    pub fn with_token_credentials(
        mut self,
        token: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Self {
        self.token = Some(Credentials::new(token, secret));
        self
    }

    /// The same with a [`Credentials`] value.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.token = Some(credentials);
        self
    }

    /// Whether a body that is not a form gets an `oauth_body_hash` (OAuth Request Body Hash;
    /// on by default). Form bodies never get one (that specification's §4.1.1).
    pub fn with_body_hash(mut self, on: bool) -> Self {
        self.body_hash = on;
        self
    }

    /// Uses `provider` for HMAC, RSA and digests.
    pub fn with_provider(mut self, provider: impl Into<Provider>) -> Self {
        self.provider = provider.into();
        self
    }

    /// The client identifier.
    pub fn consumer_key(&self) -> &str {
        &self.consumer_key
    }

    /// The signature method.
    pub fn method(&self) -> SignatureMethod {
        self.method
    }

    /// Signs `req` in place (RFC 5849 §3.1): adds the protocol parameters with a nonce drawn
    /// from `rng` and the timestamp `now`, computes the signature over the method, the URI,
    /// the query, a form body and the protocol parameters, and places them as configured.
    ///
    /// The URI must be absolute `http` or `https` (`https` for `PLAINTEXT`). Body placement
    /// needs a form body or an empty one (it becomes a form body).
    pub fn sign(
        &self,
        req: &mut http::Request<Vec<u8>>,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(), Error> {
        self.sign_with(req, &[], now, rng)
    }

    /// [`Signer::sign`] with extra protocol parameters (`oauth_callback`, `oauth_verifier`).
    pub fn sign_with(
        &self,
        req: &mut http::Request<Vec<u8>>,
        extra: &[(&'static str, &str)],
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<(), Error> {
        let mut url = request_url(req, None)?;
        let base_uri = base_string_uri(&url)?;
        if self.method == SignatureMethod::Plaintext && url.scheme() != "https" {
            return Err(Error::PlaintextWithoutTls);
        }
        if req.headers().contains_key(http::header::AUTHORIZATION) {
            return Err(Error::Misuse(
                "the request already has an Authorization header".into(),
            ));
        }
        let form = is_form(req.headers().get(http::header::CONTENT_TYPE));
        if self.placement == Placement::Body && !form {
            if !req.body().is_empty() {
                return Err(Error::Misuse(
                    "body placement needs an application/x-www-form-urlencoded body".into(),
                ));
            }
            req.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        let mut params = read_query_and_body(&url, req.headers(), req.body())?;
        if params
            .query
            .iter()
            .chain(&params.body)
            .any(|(n, _)| n.starts_with("oauth_"))
        {
            return Err(Error::Misuse(
                "the request already carries oauth_ parameters".into(),
            ));
        }

        let nonce = random_hex(rng, NONCE_BYTES)?;
        let timestamp = now.as_secs().to_string();
        let mut protocol: Vec<(String, String)> = vec![
            ("oauth_consumer_key".into(), self.consumer_key.clone()),
            ("oauth_signature_method".into(), self.method.name().into()),
            ("oauth_timestamp".into(), timestamp),
            ("oauth_nonce".into(), nonce),
            ("oauth_version".into(), "1.0".into()),
        ];
        if let Some(t) = &self.token {
            protocol.push(("oauth_token".into(), t.token.clone()));
        }
        for (n, v) in extra {
            protocol.push(((*n).into(), (*v).into()));
        }
        // OAuth Request Body Hash §4.1.1: only for bodies that are not forms.
        if self.body_hash && !form && !req.body().is_empty() {
            let h = body_hash(&self.provider, req.body());
            protocol.push(("oauth_body_hash".into(), h));
        }
        // Placement does not change the base string: every location is one parameter source.
        params.header = protocol.clone();
        let base = params.base_string(req.method(), &base_uri);
        let signature = sign(
            self.method,
            &base,
            &self.client_key,
            self.token.as_ref().map(|t| &t.secret),
            &self.provider,
        )?;
        protocol.push(("oauth_signature".into(), signature));
        let pairs = protocol.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        match self.placement {
            Placement::Header => {
                let value = format_authorization(self.realm.as_deref(), pairs);
                let value = http::HeaderValue::from_str(&value)
                    .map_err(|_| Error::Misuse("header value".into()))?;
                req.headers_mut().insert(http::header::AUTHORIZATION, value);
            }
            Placement::Body => {
                let mut body = std::mem::take(req.body_mut());
                if !body.is_empty() {
                    body.push(b'&');
                }
                body.extend_from_slice(encode_form(pairs).as_bytes());
                *req.body_mut() = body;
            }
            Placement::Query => {
                let added = encode_form(pairs);
                let query = match url.query() {
                    Some(q) if !q.is_empty() => format!("{q}&{added}"),
                    _ => added,
                };
                url.set_query(Some(&query));
                *req.uri_mut() = url
                    .as_str()
                    .parse()
                    .map_err(|_| Error::Misuse("request URI".into()))?;
            }
        }
        Ok(())
    }
}
