//! A committee's life as a stream of changes, and the proof that every node
//! ended up with the same data.
//!
//! [`service_step`] makes one change at a service, chosen by a seeded RNG:
//! share a new proposal, move one of its shared proposals along its life
//! cycle, withdraw one, support another service's. [`hub_step`] links a
//! shared proposal into a subject at the hub. A change is made [`Via`] the
//! node's JSON API (as people do, and the running node's pusher wakes at
//! once) or straight through the domain functions on the node's data
//! directory (as another program on the same machine would: works while
//! the node's process is dead). Decisions read the node's database.
//!
//! [`assert_converged`] then *compares* — it does not sample: every stream's
//! hashes at every node against its origin's, every shared proposal at the
//! hub and at every other service against its origin's row, every support
//! and every subject across all nodes, and every local change against its
//! message.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use passerelle_core::domain::hub as hub_domain;
use passerelle_core::domain::joint;
use passerelle_core::domain::proposals::{self, NewProposal};
use passerelle_core::{Node, NodeError};
use passerelle_protocol::body::{Origin, ProposalRef, ProposalStatus, Theme};
use passerelle_protocol::NodeId;
use passerelle_web::pages::labels::THEMES;
use serde_json::json;

use crate::Api;
use rand::rngs::StdRng;
use rand::Rng;
use sqlx::Row;
use uuid::Uuid;

/// Proposals whose title carries this mark may be withdrawn, and are never
/// supported or linked (a support racing a withdrawal is refused by the hub,
/// rightly, and would be set aside: not what these tests are about).
pub const WITHDRAWABLE: &str = "[retirable]";

/// How a step makes its change.
#[derive(Debug, Clone)]
pub enum Via {
    /// Through the domain functions, on the node's database.
    Direct,
    /// Through the running node's JSON API (logged in).
    Api(Api),
}

async fn api_call(api: &Api, path: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, answer) = api.post(path, body).await;
    assert!(
        (200..300).contains(&status),
        "POST {path} answered {status}: {answer}"
    );
    answer
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Shared,
    StatusChanged,
    Withdrawn,
    Supported,
    Linked,
    Nothing,
}

fn next_statuses(s: ProposalStatus) -> &'static [ProposalStatus] {
    use ProposalStatus::*;
    match s {
        Idea => &[Discussed, Discussed, Discussed, Abandoned],
        Discussed => &[SentToManagement, SentToManagement, Abandoned],
        SentToManagement => &[Accepted, Adapted, Refused],
        Accepted | Adapted => &[InProgress, InProgress, Realised],
        InProgress => &[Realised],
        Refused => &[Discussed],
        Realised | Abandoned => &[],
    }
}

/// A description of about `len` characters (accented, so that bytes and
/// characters differ).
pub fn description(rng: &mut StdRng, len: usize) -> String {
    const WORDS: [&str; 8] = [
        "accueil",
        "écoute",
        "horaires",
        "salle",
        "activités",
        "café",
        "soirée",
        "bien-être",
    ];
    let mut s = String::with_capacity(len + 16);
    while s.chars().count() < len {
        s.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
        s.push(' ');
    }
    s.trim_end().to_owned()
}

/// Shares a new proposal at `node` (directly: created and shared in one
/// transaction; through the API: created, then shared).
pub async fn share_new(
    node: &Node,
    via: &Via,
    title: String,
    description: String,
    theme: Theme,
) -> Result<Uuid, NodeError> {
    if let Via::Api(api) = via {
        let created = api_call(
            api,
            "/api/v1/proposals",
            json!({"title": title, "description": description, "theme": serde_json::to_value(theme).unwrap(),
                   "tags": ["essai"], "origin": "committee"}),
        )
        .await;
        let id = created["id"].as_str().unwrap().to_owned();
        api_call(api, &format!("/api/v1/proposals/{id}/share"), json!({})).await;
        return Ok(Uuid::parse_str(&id).unwrap());
    }
    node.with_stream(move |conn, stream| {
        Box::pin(async move {
            let id = proposals::create(
                conn,
                "test",
                &NewProposal {
                    title,
                    description,
                    theme,
                    tags: vec!["essai".into()],
                    origin: Origin::Committee,
                },
            )
            .await?;
            proposals::share(conn, &stream, id).await?;
            Ok(id)
        })
    })
    .await
}

async fn ids(node: &Node, sql: &str) -> Vec<(String, String)> {
    sqlx::query(sql)
        .fetch_all(node.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect()
}

/// One change at a service. `n` numbers the change (for titles);
/// `description_len` sets the size of new proposals.
pub async fn service_step(
    node: &Node,
    via: &Via,
    rng: &mut StdRng,
    n: usize,
    description_len: usize,
) -> Result<Step, NodeError> {
    let me = node.id().to_string();
    let roll = rng.gen_range(0..100);
    if roll < 25 {
        // Move one of our shared proposals along.
        let open = ids(
            node,
            "SELECT id, status FROM proposals WHERE shared = 1 AND status NOT IN ('realised', 'abandoned')",
        )
        .await;
        if !open.is_empty() {
            let (id, _) = &open[rng.gen_range(0..open.len())];
            let id = Uuid::parse_str(id).unwrap();
            let mut conn = node.db.pool().acquire().await?;
            let current = proposals::get(&mut conn, id).await?.status;
            drop(conn);
            let choices = next_statuses(current);
            let to = choices[rng.gen_range(0..choices.len())];
            let answer = to
                .has_answer()
                .then(|| format!("Réponse de la direction n° {n}"));
            if let Via::Api(api) = via {
                api_call(
                    api,
                    &format!("/api/v1/proposals/{id}/status"),
                    json!({"status": serde_json::to_value(to).unwrap(), "comment": format!("Étape {n}"), "answer": answer}),
                )
                .await;
                return Ok(Step::StatusChanged);
            }
            node.with_stream(move |conn, stream| {
                Box::pin(async move {
                    proposals::change_status(
                        conn,
                        Some(&stream),
                        id,
                        "test",
                        to,
                        Some(format!("Étape {n}")),
                        answer,
                    )
                    .await
                })
            })
            .await?;
            return Ok(Step::StatusChanged);
        }
    } else if roll < 30 {
        let open = ids(
            node,
            &format!(
                "SELECT id, title FROM proposals WHERE shared = 1 AND title LIKE '%{WITHDRAWABLE}%'"
            ),
        )
        .await;
        if !open.is_empty() {
            let id = Uuid::parse_str(&open[rng.gen_range(0..open.len())].0).unwrap();
            if let Via::Api(api) = via {
                api_call(
                    api,
                    &format!("/api/v1/proposals/{id}/withdraw"),
                    json!({"reason": "Plus d'actualité"}),
                )
                .await;
                return Ok(Step::Withdrawn);
            }
            node.with_stream(move |conn, stream| {
                Box::pin(async move {
                    proposals::withdraw(conn, Some(&stream), id, Some("Plus d'actualité")).await
                })
            })
            .await?;
            return Ok(Step::Withdrawn);
        }
    } else if roll < 45 {
        // Support another service's proposal, known here through the hub.
        let others = ids(
            node,
            &format!(
                "SELECT f.service_id, f.proposal_id FROM federated_proposals f \
                 WHERE f.withdrawn = 0 AND f.service_id <> '{me}' AND f.title NOT LIKE '%{WITHDRAWABLE}%' \
                 AND NOT EXISTS (SELECT 1 FROM supports s WHERE s.service_id = f.service_id \
                 AND s.proposal_id = f.proposal_id AND s.supporter = '{me}')"
            ),
        )
        .await;
        if !others.is_empty() {
            let (service, proposal) = &others[rng.gen_range(0..others.len())];
            let r = ProposalRef {
                service: NodeId::parse(service).unwrap(),
                proposal: Uuid::parse_str(proposal).unwrap(),
            };
            let comment = Some(format!("Soutien n° {n}"));
            if let Via::Api(api) = via {
                api_call(
                    api,
                    "/api/v1/joint/supports",
                    json!({"service": service, "proposal": proposal, "comment": comment}),
                )
                .await;
                return Ok(Step::Supported);
            }
            node.with_stream(move |conn, stream| {
                Box::pin(async move { joint::support(conn, Some(&stream), r, comment).await })
            })
            .await?;
            return Ok(Step::Supported);
        }
    }
    let mark = if rng.gen_range(0..10) == 0 {
        format!(" {WITHDRAWABLE}")
    } else {
        String::new()
    };
    let len = rng.gen_range(description_len / 2..=description_len.max(2));
    share_new(
        node,
        via,
        format!("{me} : proposition {n}{mark}"),
        description(rng, len),
        THEMES[rng.gen_range(0..THEMES.len())],
    )
    .await?;
    Ok(Step::Shared)
}

/// One change at the hub: a subject made of one shared proposal not yet in
/// a subject. `Nothing` when there is none.
pub async fn hub_step(
    node: &Node,
    via: &Via,
    rng: &mut StdRng,
    n: usize,
) -> Result<Step, NodeError> {
    let free = ids(
        node,
        &format!(
            "SELECT f.service_id, f.proposal_id FROM federated_proposals f WHERE f.withdrawn = 0 \
             AND f.title NOT LIKE '%{WITHDRAWABLE}%' AND NOT EXISTS (SELECT 1 FROM subject_proposals sp \
             WHERE sp.service_id = f.service_id AND sp.proposal_id = f.proposal_id)"
        ),
    )
    .await;
    if free.is_empty() {
        return Ok(Step::Nothing);
    }
    let (service, proposal) = &free[rng.gen_range(0..free.len())];
    let r = ProposalRef {
        service: NodeId::parse(service).unwrap(),
        proposal: Uuid::parse_str(proposal).unwrap(),
    };
    if let Via::Api(api) = via {
        api_call(
            api,
            "/api/v1/hub/subjects",
            json!({"title": format!("Sujet {n}"), "proposals": [serde_json::to_value(&r).unwrap()]}),
        )
        .await;
        return Ok(Step::Linked);
    }
    node.with_stream(move |conn, stream| {
        Box::pin(async move {
            hub_domain::create_subject(conn, &stream, &format!("Sujet {n}"), &[r], "test").await
        })
    })
    .await?;
    Ok(Step::Linked)
}

/// Rows of a query, each as a list of texts (numbers and NULLs spelled out),
/// sorted: two nodes' answers compare whole.
pub async fn rows(node: &Node, sql: &str, binds: &[&str]) -> Vec<Vec<String>> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    let mut out: Vec<Vec<String>> = q
        .fetch_all(node.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                        v.unwrap_or_else(|| "NULL".into())
                    } else {
                        r.try_get::<Option<i64>, _>(i)
                            .unwrap()
                            .map_or_else(|| "NULL".into(), |v| v.to_string())
                    }
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

async fn scalar(node: &Node, sql: &str, binds: &[&str]) -> i64 {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// What [`assert_converged`] compared.
#[derive(Debug, Default, Clone, Copy)]
pub struct Compared {
    /// Messages whose hash was compared with the origin's copy (one per copy).
    pub messages: usize,
    /// Shared proposals compared field by field with the origin's (one per copy).
    pub proposals: usize,
    /// Supports and subject links compared (one per copy).
    pub supports_and_links: usize,
}

/// Whether every copy of every stream has caught up with its origin (a
/// cheap check to poll before [`assert_converged`]).
pub async fn caught_up(nodes: &[&Node]) -> bool {
    for origin in nodes {
        let id = origin.id().as_str();
        let want = scalar(
            origin,
            "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE origin = $1",
            &[id],
        )
        .await;
        for other in nodes {
            let have = scalar(
                other,
                "SELECT COUNT(*) FROM messages WHERE origin = $1",
                &[id],
            )
            .await;
            if have != want {
                return false;
            }
        }
    }
    true
}

/// Asserts that the hub and the services hold the same data. `nodes[0]` is
/// the hub.
pub async fn assert_converged(nodes: &[&Node]) -> Compared {
    let mut compared = Compared::default();
    let hub = nodes[0];
    // 1. Every stream, hash for hash, gapless, at every node.
    for origin in nodes {
        let id = origin.id().as_str();
        let reference = crate::stream_hashes(origin, id).await;
        assert_eq!(
            crate::stream_of(origin, id).await,
            (reference.len() as i64, true),
            "{id}'s own stream has a gap"
        );
        for other in nodes {
            if other.id() == origin.id() {
                continue;
            }
            let copy = crate::stream_hashes(other, id).await;
            assert_eq!(
                copy.len(),
                reference.len(),
                "{} holds {} of {id}'s {} messages",
                other.id(),
                copy.len(),
                reference.len()
            );
            assert!(
                copy == reference,
                "{}'s copy of {id}'s stream differs",
                other.id()
            );
            compared.messages += copy.len();
        }
    }
    // 2. Every shared proposal, as its origin has it.
    for origin in &nodes[1..] {
        let id = origin.id().as_str();
        let reference = rows(
            origin,
            "SELECT id, title, description, theme, tags, origin, status, answer_text, answer_date, \
             CASE WHEN shared = 2 THEN 1 ELSE 0 END FROM proposals WHERE shared <> 0",
            &[],
        )
        .await;
        for other in nodes {
            if other.id() == origin.id() {
                continue;
            }
            let copy = rows(
                other,
                "SELECT proposal_id, title, description, theme, tags, origin, status, answer_text, \
                 answer_date, withdrawn FROM federated_proposals WHERE service_id = $1",
                &[id],
            )
            .await;
            assert_eq!(copy.len(), reference.len(), "{}'s view of {id}", other.id());
            assert!(
                copy == reference,
                "{}'s view of {id}'s shared proposals differs from {id}'s own",
                other.id()
            );
            compared.proposals += copy.len();
        }
    }
    // 3. Supports and subjects, the same everywhere.
    let supports = "SELECT service_id, proposal_id, supporter, comment FROM supports";
    let links = "SELECT sp.service_id, sp.proposal_id, sp.subject_id, s.title, s.dissolved \
                 FROM subject_proposals sp JOIN subjects s ON s.id = sp.subject_id";
    let hub_supports = rows(hub, supports, &[]).await;
    let hub_links = rows(hub, links, &[]).await;
    for other in &nodes[1..] {
        assert!(
            rows(other, supports, &[]).await == hub_supports,
            "{}'s supports differ from the hub's",
            other.id()
        );
        assert!(
            rows(other, links, &[]).await == hub_links,
            "{}'s subjects differ from the hub's",
            other.id()
        );
        compared.supports_and_links += hub_supports.len() + hub_links.len();
    }
    // 4. Every local change has its message, and nothing was refused or set aside.
    for node in &nodes[1..] {
        let id = node.id().as_str();
        let kinds = |kind: &'static str| async move {
            scalar(
                node,
                "SELECT COUNT(*) FROM messages WHERE origin = $1 AND kind = $2",
                &[id, kind],
            )
            .await
        };
        assert_eq!(
            scalar(
                node,
                "SELECT COUNT(*) FROM proposals WHERE shared <> 0",
                &[]
            )
            .await,
            kinds("proposal.shared").await,
            "{id}: a shared proposal without its message"
        );
        assert_eq!(
            scalar(node, "SELECT COUNT(*) FROM proposals WHERE shared = 2", &[]).await,
            kinds("proposal.withdrawn").await,
            "{id}: a withdrawal without its message"
        );
        assert_eq!(
            scalar(
                node,
                "SELECT COUNT(*) FROM proposal_history h JOIN proposals p ON p.id = h.proposal_id \
                 WHERE h.from_status IS NOT NULL AND p.shared <> 0",
                &[]
            )
            .await,
            kinds("proposal.updated").await,
            "{id}: a change of status without its message"
        );
        assert_eq!(
            scalar(
                node,
                "SELECT COUNT(*) FROM supports WHERE supporter = $1",
                &[id]
            )
            .await,
            kinds("support.given").await,
            "{id}: a support without its message"
        );
    }
    for node in nodes {
        let id = node.id().as_str();
        for table in ["set_aside", "refused_incoming"] {
            assert_eq!(
                scalar(node, &format!("SELECT COUNT(*) FROM {table}"), &[]).await,
                0,
                "{id}: {table} is not empty"
            );
        }
        assert_eq!(
            scalar(
                node,
                "SELECT COUNT(*) FROM messages WHERE applied <> 1",
                &[]
            )
            .await,
            0,
            "{id}: messages stored without being applied"
        );
    }
    let hub_subjects = scalar(
        hub,
        "SELECT COUNT(*) FROM messages WHERE origin = $1 AND kind = 'subject.updated'",
        &[hub.id().as_str()],
    )
    .await;
    assert_eq!(
        scalar(hub, "SELECT COUNT(*) FROM subjects", &[]).await,
        hub_subjects,
        "the hub: a subject without its message"
    );
    compared
}
