//! The database: one code path for SQLite and PostgreSQL.
//!
//! **Decision** (see ARCHITECTURE.md): we use sqlx's `Any` driver with SQL
//! written by hand in the common dialect of both engines (`$1` placeholders,
//! `ON CONFLICT`, `RETURNING`, `BIGINT`/`TEXT` only). Compile-checked macros
//! would need a live database or committed offline data for *each* engine at
//! build time; plain queries keep `cargo build` self-contained, and the same
//! test suite runs against both engines to catch dialect drift. Schema
//! differences (auto-increment) live in two parallel migration folders with the
//! same file names; a test keeps them in step.
//!
//! Every write goes through [`Db::begin_write`], which serialises writers:
//! `BEGIN IMMEDIATE` on SQLite (so a transaction never has to upgrade a read
//! lock, even across processes), and a transaction-scoped advisory lock on
//! PostgreSQL (so message positions become visible in the order they were
//! allocated, which is what makes a feed cursor safe).
//!
//! Two kinds of connections are closed when they come back to the pool
//! instead of being reused, so that a node recovers by itself as soon as its
//! storage does:
//! - on PostgreSQL, a session opened while the database was read-only
//!   (`ALTER DATABASE … SET default_transaction_read_only = on`, a standby
//!   during a fail-over): it stays read-only after writes are allowed again;
//! - a connection sqlx still believes to be inside a transaction. SQLite
//!   ends a transaction by itself when a write fails for lack of space
//!   (`SQLITE_FULL`, some I/O errors); sqlx's `ROLLBACK` then fails, its
//!   count of open transactions stays at one, and every later `BEGIN` on
//!   that connection would be refused ("non-zero transaction depth").

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

use crate::error::NodeError;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool and the knowledge of which engine is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// A write transaction; see [`Db::begin_write`].
pub struct WriteTx {
    tx: Transaction<'static, Any>,
}

impl WriteTx {
    /// The connection, for `query(..).execute(w.conn())`.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), NodeError> {
        self.tx.commit().await.map_err(NodeError::from)
    }
}

/// The file of an SQLite URL that may create it (`mode=rwc`), to create
/// first with mode 0600 ([`create_private_file`]).
fn sqlite_file_to_create(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://")?;
    let (file, query) = rest.split_once('?').unwrap_or((rest, ""));
    let creates = query.split('&').any(|p| p == "mode=rwc");
    (creates && !file.is_empty() && !file.contains(":memory:")).then_some(file)
}

/// Creates an SQLite database file 0600 before SQLite does (SQLite would
/// create it with the umask's mode, 0644 usually); its journal files take
/// the same mode. An existing file is left as it is.
pub fn create_private_file(path: &Path) -> Result<(), NodeError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(NodeError::io(format!("creating {}", path.display()), e)),
    }
}

/// The SQLite URL of a database file.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

impl Db {
    /// Connects and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Db, NodeError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(NodeError::config(format!(
                "database URL must start with sqlite: or postgres: (got {})",
                redact_url(url)
            )));
        };
        if let Some(file) = sqlite_file_to_create(url) {
            create_private_file(Path::new(file))?;
        }
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| NodeError::config(format!("bad database URL: {e}")))?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work during a write; FULL sync makes
                        // every commit durable before we acknowledge it.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        // Statement journals (savepoints) in memory, not
                        // in a file opened and closed for each statement.
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                        // Deleted and overwritten content is zeroed, not
                        // left in free space: an erased name (SPEC §5.6)
                        // must not linger in the file.
                        conn.execute("PRAGMA secure_delete = ON").await?;
                    }
                    Ok(())
                })
            })
            .after_release(move |conn, _meta| {
                Box::pin(async move {
                    // A query first: it runs after any rollback still queued
                    // on this connection. (On SQLite only when it still looks
                    // inside a transaction: a queued rollback keeps it so until
                    // it ran, and the query is a round-trip to the
                    // connection's thread on every release.)
                    let read_only = match backend {
                        Backend::Sqlite => {
                            if conn.is_in_transaction() {
                                conn.execute("SELECT 1").await?;
                            }
                            false
                        }
                        Backend::Postgres => {
                            sqlx::query_scalar::<_, String>(
                                "SELECT current_setting('transaction_read_only')",
                            )
                            .fetch_one(&mut *conn)
                            .await?
                                == "on"
                        }
                    };
                    Ok(!read_only && !conn.is_in_transaction())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| NodeError::config(format!("cannot open the database: {e}")))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        // A database already up to date is not touched: a node (or
        // `passerelle status`) can then open one that only accepts reads.
        if !up_to_date(&pool, migrator).await {
            migrator
                .run(&pool)
                .await
                .map_err(|e| NodeError::config(format!("cannot migrate the database: {e}")))?;
        }
        Ok(Db { pool, backend })
    }

    /// A fresh SQLite database in `dir` (for tests of the domain layer).
    pub async fn temp_sqlite(dir: &Path) -> Result<Db, NodeError> {
        Db::connect(&sqlite_url(&dir.join("test.db"))).await
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction, serialised with every other writer.
    pub async fn begin_write(&self) -> Result<WriteTx, NodeError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                (&mut *tx)
                    .execute("SELECT pg_advisory_xact_lock(7161616)")
                    .await?;
                tx
            }
        };
        Ok(WriteTx { tx })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// After an erasure has committed: makes the old versions of the rows it
    /// rewrote unreachable on disk. On SQLite (with `secure_delete`, which
    /// zeroes them in the database file) the write-ahead log still holds the
    /// pages as they were; a `TRUNCATE` checkpoint copies them back and
    /// empties it. If a reader holds the log, the next erasure (or the next
    /// automatic checkpoint) finishes the work. On PostgreSQL, `VACUUM` of
    /// the tables concerned removes the dead row versions from what any
    /// query can reach; the bytes stay in free space and in the server's
    /// write-ahead log until reused: the operator's guide says what to run
    /// to remove them at once (`VACUUM FULL`).
    pub async fn scrub_after_erasure(&self, tables: &[&str]) -> Result<(), NodeError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.pool)
                    .await?;
            }
            Backend::Postgres => {
                let list = tables.join(", ");
                sqlx::query(&format!("VACUUM {list}"))
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// Whether this database can take writes right now, in plain French
    /// (`None` when it can). For `passerelle status`: on SQLite, `dir` (the
    /// folder of the database file) must take a small file; on PostgreSQL,
    /// a fresh session must not be read-only. A full PostgreSQL disk shows
    /// only when a write fails (in the log, and in the services' status).
    pub async fn storage_check(&self, dir: &Path) -> Option<String> {
        match self.backend {
            Backend::Sqlite => {
                let probe = dir.join(".passerelle-sonde-espace");
                let result = std::fs::write(&probe, vec![0u8; 256 * 1024])
                    .and_then(|()| std::fs::File::open(&probe)?.sync_all());
                let _ = std::fs::remove_file(&probe);
                match result {
                    Ok(()) => None,
                    Err(e) if e.kind() == std::io::ErrorKind::StorageFull => Some(format!(
                        "Le disque est plein ({}) : Passerelle ne peut plus rien enregistrer. \
                         Libérez de la place ; tout reprendra de soi-même. [storage_full]",
                        dir.display()
                    )),
                    Err(e) => Some(format!(
                        "Impossible d'écrire dans {} ({e}) : Passerelle ne peut plus rien enregistrer. [storage_read_only]",
                        dir.display()
                    )),
                }
            }
            Backend::Postgres => {
                let read_only = sqlx::query_scalar::<_, String>(
                    "SELECT current_setting('transaction_read_only')",
                )
                .fetch_one(&self.pool)
                .await;
                match read_only {
                    Ok(v) if v == "on" => Some(
                        "La base de données PostgreSQL n'accepte que des lectures \
                         (default_transaction_read_only, ou serveur de secours) : Passerelle ne peut plus rien enregistrer. \
                         Elle reprendra dès que les écritures seront permises. [storage_read_only]"
                            .into(),
                    ),
                    Ok(_) => None,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot check the database");
                        Some("La base de données ne répond pas. [internal]".into())
                    }
                }
            }
        }
    }
}

/// Whether every migration is applied, unchanged (read only; any doubt
/// answers `false` and lets the migrator decide).
async fn up_to_date(pool: &AnyPool, migrator: &sqlx::migrate::Migrator) -> bool {
    let Ok(rows) =
        sqlx::query("SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(pool)
            .await
    else {
        return false;
    };
    let applied: Vec<(i64, Vec<u8>)> = rows
        .iter()
        .filter_map(|r| {
            use sqlx::Row;
            Some((r.try_get("version").ok()?, r.try_get("checksum").ok()?))
        })
        .collect();
    migrator.iter().all(|m| {
        applied
            .iter()
            .any(|(v, c)| *v == m.version && c.as_slice() == &*m.checksum)
    })
}

/// A database URL with its password hidden, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `$first, $first+1, …` (n placeholders), for statements built with a
/// variable number of values.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_shown() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite:///x.db"), "sqlite:///x.db");
    }

    #[tokio::test]
    async fn a_migrated_database_opens_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        assert!(up_to_date(db.pool(), &SQLITE_MIGRATIONS).await);
        db.close().await;
        // A database file that only accepts reads still opens.
        let url = format!("sqlite://{}?mode=ro", dir.path().join("test.db").display());
        let ro = Db::connect(&url).await.unwrap();
        assert!(
            sqlx::query("INSERT INTO seen_requests (sig, seen_at) VALUES ('x', 1)")
                .execute(ro.pool())
                .await
                .is_err()
        );
        ro.close().await;
    }

    #[test]
    fn migration_folders_stay_in_step() {
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let root = env!("CARGO_MANIFEST_DIR");
        assert_eq!(
            names(&format!("{root}/migrations/sqlite")),
            names(&format!("{root}/migrations/postgres"))
        );
    }
}
