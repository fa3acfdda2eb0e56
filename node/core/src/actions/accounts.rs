//! Accounts: logging in (a session for pages, a token for scripts),
//! changing one's password, and the accounts a node's managers run
//! ([`manage`]: create, reset, disable, role, sessions, unblock).
//!
//! The API, the pages and the command line all come here, so who may do
//! what on which kind of node, the login throttle around every password
//! check ([`crate::throttle`]), and "sessions follow the password"
//! ([`crate::sessions`]) exist once.

mod manage;

pub use manage::*;

use std::net::IpAddr;

use super::Actor;
use crate::accounts::{self, Account};
use crate::error::{NodeError, Rule};
use crate::node::Node;
use crate::sessions;
use crate::throttle::{self, Blocked, Login};

/// What a login asks for: a session (pages, 12 hours) or an API token
/// (scripts, a year) with what it is for.
#[derive(Debug, Clone, Copy)]
pub enum Access<'a> {
    Session,
    Token { label: Option<&'a str> },
}

/// What a login came to. No `Debug`: it holds the token.
pub enum LogIn {
    /// The password was right: the token, shown once, and a new device
    /// token for the browser's cookie when it had no valid one.
    Opened {
        account: Account,
        token: String,
        device: Option<String>,
    },
    /// Wrong name or password (the same answer for both).
    Refused,
    /// The right password of a disabled account.
    Disabled,
    /// Too many failures lately: the attempt was not even checked.
    Blocked(Blocked),
}

/// Checks a password under the login throttle and opens what `access`
/// asks for. A token's label is checked first: a refused label costs no
/// attempt. `device`: the browser's device cookie, if any.
pub async fn log_in(
    node: &Node,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
    device: Option<&str>,
    access: Access<'_>,
) -> Result<LogIn, NodeError> {
    let (kind, label) = match access {
        Access::Session => (sessions::SESSION, None),
        Access::Token { label } => (
            sessions::API_TOKEN,
            crate::validate::optional_text("label", label, 80)?,
        ),
    };
    let (account, device) =
        match throttle::log_in(&node.db, username, password, client, device).await? {
            Login::Allowed(account, device) => (account, device),
            Login::Refused => return Ok(LogIn::Refused),
            Login::Disabled => return Ok(LogIn::Disabled),
            Login::Blocked(blocked) => return Ok(LogIn::Blocked(blocked)),
        };
    let token = sessions::open(&node.db, &account, kind, label.as_deref()).await?;
    Ok(LogIn::Opened {
        account,
        token,
        device,
    })
}

/// Ends a session, or revokes the token used.
pub async fn log_out(node: &Node, token: &str) -> Result<(), NodeError> {
    sessions::close(&node.db, token).await
}

/// A change of one's own password. No `Debug`: it holds passwords.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    /// The session or token used, which stays open.
    pub session: &'a str,
    pub client: Option<IpAddr>,
    pub device: Option<&'a str>,
}

/// Changes the actor's own password, and ends every *other* session and
/// token of the account. A new password too easy to guess is refused
/// first (field `new_password`, its [`crate::error::Rule`]). Checking the
/// current one is a login in disguise, so it goes through the same
/// throttle: `Ok(Err(blocked))` when it is refused for now, and a wrong
/// current password (field `current_password`) counts as a failed attempt.
pub async fn change_password(
    node: &Node,
    actor: &Actor,
    change: PasswordChange<'_>,
) -> Result<Result<(), Blocked>, NodeError> {
    let name = actor.account.username.as_str();
    accounts::check_strength("new_password", change.new, &[name, &node.config.name])?;
    if actor.account.must_change_password && change.new == change.current {
        // Whoever printed the card knows it: the person's own is another.
        return Err(crate::validate::invalid_by(
            Rule::FirstPasswordKept,
            "new_password",
            "a password of your own, not the first one you were given",
        ));
    }
    let attempt = match throttle::begin(&node.db, name, change.client, change.device).await? {
        Ok(attempt) => attempt,
        Err(blocked) => return Ok(Err(blocked)),
    };
    if !accounts::is_current_password(&node.db, actor.account.id, change.current).await? {
        return Err(crate::validate::invalid(
            "current_password",
            "this is not the current password",
        ));
    }
    let hash = accounts::hash_password(change.new.to_owned()).await?;
    let mut w = node.db.begin_write().await?;
    accounts::set_password_hash(w.conn(), actor.account.id, &hash, false).await?;
    sessions::end_all(w.conn(), actor.account.id, Some(change.session)).await?;
    w.commit().await?;
    attempt.succeeded(&node.db).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests;
