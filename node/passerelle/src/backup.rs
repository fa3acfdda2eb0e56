//! `passerelle backup` and `passerelle restore`.
//!
//! **Backup** takes a consistent snapshot of a *running* node on SQLite:
//! `VACUUM INTO` copies the database as one read transaction sees it (WAL
//! lets writers go on meanwhile), so the snapshot is a single point in time
//! even while messages flow. The snapshot is one SQLite file that also
//! holds the node's files (`passerelle.toml` and its secret keys) in two
//! extra tables: a database without its key is useless (nobody accepts a
//! new key without a rotation signed by the old one), and a key without its
//! database would fork the stream. Because it holds the secret key, the
//! snapshot is created with mode 0600, written under a temporary name and
//! renamed into place when complete. On PostgreSQL the command refuses and
//! points to `pg_dump` (see the README).
//!
//! **Restore** needs the node stopped (it takes the data directory's lock),
//! refuses a snapshot of another node, and moves what it replaces aside
//! (`*.before-restore-<time>`) rather than deleting it. A restored service
//! then learns back from the hub what it sent after the snapshot before
//! sending anything (`fed::resync`); a restored hub makes its feed positions
//! jump past any position a service may have seen, so no service misses a
//! message written after the restore.

use std::path::{Path, PathBuf};
use std::time::Instant;

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::KeyPair;
use sqlx::{AnyConnection, Connection, Executor, Row};

use passerelle_core::clock::now;
use passerelle_core::config::{self, Config, DirLock, Overrides};
use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::keys;

/// How far a restored hub's next feed position jumps ahead.
pub const HUB_POSITION_JUMP: i64 = 1_000_000_000;
/// The snapshot format this version writes and reads.
pub const FORMAT: &str = "1";
/// Files of the data directory a snapshot carries.
const FILES: &[&str] = &[
    config::CONFIG_FILE,
    config::KEY_FILE,
    keys::PREVIOUS_KEY_FILE,
];

/// What `backup` did.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub node_id: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub messages: i64,
    pub millis: u128,
}

/// What `restore` did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    pub node_id: String,
    pub role: NodeRole,
    pub messages: i64,
    /// What was there before, kept under a new name.
    pub moved_aside: Vec<PathBuf>,
}

/// The SQLite file behind `url`, or the PostgreSQL refusal.
fn sqlite_path(url: &str, doing: &str) -> Result<PathBuf, NodeError> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Err(NodeError::config(format!(
            "la base de ce nœud est sur PostgreSQL : {doing} avec les outils de PostgreSQL \
             (pg_dump / pg_restore, voir « Backups and keys » dans le README), \
             et gardez aussi passerelle.toml et node-key.pem du dossier de données"
        )));
    };
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

async fn open_sqlite(path: &Path, mode: &str) -> Result<AnyConnection, NodeError> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode={mode}", path.display());
    let mut conn = AnyConnection::connect(&url)
        .await
        .map_err(|e| NodeError::config(format!("cannot open {}: {e}", path.display())))?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    Ok(conn)
}

fn read_files(dir: &Path) -> Result<Vec<(String, String)>, NodeError> {
    let mut out = Vec::new();
    for name in FILES {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => out.push(((*name).to_owned(), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && *name != config::KEY_FILE => {}
            Err(e) => return Err(NodeError::io(format!("reading {}", path.display()), e)),
        }
    }
    Ok(out)
}

/// Creates an empty file readable by its owner only.
fn create_private(path: &Path) -> Result<std::fs::File, NodeError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| NodeError::io(format!("creating {}", path.display()), e))
}

fn sync_file(path: &Path) -> Result<(), NodeError> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| NodeError::io(format!("syncing {}", path.display()), e))
}

fn sync_parent(path: &Path) -> Result<(), NodeError> {
    #[cfg(unix)]
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(|e| NodeError::io(format!("syncing {}", parent.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes a consistent snapshot of the node in `dir` (running or not) to `out`.
pub async fn backup(
    dir: &Path,
    overrides: &Overrides,
    out: &Path,
) -> Result<BackupReport, NodeError> {
    let started = Instant::now();
    let config = Config::load(dir, overrides)?;
    let db_path = sqlite_path(&config.database_url(dir), "sauvegardez-la")?;
    if out.exists() {
        return Err(NodeError::config(format!(
            "{} existe déjà : choisissez un autre nom (une sauvegarde n'en écrase jamais une autre)",
            out.display()
        )));
    }
    let name = out
        .file_name()
        .ok_or_else(|| NodeError::config(format!("{} is not a file name", out.display())))?;
    let partial = out.with_file_name(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    drop(create_private(&partial)?);
    let result = write_snapshot(dir, &config, &db_path, &partial).await;
    let messages = match result {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    sync_file(&partial)?;
    std::fs::rename(&partial, out)
        .map_err(|e| NodeError::io(format!("writing {}", out.display()), e))?;
    sync_parent(out)?;
    let bytes = std::fs::metadata(out)
        .map_err(|e| NodeError::io(format!("reading {}", out.display()), e))?
        .len();
    Ok(BackupReport {
        node_id: config.id.to_string(),
        path: out.to_path_buf(),
        bytes,
        messages,
        millis: started.elapsed().as_millis(),
    })
}

async fn write_snapshot(
    dir: &Path,
    config: &Config,
    db_path: &Path,
    partial: &Path,
) -> Result<i64, NodeError> {
    // The key files and the database must match: if a rotation slipped in
    // between (it needs the node stopped, so this is rare), take it again.
    let mut files = read_files(dir)?;
    let mut source = open_sqlite(db_path, "ro").await?;
    for attempt in 0.. {
        if attempt > 0 {
            std::fs::remove_file(partial)
                .map_err(|e| NodeError::io(format!("removing {}", partial.display()), e))?;
            drop(create_private(partial)?);
        }
        sqlx::query("VACUUM INTO $1")
            .bind(partial.display().to_string())
            .execute(&mut source)
            .await?;
        let again = read_files(dir)?;
        if again == files || attempt == 3 {
            break;
        }
        files = again;
    }
    source.close().await?;
    let mut snap = open_sqlite(partial, "rw").await?;
    let mut tx = snap.begin().await?;
    tx.execute(
        "CREATE TABLE passerelle_snapshot (name TEXT PRIMARY KEY, value TEXT NOT NULL); \
         CREATE TABLE passerelle_snapshot_files (name TEXT PRIMARY KEY, content TEXT NOT NULL);",
    )
    .await?;
    let role = match config.role {
        NodeRole::Hub => "hub",
        NodeRole::Service => "service",
    };
    for (name, value) in [
        ("format", FORMAT.to_owned()),
        ("node_id", config.id.to_string()),
        ("role", role.to_owned()),
        ("created_at", now().to_string()),
    ] {
        sqlx::query("INSERT INTO passerelle_snapshot (name, value) VALUES ($1, $2)")
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await?;
    }
    for (name, content) in &files {
        sqlx::query("INSERT INTO passerelle_snapshot_files (name, content) VALUES ($1, $2)")
            .bind(name)
            .bind(content)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let messages: i64 = sqlx::query("SELECT COUNT(*) AS n FROM messages")
        .fetch_one(&mut snap)
        .await?
        .try_get("n")?;
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut snap)
        .await?
        .try_get(0)?;
    snap.close().await?;
    if check != "ok" {
        return Err(NodeError::config(format!(
            "the snapshot fails its integrity check: {check}"
        )));
    }
    Ok(messages)
}

/// A snapshot as read back.
struct Snapshot {
    node_id: String,
    role: NodeRole,
    files: Vec<(String, String)>,
    own_keys: Vec<String>,
}

async fn read_snapshot(path: &Path) -> Result<Snapshot, NodeError> {
    let not_ours = || {
        NodeError::config(format!(
            "{} n'est pas une sauvegarde faite par `passerelle backup`",
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(NodeError::config(format!(
            "{} n'existe pas",
            path.display()
        )));
    }
    let mut conn = open_sqlite(path, "ro").await.map_err(|_| not_ours())?;
    let meta = sqlx::query("SELECT name, value FROM passerelle_snapshot")
        .fetch_all(&mut conn)
        .await
        .map_err(|_| not_ours())?;
    let get = |name: &str| -> Option<String> {
        meta.iter()
            .find(|r| r.try_get::<String, _>("name").ok().as_deref() == Some(name))
            .and_then(|r| r.try_get("value").ok())
    };
    if get("format").as_deref() != Some(FORMAT) {
        return Err(NodeError::config(format!(
            "{} is a snapshot in a format this version does not read",
            path.display()
        )));
    }
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    if check != "ok" {
        return Err(NodeError::config(format!(
            "{} is damaged (integrity check: {check})",
            path.display()
        )));
    }
    let files = sqlx::query("SELECT name, content FROM passerelle_snapshot_files ORDER BY name")
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("content")?)))
        .collect::<Result<Vec<(String, String)>, NodeError>>()?;
    let own_keys = sqlx::query("SELECT key_id FROM own_keys")
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| r.try_get("key_id"))
        .collect::<Result<Vec<String>, _>>()?;
    conn.close().await?;
    Ok(Snapshot {
        node_id: get("node_id").ok_or_else(not_ours)?,
        role: match get("role").as_deref() {
            Some("hub") => NodeRole::Hub,
            Some("service") => NodeRole::Service,
            _ => return Err(not_ours()),
        },
        files,
        own_keys,
    })
}

/// Moves `path` aside as `<name>.before-restore-<stamp>`, if it exists.
fn move_aside(path: &Path, stamp: i64, moved: &mut Vec<PathBuf>) -> Result<(), NodeError> {
    if !path.exists() {
        return Ok(());
    }
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".before-restore-{stamp}"));
    let target = PathBuf::from(name);
    std::fs::rename(path, &target)
        .map_err(|e| NodeError::io(format!("moving {} aside", path.display()), e))?;
    moved.push(target);
    Ok(())
}

/// Restores the snapshot `snapshot` into `dir`, whose node must be stopped.
pub async fn restore(
    dir: &Path,
    overrides: &Overrides,
    snapshot: &Path,
) -> Result<RestoreReport, NodeError> {
    let snap = read_snapshot(snapshot).await?;
    std::fs::create_dir_all(dir)
        .map_err(|e| NodeError::io(format!("creating {}", dir.display()), e))?;
    let _lock = DirLock::acquire(dir, "restaurer une sauvegarde")?;
    let snapshot_config = snap
        .files
        .iter()
        .find(|(n, _)| n == config::CONFIG_FILE)
        .map(|(_, c)| c.clone())
        .ok_or_else(|| NodeError::config("the snapshot has no passerelle.toml"))?;
    let config = if dir.join(config::CONFIG_FILE).exists() {
        Config::load(dir, overrides)?
    } else {
        let mut c: Config = toml::from_str(&snapshot_config)
            .map_err(|e| NodeError::config(format!("the snapshot's configuration: {e}")))?;
        if let Some(url) = &overrides.database_url {
            c.database_url.clone_from(url);
        }
        c
    };
    if config.id.as_str() != snap.node_id {
        return Err(NodeError::refused(Refusal::OtherNode, format!(
                "cette sauvegarde est celle du nœud {}, ce dossier est celui de {} : rien n'a été changé",
                snap.node_id, config.id
            ),
        ));
    }
    let db_path = sqlite_path(&config.database_url(dir), "restaurez-la")?;
    let key_path = dir.join(config::KEY_FILE);
    if key_path.exists() {
        let pem = std::fs::read_to_string(&key_path)
            .map_err(|e| NodeError::io(format!("reading {}", key_path.display()), e))?;
        let here = KeyPair::from_pkcs8_pem(&pem)?;
        if !snap.own_keys.iter().any(|k| k == here.key_id().as_str()) {
            return Err(NodeError::refused(
                Refusal::NewerKey,
                format!(
                    "la clé de ce nœud ({}) est plus récente que cette sauvegarde : elle a été \
                     changée après. Restaurez une sauvegarde faite après le changement de clé ; \
                     rien n'a été changé",
                    here.key_id()
                ),
            ));
        }
    }
    let stamp = now();
    let mut moved = Vec::new();
    // The new database, complete, before anything is replaced.
    let mut restoring = db_path.as_os_str().to_owned();
    restoring.push(".restoring");
    let restoring = PathBuf::from(restoring);
    let _ = std::fs::remove_file(&restoring);
    {
        let mut file = create_private(&restoring)?;
        let mut from = std::fs::File::open(snapshot)
            .map_err(|e| NodeError::io(format!("reading {}", snapshot.display()), e))?;
        std::io::copy(&mut from, &mut file)
            .map_err(|e| NodeError::io(format!("writing {}", restoring.display()), e))?;
    }
    let mut conn = open_sqlite(&restoring, "rw").await?;
    conn.execute("DROP TABLE passerelle_snapshot; DROP TABLE passerelle_snapshot_files;")
        .await?;
    match snap.role {
        NodeRole::Service => {
            keys::mark_resync(&mut conn, "restore").await?;
        }
        NodeRole::Hub => {
            let bumped =
                sqlx::query("UPDATE sqlite_sequence SET seq = seq + $1 WHERE name = 'messages'")
                    .bind(HUB_POSITION_JUMP)
                    .execute(&mut conn)
                    .await?
                    .rows_affected();
            if bumped == 0 {
                sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', $1)")
                    .bind(HUB_POSITION_JUMP)
                    .execute(&mut conn)
                    .await?;
            }
        }
    }
    let messages: i64 = sqlx::query("SELECT COUNT(*) AS n FROM messages")
        .fetch_one(&mut conn)
        .await?
        .try_get("n")?;
    conn.close().await?;
    sync_file(&restoring)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db_path.as_os_str().to_owned();
        p.push(suffix);
        move_aside(&PathBuf::from(p), stamp, &mut moved)?;
    }
    std::fs::rename(&restoring, &db_path)
        .map_err(|e| NodeError::io(format!("installing {}", db_path.display()), e))?;
    // The files: the snapshot's, the others moved aside.
    for name in FILES.iter().chain([&keys::NEXT_KEY_FILE]) {
        let path = dir.join(name);
        let wanted = snap.files.iter().find(|(n, _)| n == name).map(|(_, c)| c);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_ref() == wanted {
            continue;
        }
        move_aside(&path, stamp, &mut moved)?;
        if let Some(content) = wanted {
            use std::io::Write;
            let mut f = create_private(&path)?;
            f.write_all(content.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| NodeError::io(format!("writing {}", path.display()), e))?;
        }
    }
    sync_parent(&db_path)?;
    sync_parent(&dir.join(config::KEY_FILE))?;
    Ok(RestoreReport {
        node_id: snap.node_id,
        role: snap.role,
        messages,
        moved_aside: moved,
    })
}
