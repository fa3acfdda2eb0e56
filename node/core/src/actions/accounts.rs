//! Accounts: logging in (a session for pages, a token for scripts),
//! changing one's password, and the accounts a node's managers create.
//!
//! The API and the pages both come here, so who may create which role on
//! which kind of node, and the login throttle around every password check
//! ([`crate::throttle`]), exist once.

use std::net::IpAddr;

use super::{Actor, Who};
use crate::accounts::{self, Account, Role};
use crate::error::NodeError;
use crate::node::Node;
use crate::sessions;
use crate::throttle::{self, Blocked, Login};

/// The roles of a node's accounts: a hub has coordinators, a service has
/// administrators and committee members.
pub fn roles_of(node: &Node) -> &'static [Role] {
    if node.is_hub() {
        &[Role::Coordinator]
    } else {
        &[Role::Admin, Role::Member]
    }
}

/// The node's accounts.
pub async fn list(node: &Node, actor: &Actor) -> Result<Vec<Account>, NodeError> {
    Who::Managers.check(node, actor)?;
    accounts::list(&node.db).await
}

/// Creates an account with a password its holder must change at first
/// login; returns it. Only a role of this kind of node ([`roles_of`]).
pub async fn create(
    node: &Node,
    actor: &Actor,
    username: &str,
    password: &str,
    role: Role,
) -> Result<Account, NodeError> {
    Who::Managers.check(node, actor)?;
    if !roles_of(node).contains(&role) {
        return Err(crate::validate::invalid(
            "role",
            "a hub has coordinators; a service has admins and members",
        ));
    }
    accounts::create(&node.db, username, password, role, true).await?;
    accounts::list(&node.db)
        .await?
        .into_iter()
        .find(|a| a.username == username.trim())
        .ok_or_else(|| NodeError::config("account vanished after creation"))
}

/// What a login asks for: a session (pages, 12 hours) or an API token
/// (scripts, a year) with what it is for.
#[derive(Debug, Clone, Copy)]
pub enum Access<'a> {
    Session,
    Token { label: Option<&'a str> },
}

/// What a login came to. No `Debug`: it holds the token.
pub enum LogIn {
    /// The password was right: the token, shown once.
    Opened { account: Account, token: String },
    /// Wrong name or password (the same answer for both).
    Refused,
    /// Too many failures lately: the attempt was not even checked.
    Blocked(Blocked),
}

/// Checks a password under the login throttle and opens what `access`
/// asks for. A token's label is checked first: a refused label costs no
/// attempt.
pub async fn log_in(
    node: &Node,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
    access: Access<'_>,
) -> Result<LogIn, NodeError> {
    let (kind, label) = match access {
        Access::Session => (sessions::SESSION, None),
        Access::Token { label } => (
            sessions::API_TOKEN,
            crate::validate::optional_text("label", label, 80)?,
        ),
    };
    let account = match throttle::log_in(&node.db, username, password, client).await? {
        Login::Allowed(account) => account,
        Login::Refused => return Ok(LogIn::Refused),
        Login::Blocked(blocked) => return Ok(LogIn::Blocked(blocked)),
    };
    let token = sessions::open(&node.db, &account, kind, label.as_deref()).await?;
    Ok(LogIn::Opened { account, token })
}

/// Ends a session, or revokes the token used.
pub async fn log_out(node: &Node, token: &str) -> Result<(), NodeError> {
    sessions::close(&node.db, token).await
}

/// Changes the actor's own password. Checking the current one is a login
/// in disguise, so it goes through the same throttle: `Ok(Err(blocked))`
/// when it is refused for now, and a refusal (wrong current password, new
/// one too weak) counts as a failed attempt.
pub async fn change_password(
    node: &Node,
    actor: &Actor,
    client: Option<IpAddr>,
    current: &str,
    new: &str,
) -> Result<Result<(), Blocked>, NodeError> {
    let attempt = match throttle::begin(&node.db, &actor.account.username, client).await? {
        Ok(attempt) => attempt,
        Err(blocked) => return Ok(Err(blocked)),
    };
    accounts::change_password(&node.db, actor.account.id, current, new).await?;
    attempt.succeeded(&node.db).await?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests;
