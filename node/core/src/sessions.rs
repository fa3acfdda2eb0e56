//! Who is calling: session cookies for pages, bearer tokens for scripts.
//!
//! Both are random 32-byte tokens; only their SHA-256 is stored, so a copy of
//! the database does not let anyone in. Sessions last 12 hours, API tokens a
//! year; both can be revoked by deleting their row.
//!
//! **Sessions follow the password.** Changing one's password ends every
//! other session and every token of the account (the one used stays); a
//! reset by an administrator, disabling the account or "end its sessions"
//! end them all. A disabled account's tokens resolve to nobody at once,
//! whatever rows remain.

use passerelle_protocol::Hash;
use sqlx::Row;

use crate::accounts::{self, Account};
use crate::clock::now;
use crate::db::Db;
use crate::error::NodeError;

pub const SESSION: &str = "session";
pub const API_TOKEN: &str = "api";
pub const SESSION_SECS: i64 = 12 * 3600;
pub const API_TOKEN_SECS: i64 = 365 * 24 * 3600;

fn new_token() -> Result<String, NodeError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| NodeError::config(format!("no randomness: {e}")))?;
    Ok(passerelle_protocol::keys::b64_encode(&bytes))
}

/// Opens a session or issues an API token for `account`; returns the token (shown once).
pub async fn open(
    db: &Db,
    account: &Account,
    kind: &str,
    label: Option<&str>,
) -> Result<String, NodeError> {
    let token = new_token()?;
    let t = now();
    let lifetime = if kind == SESSION {
        SESSION_SECS
    } else {
        API_TOKEN_SECS
    };
    let mut w = db.begin_write().await?;
    sqlx::query("INSERT INTO sessions (token_hash, account_id, kind, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(Hash::of(token.as_bytes()).as_str())
        .bind(account.id)
        .bind(kind)
        .bind(label)
        .bind(t)
        .bind(t + lifetime)
        .execute(w.conn())
        .await?;
    // Expired rows are of no use to anyone.
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(t)
        .execute(w.conn())
        .await?;
    w.commit().await?;
    Ok(token)
}

/// The account behind a token, if the token is known, not expired, and
/// its account not disabled.
pub async fn resolve(db: &Db, token: &str) -> Result<Option<Account>, NodeError> {
    let row =
        sqlx::query("SELECT account_id FROM sessions WHERE token_hash = $1 AND expires_at >= $2")
            .bind(Hash::of(token.as_bytes()).as_str())
            .bind(now())
            .fetch_optional(db.pool())
            .await?;
    match row {
        Some(r) => Ok(accounts::get(db, r.try_get("account_id")?)
            .await?
            .filter(|a| !a.disabled)),
        None => Ok(None),
    }
}

/// Ends every session and token of an account but `keep` (the one in
/// use), inside `conn`'s transaction; returns how many ended.
pub async fn end_all(
    conn: &mut sqlx::AnyConnection,
    account_id: i64,
    keep: Option<&str>,
) -> Result<u64, NodeError> {
    let keep = keep.map(|t| Hash::of(t.as_bytes()).to_string());
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(account_id)
        .bind(keep.unwrap_or_default())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Ends a session (logout) or revokes a token.
pub async fn close(db: &Db, token: &str) -> Result<(), NodeError> {
    let mut w = db.begin_write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(Hash::of(token.as_bytes()).as_str())
        .execute(w.conn())
        .await?;
    w.commit().await
}
