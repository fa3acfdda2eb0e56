//! The hub's group commit (`fed::inbox`): many services pushing at once
//! share transactions, yet each push is answered only for itself. A replayed
//! request is refused even when it lands in the same group as the original;
//! a push with a forged message keeps only what came before it and does not
//! disturb the others; every stream ends complete, once, in order.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;
use passerelle_tests::sim::{push_raw, push_request, SimService};
use passerelle_tests::*;

const SERVICES: usize = 16;
const PUSHES: usize = 3;
const PER_PUSH: usize = 4;

async fn concurrent_pushes(hub_db: Option<String>) {
    let root = tempfile::tempdir().unwrap();
    let mut hub =
        TestNode::create(&root.path().join("hub"), NodeRole::Hub, "hub-test", hub_db).await;
    let hub_id = hub.node.id().clone();
    let http = reqwest::Client::new();
    let mut services: Vec<SimService> = (0..=SERVICES)
        .map(|i| SimService::named(&format!("ssm-g{i}")))
        .collect();
    for s in &services {
        let code = passerelle_core::fed::hub::invite(&hub.node, &s.id, s.id.as_str(), 1)
            .await
            .unwrap();
        s.join(&http, &hub.url, &hub_id, &code).await;
    }
    // The last service forges its second message: the body no longer
    // matches the signature.
    let mut forger = services.pop().unwrap();
    // The one before signs a second message the committee's rules refuse:
    // it passes every check made ahead of the transaction, so its group is
    // first taken in batched mode, which must then leave nothing behind.
    let mut misfit = services.pop().unwrap();
    let refused_by_rule = {
        let good = misfit.share(&hub_id, 0);
        let other = services[0].id.clone();
        let bad = misfit.support(&hub_id, &other, uuid::Uuid::from_u128(0x5eed));
        let after = misfit.share(&hub_id, 1);
        push_request(&misfit, &hub_id, &[good, bad, after])
    };
    let forged = {
        let good = forger.share(&hub_id, 0);
        let bad = forger
            .share(&hub_id, 1)
            .replacen("Proposition", "Propositiom", 1);
        let after = forger.share(&hub_id, 2);
        push_request(&forger, &hub_id, &[good, bad, after])
    };
    let mut lanes = Vec::new();
    for s in &mut services {
        let pushes: Vec<(String, Vec<u8>)> = (0..PUSHES)
            .map(|p| {
                let envs: Vec<String> = (0..PER_PUSH)
                    .map(|k| s.share(&hub_id, p * PER_PUSH + k))
                    .collect();
                push_request(s, &hub_id, &envs)
            })
            .collect();
        lanes.push((s.id.to_string(), pushes));
    }

    let url = hub.url.clone();
    let forger_task = {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move { push_raw(&http, &url, forged).await })
    };
    let misfit_task = {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move { push_raw(&http, &url, refused_by_rule).await })
    };
    let tasks: Vec<_> = lanes
        .into_iter()
        .map(|(id, pushes)| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                let mut pushes = pushes.into_iter();
                // The first push, and the very same signed request again, at once.
                let first = pushes.next().unwrap();
                let (a, b) = tokio::join!(
                    push_raw(&http, &url, first.clone()),
                    push_raw(&http, &url, first)
                );
                answers.push(a);
                answers.push(b);
                for p in pushes {
                    answers.push(push_raw(&http, &url, p).await);
                }
                (id, answers)
            })
        })
        .collect();

    for t in tasks {
        let (id, answers) = t.await.unwrap();
        let (a, b) = (&answers[0], &answers[1]);
        let (ok, replayed) = if a.0 == 200 { (a, b) } else { (b, a) };
        assert_eq!(ok.0, 200, "{id}: {answers:?}");
        assert_eq!(ok.1["results"].as_array().unwrap().len(), PER_PUSH, "{id}");
        assert_eq!(
            replayed.0, 401,
            "{id}: the replay was not refused: {answers:?}"
        );
        assert_eq!(replayed.1["error"]["code"], "replayed_request", "{id}");
        for later in &answers[2..] {
            assert_eq!(later.0, 200, "{id}: {later:?}");
            assert!(later.1["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "accepted"));
        }
        assert_eq!(
            stream_of(&hub.node, &id).await,
            ((PUSHES * PER_PUSH) as i64, true),
            "{id}"
        );
    }
    let (status, answer) = forger_task.await.unwrap();
    assert_ne!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{answer}");
    assert_eq!(results[0]["status"], "accepted");
    assert_eq!(results[1]["status"], "rejected");
    assert_eq!(results[1]["code"], "bad_signature", "{answer}");
    assert_eq!(answer["head"]["seq"], 1);
    assert_eq!(stream_of(&hub.node, forger.id.as_str()).await, (1, true));

    let (status, answer) = misfit_task.await.unwrap();
    assert_eq!(status, 422, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{answer}");
    assert_eq!(results[0]["status"], "accepted");
    assert_eq!(results[1]["code"], "domain_rule", "{answer}");
    assert_eq!(answer["head"]["seq"], 1);
    assert_eq!(stream_of(&hub.node, misfit.id.as_str()).await, (1, true));
    feed_follows_every_stream(&hub.node).await;
    hub.stop().await;
}

/// In the feed (by position) each origin's messages come in stream order,
/// and each stored head is the stream's last message: what a group writes
/// at once keeps the order in which it accepted the messages.
async fn feed_follows_every_stream(node: &passerelle_core::node::Node) {
    use sqlx::Row;
    let rows = sqlx::query("SELECT origin, seq, hash FROM messages ORDER BY pos")
        .fetch_all(node.db.pool())
        .await
        .unwrap();
    let mut last: std::collections::BTreeMap<String, (i64, String)> = Default::default();
    for r in &rows {
        let origin: String = r.try_get("origin").unwrap();
        let seq: i64 = r.try_get("seq").unwrap();
        let before = last.get(&origin).map_or(0, |(s, _)| *s);
        assert_eq!(
            seq,
            before + 1,
            "{origin}: seq {seq} after {before} in the feed"
        );
        last.insert(origin, (seq, r.try_get("hash").unwrap()));
    }
    for (origin, (seq, hash)) in &last {
        let head = sqlx::query("SELECT seq, hash FROM stream_heads WHERE origin = $1")
            .bind(origin)
            .fetch_one(node.db.pool())
            .await
            .unwrap();
        assert_eq!(head.try_get::<i64, _>("seq").unwrap(), *seq, "{origin}");
        assert_eq!(
            &head.try_get::<String, _>("hash").unwrap(),
            hash,
            "{origin}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_are_answered_each_for_itself() {
    concurrent_pushes(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_are_answered_each_for_itself_with_hub_on_postgres() {
    let Some(admin) =
        postgres_or_skip("concurrent_pushes_are_answered_each_for_itself_with_hub_on_postgres")
    else {
        return;
    };
    let pg = PgDatabase::create(&admin).await;
    concurrent_pushes(Some(pg.url.clone())).await;
    pg.drop_database().await;
}
