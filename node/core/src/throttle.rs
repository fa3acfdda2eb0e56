//! Login throttling: a guesser is slowed down; the owner is not locked out.
//!
//! Failed attempts are counted for a window of [`WINDOW_SECS`] (15 minutes),
//! under three rules:
//!
//! 1. **One name from one address** (an IPv6 client counts as its /64):
//!    the first [`FREE_TRIES`] failures cost nothing; after that each
//!    attempt waits for a delay that doubles from [`FIRST_DELAY_SECS`]
//!    (2, 4, 8… seconds, at most [`MAX_DELAY_SECS`]) after the last failure.
//! 2. **One address, whatever the names**: at most [`PER_CLIENT`] failures
//!    in the window; past it, that address waits until the oldest leaves.
//! 3. **One name from everywhere**: after [`ACCOUNT_FREE_TRIES`] failures,
//!    growing delays too, but never more than [`ACCOUNT_MAX_DELAY_SECS`]
//!    (one minute): a guesser spread over many addresses slows the owner
//!    down a little, and never locks them out.
//!
//! **Known devices.** A successful login gives the browser a device cookie
//! (a random token; its SHA-256 is kept in `known_devices` for a year, for
//! that account — OWASP's "device cookies"). An attempt carrying a valid
//! device cookie for the name tried is counted for that device only (rule
//! 1, per device), not by rules 2 and 3: the owner's own browser gets in
//! whatever a guesser does elsewhere, or at the same address.
//!
//! An administrator can **unblock** an account: its failures are forgotten.
//!
//! **Several processes, one count.** Attempts live in the database
//! (`login_failures`), not in memory, so several hub processes behind one
//! address share them. An attempt is written *before* the password is
//! checked, in the same write transaction as the count, so a hundred
//! parallel guesses cannot slip past the limit while argon2 works; it is
//! deleted when the password was right, together with earlier failures of
//! the same name from the same address or device (a person's own typos are
//! forgiven, an attacker's elsewhere are not). An attempt refused for now
//! is not recorded: waiting is what it costs.
//!
//! **No username enumeration.** The name counts whether or not the account
//! exists, the refusal is the same, and unknown names still cost an argon2
//! check (`accounts::check`). A disabled account is said so only to
//! someone who gave its right password.
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

/// The window failures are counted in, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures of one name from one address (or device) that cost nothing.
pub const FREE_TRIES: usize = 3;
/// The first delay after the free tries; each next failure doubles it.
pub const FIRST_DELAY_SECS: i64 = 2;
/// The longest delay for one name from one address.
pub const MAX_DELAY_SECS: i64 = WINDOW_SECS;
/// Failed attempts allowed from one client address per window.
pub const PER_CLIENT: usize = 30;
/// Failures of one name from everywhere (without a known device) that
/// cost nothing.
pub const ACCOUNT_FREE_TRIES: usize = 10;
/// The longest delay for one name from everywhere.
pub const ACCOUNT_MAX_DELAY_SECS: i64 = 60;
/// How long a device cookie is known.
pub const DEVICE_SECS: i64 = 365 * 24 * 3600;

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
                "too many failed login attempts; try again in {} second(s)",
                self.retry_after_secs
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
    device_key: Option<String>,
}

/// What a login attempt came to. No `Debug`: it may hold a device token.
pub enum Login {
    /// The password was right; a new device token when the browser did
    /// not carry a valid one (to set as its cookie).
    Allowed(Account, Option<String>),
    /// Wrong name or password (the same answer for both).
    Refused,
    /// The password was right but the account is disabled.
    Disabled,
    Blocked(Blocked),
}

/// Checks a password under the throttle. `device`: the browser's device
/// cookie, if any.
pub async fn log_in(
    db: &Db,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
    device: Option<&str>,
) -> Result<Login, NodeError> {
    let attempt = match begin(db, username, client, device).await? {
        Ok(attempt) => attempt,
        Err(blocked) => return Ok(Login::Blocked(blocked)),
    };
    match accounts::check(db, username, password).await? {
        Some(account) => {
            let known = attempt.device_key.is_some();
            attempt.succeeded(db).await?;
            if account.disabled {
                return Ok(Login::Disabled);
            }
            let device = if known {
                None
            } else {
                Some(remember_device(db, account.id).await?)
            };
            Ok(Login::Allowed(account, device))
        }
        None => Ok(Login::Refused),
    }
}

fn account_key(username: &str) -> String {
    Hash::of(format!("account:{}", accounts::name_key(username)).as_bytes()).to_string()
}

fn device_key(token: &str) -> String {
    Hash::of(token.as_bytes()).to_string()
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

/// The delay after `failures` failures: none for the first `free`, then
/// doubling from [`FIRST_DELAY_SECS`], at most `cap`.
pub fn delay(failures: usize, free: usize, cap: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = u32::try_from(failures - free).unwrap_or(u32::MAX).min(20);
    (FIRST_DELAY_SECS << doublings).min(cap)
}

/// Seconds still to wait under a growing delay, given the failures' times
/// (newest first).
fn growing_wait(times: &[i64], free: usize, cap: i64, t: i64) -> i64 {
    match times.first() {
        Some(last) => last + delay(times.len(), free, cap) - t,
        None => 0,
    }
}

async fn failure_times(
    conn: &mut sqlx::AnyConnection,
    condition: &str,
    keys: &[&str],
    since: i64,
) -> Result<Vec<i64>, NodeError> {
    let n = keys.len();
    let sql = format!(
        "SELECT failed_at FROM login_failures WHERE {condition} AND failed_at > ${} \
         ORDER BY failed_at DESC LIMIT 64",
        n + 1
    );
    let mut query = sqlx::query(&sql);
    for key in keys {
        query = query.bind(*key);
    }
    let rows = query.bind(since).fetch_all(conn).await?;
    rows.iter()
        .map(|r| r.try_get("failed_at").map_err(NodeError::from))
        .collect()
}

/// Records an attempt, or says how long to wait.
pub async fn begin(
    db: &Db,
    username: &str,
    client: Option<IpAddr>,
    device: Option<&str>,
) -> Result<Result<Attempt, Blocked>, NodeError> {
    let t = now();
    let since = t - WINDOW_SECS;
    let mut w = db.begin_write().await?;
    sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
        .bind(since)
        .execute(w.conn())
        .await?;
    let device_key = match device {
        Some(token) if is_known_device(w.conn(), username, token, t).await? => {
            Some(device_key(token))
        }
        _ => None,
    };
    let attempt = Attempt {
        id: uuid::Uuid::now_v7().to_string(),
        account_key: account_key(username),
        client_key: client_key(client),
        device_key,
    };
    let (a, c) = (attempt.account_key.as_str(), attempt.client_key.as_str());
    let wait = match &attempt.device_key {
        Some(d) => {
            let times = failure_times(
                w.conn(),
                "account_key = $1 AND device_key = $2",
                &[a, d],
                since,
            )
            .await?;
            growing_wait(&times, FREE_TRIES, MAX_DELAY_SECS, t)
        }
        None => {
            let here = failure_times(
                w.conn(),
                "account_key = $1 AND client_key = $2 AND device_key IS NULL",
                &[a, c],
                since,
            )
            .await?;
            let everywhere = failure_times(
                w.conn(),
                "account_key = $1 AND device_key IS NULL",
                &[a],
                since,
            )
            .await?;
            let address = failure_times(w.conn(), "client_key = $1", &[c], since).await?;
            // Free again when the PER_CLIENT-th most recent failure leaves the window.
            let ceiling = match address.get(PER_CLIENT - 1) {
                Some(oldest) => oldest + WINDOW_SECS - t,
                None => 0,
            };
            growing_wait(&here, FREE_TRIES, MAX_DELAY_SECS, t)
                .max(growing_wait(
                    &everywhere,
                    ACCOUNT_FREE_TRIES,
                    ACCOUNT_MAX_DELAY_SECS,
                    t,
                ))
                .max(ceiling)
        }
    };
    if wait > 0 {
        w.commit().await?;
        return Ok(Err(Blocked {
            retry_after_secs: wait,
        }));
    }
    sqlx::query(
        "INSERT INTO login_failures (id, account_key, client_key, device_key, failed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(attempt.id.as_str())
    .bind(a)
    .bind(c)
    .bind(attempt.device_key.as_deref())
    .bind(t)
    .execute(w.conn())
    .await?;
    w.commit().await?;
    Ok(Ok(attempt))
}

impl Attempt {
    /// The password was right: this attempt and the earlier failures of the
    /// same name from the same address (or the same device, when the
    /// attempt carried one) are forgotten.
    pub async fn succeeded(self, db: &Db) -> Result<(), NodeError> {
        let mut w = db.begin_write().await?;
        let earlier = match &self.device_key {
            Some(_) => "account_key = $2 AND device_key = $3",
            None => "account_key = $2 AND client_key = $3 AND device_key IS NULL",
        };
        let sql = format!("DELETE FROM login_failures WHERE id = $1 OR ({earlier})");
        sqlx::query(&sql)
            .bind(self.id.as_str())
            .bind(self.account_key.as_str())
            .bind(self.device_key.unwrap_or(self.client_key))
            .execute(w.conn())
            .await?;
        w.commit().await
    }
}

/// Forgets every failure of a name (an administrator unblocks the account).
pub async fn unblock(conn: &mut sqlx::AnyConnection, username: &str) -> Result<(), NodeError> {
    sqlx::query("DELETE FROM login_failures WHERE account_key = $1")
        .bind(account_key(username))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether logins to a name are being slowed down now (more failures in
/// the window than the free tries, from one place or from everywhere).
pub async fn is_slowed(db: &Db, username: &str) -> Result<bool, NodeError> {
    let rows = sqlx::query(
        "SELECT client_key, device_key FROM login_failures WHERE account_key = $1 AND failed_at > $2",
    )
    .bind(account_key(username))
    .bind(now() - WINDOW_SECS)
    .fetch_all(db.pool())
    .await?;
    let mut per_place = std::collections::BTreeMap::<String, usize>::new();
    for r in &rows {
        let device: Option<String> = r.try_get("device_key")?;
        let place = device.unwrap_or(r.try_get("client_key")?);
        *per_place.entry(place).or_default() += 1;
    }
    Ok(rows.len() >= ACCOUNT_FREE_TRIES || per_place.values().any(|n| *n >= FREE_TRIES))
}

/// Gives the browser of a successful login a device token (returned, to set
/// as its cookie); only its digest is kept, for a year.
pub async fn remember_device(db: &Db, account_id: i64) -> Result<String, NodeError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| NodeError::config(format!("no randomness: {e}")))?;
    let token = passerelle_protocol::keys::b64_encode(&bytes);
    let t = now();
    let mut w = db.begin_write().await?;
    sqlx::query("DELETE FROM known_devices WHERE created_at < $1")
        .bind(t - DEVICE_SECS)
        .execute(w.conn())
        .await?;
    sqlx::query(
        "INSERT INTO known_devices (token_hash, account_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(device_key(&token))
    .bind(account_id)
    .bind(t)
    .execute(w.conn())
    .await?;
    w.commit().await?;
    Ok(token)
}

/// Whether `token` is a device cookie given to the account named `username`.
async fn is_known_device(
    conn: &mut sqlx::AnyConnection,
    username: &str,
    token: &str,
    t: i64,
) -> Result<bool, NodeError> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM known_devices d JOIN accounts a ON a.id = d.account_id \
         WHERE d.token_hash = $1 AND (a.username = $2 OR a.name_key = $3) AND d.created_at >= $4",
    )
    .bind(device_key(token))
    .bind(username.trim())
    .bind(accounts::name_key(username))
    .bind(t - DEVICE_SECS)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
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
    fn delays_grow_after_the_free_tries_up_to_a_cap() {
        let d: Vec<i64> = (0..8).map(|n| delay(n, 3, 60)).collect();
        assert_eq!(d, [0, 0, 0, 2, 4, 8, 16, 32]);
        assert_eq!(delay(9, 3, 60), 60);
        assert_eq!(delay(500, 3, MAX_DELAY_SECS), MAX_DELAY_SECS);
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
