//! What the actions' tests share: a node as `passerelle init` makes it,
//! and people acting on it.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::{DelegateList, NodeRole};
use passerelle_protocol::{KeyPair, NodeId};

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
        member_id: None,
        disabled: false,
    })
}

// A service and its people (the committee side).
/// A new service node, with its directory (kept while the test runs).
pub(crate) async fn service() -> (tempfile::TempDir, Node) {
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = Node::init(InitOptions {
        data_dir: dir.path().join("node"),
        role: NodeRole::Service,
        id: NodeId::parse("ssm-test").unwrap(),
        name: "SSM de test".into(),
        listen: "127.0.0.1:0".into(),
        database_url: None,
        admin_password: Some("mot-de-passe-de-test".into()),
    })
    .await
    .unwrap();
    (dir, node)
}

/// The node joins a hub: from now on its changes are announced.
pub(crate) async fn join(node: &Node) {
    let mut w = node.db.begin_write().await.unwrap();
    crate::peers::upsert(
        w.conn(),
        "hub-test",
        "Comité inter-SSM de test",
        passerelle_protocol::body::NodeRole::Hub,
        crate::peers::ACTIVE,
        None,
        &[KeyPair::from_seed(&[9; 32]).public_key()],
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
}

fn person(username: &str, role: Role) -> Actor {
    Actor::new(Account {
        id: 0,
        username: username.into(),
        role,
        must_change_password: false,
        member_id: None,
        disabled: false,
    })
}

/// The service's administrator.
pub(crate) fn an_admin() -> Actor {
    person("admin", Role::Admin)
}

/// A member of the committee.
pub(crate) fn a_member() -> Actor {
    person("marie", Role::Member)
}

/// Every message of the node's own stream: (kind, envelope text).
pub(crate) async fn messages(node: &Node) -> Vec<(String, String)> {
    let mut conn = node.db.pool().acquire().await.unwrap();
    crate::domain::members::tests::all_envelopes(&mut conn).await
}

/// The delegate lists the node announced, oldest first.
pub(crate) async fn announced(node: &Node) -> Vec<DelegateList> {
    let mut conn = node.db.pool().acquire().await.unwrap();
    crate::domain::delegates::tests::announced(&mut conn).await
}
