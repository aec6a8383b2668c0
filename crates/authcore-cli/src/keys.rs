//! Key files: a JWK, a JWK Set, or PEM; and the verification, signing, decryption or
//! encryption keys built from them.
//!
//! The algorithm of every key comes from the key's `alg` member or from `--alg`, never from a
//! token (RFC 8725 §3.1).

use std::path::Path;

use authcore_jose::crypto::{CryptoProvider, VerifyOptions};
use authcore_jose::jwe::{DecryptionKey, DecryptionKeys, EncryptionKey};
use authcore_jose::{
    ContentEncryptionAlgorithm, Error, Jwk, JwkSet, JwsAlgorithm, KeyManagementAlgorithm, KeyType,
    SigningKey, VerifyingKey, VerifyingKeys, json,
};

use crate::Failure;
use crate::io::read_input;

/// The contents of a key file.
#[derive(Debug)]
pub enum KeyFile {
    /// One key (a JWK, or a PEM key or certificate).
    Single(Box<Jwk>),
    /// A JWK Set.
    Set(JwkSet),
}

/// Reads and parses a key file: PEM when it starts with `-----BEGIN`, else JSON (a JWK Set when
/// the object has a `keys` member, else a JWK). Any failure is a usage failure.
pub fn load(path: &Path) -> Result<KeyFile, Failure> {
    let bytes = read_input(path, "key file")?;
    let bad = |e: Error| Failure::usage(format!("key file {}: {e}", path.display()));
    if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Failure::usage(format!("key file {}: PEM is not UTF-8", path.display()))
        })?;
        return Ok(KeyFile::Single(Box::new(from_pem(text).map_err(bad)?)));
    }
    let object = json::parse_object(&bytes).map_err(|e| {
        Failure::usage(format!(
            "key file {}: not a JWK, JWK Set or PEM key: {e}",
            path.display()
        ))
    })?;
    if object.contains_key("keys") {
        Ok(KeyFile::Set(JwkSet::from_json(&bytes).map_err(bad)?))
    } else {
        Ok(KeyFile::Single(Box::new(
            Jwk::from_map(object).map_err(bad)?,
        )))
    }
}

/// Reads a key file that must hold exactly one key.
pub fn load_single(path: &Path) -> Result<Jwk, Failure> {
    match load(path)? {
        KeyFile::Single(jwk) => Ok(*jwk),
        KeyFile::Set(_) => Err(Failure::usage(format!(
            "key file {} is a JWK Set; this command needs a single key",
            path.display()
        ))),
    }
}

/// Parses PEM into a JWK.
pub fn from_pem(text: &str) -> Result<Jwk, Error> {
    Jwk::from_pem(text)
}

/// Builds the trusted verification keys from a key file and the `--alg` list.
///
/// - A single key with `alg`: that algorithm, which must be in `algs` when `algs` is not empty.
/// - A single key without `alg`: one key per algorithm in `algs`; `algs` must not be empty.
/// - A JWK Set with `algs`: the allow-list; keys with `alg` keep theirs, keys without get one
///   verification key per listed algorithm that fits them.
/// - A JWK Set without `algs`: only keys that declare `alg` are used.
///
/// A private key contributes its public part.
pub fn verifying_keys(
    file: KeyFile,
    algs: &[JwsAlgorithm],
    provider: &CryptoProvider,
) -> Result<VerifyingKeys, Failure> {
    let options = VerifyOptions::default();
    match file {
        KeyFile::Single(jwk) => {
            let jwk = public_part(*jwk)?;
            let mut keys = VerifyingKeys::new();
            match declared_alg(&jwk)? {
                Some(alg) => {
                    if !algs.is_empty() && !algs.contains(&alg) {
                        return Err(Failure::usage(format!(
                            "the key is for {alg}, which the --alg list does not include"
                        )));
                    }
                    keys.push(verifying_key(&jwk, alg, provider)?);
                }
                None if algs.is_empty() => {
                    return Err(Failure::usage(
                        "the key has no `alg`: name the algorithm with --alg \
                         (it is never taken from the token)",
                    ));
                }
                None => {
                    for &alg in algs {
                        keys.push(verifying_key(&jwk, alg, provider)?);
                    }
                }
            }
            Ok(keys)
        }
        KeyFile::Set(set) if algs.is_empty() => {
            let mut keys = VerifyingKeys::new();
            for jwk in &set.keys {
                let Ok(Some(alg)) = declared_alg(jwk) else {
                    continue;
                };
                if provider.supports(alg) {
                    if let Ok(k) = VerifyingKey::from_jwk_with(jwk, Some(alg), provider, &options) {
                        keys.push(k);
                    }
                }
            }
            if keys.is_empty() {
                return Err(Failure::usage(
                    "no key in the JWK Set declares a usable signature `alg`: \
                     name the allowed algorithms with --alg",
                ));
            }
            Ok(keys)
        }
        KeyFile::Set(set) => {
            // An empty result is an error naming why each key was skipped.
            VerifyingKeys::from_jwk_set(&set, algs, provider, &options)
                .map_err(|e| Failure::usage(format!("JWK Set: {e}")))
        }
    }
}

fn verifying_key(
    jwk: &Jwk,
    alg: JwsAlgorithm,
    provider: &CryptoProvider,
) -> Result<VerifyingKey, Failure> {
    VerifyingKey::from_jwk(jwk, Some(alg), provider).map_err(|e| {
        Failure::usage(format!(
            "cannot verify {alg} with this key: {e}{}",
            hint(&e, provider)
        ))
    })
}

/// The JWS algorithm a JWK declares; an `alg` that is not a JWS algorithm (a JWE one, say) is a
/// usage failure.
fn declared_alg(jwk: &Jwk) -> Result<Option<JwsAlgorithm>, Failure> {
    declared(jwk, "a JWS signature algorithm")
}

/// The JWE key management algorithm a JWK declares; an `alg` that is not one (a signature
/// algorithm, say) is a usage failure.
fn declared_key_alg(jwk: &Jwk) -> Result<Option<KeyManagementAlgorithm>, Failure> {
    declared(jwk, "a JWE key management algorithm")
}

/// The JWK's `alg` parsed as `A`; `what` names the kind of algorithm expected.
fn declared<A: std::str::FromStr>(jwk: &Jwk, what: &str) -> Result<Option<A>, Failure> {
    match &jwk.alg {
        None => Ok(None),
        Some(a) => a
            .parse()
            .map(Some)
            .map_err(|_| Failure::usage(format!("the key's `alg` is `{a}`, not {what}"))),
    }
}

/// The public part of an asymmetric private key; symmetric and public keys as they are.
fn public_part(jwk: Jwk) -> Result<Jwk, Failure> {
    if jwk.is_private() && jwk.key_type() != KeyType::Oct {
        jwk.to_public().map_err(|e| Failure::usage(e.to_string()))
    } else {
        Ok(jwk)
    }
}

/// Builds a signing key from a single-key file, `--alg` and `--kid`.
pub fn signing_key(
    path: &Path,
    alg: Option<JwsAlgorithm>,
    kid: Option<&str>,
    provider: &CryptoProvider,
) -> Result<SigningKey, Failure> {
    let jwk = load_single(path)?;
    if !jwk.is_private() {
        return Err(Failure::usage(format!(
            "key file {} holds a public key; signing needs the private key",
            path.display()
        )));
    }
    if jwk.alg.is_none() && alg.is_none() {
        return Err(Failure::usage(
            "the key has no `alg`: name the algorithm with --alg",
        ));
    }
    let key = SigningKey::from_jwk(&jwk, alg, provider).map_err(|e| {
        Failure::usage(format!(
            "cannot sign with this key: {e}{}",
            hint(&e, provider)
        ))
    })?;
    Ok(match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    })
}

/// Builds the decryption keys from a key file, the `--alg` list and the `--enc` list, by the
/// rules of [`verifying_keys`]: a single key decrypts with its `alg` (which must be listed when
/// any is) or, without one, with each listed algorithm; a JWK Set with `--alg` takes the list
/// as its allow-list, without it only keys that declare a key management `alg`. `encs`, when
/// not empty, limits the content encryption.
pub fn decryption_keys(
    file: KeyFile,
    algs: &[KeyManagementAlgorithm],
    encs: &[ContentEncryptionAlgorithm],
    provider: &CryptoProvider,
) -> Result<DecryptionKeys, Failure> {
    let restrict = |k: DecryptionKey| {
        if encs.is_empty() {
            k
        } else {
            k.with_content_encryption(encs)
        }
    };
    let build = |jwk: &Jwk, alg: KeyManagementAlgorithm| {
        DecryptionKey::from_jwk(jwk, Some(alg), provider)
            .map(restrict)
            .map_err(|e| {
                Failure::usage(format!(
                    "cannot decrypt {alg} with this key: {e}{}",
                    hint(&e, provider)
                ))
            })
    };
    let mut keys = DecryptionKeys::new();
    match file {
        KeyFile::Single(jwk) => match declared_key_alg(&jwk)? {
            Some(alg) => {
                if !algs.is_empty() && !algs.contains(&alg) {
                    return Err(Failure::usage(format!(
                        "the key is for {alg}, which the --alg list does not include"
                    )));
                }
                keys.push(build(&jwk, alg)?);
            }
            None if algs.is_empty() => {
                return Err(Failure::usage(
                    "the key has no `alg`: name the key management algorithm with --alg \
                     (it is never taken from the token)",
                ));
            }
            None => {
                for &alg in algs {
                    keys.push(build(&jwk, alg)?);
                }
            }
        },
        KeyFile::Set(set) if algs.is_empty() => {
            for jwk in &set.keys {
                if let Ok(Some(alg)) = declared_key_alg(jwk) {
                    if let Ok(k) = DecryptionKey::from_jwk(jwk, Some(alg), provider) {
                        keys.push(restrict(k));
                    }
                }
            }
            if keys.is_empty() {
                return Err(Failure::usage(
                    "no key in the JWK Set declares a usable key management `alg`: \
                     name the allowed algorithms with --alg",
                ));
            }
        }
        KeyFile::Set(set) => {
            let encs = if encs.is_empty() {
                &ContentEncryptionAlgorithm::ALL[..]
            } else {
                encs
            };
            // An empty result is an error naming why each key was skipped.
            keys = DecryptionKeys::from_jwk_set(&set, algs, encs, provider)
                .map_err(|e| Failure::usage(format!("JWK Set: {e}")))?;
        }
    }
    Ok(keys)
}

/// Builds the recipient's encryption key from a key file, `--alg` and `--kid`: a single key
/// (a private key contributes its public part), or the key of a JWK Set chosen by `--kid` and
/// the algorithm.
pub fn encryption_key(
    path: &Path,
    alg: Option<KeyManagementAlgorithm>,
    kid: Option<&str>,
    provider: &CryptoProvider,
) -> Result<EncryptionKey, Failure> {
    let fail = |e: Error| {
        Failure::usage(format!(
            "cannot encrypt with this key: {e}{}",
            hint(&e, provider)
        ))
    };
    let key = match load(path)? {
        KeyFile::Single(jwk) => {
            if jwk.alg.is_none() && alg.is_none() {
                return Err(Failure::usage(
                    "the key has no `alg`: name the key management algorithm with --alg",
                ));
            }
            EncryptionKey::from_jwk(&public_part(*jwk)?, alg, provider).map_err(fail)?
        }
        KeyFile::Set(set) => {
            let Some(alg) = alg else {
                return Err(Failure::usage(
                    "a JWK Set needs --alg (and --kid) to choose the recipient's key",
                ));
            };
            EncryptionKey::from_jwk_set(&set, kid, alg, provider).map_err(fail)?
        }
    };
    Ok(match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    })
}

/// A suggestion appended to "unsupported algorithm" errors when another provider might help:
/// only when ring was forced in a build that also has aws-lc-rs (the default provider of
/// such a build already has every algorithm).
pub fn hint(e: &Error, provider: &CryptoProvider) -> &'static str {
    let other = cfg!(feature = "aws-lc-rs") && provider.name() == "ring";
    if matches!(e, Error::UnsupportedAlgorithm(_)) && other {
        " (try without --provider, or --provider aws-lc-rs)"
    } else {
        ""
    }
}
