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

/// Whether `password` matches the PHC string `phc` (any Argon2 variant, version and
/// parameters the string names). The hash's 19 MiB of working memory is kept for the next
/// check (one buffer per check running at once, at most eight kept).
pub fn verify_password(phc: &str, password: &str) -> bool {
    let pool = working_memory();
    let mut blocks = relock(pool).pop().unwrap_or_default();
    let matches = verify_in(phc, password, &mut blocks);
    let mut pool = relock(pool);
    if pool.len() < MAX_CONCURRENT_HASHES {
        pool.push(blocks);
    }
    matches
}

/// Argon2's working memory kept between password checks, one buffer for each check running
/// at once (at most [`MAX_CONCURRENT_HASHES`] kept), each sized by the last hash it served:
/// 19 MiB for the parameters authcore-server hashes with. Freed after every check instead,
/// the buffers stayed with the allocator's per-thread arenas, and the resident memory of
/// `authcore serve` grew with every burst of sign-ins (from 21 to 421 MiB over four bursts of
/// 16 under the load generator).
fn working_memory() -> &'static std::sync::Mutex<Vec<Vec<argon2::Block>>> {
    static POOL: std::sync::Mutex<Vec<Vec<argon2::Block>>> = std::sync::Mutex::new(Vec::new());
    &POOL
}

fn relock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The check of [`verify_password`] in `blocks`: the PHC string's algorithm, version,
/// parameters and salt, its hash recomputed and compared in constant time.
fn verify_in(phc: &str, password: &str, blocks: &mut Vec<argon2::Block>) -> bool {
    use argon2::password_hash::{Output, PasswordHash};
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (hash.hash, hash.salt) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let version = match hash.version.map(argon2::Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = argon2::Params::try_from(&hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    // Every block is written before it is read, so a reused buffer needs no clearing.
    blocks.resize(params.block_count(), argon2::Block::default());
    let mut computed = vec![0u8; expected.len()];
    argon2::Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, &mut blocks[..])
        .is_ok()
        // `Output`'s equality is constant-time.
        && Output::new(&computed).is_ok_and(|c| c == expected)
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
    let matches = with_hashing_permit(move || verify_password(&phc, &password))
        .await
        .unwrap_or(false);
    Ok(account.filter(|_| matches))
}

/// Runs the password hash `hash` on the blocking pool once a hashing permit is free, holding
/// it until the hash is done: at most [`hashing_permits`] hashes (19 MiB each) are in memory
/// at once, however many sign-ins arrive together. `None` if the hash could not run.
async fn with_hashing_permit<T: Send + 'static>(
    hash: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    // The semaphore is never closed, so acquiring fails only in theory.
    let _permit = hashing_permits().acquire().await.ok()?;
    tokio::task::spawn_blocking(hash).await.ok()
}

/// Most password hashes verified at once by this process: one per core the process may use,
/// at most [`MAX_CONCURRENT_HASHES`]. Each Argon2id verification takes 19 MiB and a core for
/// its duration, so more at once only adds memory (a burst of sign-ins would otherwise take
/// 19 MiB each) without finishing sooner; the others wait their turn.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        tokio::sync::Semaphore::new(cores.clamp(1, MAX_CONCURRENT_HASHES))
    })
}

/// The ceiling of [`hashing_permits`] on machines with many cores.
const MAX_CONCURRENT_HASHES: usize = 8;

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

    #[test]
    fn checks_reuse_their_working_memory_across_parameters() {
        use argon2::password_hash::{PasswordHasher, SaltString};
        // Hashes with other parameters and variants than the default, made by the argon2
        // crate itself: each verifies in a buffer another hash used before it.
        let small = argon2::Params::new(64, 1, 1, None).unwrap();
        let other = [
            (argon2::Algorithm::Argon2id, small.clone()),
            (
                argon2::Algorithm::Argon2i,
                argon2::Params::new(256, 2, 1, Some(16)).unwrap(),
            ),
            (argon2::Algorithm::Argon2d, small),
        ];
        let default_phc = hash_password("wonderland", &InsecureTestRandom::new(5)).unwrap();
        for (algorithm, params) in other {
            let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
            let phc = argon2::Argon2::new(algorithm, argon2::Version::V0x13, params)
                .hash_password(b"queen of hearts", &salt)
                .unwrap()
                .to_string();
            assert!(verify_password(&phc, "queen of hearts"), "{phc}");
            assert!(!verify_password(&phc, "queen of spades"), "{phc}");
            assert!(verify_password(&default_phc, "wonderland"));
        }
        // A PHC string with parameters Argon2 refuses, or parts missing: no match, no panic.
        for bad in [
            "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
            "$argon2id$v=7$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$scrypt$ln=16,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
        ] {
            assert!(!verify_password(bad, "wonderland"), "{bad}");
        }
        // The buffers wait for the next check, never more than the hashes at once allow.
        let kept = relock(working_memory());
        assert!(
            (1..=MAX_CONCURRENT_HASHES).contains(&kept.len()),
            "{}",
            kept.len()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn password_hashes_wait_for_a_hashing_permit() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let permits = hashing_permits();
        let limit = permits.available_permits();
        assert!((1..=MAX_CONCURRENT_HASHES).contains(&limit), "{limit}");
        // Every permit taken: a hash cannot start. (Its start is awaited for half a second;
        // with a permit free it starts at once.)
        let held = permits.acquire_many(limit as u32).await.unwrap();
        let started = Arc::new(AtomicBool::new(false));
        let hash = tokio::spawn(with_hashing_permit({
            let started = started.clone();
            move || started.store(true, Ordering::SeqCst)
        }));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let waited = tokio::time::timeout(std::time::Duration::from_millis(500), rx).await;
        drop(tx);
        assert!(waited.is_err());
        assert!(
            !started.load(Ordering::SeqCst),
            "a hash ran without a hashing permit"
        );
        // Released: it runs, and gives its permit back.
        drop(held);
        assert_eq!(hash.await.unwrap(), Some(()));
        assert!(started.load(Ordering::SeqCst));
        assert_eq!(permits.available_permits(), limit);
    }

    #[tokio::test]
    async fn the_password_check_finds_the_account_only_with_its_password() {
        let store = crate::MemoryProviderStore::new();
        let phc = hash_password("wonderland", &InsecureTestRandom::new(4)).unwrap();
        store
            .put_account(AccountRecord {
                subject: "s-check".into(),
                username: "check".into(),
                password_hash: phc,
                claims: serde_json::Map::new(),
            })
            .await
            .unwrap();
        let found = check_password(&store, "check", "wonderland").await.unwrap();
        assert_eq!(found.map(|a| a.subject).as_deref(), Some("s-check"));
        assert!(
            check_password(&store, "check", "Wonderland")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            check_password(&store, "nobody", "wonderland")
                .await
                .unwrap()
                .is_none()
        );
    }
}
