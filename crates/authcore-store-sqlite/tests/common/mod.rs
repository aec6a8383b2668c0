//! Helpers shared by the integration tests: a temporary directory removed on drop, and
//! the store contract's record fixtures (authcore-hyper's `test_support`, shared with the
//! PostgreSQL store's tests).

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

#[allow(unused_imports)] // each test file uses its own subset
pub use authcore_hyper::test_support::{
    NOW, account, code, device_code, grant, handle as h, interaction, later, pushed, session, token,
};

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
