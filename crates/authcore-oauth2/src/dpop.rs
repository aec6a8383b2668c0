//! Demonstrating Proof of Possession (RFC 9449): proofs, the server-nonce retry, `dpop_jkt`.

use core::fmt;
use std::sync::Arc;

use authcore_jose::crypto::{CryptoProvider, Provider};
use authcore_jose::{
    DigestAlgorithm, Jwk, JwsAlgorithm, JwsHeader, JwsSigner, SecureRandom, SigningKey, UnixTime,
    b64, jwt,
};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use serde_json::json;
use url::Url;

use crate::bearer::parse_www_authenticate_headers;
use crate::error::{Error, ErrorCode, ErrorResponse, Result};
use crate::secret::{AccessToken, random_jti};
use crate::wire;

/// The `DPoP` request header (RFC 9449 §4.1).
pub const DPOP: HeaderName = HeaderName::from_static("dpop");
/// The `DPoP-Nonce` response header (RFC 9449 §8.1).
pub const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");
/// The `typ` of DPoP proofs (RFC 9449 §4.2).
pub const DPOP_PROOF_TYP: &str = "dpop+jwt";

/// A DPoP key: an asymmetric signer and its public JWK.
///
/// Cheap to clone (the signer is shared).
#[derive(Clone)]
pub struct DpopKey {
    signer: Arc<dyn JwsSigner>,
    public: Jwk,
    jkt: String,
    provider: Provider,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &self.signer.algorithm())
            .field("jkt", &self.jkt)
            .finish()
    }
}

/// Signs with the inner signer but never contributes a `kid`: a proof identifies its key by
/// the `jwk` header alone.
struct WithoutKid<'a>(&'a dyn JwsSigner);

impl JwsSigner for WithoutKid<'_> {
    fn algorithm(&self) -> JwsAlgorithm {
        self.0.algorithm()
    }
    fn sign(&self, signing_input: &[u8]) -> authcore_jose::Result<Vec<u8>> {
        self.0.sign(signing_input)
    }
}

impl DpopKey {
    /// A DPoP key from a local asymmetric signing key.
    pub fn new(key: SigningKey, provider: impl Into<Provider>) -> Result<Self> {
        let public = key
            .public_jwk()
            .cloned()
            .ok_or(Error::Misuse("DPoP needs an asymmetric key"))?;
        Self::from_signer(Arc::new(key), public, provider)
    }

    /// A DPoP key from any signer (an HSM, a KMS) and its public JWK.
    pub fn from_signer(
        signer: Arc<dyn JwsSigner>,
        public_jwk: Jwk,
        provider: impl Into<Provider>,
    ) -> Result<Self> {
        let provider = provider.into();
        if signer.algorithm().family() == authcore_jose::AlgorithmFamily::Hmac {
            return Err(Error::Misuse(
                "DPoP needs an asymmetric algorithm (RFC 9449 §4.2)",
            ));
        }
        // RFC 9449 §4.2: the `jwk` header MUST NOT contain a private key.
        let mut public = public_jwk.to_public()?;
        public.kid = None;
        public.key_ops = None;
        public.key_use = None;
        let jkt = public.thumbprint_sha256(&provider);
        Ok(DpopKey {
            signer,
            public,
            jkt,
            provider,
        })
    }

    /// The JWK SHA-256 thumbprint (RFC 7638), the `dpop_jkt` authorization parameter
    /// (RFC 9449 §10) and the `cnf.jkt` of bound tokens.
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    /// The public JWK put in proofs.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// Creates a proof for a request (RFC 9449 §4.2): `typ` `dpop+jwt`, the public `jwk`,
    /// and claims `jti` (random), `htm`, `htu` (without query and fragment), `iat`, plus
    /// `ath` when `access_token` is given (requests to resource servers) and `nonce` when the
    /// server provided one.
    pub fn proof(
        &self,
        htm: &str,
        htu: &str,
        access_token: Option<&AccessToken>,
        nonce: Option<&str>,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<String> {
        let htu = normalize_htu(htu).ok_or(Error::Misuse("htu must be an absolute URI"))?;
        let mut claims = json!({
            "jti": random_jti(rng)?,
            "htm": htm,
            "htu": htu,
            "iat": now.as_secs(),
        });
        if let Some(t) = access_token {
            claims["ath"] = access_token_hash(&self.provider, t.secret()).into();
        }
        if let Some(n) = nonce {
            claims["nonce"] = n.into();
        }
        let mut header = JwsHeader::new(self.signer.algorithm()).with_typ(DPOP_PROOF_TYP);
        header.jwk = Some(Box::new(self.public.clone()));
        Ok(jwt::encode(
            &header,
            &claims,
            &WithoutKid(self.signer.as_ref()),
        )?)
    }

    /// Adds a `DPoP` proof header to `req` (its method and URI become `htm` and `htu`). With
    /// an access token, also sets `Authorization: DPoP <token>` (RFC 9449 §7.1).
    pub fn attach_proof<B>(
        &self,
        req: &mut Request<B>,
        access_token: Option<&AccessToken>,
        nonce: Option<&str>,
        now: UnixTime,
        rng: &dyn SecureRandom,
    ) -> Result<()> {
        let htu = req.uri().to_string();
        let proof = self.proof(req.method().as_str(), &htu, access_token, nonce, now, rng)?;
        let v = HeaderValue::try_from(proof)
            .map_err(|_| Error::Misuse("proof is not a header value"))?;
        req.headers_mut().insert(DPOP, v);
        if let Some(t) = access_token {
            let mut a = HeaderValue::try_from(format!("DPoP {}", t.secret()))
                .map_err(|_| Error::Misuse("access token is not a valid header value"))?;
            a.set_sensitive(true);
            req.headers_mut().insert(http::header::AUTHORIZATION, a);
        }
        Ok(())
    }
}

/// A request sent with DPoP, handling the server-nonce retry (RFC 9449 §8, §9).
///
/// ```text
///  new(key, request) ─► request(now, rng) ─► HTTP ─► handle_response(response)
///                           ▲                              │
///                           └──── Retry(self with nonce) ◄─┤ (use_dpop_nonce, once)
///                                                          └─► Done { response, nonce }
/// ```
///
/// Works for token-endpoint requests (400 `use_dpop_nonce` JSON error) and resource requests
/// (401 with `WWW-Authenticate: DPoP error="use_dpop_nonce"`). It retries once; a second
/// nonce demand is returned as the final response.
#[derive(Debug, Clone)]
#[must_use]
pub struct DpopExchange {
    key: DpopKey,
    request: Request<Vec<u8>>,
    access_token: Option<AccessToken>,
    nonce: Option<String>,
    retried: bool,
}

/// The outcome of [`DpopExchange::handle_response`].
#[derive(Debug)]
#[must_use]
pub enum DpopStep {
    /// The server demanded a (new) nonce: send [`DpopExchange::request`] again.
    Retry(Box<DpopExchange>),
    /// The final response, to parse as usual, and the latest nonce the server sent (keep it
    /// for the next request to the same server).
    Done {
        /// The response.
        response: Response<Vec<u8>>,
        /// The latest `DPoP-Nonce`, if any.
        nonce: Option<String>,
    },
}

impl DpopExchange {
    /// Prepares `request` (built without a proof) for sending with `key`. For a resource
    /// request pass the `access_token` (it is sent as `Authorization: DPoP` and hashed into
    /// `ath`); `nonce` is a nonce remembered from an earlier response of the same server.
    pub fn new(
        key: DpopKey,
        request: Request<Vec<u8>>,
        access_token: Option<AccessToken>,
        nonce: Option<String>,
    ) -> Self {
        DpopExchange {
            key,
            request,
            access_token,
            nonce,
            retried: false,
        }
    }

    /// The request to send now, with a fresh proof.
    pub fn request(&self, now: UnixTime, rng: &dyn SecureRandom) -> Result<Request<Vec<u8>>> {
        let mut req = self.request.clone();
        self.key.attach_proof(
            &mut req,
            self.access_token.as_ref(),
            self.nonce.as_deref(),
            now,
            rng,
        )?;
        Ok(req)
    }

    /// Looks at the response: a first nonce demand yields [`DpopStep::Retry`], anything else
    /// [`DpopStep::Done`].
    pub fn handle_response(mut self, response: Response<Vec<u8>>) -> DpopStep {
        let new_nonce = response
            .headers()
            .get(DPOP_NONCE)
            .and_then(|v| v.to_str().ok())
            .filter(|n| is_nonce_syntax(n))
            .map(str::to_owned);
        if !self.retried
            && new_nonce.is_some()
            && new_nonce != self.nonce
            && demands_nonce(&response)
        {
            self.retried = true;
            self.nonce = new_nonce;
            return DpopStep::Retry(Box::new(self));
        }
        DpopStep::Done {
            nonce: new_nonce.or(self.nonce),
            response,
        }
    }
}

/// The `ath` value for `access_token` (RFC 9449 §4.2): the base64url SHA-256 hash of its
/// ASCII form. Proof creators write it and resource servers compare against it.
pub fn access_token_hash(provider: &CryptoProvider, access_token: &str) -> String {
    b64::encode(provider.digest(DigestAlgorithm::Sha256, access_token.as_bytes()))
}

/// The `htu` value of a request to `uri` (RFC 9449 §4.2, §4.3): the absolute URI without
/// query and fragment, in the normal form of RFC 3986 §6.2.2 and §6.2.3 (lower-case scheme
/// and host, no default port, an empty path as `/`). Proof creators write it and verifiers
/// compare against it, so both sides use this one function. `None` when `uri` is not an
/// absolute URI with a host.
pub fn normalize_htu(uri: &str) -> Option<String> {
    let mut u = Url::parse(uri).ok()?;
    if !u.has_host() {
        return None;
    }
    u.set_query(None);
    u.set_fragment(None);
    Some(u.into())
}

/// Whether `n` has the syntax of a DPoP nonce, `nonce = 1*NQCHAR` (RFC 9449 §8.1): printable
/// ASCII except `"` and `\`. Clients check nonces they receive and servers the nonces they
/// issue and accept with it.
pub fn is_nonce_syntax(n: &str) -> bool {
    // The same `1*NQCHAR` grammar as a scope token (RFC 6749 §3.3).
    wire::is_scope_token(n)
}

/// Whether a response is a `use_dpop_nonce` error from an authorization server (§8) or a
/// resource server (§9).
pub fn demands_nonce(response: &Response<Vec<u8>>) -> bool {
    match response.status() {
        StatusCode::BAD_REQUEST => matches!(
            wire::read_json_response(response, wire::ContentTypeCheck::Json),
            Err(Error::Server(ErrorResponse {
                error: ErrorCode::UseDpopNonce,
                ..
            }))
        ),
        StatusCode::UNAUTHORIZED => parse_www_authenticate_headers(response.headers())
            .map(|cs| {
                cs.iter().any(|c| {
                    c.scheme().eq_ignore_ascii_case("DPoP")
                        && c.error() == Some(ErrorCode::UseDpopNonce)
                })
            })
            .unwrap_or(false),
        _ => false,
    }
}
