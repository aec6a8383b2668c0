//! Helpers shared by the integration tests: a temporary directory removed on drop, and
//! records to store.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use authcore_jose::UnixTime;
use authcore_server::model::{
    AuthorizationCodeRecord, CodeChallenge, Confirmation, DeviceCodeRecord, DeviceCodeStatus,
    GrantId, GrantRecord, InteractionRecord, PushedRequestRecord, TokenHash, TokenKind,
    TokenRecord,
};

/// The time the tests run at.
pub const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);

/// A directory under the system's temporary directory, removed (with its contents) on drop,
/// also when the test fails.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "authcore-store-sqlite-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The database file's path in this directory.
    pub fn db(&self) -> PathBuf {
        self.0.join("store.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn h(s: &str) -> TokenHash {
    TokenHash::from_stored(format!("k1.{s}"))
}

pub fn grant(id: &str, created_at: UnixTime) -> GrantRecord {
    GrantRecord::new(
        GrantId(id.into()),
        "client",
        "alice",
        vec!["openid".into()],
        vec![],
        created_at,
    )
}

pub fn code(handle: &str, grant: &str, expires_at: UnixTime) -> AuthorizationCodeRecord {
    AuthorizationCodeRecord {
        handle: h(handle),
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        redirect_uri: Some("https://app.example/cb".into()),
        code_challenge: Some(CodeChallenge {
            challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: authcore_oauth2::PkceMethod::S256,
        }),
        scopes: vec!["openid".into()],
        resources: vec![],
        dpop_jkt: None,
        nonce: Some("n".into()),
        issued_at: NOW,
        expires_at,
        used: false,
    }
}

pub fn token(
    handle: &str,
    kind: TokenKind,
    grant: &str,
    expires_at: Option<UnixTime>,
) -> TokenRecord {
    TokenRecord {
        handle: h(handle),
        kind,
        grant_id: GrantId(grant.into()),
        client_id: "client".into(),
        subject: "alice".into(),
        scopes: vec!["openid".into()],
        resources: vec!["https://rs.example".into()],
        cnf: Some(Confirmation {
            jkt: Some("jkt".into()),
            x5t_s256: None,
        }),
        issued_at: NOW,
        expires_at,
        rotated: false,
        revoked: false,
        act: None,
    }
}

pub fn device_code(handle: &str, expires_at: UnixTime) -> DeviceCodeRecord {
    DeviceCodeRecord {
        handle: h(handle),
        user_code_handle: h(&format!("user-{handle}")),
        client_id: "tv".into(),
        scopes: vec!["openid".into()],
        resources: vec![],
        issued_at: NOW,
        expires_at,
        interval: 5,
        last_polled_at: None,
        failed_attempts: 0,
        status: DeviceCodeStatus::Pending,
    }
}

pub fn pushed(handle: &str, expires_at: UnixTime) -> PushedRequestRecord {
    PushedRequestRecord {
        handle: h(handle),
        client_id: "client".into(),
        params: vec![("response_type".into(), "code".into())],
        expires_at,
        used: false,
    }
}

pub fn interaction(handle: &str, expires_at: UnixTime) -> InteractionRecord {
    InteractionRecord {
        handle: h(handle),
        client_id: "client".into(),
        params: vec![("scope".into(), "openid".into())],
        created_at: NOW,
        expires_at,
        extra: serde_json::Map::new(),
    }
}
