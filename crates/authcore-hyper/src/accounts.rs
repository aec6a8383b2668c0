//! End-user accounts: password hashing (Argon2id, the PHC strings authcore-server makes for
//! human-chosen secrets) and the password check of the login page and the legacy password
//! grant.

use authcore_jose::SecureRandom;
use authcore_server::model::StoredSecret;

use crate::store::{AccountRecord, ProviderStore, StoreError};

/// Why a password could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHashError;

impl std::fmt::Display for PasswordHashError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the password could not be hashed")
    }
}

impl std::error::Error for PasswordHashError {}

/// The Argon2id PHC string of `password` (RFC 9106 parameters as authcore-server hashes
/// human-chosen client secrets), with a salt from `rng`: what [`AccountRecord::password_hash`]
/// holds.
pub fn hash_password(password: &str, rng: &dyn SecureRandom) -> Result<String, PasswordHashError> {
    match authcore_server::client_auth::hash_chosen_secret(password, rng) {
        Ok(StoredSecret::Argon2id(phc)) => Ok(phc),
        _ => Err(PasswordHashError),
    }
}

/// Whether `password` matches the PHC string `phc`.
pub fn verify_password(phc: &str, password: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A PHC string no password matches in practice, checked when the username is unknown so the
/// answer takes as long as for a known one (no account enumeration by timing).
const DECOY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lkZWNveWRlY295$9Pv1h6u0vN8lq5z9qv0dQ3e4cXnJ6w2mY4kKx1yHc2A";

/// The account `username` if `password` is its password. Argon2 is slow on purpose, so the
/// check runs on the blocking pool, not on the request's task.
pub async fn check_password(
    store: &dyn ProviderStore,
    username: &str,
    password: &str,
) -> Result<Option<AccountRecord>, StoreError> {
    let account = store.account_by_username(username.to_owned()).await?;
    let phc = account
        .as_ref()
        .map_or_else(|| DECOY_PHC.to_owned(), |a| a.password_hash.clone());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&phc, &password))
        .await
        .unwrap_or(false);
    Ok(account.filter(|_| matches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use authcore_jose::InsecureTestRandom;

    #[test]
    fn a_hashed_password_verifies_and_others_do_not() {
        let phc = hash_password("wonderland", &InsecureTestRandom::new(3)).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password(&phc, "wonderland"));
        assert!(!verify_password(&phc, "Wonderland"));
        assert!(!verify_password(&phc, ""));
        assert!(!verify_password("not a phc string", "wonderland"));
        assert!(!verify_password(DECOY_PHC, "wonderland"));
    }
}
