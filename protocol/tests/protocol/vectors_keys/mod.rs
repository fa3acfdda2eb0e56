//! Key rotation and revocation vectors (`vectors/keys.json`), the two new
//! envelope vectors of `envelopes.json` and the `key.revoked` body refusals
//! of `negative.json`. A scenario is a receiver fed a sequence of
//! envelopes; each step says what the receiver must answer (SPEC §8.6).

use std::collections::BTreeMap;

use passerelle_protocol::body::{KeyRevocation, KeyRotation, ProposalWithdrawal};
use passerelle_protocol::key_timeline::{KeySpan, KeyTimeline};
use passerelle_protocol::stream::{place, Placement, StreamHead};
use passerelle_protocol::{Body, CanonicalValue, Hash, KeyPair, NodeId, PublicKey, SignedEnvelope};
use serde::{Deserialize, Serialize};

use super::{
    envelope, keys, node, positive, sign_members, typed, EnvelopeVector, NegativeVector, HUB,
    HUB_SEED, SERVICE, SERVICE_SEED,
};

/// The service's key after its rotation.
pub const ROTATED_SEED: &str = "8e2d3f0a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6";
/// The hub's key after its rotation.
pub const HUB_ROTATED_SEED: &str =
    "5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b";
/// A thief's key (it rotated the stolen service key to it).
pub const THIEF_SEED: &str = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
/// The owner's replacement key after the theft.
pub const OWNER_SEED: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyScenario {
    pub name: String,
    pub description: String,
    /// The receiver's own node id and its federation (the hub's id).
    pub receiver: String,
    pub audience: String,
    /// What the receiver pinned before the first step (keys without a
    /// stretch: current first).
    pub pinned: Vec<PinnedNode>,
    pub steps: Vec<KeyStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedNode {
    pub node: String,
    pub role: String,
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyStep {
    /// The envelope received (canonical text).
    pub input: String,
    /// `accepted`, `duplicate`, or the error code of the refusal.
    pub result: String,
    /// After an accepted `key.revoked`: the `seq`s of the member's messages
    /// this revocation flags (those from its `from_seq` on that the new
    /// stretches refuse), in order; possibly none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<Vec<u64>>,
}

/// A receiver as SPEC §6 and §8.6 describe it, in memory.
pub struct Receiver {
    me: String,
    audience: NodeId,
    roles: BTreeMap<String, String>,
    timelines: BTreeMap<String, KeyTimeline>,
    heads: BTreeMap<String, StreamHead>,
    /// (origin, seq) → (hash, key id) of every accepted message.
    stored: BTreeMap<(String, u64), (Hash, passerelle_protocol::KeyId)>,
}

impl Receiver {
    pub fn new(me: &str, audience: &str, pinned: &[PinnedNode]) -> Receiver {
        let mut r = Receiver {
            me: me.into(),
            audience: NodeId::parse(audience).unwrap(),
            roles: BTreeMap::new(),
            timelines: BTreeMap::new(),
            heads: BTreeMap::new(),
            stored: BTreeMap::new(),
        };
        for p in pinned {
            r.roles.insert(p.node.clone(), p.role.clone());
            let t = r.timelines.entry(p.node.clone()).or_default();
            for k in &p.keys {
                t.pin(PublicKey::parse(k).unwrap(), KeySpan::default(), None);
            }
        }
        r
    }

    /// Receives one envelope: `Ok("accepted" | "duplicate")` or the code.
    pub fn receive(&mut self, input: &str) -> Result<&'static str, &'static str> {
        let env = SignedEnvelope::parse(input.as_bytes()).map_err(|e| e.code())?;
        let e = env.envelope().clone();
        let origin = e.from.to_string();
        let role = self.roles.get(&origin).ok_or("unknown_sender")?.clone();
        let key = self.timelines[&origin]
            .key_for_message(&origin, &e.key, e.seq)
            .map_err(|err| err.code())?;
        env.verify_signature(&key).map_err(|err| err.code())?;
        env.check_audience(&self.audience)
            .map_err(|err| err.code())?;
        let head = self.heads.get(&origin);
        let at = self.stored.get(&(origin.clone(), e.seq)).map(|s| &s.0);
        if place(head, e.seq, e.prev.as_ref(), env.hash(), at).map_err(|err| err.code())?
            == Placement::Duplicate
        {
            return Ok("duplicate");
        }
        let body = env.body().map_err(|err| err.code())?;
        match &body {
            Body::KeyRotated(r) => {
                let mut t = self.timelines[&origin].clone();
                let elsewhere = self
                    .timelines
                    .iter()
                    .any(|(n, t)| *n != origin && t.get(&r.new_key.key_id()).is_some());
                if elsewhere {
                    return Err("domain_rule");
                }
                t.rotate(&e.key, e.seq, r.new_key)
                    .map_err(|_| "domain_rule")?;
                self.timelines.insert(origin.clone(), t);
            }
            Body::KeyRevoked(r) => {
                let member = r.node.to_string();
                if role != "hub" || self.roles.get(&member).map(String::as_str) != Some("service") {
                    return Err("domain_rule");
                }
                if member != self.me {
                    let t = self.timelines.get_mut(&member).unwrap();
                    t.revoke(r);
                }
            }
            _ => {}
        }
        self.heads.insert(
            origin.clone(),
            StreamHead {
                seq: e.seq,
                hash: env.hash().clone(),
            },
        );
        self.stored
            .insert((origin, e.seq), (env.hash().clone(), e.key.clone()));
        Ok("accepted")
    }

    /// The `seq`s from `from_seq` on of `member`'s accepted messages that
    /// its keys now refuse (SPEC §8.6.3 step 5).
    pub fn flagged(&self, member: &str, from_seq: u64) -> Vec<u64> {
        let t = &self.timelines[member];
        self.stored
            .iter()
            .filter(|((o, seq), _)| o == member && *seq >= from_seq)
            .filter(|((_, seq), (_, key))| t.key_for_message(member, key, *seq).is_err())
            .map(|((_, seq), _)| *seq)
            .collect()
    }
}

fn signed(
    id: &str,
    from: &str,
    seq: u64,
    prev: Option<&SignedEnvelope>,
    time: &str,
    body: &Body,
    by: &KeyPair,
) -> SignedEnvelope {
    typed(
        id,
        from,
        seq,
        prev.map(|p| p.hash().clone()),
        time,
        body,
        by,
    )
    .sign(by)
    .unwrap()
}

fn withdrawal(n: u8) -> Body {
    Body::ProposalWithdrawn(ProposalWithdrawal {
        proposal: super::uuid(&format!("01936b2a-7c00-7000-8000-0000000000{n:02x}")),
        reason: Some("Réglé avec la direction.".into()),
    })
}

/// The service's and the hub's streams used by the scenarios (and by the
/// two new envelope vectors): bases = the first three envelope vectors.
pub struct Streams {
    pub rotation: SignedEnvelope,
    pub revocation: SignedEnvelope,
}

pub fn streams(bases: &[SignedEnvelope]) -> Streams {
    let (second, meeting) = (&bases[1], &bases[2]);
    let service = keys(SERVICE_SEED);
    let hub = keys(HUB_SEED);
    let rotation = signed(
        "01936b2a-7c00-7000-8000-000000000201",
        SERVICE,
        3,
        Some(second),
        "2027-01-04T08:00:00Z",
        &Body::KeyRotated(KeyRotation {
            new_key: keys(ROTATED_SEED).public_key(),
        }),
        &service,
    );
    let revocation = signed(
        "01936b2a-7c00-7000-8000-000000000202",
        HUB,
        2,
        Some(meeting),
        "2027-02-10T14:00:00Z",
        &Body::KeyRevoked(Box::new(KeyRevocation {
            node: node(SERVICE),
            key: service.public_key(),
            from_seq: 3,
            next_seq: 5,
            new_key: Some(keys(OWNER_SEED).public_key()),
            reason: Some("Ordinateur du comité volé le 3 février.".into()),
        })),
        &hub,
    );
    Streams {
        rotation,
        revocation,
    }
}

pub fn envelope_vectors(bases: &[SignedEnvelope]) -> Vec<EnvelopeVector> {
    let s = streams(bases);
    vec![
        positive(
            "service_seq3_key_rotated",
            "The service rotates its key: key.rotated signed with the old key \
             (the key of service_seq1_delegates_list), naming the new one.",
            SERVICE_SEED,
            &s.rotation,
        ),
        positive(
            "hub_seq2_key_revoked",
            "The hub's operator declares the service's key compromised from its \
             message 3 on and installs the replacement the service handed over.",
            HUB_SEED,
            &s.revocation,
        ),
    ]
}

pub fn negative_vectors() -> Vec<NegativeVector> {
    let hub = keys(HUB_SEED);
    let service = keys(SERVICE_SEED);
    let revocation = |from: i64, next: i64, new_key: &PublicKey| {
        let mut m = BTreeMap::new();
        m.insert("node".to_owned(), super::string(SERVICE));
        m.insert(
            "key".to_owned(),
            super::string(&service.public_key().to_string()),
        );
        m.insert("from_seq".to_owned(), CanonicalValue::Integer(from));
        m.insert("next_seq".to_owned(), CanonicalValue::Integer(next));
        m.insert("new_key".to_owned(), super::string(&new_key.to_string()));
        m.insert("reason".to_owned(), CanonicalValue::Null);
        CanonicalValue::Object(m)
    };
    let owner = keys(OWNER_SEED).public_key();
    let cases = [
        (
            "key_revoked_from_seq_zero",
            "key.revoked with from_seq 0: sequence numbers start at 1.",
            revocation(0, 5, &owner),
        ),
        (
            "key_revoked_from_after_next",
            "key.revoked with from_seq after next_seq: a key cannot be revoked \
             from a message the stream has not reached.",
            revocation(6, 5, &owner),
        ),
        (
            "key_revoked_new_key_is_the_revoked_key",
            "key.revoked whose replacement is the compromised key itself.",
            revocation(3, 5, &service.public_key()),
        ),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(|(n, (name, description, body))| {
            let e = envelope(
                &format!("01936b2a-7c00-7000-8000-00000000021{n}"),
                HUB,
                HUB,
                1,
                None,
                "2027-02-10T14:00:00Z",
                "key.revoked",
                body,
                &hub,
            );
            NegativeVector {
                name: name.into(),
                description: description.into(),
                input: sign_members(super::members(&e), &hub),
                public_key: hub.public_key().to_string(),
                audience: HUB.into(),
                now: None,
                step: "body".into(),
                error: "invalid_body".into(),
            }
        })
        .collect()
}

fn step(receiver: &mut Receiver, env: &SignedEnvelope, flags: bool) -> KeyStep {
    let input = env.canonical_string();
    let result = match receiver.receive(&input) {
        Ok(r) | Err(r) => r.to_owned(),
    };
    let flagged = flags.then(|| {
        let Ok(Body::KeyRevoked(r)) = env.body() else {
            panic!("flags after a key.revoked only")
        };
        receiver.flagged(r.node.as_str(), r.from_seq)
    });
    KeyStep {
        input,
        flagged,
        result,
    }
}

fn scenario(
    name: &str,
    description: &str,
    receiver_id: &str,
    pinned: Vec<PinnedNode>,
    envelopes: Vec<(SignedEnvelope, bool, &str)>,
) -> KeyScenario {
    let mut receiver = Receiver::new(receiver_id, HUB, &pinned);
    let steps = envelopes
        .iter()
        .map(|(env, flags, expected)| {
            let s = step(&mut receiver, env, *flags);
            assert_eq!(s.result, *expected, "{name}: seq {}", env.envelope().seq);
            s
        })
        .collect();
    KeyScenario {
        name: name.into(),
        description: description.into(),
        receiver: receiver_id.into(),
        audience: HUB.into(),
        pinned,
        steps,
    }
}

fn pinned(node: &str, role: &str, keys: &[&KeyPair]) -> PinnedNode {
    PinnedNode {
        node: node.into(),
        role: role.into(),
        keys: keys.iter().map(|k| k.public_key().to_string()).collect(),
    }
}

pub fn key_scenarios(bases: &[SignedEnvelope]) -> Vec<KeyScenario> {
    let (first, second, meeting) = (&bases[0], &bases[1], &bases[2]);
    let s = streams(bases);
    let service = keys(SERVICE_SEED);
    let rotated = keys(ROTATED_SEED);
    let hub = keys(HUB_SEED);
    let hub_rotated = keys(HUB_ROTATED_SEED);
    let thief = keys(THIEF_SEED);
    let owner = keys(OWNER_SEED);
    let t = "2027-01-05T10:00:00Z";
    let id = |n: u16| format!("01936b2a-7c00-7000-8000-000000000{n:03x}");

    // 1. A service rotates.
    let after_by_old = signed(
        &id(0x301),
        SERVICE,
        4,
        Some(&s.rotation),
        t,
        &withdrawal(0xa1),
        &service,
    );
    let after_by_new = signed(
        &id(0x302),
        SERVICE,
        4,
        Some(&s.rotation),
        t,
        &withdrawal(0xa1),
        &rotated,
    );
    let reuse = signed(
        &id(0x303),
        SERVICE,
        5,
        Some(&after_by_new),
        t,
        &Body::KeyRotated(KeyRotation {
            new_key: service.public_key(),
        }),
        &rotated,
    );
    let rotation = scenario(
        "keys_service_rotation",
        "A service rotates its key at seq 3. Its messages 1-3 verify with the old key \
         (also when one is received again: duplicate); message 4 signed with the old key \
         is refused (key_retired), with the new key accepted; rotating back to a key \
         already used is refused (domain_rule).",
        "ssm-autre",
        vec![
            pinned(SERVICE, "service", &[&service]),
            pinned(HUB, "hub", &[&hub]),
        ],
        vec![
            (first.clone(), false, "accepted"),
            (second.clone(), false, "accepted"),
            (s.rotation.clone(), false, "accepted"),
            (after_by_old, false, "key_retired"),
            (after_by_new.clone(), false, "accepted"),
            (second.clone(), false, "duplicate"),
            (reuse, false, "domain_rule"),
        ],
    );

    // 2. The hub rotates; a service that joined later replays its stream.
    let hub_rotation = signed(
        &id(0x311),
        HUB,
        2,
        Some(meeting),
        t,
        &Body::KeyRotated(KeyRotation {
            new_key: hub_rotated.public_key(),
        }),
        &hub,
    );
    let cancel = |by: &KeyPair| {
        signed(
            &id(0x312),
            HUB,
            3,
            Some(&hub_rotation),
            t,
            &Body::MeetingCancelled(passerelle_protocol::body::MeetingCancellation {
                meeting: super::uuid("01936b2a-7c00-7000-8000-0000000000c1"),
                notice: "Reportée : salle indisponible.".into(),
            }),
            by,
        )
    };
    let hub_scenario = scenario(
        "keys_hub_rotation_replayed_by_a_late_joiner",
        "A service that joined after the hub's rotation pinned the hub's current and \
         previous keys from its descriptor; replaying the hub's stream, the old key \
         verifies messages 1-2 and is refused for message 3 (key_retired).",
        "ssm-nouveau",
        vec![pinned(HUB, "hub", &[&hub_rotated, &hub])],
        vec![
            (meeting.clone(), false, "accepted"),
            (hub_rotation.clone(), false, "accepted"),
            (cancel(&hub), false, "key_retired"),
            (cancel(&hub_rotated), false, "accepted"),
        ],
    );

    // 3. A stolen key: the thief rotates to its own key, the hub revokes.
    let thief_rotation = signed(
        &id(0x321),
        SERVICE,
        3,
        Some(second),
        t,
        &Body::KeyRotated(KeyRotation {
            new_key: thief.public_key(),
        }),
        &service,
    );
    let thief_message = signed(
        &id(0x322),
        SERVICE,
        4,
        Some(&thief_rotation),
        t,
        &withdrawal(0xa1),
        &thief,
    );
    let revocation = signed(
        &id(0x323),
        HUB,
        1,
        None,
        t,
        &Body::KeyRevoked(Box::new(KeyRevocation {
            node: node(SERVICE),
            key: service.public_key(),
            from_seq: 3,
            next_seq: 5,
            new_key: Some(owner.public_key()),
            reason: None,
        })),
        &hub,
    );
    let fifth = |by: &KeyPair, n: u16| {
        signed(
            &id(n),
            SERVICE,
            5,
            Some(&thief_message),
            t,
            &delegates_again(),
            by,
        )
    };
    let by_owner = fifth(&owner, 0x326);
    let service_revokes = signed(
        &id(0x327),
        SERVICE,
        6,
        Some(&by_owner),
        t,
        &Body::KeyRevoked(Box::new(KeyRevocation {
            node: node(SERVICE),
            key: thief.public_key(),
            from_seq: 1,
            next_seq: 6,
            new_key: None,
            reason: None,
        })),
        &owner,
    );
    let theft = scenario(
        "keys_revocation_after_theft",
        "A thief with the service's key rotates it to its own key (seq 3) and sends \
         seq 4. The hub revokes the stolen key from seq 3 with the owner's replacement: \
         the receiver flags 3 and 4; the stolen and the thief's keys are refused from \
         then on (key_revoked), the owner's key signs seq 5. Only the hub revokes keys \
         (a service's key.revoked: domain_rule).",
        "ssm-autre",
        vec![
            pinned(SERVICE, "service", &[&service]),
            pinned(HUB, "hub", &[&hub]),
        ],
        vec![
            (first.clone(), false, "accepted"),
            (second.clone(), false, "accepted"),
            (thief_rotation, false, "accepted"),
            (thief_message.clone(), false, "accepted"),
            (revocation, true, "accepted"),
            (fifth(&thief, 0x324), false, "key_revoked"),
            (fifth(&service, 0x325), false, "key_revoked"),
            (by_owner, false, "accepted"),
            (service_revokes, false, "domain_rule"),
        ],
    );
    assert_eq!(theft.steps[4].flagged, Some(vec![3, 4]));

    // 4. The cases §8.6.3 settles: a revoked key the receiver never pinned
    // for the member; a retired key reinstated as the replacement.
    let unpinned = signed(
        &id(0x331),
        HUB,
        1,
        None,
        t,
        &Body::KeyRevoked(Box::new(KeyRevocation {
            node: node(SERVICE),
            key: thief.public_key(),
            from_seq: 2,
            next_seq: 3,
            new_key: None,
            reason: None,
        })),
        &hub,
    );
    let reinstating = signed(
        &id(0x332),
        HUB,
        2,
        Some(&unpinned),
        t,
        &Body::KeyRevoked(Box::new(KeyRevocation {
            node: node(SERVICE),
            key: rotated.public_key(),
            from_seq: 4,
            next_seq: 4,
            new_key: Some(service.public_key()),
            reason: Some("Clé de la nouvelle machine perdue".into()),
        })),
        &hub,
    );
    let after_reinstating = |by: &KeyPair, n: u16| {
        signed(
            &id(n),
            SERVICE,
            4,
            Some(&s.rotation),
            t,
            &withdrawal(0xa1),
            by,
        )
    };
    let settled = scenario(
        "keys_revocation_settled_cases",
        "The hub revokes a key it never pinned for the service (the thief's): nothing \
         is voided, the service's key still signs seq 3 (a rotation to a new key). \
         The hub then revokes that new key from seq 4 and reinstates the service's \
         first key, retired by the rotation, as the replacement from next_seq 4: it \
         signs seq 4 again, the new key is refused (key_revoked), and the first key's \
         own earlier messages are now unknown_key (a key pinned without a start gets \
         next_seq as its start): a resend of seq 2 is refused, not a duplicate.",
        "ssm-autre",
        vec![
            pinned(SERVICE, "service", &[&service]),
            pinned(HUB, "hub", &[&hub]),
        ],
        vec![
            (first.clone(), false, "accepted"),
            (second.clone(), false, "accepted"),
            (unpinned, true, "accepted"),
            (s.rotation.clone(), false, "accepted"),
            (reinstating, true, "accepted"),
            (after_reinstating(&rotated, 0x333), false, "key_revoked"),
            (after_reinstating(&service, 0x334), false, "accepted"),
            (second.clone(), false, "unknown_key"),
        ],
    );
    // Nothing from from_seq on is refused; the first key's messages 1-3,
    // refused now, are before from_seq: not flagged.
    assert_eq!(settled.steps[2].flagged, Some(vec![]));
    assert_eq!(settled.steps[4].flagged, Some(vec![]));
    vec![rotation, hub_scenario, theft, settled]
}

fn delegates_again() -> Body {
    super::delegates_body()
}

/// Replays every scenario of the file with a fresh receiver.
pub fn verify(scenarios: &[KeyScenario]) {
    assert!(scenarios.len() >= 3);
    for sc in scenarios {
        let mut r = Receiver::new(&sc.receiver, &sc.audience, &sc.pinned);
        for (n, st) in sc.steps.iter().enumerate() {
            let got = match r.receive(&st.input) {
                Ok(x) | Err(x) => x,
            };
            assert_eq!(got, st.result, "{} step {n}", sc.name);
            if let Some(flagged) = &st.flagged {
                let member = SignedEnvelope::parse(st.input.as_bytes()).unwrap();
                let Body::KeyRevoked(rev) = member.body().unwrap() else {
                    panic!("{} step {n}: flagged after a key.revoked only", sc.name)
                };
                assert_eq!(
                    &r.flagged(rev.node.as_str(), rev.from_seq),
                    flagged,
                    "{} step {n}",
                    sc.name
                );
            }
        }
    }
}
