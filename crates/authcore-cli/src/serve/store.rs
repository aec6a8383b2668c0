//! Where `authcore serve` and the administration commands keep their records: the embedded
//! SQLite database of a data directory, or a PostgreSQL database that several instances
//! share.
//!
//! A store is named by `--store STORE` (or `AUTHCORE_STORE`, or `store` in the configuration
//! file): a `postgres://` / `postgresql://` URL, or a data directory (a path, optionally
//! written `sqlite:PATH`). `--data DIR` stays the short form of a SQLite data directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use authcore_hyper::ProviderStore;

use super::data::DataDir;
use crate::Failure;

/// How many connections one instance keeps to PostgreSQL at most. The provider's requests
/// hold a connection for one statement or one short transaction, so a small pool serves a
/// busy instance; several instances multiply it (PostgreSQL's default `max_connections` is
/// 100).
pub const POSTGRES_POOL_SIZE: usize = 16;

/// The environment variable read when `--store` is not given (a URL with a password stays
/// out of the process list).
pub const STORE_ENV: &str = "AUTHCORE_STORE";

/// A store, as named on the command line or in the configuration file.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// The SQLite database in this data directory.
    Sqlite(PathBuf),
    /// The PostgreSQL database at this URL (it may hold a password: never printed).
    Postgres(String),
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl StoreLocation {
    /// Reads a store name: a `postgres://` or `postgresql://` URL, `sqlite:PATH`, or a path
    /// (a data directory). Any other `scheme://` is refused rather than taken for a path.
    pub fn parse(s: &str) -> Result<StoreLocation, String> {
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(StoreLocation::Postgres(s.to_owned()));
        }
        let path = match s.strip_prefix("sqlite:") {
            Some(p) => p.strip_prefix("//").unwrap_or(p),
            None if s.contains("://") => {
                return Err(format!(
                    "the store `{}` is neither a postgres:// URL nor a data directory",
                    redact(s)
                ));
            }
            None => s,
        };
        if path.is_empty() {
            return Err("the store is empty: give a URL or a directory".to_owned());
        }
        Ok(StoreLocation::Sqlite(PathBuf::from(path)))
    }

    /// The store for messages: the directory, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            StoreLocation::Sqlite(dir) => format!("SQLite in {}", dir.display()),
            StoreLocation::Postgres(url) => format!("PostgreSQL {}", redact(url)),
        }
    }
}

/// `url` with the password of its user-information part replaced by `***` (RFC 3986 §3.2.1:
/// `user:password@`), for messages. A `key=value` connection string is not a URL and is not
/// printed at all.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(connection string)".to_owned();
    };
    // The query may hold `password=`: it is left out, with the fragment.
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    // The user information ends at the last `@` (a password with an unencoded `@` or `/`
    // must not leak either).
    let Some((userinfo, host_and_path)) = rest.rsplit_once('@') else {
        return format!("{scheme}://{rest}");
    };
    let user = userinfo.split(':').next().unwrap_or_default();
    let shown = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        user.to_owned()
    };
    format!("{scheme}://{shown}@{host_and_path}")
}

/// An open store, and the data directory it lives in when it is SQLite's (kept for the
/// store's lifetime: a temporary one is removed when this is dropped).
pub struct OpenStore {
    /// The store.
    pub store: Arc<dyn ProviderStore>,
    /// The data directory of a SQLite store.
    pub data: Option<DataDir>,
}

/// Opens the store at `location`: the data directory (created if missing) and its SQLite
/// database, or a pool of connections to PostgreSQL, checked by applying the missing
/// migrations. A database that cannot be reached is a usage failure naming it (without
/// its password).
pub async fn open(location: &StoreLocation) -> Result<OpenStore, Failure> {
    match location {
        StoreLocation::Sqlite(dir) => {
            let data = DataDir::open(dir)?;
            let store = open_sqlite(&data)?;
            Ok(OpenStore {
                store,
                data: Some(data),
            })
        }
        StoreLocation::Postgres(url) => {
            let store = authcore_store_postgres::PostgresStore::connect(url, POSTGRES_POOL_SIZE)
                .await
                .map_err(|e| {
                    Failure::usage(format!(
                        "cannot open the store {}: {}",
                        location.describe(),
                        // The store's messages name the host, never the password; the URL
                        // is shown redacted above.
                        e.message()
                    ))
                })?;
            Ok(OpenStore {
                store: Arc::new(store),
                data: None,
            })
        }
    }
}

/// The SQLite database of `data`.
pub fn open_sqlite(data: &DataDir) -> Result<Arc<dyn ProviderStore>, Failure> {
    let path = data.database();
    let store = authcore_store_sqlite::SqliteStore::open(&path)
        .map_err(|e| Failure::usage(format!("database {}: {e}", path.display())))?;
    Ok(Arc::new(store))
}

/// `authcore migrate`: brings the store's schema to this version's and returns what to print.
pub async fn migrate(location: &StoreLocation) -> Result<serde_json::Value, Failure> {
    let (kind, version) = match location {
        // Opening the SQLite database applies its migrations.
        StoreLocation::Sqlite(dir) => {
            let data = DataDir::open(dir)?;
            open_sqlite(&data)?;
            ("sqlite", authcore_store_sqlite::SCHEMA_VERSION)
        }
        StoreLocation::Postgres(_) => {
            let open = open(location).await?;
            drop(open);
            ("postgres", authcore_store_postgres::SCHEMA_VERSION)
        }
    };
    Ok(serde_json::json!({
        "store": kind,
        "schema_version": version,
    }))
}

/// The store an administration command names: `--store` (or [`STORE_ENV`]) or `--data`.
pub fn chosen(data: Option<&Path>, store: Option<&str>) -> Result<StoreLocation, Failure> {
    match (data, store) {
        (Some(_), Some(_)) => Err(Failure::usage(format!(
            "give --data DIR or --store STORE ({STORE_ENV}), not both"
        ))),
        (Some(dir), None) => Ok(StoreLocation::Sqlite(dir.to_owned())),
        (None, Some(s)) => StoreLocation::parse(s).map_err(Failure::usage),
        (None, None) => Err(Failure::usage(format!(
            "--data DIR or --store STORE ({STORE_ENV}) is required"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_and_paths_are_told_apart() {
        assert_eq!(
            StoreLocation::parse("postgres://a@127.0.0.1/db").unwrap(),
            StoreLocation::Postgres("postgres://a@127.0.0.1/db".into())
        );
        assert!(matches!(
            StoreLocation::parse("PostgreSQL://a@h/db").unwrap(),
            StoreLocation::Postgres(_)
        ));
        assert_eq!(
            StoreLocation::parse("/var/lib/authcore").unwrap(),
            StoreLocation::Sqlite("/var/lib/authcore".into())
        );
        assert_eq!(
            StoreLocation::parse("sqlite:data").unwrap(),
            StoreLocation::Sqlite("data".into())
        );
        assert_eq!(
            StoreLocation::parse("sqlite:///srv/a").unwrap(),
            StoreLocation::Sqlite("/srv/a".into())
        );
    }

    #[test]
    fn other_schemes_and_empty_names_are_refused() {
        let msg = StoreLocation::parse("mysql://u:secret@h/db").unwrap_err();
        assert!(!msg.contains("secret"), "{msg}");
        assert!(StoreLocation::parse("").is_err());
        assert!(StoreLocation::parse("sqlite:").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://authcore:hunter2@db.internal:5432/op"),
            "postgres://authcore:***@db.internal:5432/op"
        );
        assert_eq!(
            redact("postgres://authcore@db/op?password=hunter2"),
            "postgres://authcore@db/op"
        );
        assert_eq!(redact("postgres://db/op"), "postgres://db/op");
        // A password holding `@` or `/` (percent-encoding forgotten) does not leak either.
        let r = redact("postgres://u:p@ss/w@db/op");
        assert!(!r.contains("ss/w") && !r.contains("p@"), "{r}");
        assert_eq!(redact("host=db password=hunter2"), "(connection string)");
        let location = StoreLocation::parse("postgres://u:hunter2@h/db").unwrap();
        assert!(!format!("{location:?}").contains("hunter2"));
    }

    #[test]
    fn an_administration_command_names_exactly_one_store() {
        assert!(chosen(None, None).is_err());
        assert!(chosen(Some(Path::new("d")), Some("postgres://h/db")).is_err());
        assert_eq!(
            chosen(Some(Path::new("d")), None).unwrap(),
            StoreLocation::Sqlite("d".into())
        );
        assert!(matches!(
            chosen(None, Some("postgres://h/db")).unwrap(),
            StoreLocation::Postgres(_)
        ));
    }
}
