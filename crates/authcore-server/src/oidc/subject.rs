//! Subject identifier types (OpenID Connect Core 1.0 §8): `public` (the same `sub` for every
//! client) and `pairwise` (§8.1: a different `sub` per sector, so that clients of different
//! sectors cannot correlate a user).

use authcore_jose::{DigestAlgorithm, SecretBytes};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use url::Url;

use crate::model::ClientRecord;
use crate::step::Context;

/// The client metadata choosing the subject type (Registration §2).
pub const SUBJECT_TYPE: &str = "subject_type";
/// The client metadata naming the sector identifier document (Registration §2, Core §8.1).
pub const SECTOR_IDENTIFIER_URI: &str = "sector_identifier_uri";
/// The longest sector identifier document read (a JSON array of redirect URIs).
pub const MAX_SECTOR_DOCUMENT_BYTES: usize = 64 * 1024;

/// Why a client's pairwise registration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubjectError {
    /// `subject_type` is neither `public` nor `pairwise`, or `pairwise` without the
    /// provider's pairwise salt.
    UnsupportedSubjectType,
    /// `sector_identifier_uri` is not an https URL.
    InvalidSectorIdentifierUri,
    /// The redirect URIs have several hosts and no `sector_identifier_uri` says which sector
    /// they belong to (Core §8.1).
    AmbiguousSector,
    /// The sector identifier document is not a JSON array of strings.
    InvalidSectorDocument,
    /// A registered redirect URI is missing from the sector identifier document (§8.1).
    RedirectUriNotInSector(String),
}

impl core::fmt::Display for SubjectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SubjectError::UnsupportedSubjectType => f.write_str("unsupported subject_type"),
            SubjectError::InvalidSectorIdentifierUri => {
                f.write_str("sector_identifier_uri must be an https URL")
            }
            SubjectError::AmbiguousSector => {
                f.write_str("redirect_uris have several hosts: a sector_identifier_uri is required")
            }
            SubjectError::InvalidSectorDocument => {
                f.write_str("the sector identifier document is not a JSON array of URIs")
            }
            SubjectError::RedirectUriNotInSector(u) => {
                write!(
                    f,
                    "redirect URI {u} is not in the sector identifier document"
                )
            }
        }
    }
}

impl std::error::Error for SubjectError {}

/// Whether the client registered `subject_type` `pairwise` (`public` is the default).
pub fn is_pairwise(client: &ClientRecord) -> Result<bool, SubjectError> {
    match client.extra.get(SUBJECT_TYPE) {
        None => Ok(false),
        Some(Value::String(t)) if t == "public" => Ok(false),
        Some(Value::String(t)) if t == "pairwise" => Ok(true),
        Some(_) => Err(SubjectError::UnsupportedSubjectType),
    }
}

/// The sector identifier of a pairwise client (Core §8.1): the host of its
/// `sector_identifier_uri`, or else the host of its redirect URIs, which must then all share
/// one host.
pub fn sector_identifier(client: &ClientRecord) -> Result<String, SubjectError> {
    if let Some(v) = client.extra.get(SECTOR_IDENTIFIER_URI) {
        let url = v
            .as_str()
            .and_then(|s| Url::parse(s).ok())
            .filter(|u| u.scheme() == "https")
            .ok_or(SubjectError::InvalidSectorIdentifierUri)?;
        return url
            .host_str()
            .map(str::to_owned)
            .ok_or(SubjectError::InvalidSectorIdentifierUri);
    }
    let mut hosts = client
        .redirect_uris
        .iter()
        .filter_map(|u| Url::parse(u).ok()?.host_str().map(str::to_owned));
    let first = hosts.next().ok_or(SubjectError::AmbiguousSector)?;
    if hosts.any(|h| h != first) {
        return Err(SubjectError::AmbiguousSector);
    }
    Ok(first)
}

/// Checks the document fetched from `sector_identifier_uri` (the adapter fetches it when a
/// `Need::Fetch` asks, at registration): a JSON array of URIs holding every one of
/// `redirect_uris` (Core §8.1). Never panics on any input.
pub fn validate_sector_document(
    document: &[u8],
    redirect_uris: &[String],
) -> Result<(), SubjectError> {
    if document.len() > MAX_SECTOR_DOCUMENT_BYTES {
        return Err(SubjectError::InvalidSectorDocument);
    }
    let listed: Vec<String> =
        serde_json::from_slice(document).map_err(|_| SubjectError::InvalidSectorDocument)?;
    for uri in redirect_uris {
        if !listed.iter().any(|l| l == uri) {
            return Err(SubjectError::RedirectUriNotInSector(uri.clone()));
        }
    }
    Ok(())
}

/// The pairwise subject of `local_subject` for `sector` (Core §8.1's suggested
/// construction): base64url(SHA-256(sector ‖ local subject ‖ salt)), with a zero byte
/// between the parts so that no two different pairs give the same input.
pub fn pairwise_subject(
    sector: &str,
    local_subject: &str,
    salt: &SecretBytes,
    ctx: &Context<'_>,
) -> String {
    let mut input = Vec::with_capacity(sector.len() + local_subject.len() + 2 + 32);
    input.extend_from_slice(sector.as_bytes());
    input.push(0);
    input.extend_from_slice(local_subject.as_bytes());
    input.push(0);
    input.extend_from_slice(salt.expose());
    URL_SAFE_NO_PAD.encode(ctx.keys.provider.digest(DigestAlgorithm::Sha256, &input))
}

/// The `sub` `client` sees for the provider's `local_subject`: the local one for `public`
/// clients, the pairwise one for `pairwise` clients (which need the provider's pairwise
/// salt, `ServerKeys::pairwise_salt`).
pub fn subject_for(
    client: &ClientRecord,
    local_subject: &str,
    ctx: &Context<'_>,
) -> Result<String, SubjectError> {
    if !is_pairwise(client)? {
        return Ok(local_subject.to_owned());
    }
    let salt = ctx
        .keys
        .pairwise_salt
        .as_ref()
        .ok_or(SubjectError::UnsupportedSubjectType)?;
    Ok(pairwise_subject(
        &sector_identifier(client)?,
        local_subject,
        salt,
        ctx,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ServerConfig, ServerKeys};
    use crate::model::ClientAuthMethod;
    use authcore_jose::{InsecureTestRandom, UnixTime};

    fn client(redirects: &[&str]) -> ClientRecord {
        let mut c = ClientRecord::new("c", ClientAuthMethod::None);
        c.redirect_uris = redirects.iter().map(|s| (*s).to_owned()).collect();
        c.extra.insert(SUBJECT_TYPE.into(), "pairwise".into());
        c
    }

    #[test]
    fn pairwise_subjects_differ_by_sector_and_are_stable_within_one() {
        let rng = InsecureTestRandom::new(3);
        let config = ServerConfig::new("https://op.example").unwrap();
        let keys = ServerKeys::generate(authcore_jose::crypto::default_provider(), &rng)
            .unwrap()
            .with_pairwise_salt(SecretBytes::new(b"salt-of-the-provider".to_vec()));
        let ctx = Context::new(&config, &keys, UnixTime::from_secs(0), &rng);
        let a1 = client(&["https://a.example/cb", "https://a.example/other"]);
        let a2 = client(&["https://a.example/cb2"]);
        let b = client(&["https://b.example/cb"]);
        let sa1 = subject_for(&a1, "alice", &ctx).unwrap();
        assert_eq!(sa1, subject_for(&a2, "alice", &ctx).unwrap());
        assert_ne!(sa1, subject_for(&b, "alice", &ctx).unwrap());
        assert_ne!(sa1, subject_for(&a1, "bob", &ctx).unwrap());
        assert_ne!(sa1, "alice");
        assert_eq!(sa1.len(), 43);
        // A public client sees the local subject.
        let mut public = client(&["https://a.example/cb"]);
        public.extra.insert(SUBJECT_TYPE.into(), "public".into());
        assert_eq!(subject_for(&public, "alice", &ctx).unwrap(), "alice");
        // The sector identifier URI's host decides when registered.
        let mut multi = client(&["https://a.example/cb", "https://c.example/cb"]);
        assert_eq!(
            subject_for(&multi, "alice", &ctx),
            Err(SubjectError::AmbiguousSector)
        );
        multi.extra.insert(
            SECTOR_IDENTIFIER_URI.into(),
            "https://a.example/sector.json".into(),
        );
        assert_eq!(subject_for(&multi, "alice", &ctx).unwrap(), sa1);
    }

    #[test]
    fn pairwise_needs_a_salt_and_valid_metadata() {
        let rng = InsecureTestRandom::new(4);
        let config = ServerConfig::new("https://op.example").unwrap();
        let keys = ServerKeys::generate(authcore_jose::crypto::default_provider(), &rng).unwrap();
        let ctx = Context::new(&config, &keys, UnixTime::from_secs(0), &rng);
        let c = client(&["https://a.example/cb"]);
        assert_eq!(
            subject_for(&c, "alice", &ctx),
            Err(SubjectError::UnsupportedSubjectType)
        );
        let mut odd = c.clone();
        odd.extra.insert(SUBJECT_TYPE.into(), "random".into());
        assert_eq!(is_pairwise(&odd), Err(SubjectError::UnsupportedSubjectType));
        let mut http_sector = c.clone();
        http_sector.extra.insert(
            SECTOR_IDENTIFIER_URI.into(),
            "http://a.example/sector.json".into(),
        );
        assert_eq!(
            sector_identifier(&http_sector),
            Err(SubjectError::InvalidSectorIdentifierUri)
        );
        assert_eq!(
            sector_identifier(&client(&[])),
            Err(SubjectError::AmbiguousSector)
        );
    }

    #[test]
    fn the_sector_document_must_list_every_redirect_uri() {
        let uris = vec![
            "https://a.example/cb".to_owned(),
            "https://b.example/cb".to_owned(),
        ];
        assert!(
            validate_sector_document(
                br#"["https://a.example/cb","https://b.example/cb","x"]"#,
                &uris
            )
            .is_ok()
        );
        assert_eq!(
            validate_sector_document(br#"["https://a.example/cb"]"#, &uris),
            Err(SubjectError::RedirectUriNotInSector(
                "https://b.example/cb".into()
            ))
        );
        for bad in [&b"{}"[..], b"[1]", b"not json", b""] {
            assert_eq!(
                validate_sector_document(bad, &uris),
                Err(SubjectError::InvalidSectorDocument)
            );
        }
        let huge = vec![b' '; MAX_SECTOR_DOCUMENT_BYTES + 1];
        assert_eq!(
            validate_sector_document(&huge, &uris),
            Err(SubjectError::InvalidSectorDocument)
        );
    }

    proptest::proptest! {
        #[test]
        fn the_sector_document_check_never_panics(doc in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = validate_sector_document(&doc, &["https://a.example/cb".to_owned()]);
        }
    }
}
