//! Login throttling: password guessing is slowed down, people are not
//! locked out for good.
//!
//! Two sliding windows of 15 minutes: at most [`PER_ACCOUNT`] failed
//! attempts on one account name (from anywhere), and at most
//! [`PER_CLIENT`] from one client address (whatever the names; an IPv6
//! client counts as its /64). Past either, attempts are refused without
//! checking the password, with the time to wait, until the oldest failure
//! of the window is 15 minutes old. Nothing lasts longer than the window:
//! a person who mistyped is never locked out for good.
//!
//! **Several processes, one count.** Attempts live in the database
//! (`login_failures`), not in memory, so several hub processes behind one
//! address share them. An attempt is written *before* the password is
//! checked, in the same write transaction as the count, so a hundred
//! parallel guesses cannot slip past the limit while argon2 works; it is
//! deleted when the password was right, together with earlier failures of
//! the same name from the same address (a person's own typos are forgiven,
//! an attacker's elsewhere are not).
//!
//! **No username enumeration.** The name counts whether or not the account
//! exists, the refusal is the same, and unknown names still cost an argon2
//! check (`accounts::check`).
//!
//! Names and addresses are stored as SHA-256 digests, and only for the
//! window: a copy of the database shows no one's attempts after that.

use std::net::IpAddr;

use passerelle_protocol::Hash;
use sqlx::Row;

use crate::accounts::{self, Account};
use crate::clock::now;
use crate::db::Db;
use crate::error::{NodeError, Refusal};

/// The sliding window, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failed attempts allowed on one account name per window.
pub const PER_ACCOUNT: usize = 8;
/// Failed attempts allowed from one client address per window.
pub const PER_CLIENT: usize = 30;

/// Attempts are refused for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    /// Seconds until the next attempt may be made (at least 1).
    pub retry_after_secs: i64,
}

impl Blocked {
    /// Whole minutes to wait, rounded up.
    pub fn minutes(&self) -> i64 {
        (self.retry_after_secs + 59) / 60
    }

    /// The refusal a program gets (429 with `Retry-After` over HTTP).
    pub fn refusal(&self) -> NodeError {
        NodeError::refused(
            Refusal::TooManyAttempts,
            format!(
                "too many failed login attempts; try again in {} minute(s)",
                self.minutes()
            ),
        )
    }
}

/// An attempt under way: a failure until [`Attempt::succeeded`] says otherwise.
#[derive(Debug)]
pub struct Attempt {
    id: String,
    account_key: String,
    client_key: String,
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum Login {
    Allowed(Account),
    /// Wrong name or password (the same answer for both).
    Refused,
    Blocked(Blocked),
}

/// Checks a password under the throttle.
pub async fn log_in(
    db: &Db,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<Login, NodeError> {
    let attempt = match begin(db, username, client).await? {
        Ok(attempt) => attempt,
        Err(blocked) => return Ok(Login::Blocked(blocked)),
    };
    match accounts::check(db, username, password).await? {
        Some(account) => {
            attempt.succeeded(db).await?;
            Ok(Login::Allowed(account))
        }
        None => Ok(Login::Refused),
    }
}

fn account_key(username: &str) -> String {
    Hash::of(format!("account:{}", username.trim().to_lowercase()).as_bytes()).to_string()
}

/// An IPv4 address, or an IPv6 client's /64 (one machine usually has a
/// whole /64 to pick from).
fn client_key(client: Option<IpAddr>) -> String {
    let text = match client {
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(String::new, |v4| v4.to_string()),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        None => "unknown".to_owned(),
    };
    Hash::of(format!("client:{text}").as_bytes()).to_string()
}

/// Records an attempt, or says how long to wait when a limit is reached.
pub async fn begin(
    db: &Db,
    username: &str,
    client: Option<IpAddr>,
) -> Result<Result<Attempt, Blocked>, NodeError> {
    let attempt = Attempt {
        id: uuid::Uuid::now_v7().to_string(),
        account_key: account_key(username),
        client_key: client_key(client),
    };
    let t = now();
    let since = t - WINDOW_SECS;
    let mut w = db.begin_write().await?;
    sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
        .bind(since)
        .execute(w.conn())
        .await?;
    let mut wait = 0;
    for (column, key, limit) in [
        ("account_key", &attempt.account_key, PER_ACCOUNT),
        ("client_key", &attempt.client_key, PER_CLIENT),
    ] {
        let rows = sqlx::query(&format!(
            "SELECT failed_at FROM login_failures WHERE {column} = $1 AND failed_at > $2 \
             ORDER BY failed_at DESC LIMIT {limit}"
        ))
        .bind(key.as_str())
        .bind(since)
        .fetch_all(w.conn())
        .await?;
        if rows.len() >= limit {
            // Free again when the limit-th most recent failure leaves the window.
            let oldest: i64 = rows[limit - 1].try_get("failed_at")?;
            wait = wait.max(oldest + WINDOW_SECS - t);
        }
    }
    // `oldest` is inside the window, so a reached limit always waits ≥ 1 s.
    if wait > 0 {
        w.commit().await?;
        return Ok(Err(Blocked {
            retry_after_secs: wait,
        }));
    }
    sqlx::query(
        "INSERT INTO login_failures (id, account_key, client_key, failed_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(attempt.id.as_str())
    .bind(attempt.account_key.as_str())
    .bind(attempt.client_key.as_str())
    .bind(t)
    .execute(w.conn())
    .await?;
    w.commit().await?;
    Ok(Ok(attempt))
}

impl Attempt {
    /// The password was right: this attempt and the earlier failures of the
    /// same name from the same address are forgotten.
    pub async fn succeeded(self, db: &Db) -> Result<(), NodeError> {
        let mut w = db.begin_write().await?;
        sqlx::query(
            "DELETE FROM login_failures WHERE id = $1 OR (account_key = $2 AND client_key = $3)",
        )
        .bind(self.id.as_str())
        .bind(self.account_key.as_str())
        .bind(self.client_key.as_str())
        .execute(w.conn())
        .await?;
        w.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case_and_ipv6_counts_by_64() {
        assert_eq!(account_key(" Admin "), account_key("admin"));
        assert_ne!(account_key("admin"), account_key("admin2"));
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        let b: IpAddr = "2001:db8:1:2:bbbb::9"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(client_key(Some(a)), client_key(Some(b)));
        assert_ne!(client_key(Some(a)), client_key(Some(c)));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(
            client_key(Some(mapped)),
            client_key(Some(IpAddr::from([192, 0, 2, 1])))
        );
    }

    #[test]
    fn minutes_round_up() {
        assert_eq!(
            Blocked {
                retry_after_secs: 1
            }
            .minutes(),
            1
        );
        assert_eq!(
            Blocked {
                retry_after_secs: 61
            }
            .minutes(),
            2
        );
    }
}
