//! What the actions' tests share: a node as `passerelle init` makes it,
//! and people acting on it.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::NodeId;

use super::Actor;
use crate::accounts::{self, Account, Role};
use crate::node::{InitOptions, Node};

/// The first account's password on every test node.
pub const PASSWORD: &str = "mot-de-passe-de-test";

/// A new node in `dir`, with its first account `admin` (a coordinator on
/// a hub, an administrator on a service).
pub async fn node(dir: &std::path::Path, role: NodeRole, id: &str) -> Node {
    Node::init(InitOptions {
        data_dir: dir.join(id),
        role,
        id: NodeId::parse(id).unwrap(),
        name: id.to_owned(),
        listen: "127.0.0.1:0".into(),
        database_url: None,
        admin_password: Some(PASSWORD.into()),
    })
    .await
    .unwrap()
    .0
}

/// The node's first account, `admin`.
pub async fn first(node: &Node) -> Actor {
    let account = accounts::list(&node.db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "admin")
        .unwrap();
    Actor::new(account)
}

/// Someone with `role`, whatever the node holds (to try a role the node's
/// accounts cannot have).
pub fn someone(role: Role) -> Actor {
    Actor::new(Account {
        id: 999,
        username: format!("{}-test", role.as_str()),
        role,
        must_change_password: false,
    })
}
