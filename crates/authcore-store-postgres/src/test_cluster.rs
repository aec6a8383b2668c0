//! Test support: a throwaway PostgreSQL cluster, started by the project's
//! `tests/postgres/cluster.sh` (which installs PostgreSQL when missing, runs it as a non-root
//! user on a free port of 127.0.0.1 in its own data directory) and stopped when the guard is
//! dropped, also when a test fails.
//!
//! Tests that need it call [`skip_test`] first: they are skipped (with the reason printed)
//! only when `AUTHCORE_SKIP_POSTGRES=1`; otherwise a cluster that cannot be started fails
//! the test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The environment variable that skips the PostgreSQL tests when set to `1`.
pub const SKIP_VARIABLE: &str = "AUTHCORE_SKIP_POSTGRES";

/// The environment variable that names another cluster script than the project's.
pub const SCRIPT_VARIABLE: &str = "AUTHCORE_PG_CLUSTER_SCRIPT";

/// Why the PostgreSQL tests are skipped, or `None` when they run.
pub fn skip_reason() -> Option<String> {
    (std::env::var(SKIP_VARIABLE).as_deref() == Ok("1"))
        .then(|| format!("{SKIP_VARIABLE}=1: PostgreSQL tests skipped"))
}

/// Whether to skip a PostgreSQL test: when [`skip_reason`] gives a reason, it is written to
/// the process's standard error (past the test harness's capture, so a skipped run says so)
/// and the test returns early.
pub fn skip_test(test: &str) -> bool {
    use std::io::Write as _;
    match skip_reason() {
        Some(reason) => {
            let _ = writeln!(std::io::stderr(), "{test}: {reason}");
            true
        }
        None => false,
    }
}

/// A running throwaway cluster; dropping it stops the cluster and removes its directory.
#[derive(Debug)]
pub struct TestCluster {
    dir: PathBuf,
    script: PathBuf,
    url: String,
}

static NEXT_CLUSTER: AtomicU32 = AtomicU32::new(0);
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);
static SHARED: Mutex<Weak<TestCluster>> = Mutex::new(Weak::new());

impl TestCluster {
    /// Starts a new cluster of its own (for tests that stop and restart it).
    pub fn start() -> Result<TestCluster, String> {
        let script = script_path();
        let dir = std::env::temp_dir().join(format!(
            "authcore-pg-{}-{}",
            std::process::id(),
            NEXT_CLUSTER.fetch_add(1, Ordering::Relaxed)
        ));
        // Created here with the default mode (searchable by the cluster's user, who may not
        // be the caller); the script narrows it to that user.
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut cluster = TestCluster {
            dir,
            script,
            url: String::new(),
        };
        cluster.url = cluster.run("start")?;
        Ok(cluster)
    }

    /// A cluster shared with the other tests of this process that run at the same time: it
    /// stops when the last of them drops its handle.
    pub fn shared() -> Result<Arc<TestCluster>, String> {
        let mut shared = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cluster) = shared.upgrade() {
            return Ok(cluster);
        }
        let cluster = Arc::new(TestCluster::start()?);
        *shared = Arc::downgrade(&cluster);
        Ok(cluster)
    }

    /// The URL of the cluster's `postgres` database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL of database `name` on this cluster.
    pub fn database_url(&self, name: &str) -> String {
        match self.url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => self.url.clone(),
        }
    }

    /// Creates a fresh, empty database (named after `prefix` and a counter) and returns its
    /// URL: each test gets its own, so tests sharing a cluster do not see each other's rows.
    pub async fn create_database(&self, prefix: &str) -> Result<String, String> {
        let name = format!(
            "{}_{}_{}",
            prefix
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
                .to_ascii_lowercase(),
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
        );
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("cannot connect to the test cluster: {e}"))?;
        let driver = tokio::spawn(connection);
        let created = client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(|e| format!("cannot create database {name}: {e}"));
        drop(client);
        // The connection ends once the client is gone; its result does not matter then.
        let _ = driver.await;
        created.map(|()| self.database_url(&name))
    }

    /// Stops the cluster, keeping its data (see [`TestCluster::start_again`]).
    pub fn stop(&self) -> Result<(), String> {
        self.run("stop").map(|_| ())
    }

    /// Starts the stopped cluster again, on the same port with the same data.
    pub fn start_again(&self) -> Result<(), String> {
        self.run("start").map(|_| ())
    }

    /// The cluster's directory (data, log, port).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn run(&self, command: &str) -> Result<String, String> {
        let output = Command::new("bash")
            .arg(&self.script)
            .arg(command)
            .arg(&self.dir)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.script.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{} {command} {} failed ({}): {}",
                self.script.display(),
                self.dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if let Err(e) = self.run("stop") {
            eprintln!("{e}");
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("cannot remove {}: {e}", self.dir.display());
        }
    }
}

fn script_path() -> PathBuf {
    match std::env::var_os(SCRIPT_VARIABLE) {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/postgres/cluster.sh"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_replace_the_database_name() {
        let cluster = std::mem::ManuallyDrop::new(TestCluster {
            dir: PathBuf::from("/nonexistent"),
            script: PathBuf::from("/nonexistent"),
            url: "postgres://authcore@127.0.0.1:5432/postgres".into(),
        });
        assert_eq!(
            cluster.database_url("t1"),
            "postgres://authcore@127.0.0.1:5432/t1"
        );
    }
}
