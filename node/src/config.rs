//! A node's configuration and data directory.
//!
//! The data directory holds everything a node is: `passerelle.toml` (this
//! configuration), `node-key.pem` (its secret key, mode 0600) and, with the
//! default SQLite back-end, `passerelle.db`. Settings come from the file,
//! then environment variables (`PASSERELLE_LISTEN`, `PASSERELLE_DATABASE_URL`),
//! then command-line flags, each overriding the one before.

use std::path::{Path, PathBuf};

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{KeyPair, NodeId};
use serde::{Deserialize, Serialize};

use crate::db::sqlite_url;
use crate::error::NodeError;

pub const CONFIG_FILE: &str = "passerelle.toml";
pub const KEY_FILE: &str = "node-key.pem";
pub const DB_FILE: &str = "passerelle.db";
/// Held (an advisory lock) by a serving node, for as long as it serves.
pub const LOCK_FILE: &str = "passerelle.lock";

/// What `passerelle.toml` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The node's stable id, e.g. `ssm-courcelles`.
    pub id: NodeId,
    /// The service's or committee's name, shown to people.
    pub name: String,
    pub role: NodeRole,
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// `sqlite://…` or `postgres://…`; empty means `passerelle.db` in the data directory.
    #[serde(default)]
    pub database_url: String,
}

/// Overrides from the environment or the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database_url: Option<String>,
}

impl Config {
    /// Reads the configuration of `data_dir` and applies `overrides`.
    pub fn load(data_dir: &Path, overrides: &Overrides) -> Result<Config, NodeError> {
        let path = data_dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            NodeError::config(format!(
                "cannot read {}: {e}. Is this a data directory made by `passerelle init`?",
                path.display()
            ))
        })?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| NodeError::config(format!("{} is not valid: {e}", path.display())))?;
        if let Some(listen) = &overrides.listen {
            config.listen.clone_from(listen);
        }
        if let Some(url) = &overrides.database_url {
            config.database_url.clone_from(url);
        }
        Ok(config)
    }

    /// Writes the configuration file (refusing to overwrite one).
    pub fn write_new(&self, data_dir: &Path) -> Result<(), NodeError> {
        let path = data_dir.join(CONFIG_FILE);
        if path.exists() {
            return Err(NodeError::config(format!(
                "{} already exists: this directory already holds a node",
                path.display()
            )));
        }
        let text = toml::to_string_pretty(self)
            .map_err(|e| NodeError::config(format!("cannot write the configuration: {e}")))?;
        std::fs::write(&path, text)
            .map_err(|e| NodeError::io(format!("writing {}", path.display()), e))
    }

    /// The database URL, defaulting to the SQLite file in `data_dir`.
    pub fn database_url(&self, data_dir: &Path) -> String {
        if self.database_url.is_empty() {
            sqlite_url(&data_dir.join(DB_FILE))
        } else {
            self.database_url.clone()
        }
    }
}

/// The node's secret key, read from `node-key.pem`.
pub fn load_key(data_dir: &Path) -> Result<KeyPair, NodeError> {
    let path = data_dir.join(KEY_FILE);
    let pem = std::fs::read_to_string(&path)
        .map_err(|e| NodeError::io(format!("reading {}", path.display()), e))?;
    Ok(KeyPair::from_pkcs8_pem(&pem)?)
}

/// Writes a secret key as PKCS#8 PEM, readable by its owner only (0600),
/// refusing to overwrite an existing file.
pub fn write_secret_key(path: &Path, keys: &KeyPair) -> Result<(), NodeError> {
    use std::io::Write;
    let pem = keys.to_pkcs8_pem()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| NodeError::io(format!("creating {}", path.display()), e))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| NodeError::io(format!("writing {}", path.display()), e))
}

/// The data directory given on the command line, or `./passerelle-data`.
pub fn data_dir_or_default(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| PathBuf::from("passerelle-data"))
}

/// Proof that no node serves from a data directory: an exclusive advisory
/// lock on `passerelle.lock`, held by `passerelle serve` while it runs and
/// by the commands that need the node stopped (`restore`, `key rotate`,
/// `key replace`). Released when dropped (or when the process dies).
#[derive(Debug)]
pub struct DirLock {
    _file: std::fs::File,
}

impl DirLock {
    /// Takes the lock of `dir`, or says that its node is running. `doing`
    /// completes "stop it before …".
    pub fn acquire(dir: &Path, doing: &str) -> Result<DirLock, NodeError> {
        let path = dir.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| NodeError::io(format!("opening {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(NodeError::refused(
                "node_running",
                axum::http::StatusCode::CONFLICT,
                format!(
                    "le nœud de {} est en marche : arrêtez-le avant de {doing}",
                    dir.display()
                ),
            )),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(NodeError::io(format!("locking {}", path.display()), e))
            }
        }
    }
}
