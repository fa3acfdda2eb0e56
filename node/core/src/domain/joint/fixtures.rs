//! Fixtures shared by the domain's tests and the web crate's page tests
//! (feature `testing`): a node's identity, members, shared proposals,
//! supports, and the messages a test reads back. Never in a release build.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::federated;
use crate::peers;
use passerelle_protocol::body::{NodeRole, ProposalWithdrawal, SharedProposal, Support};
use passerelle_protocol::{Envelope, KeyPair};

/// A node's identity for tests: its id, its hub and its keys.
pub struct Me {
    pub me: NodeId,
    pub hub: NodeId,
    pub keys: KeyPair,
}

impl Me {
    pub fn hub() -> Me {
        Me {
            me: NodeId::parse("hub-test").unwrap(),
            hub: NodeId::parse("hub-test").unwrap(),
            keys: KeyPair::from_seed(&[3; 32]),
        }
    }

    pub fn service(id: &str) -> Me {
        Me {
            me: NodeId::parse(id).unwrap(),
            hub: NodeId::parse("hub-test").unwrap(),
            keys: KeyPair::from_seed(&[4; 32]),
        }
    }

    pub fn stream(&self) -> OwnStream<'_> {
        OwnStream {
            me: &self.me,
            audience: &self.hub,
            keys: &self.keys,
        }
    }
}

pub fn seed(service: &str) -> u8 {
    service
        .bytes()
        .fold(11u8, |a, b| a.wrapping_mul(31).wrapping_add(b))
}

/// Enrols `service` as a member of the federation.
pub async fn member(conn: &mut AnyConnection, service: &str, name: &str) {
    let key = KeyPair::from_seed(&[seed(service); 32]).public_key();
    peers::upsert(
        conn,
        service,
        name,
        NodeRole::Service,
        peers::ACTIVE,
        None,
        &[key],
    )
    .await
    .unwrap();
}

/// `service` shares a proposal, signed as it would be on the wire.
pub async fn share(
    conn: &mut AnyConnection,
    service: &str,
    title: &str,
    description: &str,
    theme: Theme,
    status: ProposalStatus,
) -> ProposalRef {
    let p = SharedProposal {
        proposal: Uuid::now_v7(),
        title: title.into(),
        description: description.into(),
        theme,
        tags: vec!["test".into()],
        origin: Origin::Committee,
        status,
        answer: None,
    };
    let keys = KeyPair::from_seed(&[seed(service); 32]);
    let signed = Envelope::new(
        NodeId::parse(service).unwrap(),
        NodeId::parse("hub-test").unwrap(),
        1,
        None,
        &Body::ProposalShared(p.clone()),
        keys.key_id().clone(),
    )
    .unwrap()
    .sign(&keys)
    .unwrap();
    federated::apply_shared(conn, &signed, &p).await.unwrap();
    ProposalRef {
        service: NodeId::parse(service).unwrap(),
        proposal: p.proposal,
    }
}

pub async fn withdraw(conn: &mut AnyConnection, r: &ProposalRef) {
    federated::apply_withdrawal(
        conn,
        r.service.as_str(),
        &ProposalWithdrawal {
            proposal: r.proposal,
            reason: None,
        },
    )
    .await
    .unwrap();
}

pub async fn give(conn: &mut AnyConnection, supporter: &str, r: &ProposalRef) {
    apply_support(
        conn,
        supporter,
        &Support {
            proposal: r.clone(),
            comment: None,
        },
        true,
    )
    .await
    .unwrap();
}

/// Every message of this node's log, oldest first, as (origin, body).
pub async fn messages(conn: &mut AnyConnection) -> Vec<(String, Body)> {
    let rows = sqlx::query("SELECT envelope FROM messages ORDER BY pos")
        .fetch_all(conn)
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let env = SignedEnvelope::parse(r.try_get::<String, _>("envelope").unwrap().as_bytes())
                .unwrap();
            (env.envelope().from.to_string(), env.body().unwrap())
        })
        .collect()
}

pub async fn last_body(conn: &mut AnyConnection) -> Body {
    messages(conn).await.pop().unwrap().1
}

pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_unix(secs).unwrap()
}
