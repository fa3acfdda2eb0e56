//! `passerelle backup` and `passerelle restore` as an operator runs them
//! (the real binary, against nodes serving on real ports): a consistent
//! snapshot of a running node, and a restored node that resynchronises
//! with the hub without forking its own stream.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use passerelle_core::Node;
use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use sqlx::{Connection, Row};

const PATIENCE: Duration = Duration::from_secs(30);

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn knows(node: &Node, service: &str, title: &str) -> bool {
    federated_titles(node)
        .await
        .iter()
        .any(|(s, t)| s == service && t == title)
}

async fn snapshot(path: &Path) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap()
}

async fn one_i64(conn: &mut sqlx::AnyConnection, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(conn)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_running_node_is_one_point_in_time_while_writes_flow() {
    let fed = Federation::start(1, None).await;
    let a = fed.services[0].node.clone();
    share_proposal(&a, "Première").await;
    // Writes keep flowing during the backup: each shared proposal is a
    // local row and a message, committed together.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (a, stop) = (a.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                share_proposal(&a, &format!("Pendant la sauvegarde {n}")).await;
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = fed.root.path().join("sauvegarde.passerelle");
    let dir = fed.services[0].dir.clone();
    let out2 = out.clone();
    let (ok, stdout, stderr) =
        tokio::task::spawn_blocking(move || passerelle(&["backup", "--data", s(&dir), s(&out2)]))
            .await
            .unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(ok, "backup failed: {stderr}");
    assert!(stdout.contains("Sauvegarde de ssm-1"), "{stdout}");
    assert!(written > 0, "no write happened during the backup");
    println!(
        "FIGURE backup of a running service while {written} proposals were shared: {}",
        stdout.trim()
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the snapshot holds the secret key");
    }
    let mut snap = snapshot(&out).await;
    let check: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut snap)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(check, "ok");
    // One point in time: every shared proposal has its message and the
    // stream head is the last message, nothing half-written.
    let shared = one_i64(&mut snap, "SELECT COUNT(*) FROM proposals WHERE shared = 1").await;
    let messages = one_i64(
        &mut snap,
        "SELECT COUNT(*) FROM messages WHERE origin = 'ssm-1' AND kind = 'proposal.shared'",
    )
    .await;
    let head = one_i64(
        &mut snap,
        "SELECT seq FROM stream_heads WHERE origin = 'ssm-1'",
    )
    .await;
    let max = one_i64(
        &mut snap,
        "SELECT MAX(seq) FROM messages WHERE origin = 'ssm-1'",
    )
    .await;
    assert_eq!(shared, messages);
    assert_eq!(head, max);
    assert!(shared >= 1);
    let total_now = stream_of(&a, "ssm-1").await.0;
    assert!(max <= total_now);
    // The node's files travel with it.
    let files: Vec<String> =
        sqlx::query("SELECT name FROM passerelle_snapshot_files ORDER BY name")
            .fetch_all(&mut snap)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("name").unwrap())
            .collect();
    assert_eq!(files, vec!["node-key.pem", "passerelle.toml"]);
    // A backup never overwrites another.
    let (ok, _, stderr) = passerelle(&["backup", "--data", s(&fed.services[0].dir), s(&out)]);
    assert!(!ok);
    assert!(stderr.contains("existe déjà"), "{stderr}");
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_service_learns_its_stream_back_and_continues_without_fork() {
    let mut fed = Federation::start(2, None).await;
    let hub = fed.hub.node.clone();
    let b = fed.services[1].node.clone();
    share_proposal(&fed.services[0].node, "P1").await;
    share_proposal(&fed.services[0].node, "P2").await;
    let out = fed.root.path().join("ssm-1.sauvegarde");
    let (ok, _, stderr) = passerelle(&["backup", "--data", s(&fed.services[0].dir), s(&out)]);
    assert!(ok, "{stderr}");
    // After the backup: two more messages reach the hub, then the disk dies.
    share_proposal(&fed.services[0].node, "P3").await;
    share_proposal(&fed.services[0].node, "P4").await;
    assert!(
        wait_until(PATIENCE, || async { stream_of(&hub, "ssm-1").await.0 == 4 })
            .await
            .is_some()
    );
    fed.services[0].stop().await;
    let dir = fed.services[0].dir.clone();
    std::fs::remove_dir_all(&dir).unwrap();

    let (ok, stdout, stderr) = passerelle(&["restore", "--data", s(&dir), s(&out)]);
    assert!(ok, "restore failed: {stderr}");
    assert!(stdout.contains("ssm-1 restauré"), "{stdout}");
    // Before it starts, a committee member writes something (the web pages
    // work without the hub): it takes seq 3 locally, which the hub holds
    // already as P3.
    {
        let node = fed.services[0].open_stopped().await;
        assert_eq!(stream_of(&node, "ssm-1").await, (2, true));
        share_proposal(&node, "Écrite après la restauration").await;
        node.db.close().await;
    }
    fed.services[0].restart().await;
    let a = fed.services[0].node.clone();
    share_proposal(&a, "P5").await;
    // Nothing the hub had is lost or rewritten, and the stream continues.
    let healed = wait_until(PATIENCE, || async {
        stream_of(&hub, "ssm-1").await == (6, true)
            && stream_hashes(&hub, "ssm-1").await == stream_hashes(&a, "ssm-1").await
    })
    .await;
    assert!(
        healed.is_some(),
        "hub {:?} vs service {:?}",
        stream_of(&hub, "ssm-1").await,
        stream_of(&a, "ssm-1").await
    );
    for title in ["P1", "P2", "P3", "P4", "Écrite après la restauration", "P5"] {
        assert!(
            wait_until(PATIENCE, || knows(&b, "ssm-1", title))
                .await
                .is_some(),
            "{title} never reached the other service"
        );
    }
    let refused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM refused_incoming")
        .fetch_one(b.db.pool())
        .await
        .unwrap();
    assert_eq!(refused, 0, "the other service saw no fork");
    let report = passerelle::status::report(&a).await.unwrap();
    assert!(report.set_aside.is_empty());
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_hub_gets_the_lost_messages_resent_and_keeps_its_feed_moving() {
    let mut fed = Federation::start(2, None).await;
    let a = fed.services[0].node.clone();
    let b = fed.services[1].node.clone();
    share_proposal(&a, "Avant la sauvegarde du hub").await;
    assert!(wait_until(PATIENCE, || knows(
        &b,
        "ssm-1",
        "Avant la sauvegarde du hub"
    ))
    .await
    .is_some());
    let out = fed.root.path().join("hub.sauvegarde");
    let (ok, _, stderr) = passerelle(&["backup", "--data", s(&fed.hub.dir), s(&out)]);
    assert!(ok, "{stderr}");
    for i in 0..3 {
        share_proposal(&a, &format!("Perdue par le hub {i}")).await;
    }
    assert!(
        wait_until(PATIENCE, || knows(&b, "ssm-1", "Perdue par le hub 2"))
            .await
            .is_some()
    );
    fed.hub.stop().await;
    // A running node is never restored over.
    let (ok, _, stderr) = passerelle(&["restore", "--data", s(&fed.services[0].dir), s(&out)]);
    assert!(!ok);
    assert!(stderr.contains("en marche"), "{stderr}");
    let (ok, _, stderr) = passerelle(&["restore", "--data", s(&fed.hub.dir), s(&out)]);
    assert!(ok, "{stderr}");
    fed.hub.restart().await;
    let hub = fed.hub.node.clone();
    share_proposal(&a, "Après la restauration du hub").await;
    let healed = wait_until(PATIENCE, || async {
        stream_of(&hub, "ssm-1").await == (5, true)
            && stream_hashes(&hub, "ssm-1").await == stream_hashes(&a, "ssm-1").await
    })
    .await;
    assert!(healed.is_some(), "the hub never got the lost messages back");
    // The other service's feed cursor was past the restored hub's last
    // position: the jump keeps it from missing what comes next.
    assert!(
        wait_until(PATIENCE, || knows(
            &b,
            "ssm-1",
            "Après la restauration du hub"
        ))
        .await
        .is_some(),
        "the other service missed a message written after the hub's restore"
    );
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_another_nodes_snapshot_and_what_is_not_a_snapshot() {
    let mut fed = Federation::start(2, None).await;
    let out = fed.root.path().join("ssm-2.sauvegarde");
    let (ok, _, stderr) = passerelle(&["backup", "--data", s(&fed.services[1].dir), s(&out)]);
    assert!(ok, "{stderr}");
    for node in &mut fed.services {
        node.stop().await;
    }
    fed.hub.stop().await;
    let dir = fed.services[0].dir.clone();
    let db = dir.join(passerelle_core::config::DB_FILE);
    let before = (
        std::fs::read(&db).unwrap(),
        std::fs::read(dir.join("node-key.pem")).unwrap(),
    );
    let (ok, _, stderr) = passerelle(&["restore", "--data", s(&dir), s(&out)]);
    assert!(!ok);
    assert!(stderr.contains("celle du nœud ssm-2"), "{stderr}");
    let not_a_snapshot = fed.root.path().join("note.txt");
    std::fs::write(&not_a_snapshot, "pas une sauvegarde").unwrap();
    let (ok, _, stderr) = passerelle(&["restore", "--data", s(&dir), s(&not_a_snapshot)]);
    assert!(!ok);
    assert!(stderr.contains("n'est pas une sauvegarde"), "{stderr}");
    // A plain copy of a database is not a snapshot either.
    let (ok, _, stderr) = passerelle(&["restore", "--data", s(&dir), s(&db)]);
    assert!(!ok);
    assert!(stderr.contains("n'est pas une sauvegarde"), "{stderr}");
    let after = (
        std::fs::read(&db).unwrap(),
        std::fs::read(dir.join("node-key.pem")).unwrap(),
    );
    assert!(before == after, "a refused restore changes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_older_than_the_key_is_refused() {
    let mut fed = Federation::start(1, None).await;
    share_proposal(&fed.services[0].node, "Un").await;
    let out = fed.root.path().join("ancienne.sauvegarde");
    let (ok, _, stderr) = passerelle(&["backup", "--data", s(&fed.services[0].dir), s(&out)]);
    assert!(ok, "{stderr}");
    fed.services[0].rotate_key().await;
    fed.services[0].stop().await;
    let (ok, _, stderr) = passerelle(&["restore", "--data", s(&fed.services[0].dir), s(&out)]);
    assert!(!ok);
    assert!(
        stderr.contains("plus récente que cette sauvegarde"),
        "{stderr}"
    );
    fed.services[0].restart().await;
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_on_postgres_is_pointed_to_pg_dump() {
    let Some(admin) = postgres_or_skip("a_node_on_postgres_is_pointed_to_pg_dump") else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(
        &root.path().join("hub"),
        NodeRole::Hub,
        "hub-pg",
        Some(db.url.clone()),
    )
    .await;
    let out = root.path().join("hub.sauvegarde");
    let (ok, _, stderr) = passerelle(&[
        "backup",
        "--data",
        s(&hub.dir),
        "--database-url",
        &db.url,
        s(&out),
    ]);
    assert!(!ok);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(!out.exists());
    hub.stop().await;
    db.drop_database().await;
}
