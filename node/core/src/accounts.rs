//! People's accounts on a node: username, argon2 password hash, role.
//!
//! Hashing is deliberately slow, so it runs on the blocking thread pool,
//! never on the async runtime. Passwords are never logged or stored.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sqlx::Row;

use crate::clock::now;
use crate::db::Db;
use crate::error::{NodeError, Rule};

/// What a person may do on a node.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A service's administrator: everything on the service's node.
    Admin,
    /// A committee member or delegate: read, propose, support.
    Member,
    /// The hub's coordinator: everything on the hub.
    Coordinator,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "coordinator" => Some(Role::Coordinator),
            _ => None,
        }
    }
}

/// A random password of 20 characters from an unambiguous alphabet.
pub fn generate_password() -> Result<String, NodeError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| NodeError::config(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

async fn hash_password(password: String) -> Result<String, NodeError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| NodeError::config(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| NodeError::config(format!("hashing task failed: {e}")))?
}

/// Creates an account. `must_change`: the password was shown once and must be changed.
pub async fn create(
    db: &Db,
    username: &str,
    password: &str,
    role: Role,
    must_change: bool,
) -> Result<(), NodeError> {
    check_strength(password)?;
    let username = crate::validate::text("username", username, 60)?;
    let username = username.as_str();
    let exists = sqlx::query("SELECT 1 AS one FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(db.pool())
        .await?;
    if exists.is_some() {
        return Err(crate::validate::rule(
            Rule::UsernameTaken,
            format!("the username {username:?} is taken"),
        ));
    }
    let hash = hash_password(password.to_owned()).await?;
    let mut w = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO accounts (username, password_hash, role, must_change_password, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(username)
    .bind(hash)
    .bind(role.as_str())
    .bind(i64::from(must_change))
    .bind(now())
    .execute(w.conn())
    .await?;
    w.commit().await
}

/// An account as the API shows it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The password was generated or reset and must be changed.
    pub must_change_password: bool,
}

fn account(row: &sqlx::any::AnyRow) -> Result<Account, NodeError> {
    let role: String = row.try_get("role")?;
    Ok(Account {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: Role::parse(&role)
            .ok_or_else(|| NodeError::config(format!("unknown stored role {role:?}")))?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

async fn verify_blocking(stored: String, password: String) -> Result<bool, NodeError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| NodeError::config(format!("verification task failed: {e}")))
}

/// A real argon2 hash of a random password, verified when the username is
/// unknown, so that a wrong username takes as long as a wrong password.
async fn dummy_hash() -> Result<&'static str, NodeError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| async { hash_password(generate_password()?).await })
        .await
        .map(String::as_str)
}

/// Checks a password; returns the account when it matches.
pub async fn check(db: &Db, username: &str, password: &str) -> Result<Option<Account>, NodeError> {
    let row = sqlx::query(
        "SELECT id, username, password_hash, role, must_change_password FROM accounts WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(db.pool())
    .await?;
    let stored = match &row {
        Some(r) => r.try_get::<String, _>("password_hash")?,
        None => dummy_hash().await?.to_owned(),
    };
    let ok = verify_blocking(stored, password.to_owned()).await?;
    match row {
        Some(r) if ok => Ok(Some(account(&r)?)),
        _ => Ok(None),
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Account>, NodeError> {
    let row =
        sqlx::query("SELECT id, username, role, must_change_password FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    row.as_ref().map(account).transpose()
}

pub async fn list(db: &Db) -> Result<Vec<Account>, NodeError> {
    let rows = sqlx::query(
        "SELECT id, username, role, must_change_password FROM accounts ORDER BY username",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(account).collect()
}

/// Changes a password after checking the current one.
pub async fn change_password(db: &Db, id: i64, current: &str, new: &str) -> Result<(), NodeError> {
    let row = sqlx::query("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| crate::validate::not_found("this account"))?;
    if !verify_blocking(row.try_get("password_hash")?, current.to_owned()).await? {
        return Err(crate::validate::invalid(
            "current_password",
            "this is not the current password",
        ));
    }
    check_strength(new)?;
    let hash = hash_password(new.to_owned()).await?;
    let mut w = db.begin_write().await?;
    sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = 0 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(w.conn())
        .await?;
    w.commit().await
}

/// Records that the person chose their password (no change asked at login).
pub async fn password_was_chosen(db: &Db, username: &str) -> Result<(), NodeError> {
    let mut w = db.begin_write().await?;
    sqlx::query("UPDATE accounts SET must_change_password = 0 WHERE username = $1")
        .bind(username)
        .execute(w.conn())
        .await?;
    w.commit().await
}

/// Refuses a password too easy to guess (fewer than 10 characters).
pub fn check_strength(password: &str) -> Result<(), NodeError> {
    if password.chars().count() < 10 {
        return Err(crate::validate::invalid(
            "password",
            "at least 10 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{hash_password, verify_blocking};

    /// Runs `work` on a one-thread runtime and counts how many 1 ms timer
    /// ticks another task got meanwhile. Work done on the runtime's own
    /// thread would starve that task: at most one tick.
    fn ticks_during<F>(work: impl FnOnce() -> F) -> (F::Output, u32)
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let task = tokio::spawn(work());
            let mut ticks = 0;
            while !task.is_finished() {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                ticks += 1;
            }
            (task.await.expect("task"), ticks)
        })
    }

    /// Rule: argon2 runs off the async runtime, so one login does not stall
    /// every other request of a small node.
    #[test]
    fn password_hashing_leaves_the_runtime_free() {
        let (hash, ticks) = ticks_during(|| hash_password("un-mot-de-passe-long".into()));
        let hash = hash.expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            ticks > 1,
            "the runtime was blocked while hashing ({ticks} tick)"
        );
        let (ok, ticks) =
            ticks_during(move || verify_blocking(hash, "un-mot-de-passe-long".into()));
        assert!(ok.expect("verify"));
        assert!(
            ticks > 1,
            "the runtime was blocked while verifying ({ticks} tick)"
        );
    }
}
