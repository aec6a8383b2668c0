//! # authcore-oauth1
//!
//! OAuth 1.0a (RFC 5849) as a pure protocol core: signing requests as a client, verifying them
//! as a server, and the three-legged flow for both sides.
//!
//! It does no I/O, reads no clock and draws no randomness of its own: `now` and a
//! [`SecureRandom`](authcore_jose::SecureRandom) are arguments, requests and responses are
//! `http` values, and a server's lookups and writes are values the caller performs. HMAC, RSA
//! and digests go through authcore-jose's crypto provider.
//!
//! ```text
//!  client:  Signer::sign(&mut http::Request, now, rng) ──► send it
//!
//!  server:  http::Request ──► SignedRequest::from_http ──► consumer_key(), token()
//!                                                            │ caller looks up the key/secret
//!           verify(key, token_secret, &policy, now) ──► PendingNonce ──► nonce_check()
//!                                                            │ caller: insert if absent
//!           complete(inserted) ──► VerifiedRequest | Error::status() (RFC 5849 §3.2)
//! ```
//!
//! Signature methods: `HMAC-SHA1`, `HMAC-SHA256`, `RSA-SHA256` (sign and verify), `RSA-SHA1`
//! (verify only: neither crypto backend signs RSASSA-PKCS1-v1_5 with SHA-1), and `PLAINTEXT`
//! (only over `https`, and on the server only with
//! [`VerificationPolicy::allow_plaintext_over_tls`]). Protocol parameters in the header, a
//! form body or the query; `oauth_body_hash` for other bodies.
//!
//! Differences from the letter of RFC 5849, all stricter: `oauth_timestamp` and `oauth_nonce`
//! are required with `PLAINTEXT` too (so replay protection applies), unknown `oauth_*`
//! parameters are refused, and the header may carry only `realm` besides them.
//!
//! ## Example
//!
//! ```
//! use authcore_jose::{InsecureTestRandom, UnixTime};
//! use authcore_oauth1::{ClientVerificationKey, Secret, SignedRequest, Signer, VerificationPolicy};
//! # let rng = InsecureTestRandom::new(7);
//! // `now` is a fixed test value here; an application passes the clock it reads.
//! let now = UnixTime::from_secs(1_700_000_000);
//!
//! // Client: sign a request with client and token credentials.
//! let signer = Signer::new("dpf43f3p2l4k3l03", Secret::new("kd94hf93k423kf44"))
//!     .with_token_credentials("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00");
//! let mut req = http::Request::get("http://photos.example.net/photos?file=vacation.jpg")
//!     .body(Vec::new())?;
//! signer.sign(&mut req, now, &rng)?;
//!
//! // Server: parse, look up the secrets by the identifiers, verify, check the nonce.
//! let signed = SignedRequest::from_http(&req, "http")?;
//! assert_eq!(signed.consumer_key(), "dpf43f3p2l4k3l03");
//! let client = ClientVerificationKey::Secret(Secret::new("kd94hf93k423kf44"));
//! let token_secret = Secret::new("pfkkdhi9sl3r4s00");
//! let pending = signed.verify(&client, Some(&token_secret), &VerificationPolicy::default(), now)?;
//! let mut seen = std::collections::HashSet::new();
//! let inserted = seen.insert(pending.nonce_check().clone());
//! let verified = pending.complete(inserted)?;
//! assert_eq!(verified.token(), Some("nnch734d00sl2jdk"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc(html_root_url = "https://docs.rs/authcore-oauth1/latest")]

mod client;
mod encoding;
mod error;
pub mod flow;
mod header;
mod request;
mod secret;
mod server;
mod signature;

pub use client::{Credentials, Signer};
pub use encoding::{MAX_PARAMETERS, encode_form, parse_form, percent_decode, percent_encode};
pub use error::Error;
pub use header::{MAX_HEADER_BYTES, format_authorization, parse_authorization};
pub use request::{MAX_FORM_BODY_BYTES, Placement};
pub use secret::Secret;
pub use server::{
    MAX_NONCE_CHARS, NonceCheck, PendingNonce, SignedRequest, VerificationPolicy, VerifiedRequest,
};
pub use signature::{
    ClientKey, ClientVerificationKey, SignatureMethod, base_string_uri, normalize_parameters, sign,
    signature_base_string, verify,
};
