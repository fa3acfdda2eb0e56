//! People's accounts on a node: username, argon2 password hash, role.
//!
//! Hashing is deliberately slow, so it runs on the blocking thread pool,
//! never on the async runtime. Passwords are never logged or stored.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sqlx::Row;

use crate::db::Db;
use crate::error::NodeError;
use crate::fed::log::now;

/// What a person may do on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    if password.chars().count() < 10 {
        return Err(NodeError::refused(
            "weak_password",
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "a password needs at least 10 characters",
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

/// Checks a password; returns the account's role when it matches.
pub async fn check(db: &Db, username: &str, password: &str) -> Result<Option<Role>, NodeError> {
    let row = sqlx::query("SELECT password_hash, role FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let stored: String = row.try_get("password_hash")?;
    let role: String = row.try_get("role")?;
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| NodeError::config(format!("verification task failed: {e}")))?;
    Ok(ok
        .then(|| serde_json::from_value(serde_json::Value::String(role)).ok())
        .flatten())
}
