//! The accounts a node's managers (a service's administrators, the hub's
//! coordinators) run: list them, create one (for a member of the committee,
//! or free), reset a password, disable and enable, change a role, end
//! every session and token, unblock the login throttle.
//!
//! **Somebody must stay able to manage the node**: the last enabled
//! administrator (coordinator on a hub) can be neither disabled nor
//! demoted ([`Rule::LastManager`]), checked in the write transaction that
//! would do it. A first password is generated, shown once (never stored in
//! clear) and must be changed at the first login.

use uuid::Uuid;

use crate::accounts::{self, Account, NewAccount, Role};
use crate::actions::{Actor, Who};
use crate::domain::members;
use crate::error::{NodeError, Rule};
use crate::node::Node;
use crate::sessions;
use crate::throttle;

/// The roles of a node's accounts: a hub has coordinators, a service has
/// administrators and committee members.
pub fn roles_of(node: &Node) -> &'static [Role] {
    if node.is_hub() {
        &[Role::Coordinator]
    } else {
        &[Role::Admin, Role::Member]
    }
}

/// The role that manages accounts on this kind of node.
fn manager_role(node: &Node) -> Role {
    if node.is_hub() {
        Role::Coordinator
    } else {
        Role::Admin
    }
}

/// An account as its managers see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AccountEntry {
    #[serde(flatten)]
    pub account: Account,
    /// The name of the member it belongs to, if any.
    pub member_name: Option<String>,
    /// Logins to it are slowed down by recent failures (the throttle).
    pub blocked: bool,
}

/// The node's accounts.
pub async fn list(node: &Node, actor: &Actor) -> Result<Vec<AccountEntry>, NodeError> {
    Who::Managers.check(node, actor)?;
    let mut out = Vec::new();
    for account in accounts::list(&node.db).await? {
        out.push(entry(node, account).await?);
    }
    Ok(out)
}

async fn entry(node: &Node, account: Account) -> Result<AccountEntry, NodeError> {
    let member_name = match account.member_id {
        Some(id) => {
            let mut conn = node.db.pool().acquire().await?;
            members::get(&mut conn, id)
                .await
                .ok()
                .map(|m| m.display_name)
        }
        None => None,
    };
    let blocked = throttle::is_slowed(&node.db, &account.username).await?;
    Ok(AccountEntry {
        account,
        member_name,
        blocked,
    })
}

/// One account.
pub async fn account(node: &Node, actor: &Actor, id: i64) -> Result<AccountEntry, NodeError> {
    Who::Managers.check(node, actor)?;
    let account = accounts::get(&node.db, id)
        .await?
        .ok_or_else(|| crate::validate::not_found("this account"))?;
    entry(node, account).await
}

/// What a manager asks to create. No `Debug`: it may hold a password.
pub struct NewAccountRequest<'a> {
    pub username: &'a str,
    pub role: Role,
    /// The member of the committee it is for (a service only).
    pub member_id: Option<Uuid>,
    /// A first password; generated when `None`.
    pub password: Option<&'a str>,
}

/// An account just created or reset, with its first password (shown once).
/// No `Debug`: it holds the password.
pub struct FirstPassword {
    pub account: Account,
    pub password: String,
}

/// Creates an account with a first password its holder must change at
/// first login. Only a role of this kind of node ([`roles_of`]); a member
/// of the committee still in it, who has no account yet.
pub async fn create(
    node: &Node,
    actor: &Actor,
    r: NewAccountRequest<'_>,
) -> Result<FirstPassword, NodeError> {
    Who::Managers.check(node, actor)?;
    if !roles_of(node).contains(&r.role) {
        return Err(crate::validate::invalid(
            "role",
            "a hub has coordinators; a service has admins and members",
        ));
    }
    if let Some(id) = r.member_id {
        if node.is_hub() {
            return Err(crate::validate::invalid(
                "member_id",
                "a hub has no members",
            ));
        }
        let mut conn = node.db.pool().acquire().await?;
        let m = members::get(&mut conn, id).await?;
        if !m.is_active() {
            return Err(crate::validate::rule(
                Rule::MemberAlreadyLeft,
                "this member left the committee",
            ));
        }
    }
    let password = match r.password {
        Some(p) => p.to_owned(),
        None => accounts::generate_password()?,
    };
    let id = accounts::create(
        &node.db,
        NewAccount {
            username: r.username,
            password: &password,
            role: r.role,
            must_change: true,
            member_id: r.member_id,
            known: &[&node.config.name],
        },
    )
    .await?;
    let account = accounts::get(&node.db, id)
        .await?
        .ok_or_else(|| NodeError::config("account vanished after creation"))?;
    Ok(FirstPassword { account, password })
}

/// A user name for someone called `name`, free on this node: the name's
/// words in lower case without accents, joined by dots (`marie.dupont`),
/// with a number added when taken.
pub async fn suggest_username(node: &Node, name: &str) -> Result<String, NodeError> {
    let plain: String = name
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            _ => ' ',
        })
        .collect();
    let base = plain.split_whitespace().collect::<Vec<_>>().join(".");
    let base = if base.is_empty() {
        "membre".to_owned()
    } else {
        base
    };
    let base: String = base.chars().take(50).collect();
    let taken: Vec<String> = accounts::list(&node.db)
        .await?
        .into_iter()
        .map(|a| accounts::name_key(&a.username))
        .collect();
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&accounts::name_key(&candidate)) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    Ok(candidate)
}

async fn target(node: &Node, id: i64) -> Result<Account, NodeError> {
    accounts::get(&node.db, id)
        .await?
        .ok_or_else(|| crate::validate::not_found("this account"))
}

/// Refuses to take away the last enabled manager of the node.
async fn keep_a_manager(
    node: &Node,
    conn: &mut sqlx::AnyConnection,
    account: &Account,
) -> Result<(), NodeError> {
    let role = manager_role(node);
    if account.role == role
        && !account.disabled
        && accounts::active_with_role(conn, role).await? <= 1
    {
        return Err(crate::validate::rule(
            Rule::LastManager,
            "this is the last active account that manages the node",
        ));
    }
    Ok(())
}

/// Gives an account a new first password (returned, shown once), to be
/// changed at the next login; ends all its sessions and tokens and clears
/// its failed logins.
pub async fn reset_password(
    node: &Node,
    actor: &Actor,
    id: i64,
) -> Result<FirstPassword, NodeError> {
    Who::Managers.check(node, actor)?;
    let account = target(node, id).await?;
    new_first_password(node, account).await
}

/// The operator's reset (`passerelle account reset-password`): whoever
/// holds the data directory, typically for the only administrator who
/// forgot their password.
pub async fn reset_by_operator(node: &Node, username: &str) -> Result<FirstPassword, NodeError> {
    let account = accounts::by_name(&node.db, username)
        .await?
        .ok_or_else(|| crate::validate::not_found(format!("the account {username:?}")))?;
    new_first_password(node, account).await
}

async fn new_first_password(node: &Node, account: Account) -> Result<FirstPassword, NodeError> {
    let password = accounts::generate_password()?;
    let hash = accounts::hash_password(password.clone()).await?;
    let mut w = node.db.begin_write().await?;
    accounts::set_password_hash(w.conn(), account.id, &hash, true).await?;
    sessions::end_all(w.conn(), account.id, None).await?;
    throttle::unblock(w.conn(), &account.username).await?;
    w.commit().await?;
    let account = target(node, account.id).await?;
    Ok(FirstPassword { account, password })
}

/// Disables an account: it cannot log in, its sessions and tokens end.
/// Not the last enabled manager.
pub async fn disable(node: &Node, actor: &Actor, id: i64) -> Result<(), NodeError> {
    Who::Managers.check(node, actor)?;
    let account = target(node, id).await?;
    let mut w = node.db.begin_write().await?;
    keep_a_manager(node, w.conn(), &account).await?;
    accounts::set_disabled(w.conn(), id, true).await?;
    sessions::end_all(w.conn(), id, None).await?;
    w.commit().await
}

/// Enables a disabled account again (its password is unchanged).
pub async fn enable(node: &Node, actor: &Actor, id: i64) -> Result<(), NodeError> {
    Who::Managers.check(node, actor)?;
    target(node, id).await?;
    let mut w = node.db.begin_write().await?;
    accounts::set_disabled(w.conn(), id, false).await?;
    w.commit().await
}

/// Changes an account's role (a service: administrator ↔ member). Not the
/// last enabled manager's.
pub async fn set_role(node: &Node, actor: &Actor, id: i64, role: Role) -> Result<(), NodeError> {
    Who::Managers.check(node, actor)?;
    if !roles_of(node).contains(&role) {
        return Err(crate::validate::invalid(
            "role",
            "a hub has coordinators; a service has admins and members",
        ));
    }
    let account = target(node, id).await?;
    if account.role == role {
        return Ok(());
    }
    let mut w = node.db.begin_write().await?;
    keep_a_manager(node, w.conn(), &account).await?;
    accounts::set_role(w.conn(), id, role).await?;
    w.commit().await
}

/// Ends every session and token of an account; returns how many.
pub async fn end_sessions(node: &Node, actor: &Actor, id: i64) -> Result<u64, NodeError> {
    Who::Managers.check(node, actor)?;
    target(node, id).await?;
    let mut w = node.db.begin_write().await?;
    let ended = sessions::end_all(w.conn(), id, None).await?;
    w.commit().await?;
    Ok(ended)
}

/// Forgets an account's failed logins: its owner may try again at once.
pub async fn unblock(node: &Node, actor: &Actor, id: i64) -> Result<(), NodeError> {
    Who::Managers.check(node, actor)?;
    let account = target(node, id).await?;
    let mut w = node.db.begin_write().await?;
    throttle::unblock(w.conn(), &account.username).await?;
    w.commit().await
}
