//! When the storage refuses to take anything: a full disk (a small tmpfs
//! holding a service's, then the hub's data directory, filled to the last
//! byte), and a hub whose PostgreSQL database is switched to read-only.
//!
//! What must hold: a clear error — logged, shown by `passerelle status`,
//! and `503` with `Retry-After` and the code `storage_full` /
//! `storage_read_only` for API writes; nothing half-stored (row counts
//! unchanged, `PRAGMA integrity_check` clean); and recovery once the
//! storage is back, with nothing lost — compared whole.
#![allow(clippy::unwrap_used)]
#![cfg(target_os = "linux")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use passerelle_core::Node;
use passerelle_protocol::body::Theme;
use passerelle_tests::procs::{NodeSpec, ProcFederation, ProcNode};
use passerelle_tests::workload::{self, Via};
use passerelle_tests::*;
use sqlx::Row;

const PATIENCE: Duration = Duration::from_secs(120);

/// A small tmpfs, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(path: &Path, megabytes: u32) -> Option<SmallDisk> {
        std::fs::create_dir_all(path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| SmallDisk {
            path: path.to_path_buf(),
        })
    }

    /// Fills the disk to the last byte; returns the filler's size.
    fn fill(&self) -> u64 {
        let mut f = std::fs::File::create(self.path.join("remplissage")).unwrap();
        let mut written = 0u64;
        for chunk in [1 << 20, 4096, 512] {
            let block = vec![0xA5u8; chunk];
            while f.write_all(&block).is_ok() {
                written += chunk as u64;
            }
        }
        let _ = f.sync_all();
        written
    }

    fn free(&self) {
        std::fs::remove_file(self.path.join("remplissage")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Moves everything in the WAL into the database file and empties the WAL,
/// so that the next write needs new space.
async fn checkpoint(node: &Node) {
    for _ in 0..50 {
        let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(node.db.pool())
            .await
            .unwrap();
        if row.try_get::<i64, _>(0).unwrap() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the WAL could not be checkpointed");
}

async fn integrity(node: &Node) -> String {
    sqlx::query("PRAGMA integrity_check")
        .fetch_one(node.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A raw API write: status, error code and `Retry-After`.
async fn write_raw(
    api: &Api,
    path: &str,
    body: serde_json::Value,
) -> (u16, String, Option<String>) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let json: serde_json::Value = resp.json().await.unwrap_or_default();
    (
        status,
        json["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        retry,
    )
}

fn new_proposal(title: &str) -> serde_json::Value {
    serde_json::json!({"title": title, "description": "Écrit pendant la panne de stockage",
                       "theme": "care", "tags": [], "origin": "committee"})
}

async fn share_via_api(api: &Api, title: &str, fed: &ProcFederation) -> String {
    let (status, created) = api.post("/api/v1/proposals", new_proposal(title)).await;
    assert_eq!(status, 201, "{created}\n{}", fed.logs());
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, body) = api
        .post(
            &format!("/api/v1/proposals/{id}/share"),
            serde_json::json!({}),
        )
        .await;
    assert!((200..300).contains(&status), "{body}\n{}", fed.logs());
    id
}

async fn converge(nodes: &[&Node], fed: &ProcFederation) -> workload::Compared {
    assert!(
        wait_until(PATIENCE, || workload::caught_up(nodes))
            .await
            .is_some(),
        "no convergence after the storage came back:\n{}",
        fed.logs()
    );
    workload::assert_converged(nodes).await
}

async fn wait_for_log(node: &ProcNode, needle: &str) -> bool {
    wait_until(PATIENCE, || async {
        std::fs::read_to_string(&node.log).is_ok_and(|t| t.contains(needle))
    })
    .await
    .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_clearly_and_sync_resumes_once_space_is_back() {
    let root = tempfile::tempdir().unwrap();
    let Some(svc_disk) = SmallDisk::mount(&root.path().join("disque-ssm-a"), 48) else {
        skip(
            "a_full_disk_refuses_writes_clearly_and_sync_resumes_once_space_is_back",
            "cannot mount a small tmpfs here (mount needs root, or CAP_SYS_ADMIN)",
            "run the tests as root, as CI does",
        );
        return;
    };
    let hub_disk = SmallDisk::mount(&root.path().join("disque-hub"), 48).unwrap();
    let hub_spec = NodeSpec {
        dir: hub_disk.path.join("hub"),
        ..NodeSpec::new(root.path(), "hub-disque")
    };
    let services = vec![
        NodeSpec {
            dir: svc_disk.path.join("ssm-a"),
            ..NodeSpec::new(root.path(), "ssm-a")
        },
        NodeSpec::new(root.path(), "ssm-b"),
    ];
    let mut fed = ProcFederation::create(root.path(), hub_spec, services, None).await;
    for s in &mut fed.services {
        s.start().await;
    }
    let (hub, a, b) = (
        fed.hub.open().await,
        fed.services[0].open().await,
        fed.services[1].open().await,
    );
    let all = [&hub, &a, &b];
    let api_a = Api::login(&fed.services[0].url(), "admin", TEST_PASSWORD).await;
    let api_b = Api::login(&fed.services[1].url(), "admin", TEST_PASSWORD).await;
    let api_hub = Api::login(&fed.hub.url(), "admin", TEST_PASSWORD).await;
    share_via_api(&api_a, "Avant : chez A", &fed).await;
    let before_b = share_via_api(&api_b, "Avant : chez B", &fed).await;
    converge(&all, &fed).await;

    // 1. The service's disk is full.
    checkpoint(&a).await;
    let filler = svc_disk.fill();
    let counts = table_counts(&a).await;
    let (status, code, retry) =
        write_raw(&api_a, "/api/v1/proposals", new_proposal("Disque plein")).await;
    assert_eq!((status, code.as_str()), (503, "storage_full"));
    assert_eq!(retry.as_deref(), Some("60"));
    // What the hub relays cannot be stored either: it waits at the hub.
    share_via_api(&api_b, "Pendant que le disque de A est plein", &fed).await;
    assert!(
        wait_for_log(&fed.services[0], "database or disk is full").await,
        "the failure is not in A's log:\n{}",
        fed.services[0].log_tail(20)
    );
    let said = fed.services[0].status_text();
    assert!(said.contains("Le disque est plein"), "{said}");
    assert!(said.contains("[storage_full]"), "{said}");
    assert_eq!(table_counts(&a).await, counts, "something was half-stored");
    assert_eq!(integrity(&a).await, "ok");
    assert_eq!(stream_of(&a, "ssm-b").await.0, 1);

    svc_disk.free();
    share_via_api(&api_a, "Après : chez A", &fed).await;
    let compared = converge(&all, &fed).await;
    assert_eq!(stream_of(&a, "ssm-b").await.0, 2);
    assert!(!fed.services[0].status_text().contains("ATTENTION"));
    println!(
        "FIGURE full disk at a service ({} MB filled): API 503 storage_full, status says so, integrity ok, \
         nothing half-stored; after space came back, compared {} message copies, lost 0",
        filler / 1_000_000,
        compared.messages
    );

    // 2. The hub's disk is full.
    checkpoint(&hub).await;
    hub_disk.fill();
    let hub_counts = table_counts(&hub).await;
    share_via_api(&api_a, "Pendant que le disque du hub est plein", &fed).await;
    let refused = wait_until(PATIENCE, || async {
        fed.services[0]
            .status_text()
            .contains("son disque est plein")
    })
    .await;
    assert!(
        refused.is_some(),
        "A's status does not say why the hub refuses:\n{}\n{}",
        fed.services[0].status_text(),
        fed.hub.log_tail(20)
    );
    let link = serde_json::json!({"title": "Sujet pendant la panne",
        "proposals": [{"service": "ssm-b", "proposal": before_b}]});
    let (status, code, retry) = write_raw(&api_hub, "/api/v1/hub/subjects", link.clone()).await;
    assert_eq!((status, code.as_str()), (503, "storage_full"));
    assert!(retry.is_some());
    assert!(fed.hub.status_text().contains("Le disque est plein"));
    assert!(fed.hub.log_tail(50).contains("storage_full"));
    assert_eq!(
        table_counts(&hub).await,
        hub_counts,
        "something was half-stored at the hub"
    );
    assert_eq!(integrity(&hub).await, "ok");

    hub_disk.free();
    let (status, body) = api_hub.post("/api/v1/hub/subjects", link).await;
    assert_eq!(status, 201, "{body}");
    let compared = converge(&all, &fed).await;
    let said = fed.services[0].status_text();
    assert!(said.contains("Tout va bien"), "{said}");
    println!(
        "FIGURE full disk at the hub: pushes and API writes 503 storage_full, the service's status says so; \
         after space came back, compared {} message copies, lost 0",
        compared.messages
    );
    for node in fed.all() {
        assert!(node.terminate());
    }
    for n in [hub, a, b] {
        n.db.close().await;
    }
    drop(fed);
    drop(svc_disk);
    drop(hub_disk);
}

async fn hub_counts_pg(hub: &Node) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "messages",
        "federated_proposals",
        "supports",
        "subjects",
        "stream_heads",
    ] {
        out.push(
            sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(hub.db.pool())
                .await
                .unwrap()
                .try_get::<i64, _>(0)
                .unwrap(),
        );
    }
    out
}

async fn admin_sql(admin: &str, sql: &str) {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
        .await
        .unwrap();
    sqlx::query(sql).execute(&mut conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_whose_postgres_turns_read_only_refuses_clearly_and_recovers_by_itself() {
    let Some(admin) = postgres_or_skip(
        "a_hub_whose_postgres_turns_read_only_refuses_clearly_and_recovers_by_itself",
    ) else {
        return;
    };
    let db = PgDatabase::create(&admin).await;
    let root = tempfile::tempdir().unwrap();
    let hub_spec = NodeSpec {
        database_url: Some(db.url.clone()),
        ..NodeSpec::new(root.path(), "hub-pg")
    };
    let services = vec![
        NodeSpec::new(root.path(), "ssm-a"),
        NodeSpec::new(root.path(), "ssm-b"),
    ];
    let mut fed = ProcFederation::create(root.path(), hub_spec, services, None).await;
    for s in &mut fed.services {
        s.start().await;
    }
    let (hub, a, b) = (
        fed.hub.open().await,
        fed.services[0].open().await,
        fed.services[1].open().await,
    );
    let all = [&hub, &a, &b];
    let api_a = Api::login(&fed.services[0].url(), "admin", TEST_PASSWORD).await;
    let api_hub = Api::login(&fed.hub.url(), "admin", TEST_PASSWORD).await;
    let before_a = share_via_api(&api_a, "Avant : chez A", &fed).await;
    workload::share_new(
        &b,
        &Via::Direct,
        "Avant : chez B".into(),
        "…".into(),
        Theme::Care,
    )
    .await
    .unwrap();
    converge(&all, &fed).await;

    // The database administrator makes the database read-only and ends the
    // sessions open on it, as one does before maintenance.
    admin_sql(
        &admin,
        &format!(
            "ALTER DATABASE {} SET default_transaction_read_only = on",
            db.name
        ),
    )
    .await;
    admin_sql(
        &admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            db.name
        ),
    )
    .await;
    let counts = hub_counts_pg(&hub).await;
    share_via_api(
        &api_a,
        "Pendant que la base du hub est en lecture seule",
        &fed,
    )
    .await;
    let refused = wait_until(PATIENCE, || async {
        fed.services[0]
            .status_text()
            .contains("[storage_read_only]")
    })
    .await;
    assert!(
        refused.is_some(),
        "A's status does not say why the hub refuses:\n{}\n{}",
        fed.services[0].status_text(),
        fed.hub.log_tail(20)
    );
    let link = serde_json::json!({"title": "Sujet pendant la lecture seule",
        "proposals": [{"service": "ssm-a", "proposal": before_a}]});
    let (status, code, retry) = write_raw(&api_hub, "/api/v1/hub/subjects", link.clone()).await;
    assert_eq!((status, code.as_str()), (503, "storage_read_only"));
    assert!(retry.is_some());
    let said = fed.hub.status_text();
    assert!(said.contains("n'accepte que des lectures"), "{said}");
    assert!(fed.hub.log_tail(50).contains("storage_read_only"));
    assert_eq!(hub_counts_pg(&hub).await, counts, "something was stored");

    // Writes are allowed again; no session is ended this time: the hub must
    // notice by itself that the sessions it opened meanwhile are read-only.
    admin_sql(
        &admin,
        &format!(
            "ALTER DATABASE {} SET default_transaction_read_only = off",
            db.name
        ),
    )
    .await;
    let compared = converge(&all, &fed).await;
    let (status, body) = api_hub.post("/api/v1/hub/subjects", link).await;
    assert_eq!(status, 201, "{body}");
    let compared_after = converge(&all, &fed).await;
    assert!(compared_after.supports_and_links > compared.supports_and_links);
    println!(
        "FIGURE hub on PostgreSQL turned read-only: pushes and API writes 503 storage_read_only, status says so, \
         nothing stored; recovered by itself once writes were allowed, compared {} message copies, lost 0",
        compared_after.messages
    );
    for node in fed.all() {
        assert!(node.terminate());
    }
    for n in [hub, a, b] {
        n.db.close().await;
    }
    drop(fed);
    db.drop_database().await;
}
