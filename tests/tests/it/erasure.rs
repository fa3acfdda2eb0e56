//! Taking back (issue #14, SPEC §5.6): a delegate withdraws their consent
//! and an administrator erases a proposal's texts; then every file of every
//! node is searched. The name stays only in its own service's member table;
//! the proposal's texts nowhere. A service that joins afterwards never
//! receives them, and a service restored from a backup taken before loses
//! them at its next sync. With the hub on PostgreSQL, the hub's tables are
//! searched through SQL (its files belong to the server).
//! An agenda item the coordinator took into a published joint meeting,
//! erased by its service, leaves the hub's own copies too: the hub erases
//! them and tells the services with a `content.erased` of its own.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(30);
const TEST_PASSWORD: &str = "mot-de-passe-de-test";
const NAME: &str = "Zénobie Quartier-Lointain";
const TITLE: &str = "Une rampe pour Hortense Vandeputte";

#[track_caller]
fn ok(answer: (u16, Value), expected: u16) -> Value {
    assert_eq!(answer.0, expected, "{}", answer.1);
    answer.1
}

fn today() -> String {
    passerelle_core::domain::delegates::today().to_string()
}

/// Every file under `dir` whose bytes contain `needle`, with the count.
fn files_with(dir: &Path, needle: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let n = bytes
                    .windows(needle.len())
                    .filter(|w| *w == needle.as_bytes())
                    .count();
                if n > 0 {
                    out.push((p.display().to_string(), n));
                }
            }
        }
    }
    out.sort();
    out
}

/// The (table, column) pairs of a node's database holding `needle`.
async fn cells_with(node: &passerelle_core::Node, needle: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (table, dump) in table_dump(node).await.0 {
        for row in &dump.rows {
            for (i, cell) in row.iter().enumerate() {
                if cell.as_deref().is_some_and(|c| c.contains(needle)) {
                    out.push((table.clone(), dump.columns[i].clone()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether any cell of a node's database contains `text`.
async fn holds(node: &passerelle_core::Node, text: &str) -> bool {
    !cells_with(node, text).await.is_empty()
}

async fn erased_everywhere(hub_db: Option<String>) {
    let mut fed = Federation::start(2, hub_db.clone()).await;
    let admin = Api::login(&fed.services[0].url, "admin", TEST_PASSWORD).await;

    // A delegate who agrees to be named, and a proposal whose text names
    // someone by mistake.
    let m = ok(
        admin
            .post(
                "/api/v1/members",
                json!({"display_name": NAME, "role": "usager", "consent": true}),
            )
            .await,
        201,
    );
    let member = m["id"].as_str().unwrap().to_owned();
    ok(
        admin
            .post(
                "/api/v1/delegates",
                json!({"member": member, "role": "delegate", "term_start": today(), "term_end": null}),
            )
            .await,
        201,
    );
    share_proposal(&fed.services[0].node, TITLE).await;
    let description = format!("Description de « {TITLE} »");
    for node in [&fed.hub.node, &fed.services[1].node] {
        assert!(
            wait_until(PATIENCE, || async {
                holds(node, NAME).await && holds(node, TITLE).await
            })
            .await
            .is_some(),
            "the name and the proposal never arrived"
        );
    }

    // ssm-2 is backed up now, while it still holds both.
    let backup = fed.root.path().join("ssm-2.sauvegarde");
    let dir2 = fed.services[1].dir.clone();
    let (done, _, stderr) = passerelle(&[
        "backup",
        "--data",
        dir2.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]);
    assert!(done, "{stderr}");

    // She withdraws her consent; the administrator erases the proposal's texts.
    ok(
        admin
            .post(
                &format!("/api/v1/members/{member}/consent"),
                json!({"consent": false}),
            )
            .await,
        200,
    );
    let shared = ok(admin.get("/api/v1/shared-messages").await, 200);
    let proposal_message = shared
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "proposal.shared")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A reason is required; refused, nothing is erased.
    let (status, refused) = admin
        .post(
            &format!("/api/v1/shared-messages/{proposal_message}/erase"),
            json!({"reason": "  "}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("invalid_field")),
        "{refused}"
    );
    assert!(holds(&fed.services[0].node, &description).await);
    let erased = ok(
        admin
            .post(
                &format!("/api/v1/shared-messages/{proposal_message}/erase"),
                json!({"reason": "un nom écrit par erreur"}),
            )
            .await,
        200,
    );
    assert_eq!(erased["erased"], 2, "title and description");
    // Twice: nothing left to erase.
    let (status, again) = admin
        .post(
            &format!("/api/v1/shared-messages/{proposal_message}/erase"),
            json!({"reason": "encore"}),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (422, Some("domain_rule"))
    );
    // The record says who, when and why, never what.
    let record = ok(admin.get("/api/v1/erasures").await, 200);
    assert_eq!(record.as_array().unwrap().len(), 2, "{record}");
    assert!(!record.to_string().contains("Hortense") && !record.to_string().contains("Zénobie"));

    // A service that joins afterwards.
    let late = TestNode::create(
        &fed.root.path().join("ssm-3"),
        NodeRole::Service,
        "ssm-3",
        None,
    )
    .await;
    join(&fed.hub, &late).await;
    let origin_len = stream_of(&fed.services[0].node, "ssm-1").await.0;
    for node in [&fed.hub.node, &fed.services[1].node, &late.node] {
        assert!(
            wait_until(PATIENCE, || async {
                stream_of(node, "ssm-1").await == (origin_len, true)
                    && !holds(node, NAME).await
                    && !holds(node, "Hortense").await
            })
            .await
            .is_some(),
            "{:?} / {:?}",
            cells_with(node, NAME).await,
            cells_with(node, "Hortense").await
        );
    }
    // The late service got every message of the stream, and the list of
    // delegates without her name. The proposal is still there, its title
    // shown as erased, everywhere, the late service included.
    assert!(holds(&late.node, "Délégué·e 1").await);
    for node in [&fed.hub.node, &fed.services[1].node, &late.node] {
        assert!(
            federated_titles(node)
                .await
                .contains(&("ssm-1".to_owned(), "[texte effacé]".to_owned())),
            "{:?}",
            federated_titles(node).await
        );
    }

    // The restored service: the backup still had both; the next sync
    // erases them.
    fed.services[1].stop().await;
    std::fs::remove_dir_all(&dir2).unwrap();
    let (done, _, stderr) = passerelle(&[
        "restore",
        "--data",
        dir2.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]);
    assert!(done, "{stderr}");
    {
        let restored = fed.services[1].open_stopped().await;
        assert!(holds(&restored, NAME).await, "the backup held the name");
        restored.db.close().await;
    }
    fed.services[1].restart().await;
    let b = fed.services[1].node.clone();
    assert!(
        wait_until(PATIENCE, || async {
            !holds(&b, NAME).await && !holds(&b, "Hortense").await
        })
        .await
        .is_some(),
        "the restored service kept {:?}",
        cells_with(&b, NAME).await
    );

    // Every file of every node, while they run, then once they stopped.
    let expected_name_tables = vec![("members".to_owned(), "display_name".to_owned())];
    assert_eq!(
        cells_with(&fed.services[0].node, NAME).await,
        expected_name_tables
    );
    assert_eq!(cells_with(&fed.services[0].node, "Hortense").await, vec![]);
    if hub_db.is_some() {
        assert_eq!(cells_with(&fed.hub.node, NAME).await, vec![]);
        assert_eq!(cells_with(&fed.hub.node, "Hortense").await, vec![]);
    }
    let own_dir = fed.services[0].dir.display().to_string();
    let root = fed.root.path().to_path_buf();
    let check_files = |when: &str| {
        let name_files = files_with(&root, NAME);
        assert!(
            name_files.iter().all(|(f, _)| f.starts_with(&own_dir)),
            "{when}: the name is in {name_files:?}"
        );
        let text_files = files_with(&root, "Hortense");
        assert_eq!(
            text_files,
            vec![],
            "{when}: the proposal's text is in files"
        );
    };
    // The backup itself is the operator's copy, taken before: it is the one
    // place the text may remain (SPEC §5.6, the "Vos données" page).
    std::fs::remove_file(&backup).unwrap();
    check_files("running");
    let mut late = late;
    late.stop().await;
    for s in &mut fed.services {
        s.stop().await;
    }
    fed.hub.stop().await;
    check_files("stopped");
    drop(fed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_name_and_an_erased_text_leave_every_node() {
    erased_everywhere(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_name_and_an_erased_text_leave_a_postgres_hub() {
    let Some(admin) = postgres_or_skip("a_withdrawn_name_and_an_erased_text_leave_a_postgres_hub")
    else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    erased_everywhere(Some(db.url.clone())).await;
    db.drop_database().await;
}

/// Whether `node` holds a message of `kind` from `origin`.
async fn has_message(node: &passerelle_core::Node, origin: &str, kind: &str) -> bool {
    sqlx::query("SELECT 1 AS one FROM messages WHERE origin = $1 AND kind = $2")
        .bind(origin)
        .bind(kind)
        .fetch_optional(node.db.pool())
        .await
        .unwrap()
        .is_some()
}

/// The hub's own envelopes of `kind`, as stored.
async fn hub_envelopes(node: &passerelle_core::Node, kind: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query("SELECT envelope FROM messages WHERE origin = 'hub-test' AND kind = $1")
        .bind(kind)
        .fetch_all(node.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("envelope").unwrap())
        .collect()
}

/// A service's agenda item, taken by the coordinator into a published joint
/// meeting, is erased by the service: the hub forgets its own copies too
/// (its agenda entry and the `meeting.published` it signed), announces
/// that with a `content.erased` of its own, and every service forgets them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_agenda_item_leaves_the_hubs_meeting_everywhere() {
    const ITEM: &str = "Le transport de Philomène Vanderkelen";
    const DETAIL: &str = "Philomène ne peut plus venir seule aux réunions.";
    let fed = Federation::start(2, None).await;
    let admin = Api::login(&fed.services[0].url, "admin", TEST_PASSWORD).await;
    let coordinator = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;

    let item = ok(
        admin
            .post(
                "/api/v1/joint/agenda-items",
                json!({"title": ITEM, "description": DETAIL}),
            )
            .await,
        201,
    )["id"]
        .clone();
    assert!(
        wait_until(PATIENCE, || async {
            let (_, items) = coordinator.get("/api/v1/hub/agenda-items").await;
            items
                .as_array()
                .is_some_and(|l| l.iter().any(|i| i["id"] == item))
        })
        .await
        .is_some(),
        "the hub never received the agenda item"
    );
    let meeting = ok(
        coordinator
            .post(
                "/api/v1/hub/meetings",
                json!({"title": "Comité de mars", "starts_at": "2031-03-20T09:30:00Z",
                       "ends_at": null, "place": "Charleroi", "format": "réunion"}),
            )
            .await,
        201,
    );
    let mid = meeting["id"].as_str().unwrap().to_owned();
    let agenda = ok(
        coordinator
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/hub/meetings/{mid}/agenda"),
                Some(json!([{"kind": "item", "item": item}])),
            )
            .await,
        200,
    );
    assert_eq!(agenda["agenda"][0]["title"], ITEM, "{agenda}");
    ok(
        coordinator
            .post(&format!("/api/v1/hub/meetings/{mid}/publish"), json!({}))
            .await,
        200,
    );
    // Every node holds the entry; the hub's signed meeting carries the text.
    for node in [&fed.hub.node, &fed.services[0].node, &fed.services[1].node] {
        assert!(
            wait_until(PATIENCE, || async {
                cells_with(node, ITEM)
                    .await
                    .contains(&("joint_agenda_entries".into(), "title".into()))
            })
            .await
            .is_some(),
            "the agenda entry never reached {}: {:?}",
            node.id(),
            cells_with(node, ITEM).await
        );
    }
    assert!(hub_envelopes(&fed.hub.node, "meeting.published")
        .await
        .iter()
        .any(|e| e.contains(ITEM) && e.contains(DETAIL)));

    // The service's administrator erases the item's texts.
    let shared = ok(admin.get("/api/v1/shared-messages").await, 200);
    let message = shared
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "agenda_item.proposed")
        .unwrap_or_else(|| panic!("no agenda item among {shared}"));
    assert_eq!(message["texts"], json!([ITEM, DETAIL]));
    let id = message["id"].as_str().unwrap();
    let erased = ok(
        admin
            .post(
                &format!("/api/v1/shared-messages/{id}/erase"),
                json!({"reason": "un nom écrit par erreur"}),
            )
            .await,
        200,
    );
    assert_eq!(erased["erased"], 2, "title and description");

    // Gone from every node: the hub's agenda entry and its own signed
    // meeting included; the services heard it from the hub.
    for node in [&fed.hub.node, &fed.services[0].node, &fed.services[1].node] {
        assert!(
            wait_until(PATIENCE, || async {
                !holds(node, "Philomène").await
                    && (node.id().as_str() == "hub-test"
                        || has_message(node, "hub-test", "content.erased").await)
            })
            .await
            .is_some(),
            "{} kept {:?}, or heard no erasure from the hub",
            node.id(),
            cells_with(node, "Philomène").await
        );
    }
    let published = hub_envelopes(&fed.hub.node, "meeting.published").await;
    assert_eq!(published.len(), 1);
    assert!(!published[0].contains("Philomène"), "{}", published[0]);
    assert!(has_message(&fed.hub.node, "hub-test", "content.erased").await);
    // The entry is still on the agenda, without its words.
    let other = Api::login(&fed.services[1].url, "admin", TEST_PASSWORD).await;
    let seen = ok(
        other.get(&format!("/api/v1/joint/meetings/{mid}")).await,
        200,
    );
    assert_eq!(seen["agenda"].as_array().map(Vec::len), Some(1), "{seen}");
    fed.stop().await;
}
