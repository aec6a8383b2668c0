//! The signature base string (RFC 5849 §3.4.1) and the signature methods (§3.4.2 to §3.4.4,
//! plus the widely deployed `HMAC-SHA256` and `RSA-SHA256`).

use core::fmt;

use authcore_jose::crypto::{CryptoProvider, Provider, SignaturePrimitive, VerifyOptions};
use authcore_jose::{DigestAlgorithm, Jwk, JwsAlgorithm, KeyParams};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use crate::encoding::percent_encode;
use crate::error::Error;
use crate::secret::Secret;

/// An `oauth_signature_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HMAC-SHA1` (RFC 5849 §3.4.2).
    HmacSha1,
    /// `HMAC-SHA256`: §3.4.2 with SHA-256, a widely deployed extension.
    HmacSha256,
    /// `RSA-SHA1` (RFC 5849 §3.4.3): RSASSA-PKCS1-v1_5 with SHA-1. Verification only: neither
    /// crypto backend signs RSASSA-PKCS1-v1_5 with SHA-1.
    RsaSha1,
    /// `RSA-SHA256`: §3.4.3 with SHA-256, a widely deployed extension.
    RsaSha256,
    /// `PLAINTEXT` (RFC 5849 §3.4.4): the secrets themselves, so only over TLS, and on the
    /// server side only when the policy opts in.
    Plaintext,
}

impl SignatureMethod {
    /// Every method, in the order above.
    pub const ALL: [SignatureMethod; 5] = [
        SignatureMethod::HmacSha1,
        SignatureMethod::HmacSha256,
        SignatureMethod::RsaSha1,
        SignatureMethod::RsaSha256,
        SignatureMethod::Plaintext,
    ];

    /// The name on the wire.
    pub const fn name(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
            SignatureMethod::RsaSha1 => "RSA-SHA1",
            SignatureMethod::RsaSha256 => "RSA-SHA256",
            SignatureMethod::Plaintext => "PLAINTEXT",
        }
    }

    /// Parses a wire name (exact, case-sensitive as RFC 5849 §3.4 spells them).
    pub fn from_name(name: &str) -> Result<Self, Error> {
        SignatureMethod::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| Error::UnsupportedSignatureMethod(name.to_owned()))
    }

    /// Whether the method uses the RSA key rather than the shared secrets.
    pub const fn is_rsa(self) -> bool {
        matches!(self, SignatureMethod::RsaSha1 | SignatureMethod::RsaSha256)
    }

    /// The digest of the HMAC and RSA methods (PLAINTEXT has none; SHA-1 is returned).
    pub const fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureMethod::HmacSha256 | SignatureMethod::RsaSha256 => DigestAlgorithm::Sha256,
            _ => DigestAlgorithm::Sha1,
        }
    }
}

impl fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The base string URI (RFC 5849 §3.4.1.2): scheme and host lower-cased, the port only when it
/// is not the scheme's default, the path (`/` when empty), no query and no fragment.
pub fn base_string_uri(url: &Url) -> Result<String, Error> {
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return Err(Error::Misuse(format!("not an http(s) URI: {scheme}")));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Error::Misuse("URI without a host".into()))?;
    // `Url` lower-cases the scheme and a domain host, and `port()` is `None` for the default.
    let mut out = format!("{scheme}://{}", host.to_ascii_lowercase());
    if let Some(port) = url.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    let path = url.path();
    out.push_str(if path.is_empty() { "/" } else { path });
    Ok(out)
}

/// Normalizes parameters (RFC 5849 §3.4.1.3.2): each name and value percent-encoded, sorted
/// by encoded name then encoded value in byte order, joined as `name=value` with `&`.
pub fn normalize_parameters<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> = params
        .into_iter()
        .map(|(n, v)| (percent_encode(n), percent_encode(v)))
        .collect();
    encoded.sort_unstable();
    let mut out = String::new();
    for (n, v) in &encoded {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(n);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The signature base string (RFC 5849 §3.4.1.1): the upper-cased method, the base string
/// URI and the normalized parameters, each percent-encoded, joined by `&`.
pub fn signature_base_string(method: &str, base_uri: &str, normalized_parameters: &str) -> String {
    format!(
        "{}&{}&{}",
        percent_encode(&method.to_ascii_uppercase()),
        percent_encode(base_uri),
        percent_encode(normalized_parameters)
    )
}

/// The HMAC key and the PLAINTEXT signature (RFC 5849 §3.4.2, §3.4.4): the encoded client
/// secret, `&`, and the encoded token secret (empty without a token).
fn shared_key(client_secret: &Secret, token_secret: Option<&Secret>) -> Secret {
    Secret::new(format!(
        "{}&{}",
        percent_encode(client_secret.expose()),
        token_secret.map_or_else(String::new, |t| percent_encode(t.expose()))
    ))
}

/// How the client proves itself: the client (consumer) secret for HMAC and PLAINTEXT, or an
/// RSA private key for RSA-SHA256.
pub enum ClientKey {
    /// The client shared secret.
    Secret(Secret),
    /// An RSA private key (at least 2048 bits), prepared for RSASSA-PKCS1-v1_5 with SHA-256.
    Rsa(Box<dyn SignaturePrimitive>),
}

impl ClientKey {
    /// Prepares an RSA private key (a JWK with the private parts, for example from
    /// [`Jwk::from_pem`]) for `RSA-SHA256` with `provider`.
    pub fn rsa(private_key: &Jwk, provider: &CryptoProvider) -> Result<Self, Error> {
        Ok(ClientKey::Rsa(
            provider.signer(JwsAlgorithm::RS256, &private_key.params)?,
        ))
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientKey::Secret(s) => f.debug_tuple("Secret").field(s).finish(),
            ClientKey::Rsa(_) => f.write_str("Rsa([REDACTED])"),
        }
    }
}

impl From<Secret> for ClientKey {
    fn from(s: Secret) -> Self {
        ClientKey::Secret(s)
    }
}

/// Signs `base_string` with `method` (RFC 5849 §3.4.2 to §3.4.4) and returns the
/// `oauth_signature` value (base64, or the key itself for PLAINTEXT).
pub fn sign(
    method: SignatureMethod,
    base_string: &str,
    key: &ClientKey,
    token_secret: Option<&Secret>,
    provider: &CryptoProvider,
) -> Result<String, Error> {
    match (method, key) {
        (SignatureMethod::Plaintext, ClientKey::Secret(s)) => {
            Ok(shared_key(s, token_secret).expose().to_owned())
        }
        (SignatureMethod::HmacSha1 | SignatureMethod::HmacSha256, ClientKey::Secret(s)) => {
            let k = shared_key(s, token_secret);
            let tag = provider
                .hmac
                .signer(method.digest(), k.expose().as_bytes())?
                .sign(base_string.as_bytes())?;
            Ok(STANDARD.encode(tag))
        }
        (SignatureMethod::RsaSha256, ClientKey::Rsa(k)) => {
            Ok(STANDARD.encode(k.sign(base_string.as_bytes())?))
        }
        (SignatureMethod::RsaSha1, ClientKey::Rsa(_)) => Err(Error::UnsupportedSignatureMethod(
            "RSA-SHA1 signing (no crypto backend signs RSASSA-PKCS1-v1_5 with SHA-1)".into(),
        )),
        (m, _) => Err(Error::Misuse(format!("{m} does not fit this client key"))),
    }
}

/// How the server checks the client: its shared secret, or its RSA public key.
#[derive(Debug, Clone)]
pub enum ClientVerificationKey {
    /// The client shared secret (HMAC-SHA1, HMAC-SHA256, PLAINTEXT).
    Secret(Secret),
    /// The client's RSA public key (RSA-SHA1, RSA-SHA256), for example from a certificate
    /// through [`Jwk::from_pem`].
    RsaPublic(Box<Jwk>),
}

/// Checks `signature` over `base_string` (RFC 5849 §3.4). Every mismatch, including a key that
/// does not fit the method or a signature that is not base64, is [`Error::InvalidSignature`].
pub fn verify(
    method: SignatureMethod,
    base_string: &str,
    signature: &str,
    key: &ClientVerificationKey,
    token_secret: Option<&Secret>,
    provider: &Provider,
    min_rsa_bits: usize,
) -> Result<(), Error> {
    match (method, key) {
        (SignatureMethod::Plaintext, ClientVerificationKey::Secret(s)) => {
            if shared_key(s, token_secret).matches(signature) {
                Ok(())
            } else {
                Err(Error::InvalidSignature)
            }
        }
        (
            SignatureMethod::HmacSha1 | SignatureMethod::HmacSha256,
            ClientVerificationKey::Secret(s),
        ) => {
            let sig = STANDARD
                .decode(signature)
                .map_err(|_| Error::InvalidSignature)?;
            let k = shared_key(s, token_secret);
            // The tag comparison is constant time inside the provider.
            provider
                .hmac
                .verifier(method.digest(), k.expose().as_bytes())?
                .verify(base_string.as_bytes(), &sig)?;
            Ok(())
        }
        (
            SignatureMethod::RsaSha1 | SignatureMethod::RsaSha256,
            ClientVerificationKey::RsaPublic(jwk),
        ) => {
            let sig = STANDARD
                .decode(signature)
                .map_err(|_| Error::InvalidSignature)?;
            let KeyParams::Rsa(rsa) = &jwk.params else {
                return Err(Error::Misuse("RSA methods need an RSA public key".into()));
            };
            let options = VerifyOptions { min_rsa_bits };
            let verifier = if method == SignatureMethod::RsaSha1 {
                provider.rsa_sha1_verifier_for_legacy_use_only(rsa, &options)?
            } else {
                provider.verifier(JwsAlgorithm::RS256, &jwk.params, &options)?
            };
            verifier.verify(base_string.as_bytes(), &sig)?;
            Ok(())
        }
        // A client with a shared secret sending an RSA signature (or the reverse) has not
        // signed with the key the server holds for it.
        _ => Err(Error::InvalidSignature),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_round_trip_and_unknown_is_rejected() {
        for m in SignatureMethod::ALL {
            assert_eq!(SignatureMethod::from_name(m.name()).unwrap(), m);
        }
        assert!(matches!(
            SignatureMethod::from_name("hmac-sha1"),
            Err(Error::UnsupportedSignatureMethod(_))
        ));
        assert!(matches!(
            SignatureMethod::from_name("HMAC-MD5"),
            Err(Error::UnsupportedSignatureMethod(_))
        ));
    }

    #[test]
    fn base_string_uri_rfc5849_section_3_4_1_2() {
        let u = |s: &str| base_string_uri(&Url::parse(s).unwrap()).unwrap();
        assert_eq!(
            u("http://EXAMPLE.COM:80/r%20v/X?id=123"),
            "http://example.com/r%20v/X"
        );
        assert_eq!(
            u("https://www.example.net:8080/?q=1"),
            "https://www.example.net:8080/"
        );
        assert_eq!(u("https://example.net:443"), "https://example.net/");
        assert_eq!(u("http://example.net:443/a"), "http://example.net:443/a");
        assert!(matches!(
            base_string_uri(&Url::parse("ftp://example.net/").unwrap()),
            Err(Error::Misuse(_))
        ));
    }

    #[test]
    fn plaintext_signature_encodes_both_secrets() {
        let p = authcore_jose::crypto::default_provider();
        let key = ClientKey::Secret(Secret::new("djr9rjt0jd78jf88"));
        let sig = sign(
            SignatureMethod::Plaintext,
            "",
            &key,
            Some(&Secret::new("jjd99$tj88uiths3")),
            p,
        )
        .unwrap();
        assert_eq!(sig, "djr9rjt0jd78jf88&jjd99%24tj88uiths3");
        let sig = sign(SignatureMethod::Plaintext, "", &key, None, p).unwrap();
        assert_eq!(sig, "djr9rjt0jd78jf88&");
    }

    #[test]
    fn a_key_of_the_wrong_kind_is_rejected() {
        let p = authcore_jose::crypto::default_provider();
        let key = ClientKey::Secret(Secret::new("s"));
        assert!(matches!(
            sign(SignatureMethod::RsaSha256, "x", &key, None, p),
            Err(Error::Misuse(_))
        ));
        let vk = ClientVerificationKey::Secret(Secret::new("s"));
        assert_eq!(
            verify(
                SignatureMethod::RsaSha1,
                "x",
                "AAAA",
                &vk,
                None,
                &p.into(),
                2048
            ),
            Err(Error::InvalidSignature)
        );
        assert_eq!(
            verify(
                SignatureMethod::HmacSha1,
                "x",
                "not base64!",
                &vk,
                None,
                &p.into(),
                2048
            ),
            Err(Error::InvalidSignature)
        );
    }
}
