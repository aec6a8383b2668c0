//! The data directory: where the SQLite database lives, and the temporary one of `--dev`.

use std::path::{Path, PathBuf};

use authcore_jose::SecureRandom;

use crate::Failure;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "authcore.db";

/// A data directory, created if missing; a temporary one is removed when dropped.
#[derive(Debug)]
pub struct DataDir {
    path: PathBuf,
    temporary: bool,
}

impl DataDir {
    /// The directory at `path`, created (with its parents) if missing.
    pub fn open(path: &Path) -> Result<Self, Failure> {
        let fail =
            |e: std::io::Error| Failure::usage(format!("data directory {}: {e}", path.display()));
        if path.exists() && !path.is_dir() {
            return Err(Failure::usage(format!(
                "data directory {}: not a directory",
                path.display()
            )));
        }
        std::fs::create_dir_all(path).map_err(fail)?;
        // Readable and writable, checked now rather than at the first write.
        std::fs::read_dir(path).map_err(fail)?;
        let probe = path.join(".authcore-write-check");
        std::fs::write(&probe, b"").map_err(fail)?;
        std::fs::remove_file(&probe).map_err(fail)?;
        Ok(DataDir {
            path: path.to_owned(),
            temporary: false,
        })
    }

    /// A fresh directory under the system's temporary directory, readable only by this
    /// user, removed when the value is dropped.
    pub fn temporary(rng: &dyn SecureRandom) -> Result<Self, Failure> {
        let raw: [u8; 8] = authcore_jose::random_array(rng)
            .map_err(|_| Failure::usage("the system random generator failed"))?;
        let name: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("authcore-dev-{name}"));
        // create_dir, not create_dir_all: the name must be new, never someone else's.
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path).map_err(|e| {
            Failure::usage(format!(
                "cannot create a temporary data directory {}: {e}",
                path.display()
            ))
        })?;
        Ok(DataDir {
            path,
            temporary: true,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether it is removed at exit.
    pub fn is_temporary(&self) -> bool {
        self.temporary
    }

    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.path.join(DATABASE_FILE)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if self.temporary {
            // Best effort at exit; nothing useful can be done about a failure then.
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_directory_is_removed_when_dropped() {
        let rng = authcore_jose::crypto::default_provider().system_random();
        let dir = DataDir::temporary(rng).unwrap();
        let path = dir.path().to_owned();
        std::fs::write(dir.database(), b"x").unwrap();
        assert!(dir.is_temporary());
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn a_file_is_not_a_data_directory() {
        let rng = authcore_jose::crypto::default_provider().system_random();
        let tmp = DataDir::temporary(rng).unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(DataDir::open(&file).is_err());
        let nested = tmp.path().join("a/b");
        let opened = DataDir::open(&nested).unwrap();
        assert!(!opened.is_temporary());
        drop(opened);
        assert!(nested.is_dir(), "a named directory stays");
    }
}
