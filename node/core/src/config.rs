//! A node's configuration and data directory.
//!
//! The data directory holds everything a node is: `passerelle.toml` (this
//! configuration), `node-key.pem` (its secret key, mode 0600) and, with the
//! default SQLite back-end, `passerelle.db`. Settings come from the file,
//! then environment variables (`PASSERELLE_LISTEN`, `PASSERELLE_DATABASE_URL`),
//! then command-line flags, each overriding the one before.
//!
//! Two settings matter only behind a reverse proxy (see `deploy/`):
//! `public_url` (or `PASSERELLE_PUBLIC_URL`), whose `https://` makes session
//! cookies `Secure` and turns on HSTS, and `trusted_proxies` (or
//! `PASSERELLE_TRUSTED_PROXIES`, comma-separated), the addresses whose
//! `X-Forwarded-For`/`X-Forwarded-Proto` headers are believed: none by
//! default, not even loopback (a proxy on the same machine is named
//! `127.0.0.1`).

use std::path::{Path, PathBuf};

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{KeyPair, NodeId};
use serde::{Deserialize, Serialize};

use crate::db::sqlite_url;
use crate::error::{NodeError, Refusal};

pub const CONFIG_FILE: &str = "passerelle.toml";
pub const KEY_FILE: &str = "node-key.pem";
pub const DB_FILE: &str = "passerelle.db";
/// Held (an advisory lock) by a serving node, for as long as it serves.
pub const LOCK_FILE: &str = "passerelle.lock";

/// What `passerelle.toml` holds. Its `Debug` hides the database password.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
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
    /// The address people and other nodes use, e.g. `https://hub.example.org`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub public_url: String,
    /// Reverse proxies whose forwarding headers are believed, as addresses
    /// or ranges (`10.0.0.5`, `172.16.0.0/12`); none by default, loopback
    /// included (name `127.0.0.1` for a proxy on the same machine).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<String>,
    /// At a hub: what one member may push (see `quota`); the defaults
    /// unless the table is written.
    #[serde(default, skip_serializing_if = "crate::quota::QuotaLimits::is_default")]
    pub member_quota: crate::quota::QuotaLimits,
    /// Where to serve the Prometheus figures (`GET /metrics`), e.g.
    /// `127.0.0.1:9464`: off when absent, and never on `listen`. Keep it
    /// on a private address: it answers without authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("listen", &self.listen)
            .field("database_url", &crate::db::redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("member_quota", &self.member_quota)
            .field("metrics_listen", &self.metrics_listen)
            .finish()
    }
}

/// Overrides from the environment or the command line. Its `Debug` hides
/// the database password.
#[derive(Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database_url: Option<String>,
}

impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("listen", &self.listen)
            .field(
                "database_url",
                &self.database_url.as_deref().map(crate::db::redact_url),
            )
            .finish()
    }
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
        if let Ok(url) = std::env::var("PASSERELLE_PUBLIC_URL") {
            config.public_url = url;
        }
        if let Ok(list) = std::env::var("PASSERELLE_TRUSTED_PROXIES") {
            config.trusted_proxies = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        config.check_proxy_settings()?;
        Ok(config)
    }

    /// Refuses a `public_url` that is not http(s) and a trusted proxy that
    /// is not an address or a range, with the value in the message.
    fn check_proxy_settings(&self) -> Result<(), NodeError> {
        let url = self.public_url.as_str();
        if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(NodeError::config(format!(
                "public_url must start with https:// or http:// (got {url:?})"
            )));
        }
        if let Some(metrics) = &self.metrics_listen {
            if metrics.parse::<std::net::SocketAddr>().is_err() {
                return Err(NodeError::config(format!(
                    "metrics_listen must be an address and a port, e.g. 127.0.0.1:9464 (got {metrics:?})"
                )));
            }
            if *metrics == self.listen {
                return Err(NodeError::config(format!(
                    "metrics_listen must differ from listen ({metrics}): the figures are served apart, on a private address"
                )));
            }
        }
        for entry in &self.trusted_proxies {
            if parse_range(entry).is_none() {
                return Err(NodeError::config(format!(
                    "trusted_proxies: {entry:?} is neither an address (10.0.0.5) nor a range (172.16.0.0/12)"
                )));
            }
        }
        Ok(())
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

/// Keeps a data directory to its owner, whatever the umask: the folder
/// 0700, and its files (configuration, database with its journal files,
/// lock) 0600. Run when a node is created and each time it is opened, so
/// a directory made by an older version is closed too. The key file is
/// created 0600 ([`write_secret_key`]).
pub fn protect_dir(dir: &Path) -> Result<(), NodeError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |path: &Path, mode: u32| match std::fs::set_permissions(
            path,
            std::fs::Permissions::from_mode(mode),
        ) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(NodeError::io(
                format!("keeping {} to its owner", path.display()),
                e,
            )),
        };
        set(dir, 0o700)?;
        for name in [
            CONFIG_FILE,
            KEY_FILE,
            DB_FILE,
            "passerelle.db-wal",
            "passerelle.db-shm",
            LOCK_FILE,
        ] {
            set(&dir.join(name), 0o600)?;
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The data directory given on the command line, or `./passerelle-data`.
pub fn data_dir_or_default(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| PathBuf::from("passerelle-data"))
}

/// Advisory lock on a data directory's `passerelle.lock`, released when
/// dropped (or when the process dies). `passerelle serve` holds it *shared*:
/// several hub processes may serve one directory (on PostgreSQL, behind a
/// load balancer). The commands that need every node stopped (`restore`,
/// `key rotate`, `key replace`) hold it *exclusive*, so they refuse while
/// any process serves, and a process refuses to start while they run.
#[derive(Debug)]
pub struct DirLock {
    _file: std::fs::File,
}

impl DirLock {
    /// Takes the exclusive lock of `dir`, or says that its node is
    /// running. `doing` completes "stop it before …".
    pub fn acquire(dir: &Path, doing: &str) -> Result<DirLock, NodeError> {
        DirLock::take(dir, std::fs::File::try_lock, || {
            NodeError::refused(
                Refusal::NodeRunning,
                format!(
                    "le nœud de {} est en marche : arrêtez-le avant de {doing}",
                    dir.display()
                ),
            )
        })
    }

    /// Takes the lock of `dir` shared, for serving: refused only while a
    /// command that needs the node stopped is at work.
    pub fn share(dir: &Path) -> Result<DirLock, NodeError> {
        DirLock::take(dir, std::fs::File::try_lock_shared, || {
            NodeError::refused(Refusal::DirectoryBusy, format!(
                    "une restauration ou un changement de clé est en cours dans {} : attendez qu'il soit fini",
                    dir.display()
                ),
            )
        })
    }

    fn take(
        dir: &Path,
        lock: fn(&std::fs::File) -> Result<(), std::fs::TryLockError>,
        held: impl FnOnce() -> NodeError,
    ) -> Result<DirLock, NodeError> {
        let path = dir.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| NodeError::io(format!("opening {}", path.display()), e))?;
        match lock(&file) {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(held()),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(NodeError::io(format!("locking {}", path.display()), e))
            }
        }
    }
}

/// An address (`10.0.0.5`, `::1`) or a range (`172.16.0.0/12`).
pub fn parse_range(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

#[cfg(test)]
mod tests {
    use super::DirLock;

    #[test]
    fn serving_processes_share_the_directory_and_stopped_only_commands_wait() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let first = DirLock::share(dir.path()).expect("a first serving process");
        let second = DirLock::share(dir.path()).expect("a second serving process beside it");
        let refused = DirLock::acquire(dir.path(), "restaurer").expect_err("restore while serving");
        assert_eq!(refused.code(), "node_running");
        drop(first);
        assert!(
            DirLock::acquire(dir.path(), "restaurer").is_err(),
            "one still serves"
        );
        drop(second);
        let restore = DirLock::acquire(dir.path(), "restaurer").expect("all stopped");
        let refused = DirLock::share(dir.path()).expect_err("serving during a restore");
        assert_eq!(refused.code(), "directory_busy");
        drop(restore);
        DirLock::share(dir.path()).expect("serving again after the restore");
    }
}
