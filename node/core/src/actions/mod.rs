//! One function per thing a person does (an *action*): it takes who acts,
//! checks that their role allows it on this kind of node, opens the
//! transaction, applies the domain's rule and announces the message. The
//! JSON API and the pages both call the same action, so the role policy,
//! the transaction and the validation exist once; the handlers only read
//! the request and say the answer.
//!
//! Actions sit above `node` and `domain`: the domain's functions take a
//! connection inside a transaction an action opened.

pub mod accounts;
pub mod committee;
pub mod erasure;
pub mod hub;
pub mod joint;
pub mod meetings;
pub mod positions;
pub mod proposals;
#[cfg(test)]
mod testing;

use crate::accounts::{Account, Role};
use crate::error::{NodeError, Refusal};
use crate::node::Node;

/// Who acts: an authenticated account (from a session or a token).
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: Account,
}

impl Actor {
    pub fn new(account: Account) -> Actor {
        Actor { account }
    }

    /// The name recorded in histories and logs.
    pub fn name(&self) -> &str {
        &self.account.username
    }

    /// Whether this person administers the node (a service's administrator
    /// or the hub's coordinator): they see contact details.
    pub fn is_admin(&self) -> bool {
        matches!(self.account.role, Role::Admin | Role::Coordinator)
    }
}

/// Who may do something, and on which kind of node: the role policy, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// A service's administrators and committee members.
    Committee,
    /// A service's administrators.
    Admins,
    /// The hub's coordinators.
    Coordinators,
    /// Whoever manages accounts on this node (administrators, coordinators).
    Managers,
}

impl Who {
    /// The roles allowed.
    pub const fn roles(self) -> &'static [Role] {
        match self {
            Who::Committee => &[Role::Admin, Role::Member],
            Who::Admins => &[Role::Admin],
            Who::Coordinators => &[Role::Coordinator],
            Who::Managers => &[Role::Admin, Role::Coordinator],
        }
    }

    /// Refuses (`forbidden`) unless `actor`'s role is allowed.
    pub fn check_role(self, actor: &Actor) -> Result<(), NodeError> {
        if self.roles().contains(&actor.account.role) {
            Ok(())
        } else {
            Err(NodeError::refused(
                Refusal::Forbidden,
                format!("the role {} may not do this", actor.account.role.as_str()),
            ))
        }
    }

    /// Whether this kind of node (a hub, or a service) is where these
    /// people act.
    pub const fn fits(self, is_hub: bool) -> bool {
        match self {
            Who::Committee | Who::Admins => !is_hub,
            Who::Coordinators => is_hub,
            Who::Managers => true,
        }
    }

    /// Refuses on the wrong kind of node (`not_a_service` on a hub,
    /// `not_a_hub` on a service).
    pub fn check_kind(self, node: &Node) -> Result<(), NodeError> {
        if self.fits(node.is_hub()) {
            Ok(())
        } else if node.is_hub() {
            Err(NodeError::refused(
                Refusal::NotAService,
                "a hub has no proposals of its own",
            ))
        } else {
            node.require_hub()
        }
    }

    /// Checks the role, then the kind of node.
    pub fn check(self, node: &Node, actor: &Actor) -> Result<(), NodeError> {
        self.check_role(actor)?;
        self.check_kind(node)
    }
}
