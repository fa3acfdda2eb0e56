//! Simulated services: each has its own key and stream, enrols at the hub
//! through a real invitation over HTTP, and pushes real signed envelopes
//! with real signed requests — what a service node's pusher sends, without
//! a whole node (and its SQLite file) per simulated service. Used by the
//! federation benchmark and the group-commit test.

use passerelle_core::wire::{JoinRequest, PushResponse};
use passerelle_protocol::body::{
    NodeRole, Origin, ProposalRef, ProposalStatus, SharedProposal, Support,
};
use passerelle_protocol::signed_object::NodeDescriptor;
use passerelle_protocol::{
    Body, Envelope, Hash, KeyPair, NodeId, RequestParts, RequestSignature, Timestamp,
};
use passerelle_web::pages::labels::THEMES;
use uuid::Uuid;

/// A service as the hub sees it: an id, a key, a stream.
pub struct SimService {
    pub id: NodeId,
    pub keys: KeyPair,
    seq: u64,
    prev: Option<Hash>,
    /// The proposals this service shared, in order.
    pub shared: Vec<Uuid>,
}

impl SimService {
    pub fn new(n: usize) -> SimService {
        SimService::named(&format!("ssm-bench-{n:04}"))
    }

    pub fn named(id: &str) -> SimService {
        SimService::with_keys(id, KeyPair::generate().expect("key"))
    }

    /// A service `id` that signs with `keys` (a key of another node, say).
    pub fn with_keys(id: &str, keys: KeyPair) -> SimService {
        SimService {
            id: NodeId::parse(id).expect("service id"),
            keys,
            seq: 0,
            prev: None,
            shared: Vec::new(),
        }
    }

    /// The next envelope of this service's stream, signed, as canonical text.
    pub fn next(&mut self, hub: &NodeId, body: &Body) -> String {
        self.seq += 1;
        let env = Envelope::new(
            self.id.clone(),
            hub.clone(),
            self.seq,
            self.prev.take(),
            body,
            self.keys.key_id().clone(),
        )
        .expect("envelope")
        .sign(&self.keys)
        .expect("signed envelope");
        self.prev = Some(env.hash().clone());
        env.canonical_string()
    }

    /// A `proposal.shared` message for proposal number `k` of this service.
    pub fn share(&mut self, hub: &NodeId, k: usize) -> String {
        let id = Uuid::now_v7();
        self.shared.push(id);
        let body = Body::ProposalShared(SharedProposal {
            proposal: id,
            title: format!("Proposition {k} du service {}", self.id).into(),
            description: format!(
                "Description de la proposition {k} : horaires d'accueil, salle d'attente, \
                 activités du samedi — texte de longueur habituelle pour un comité ({}).",
                self.id
            )
            .into(),
            theme: THEMES[k % THEMES.len()],
            tags: vec![format!("tag-{}", k % 5)],
            origin: Origin::Committee,
            status: match k % 3 {
                0 => ProposalStatus::Discussed,
                _ => ProposalStatus::Idea,
            },
            answer: None,
        });
        self.next(hub, &body)
    }

    /// A `support.given` message for another service's proposal.
    pub fn support(&mut self, hub: &NodeId, service: &NodeId, proposal: Uuid) -> String {
        let body = Body::SupportGiven(Support {
            proposal: ProposalRef {
                service: service.clone(),
                proposal,
            },
            comment: Some("Nous soutenons".into()),
        });
        self.next(hub, &body)
    }

    /// The `Authorization` header of a request to `hub`.
    pub fn authorization(&self, hub: &NodeId, method: &str, target: &str, body: &[u8]) -> String {
        let parts = RequestParts {
            method,
            target,
            destination: hub,
            body,
        };
        RequestSignature::sign(
            &parts,
            &self.id,
            &self.keys,
            Timestamp::now(),
            passerelle_protocol::request::new_nonce().expect("nonce"),
        )
        .to_header()
    }

    /// Enrols at the hub with an invitation code, over HTTP.
    pub async fn join(&self, http: &reqwest::Client, hub_url: &str, hub: &NodeId, code: &str) {
        let (status, answer) = self
            .try_join(http, hub_url, hub, code, &format!("Service {}", self.id))
            .await;
        assert!(
            status == 200,
            "join of {} refused ({status}): {answer}",
            self.id
        );
    }

    /// Asks to join the hub with an invitation code, over HTTP, announcing
    /// itself under `name`; returns the status and the JSON answer.
    pub async fn try_join(
        &self,
        http: &reqwest::Client,
        hub_url: &str,
        hub: &NodeId,
        code: &str,
        name: &str,
    ) -> (u16, serde_json::Value) {
        let descriptor = NodeDescriptor::signed(
            self.id.clone(),
            name.to_owned(),
            NodeRole::Service,
            Vec::new(),
            &self.keys,
        )
        .expect("descriptor");
        let body = serde_json::to_vec(&JoinRequest {
            code: code.to_owned(),
            descriptor: descriptor.to_json_value(),
        })
        .expect("join body");
        let auth = self.authorization(hub, "POST", "/fed/v1/join", &body);
        let resp = http
            .post(format!("{hub_url}/fed/v1/join"))
            .header("authorization", auth)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("join request");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("join answer");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// A push request, signed ahead: `(authorization header, body)`.
pub fn push_request(svc: &SimService, hub: &NodeId, envelopes: &[String]) -> (String, Vec<u8>) {
    let body = format!("{{\"messages\":[{}]}}", envelopes.join(",")).into_bytes();
    (svc.authorization(hub, "POST", "/fed/v1/inbox", &body), body)
}

/// Sends a signed push; panics unless every message was accepted.
pub async fn send_push(
    http: &reqwest::Client,
    hub_url: &str,
    req: (String, Vec<u8>),
    expected: usize,
) {
    let resp = http
        .post(format!("{hub_url}/fed/v1/inbox"))
        .header("authorization", req.0)
        .header("content-type", "application/json")
        .body(req.1)
        .send()
        .await
        .expect("push request");
    let status = resp.status();
    let bytes = resp.bytes().await.expect("push answer");
    let answer: PushResponse = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "push refused ({status}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    let accepted = answer
        .results
        .iter()
        .filter(|r| r.status == "accepted")
        .count();
    assert!(
        status.is_success() && accepted == expected,
        "push not fully accepted ({status}): {}",
        String::from_utf8_lossy(&bytes)
    );
}

/// Sends a signed push; returns the status and the JSON answer.
pub async fn push_raw(
    http: &reqwest::Client,
    hub_url: &str,
    req: (String, Vec<u8>),
) -> (u16, serde_json::Value) {
    let resp = http
        .post(format!("{hub_url}/fed/v1/inbox"))
        .header("authorization", req.0)
        .header("content-type", "application/json")
        .body(req.1)
        .send()
        .await
        .expect("push request");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("push answer");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}
