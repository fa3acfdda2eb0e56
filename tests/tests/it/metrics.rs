//! The operator's figures (issue #22): `GET /metrics` in the Prometheus
//! text format, served on `metrics_listen` only — absent when it is not
//! set, never on the main port — with nothing personal in it, and said
//! in words by `passerelle status`.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::accounts::{self, NewAccount, Role};
use passerelle_tests::*;

const PATIENCE: Duration = Duration::from_secs(20);

async fn free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Restarts `node` with `metrics_listen` set (`Some`) or removed (`None`).
async fn set_metrics_listen(node: &mut TestNode, port: Option<u16>) {
    node.stop().await;
    let config = node.dir.join("passerelle.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.split("[member_quota]").next().unwrap_or_default();
    let mut text: String = text
        .lines()
        .filter(|l| !l.starts_with("metrics_listen"))
        .map(|l| format!("{l}\n"))
        .collect();
    if let Some(port) = port {
        // Top-level keys come before any table; a small quota, so that a
        // refusal can be counted.
        text = format!(
            "metrics_listen = \"127.0.0.1:{port}\"\n{text}\
             [member_quota]\nburst_messages = 5\nmessages_per_minute = 1\n"
        );
    }
    std::fs::write(&config, text).unwrap();
    node.restart().await;
}

async fn get(url: &str) -> Result<(u16, String), reqwest::Error> {
    let answer = reqwest::get(url).await?;
    let status = answer.status().as_u16();
    Ok((status, answer.text().await?))
}

/// The value of one sample line, e.g. `name{member="ssm-1"}`.
fn sample(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} ")))
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_shows_its_figures_on_its_metrics_address_only() {
    let mut fed = Federation::start(1, None).await;
    // Not configured: the main port has no /metrics, at the hub or a service.
    for base in [&fed.hub.url, &fed.services[0].url] {
        let (status, body) = get(&format!("{base}/metrics")).await.unwrap();
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("not_found"), "{body}");
    }
    let port = free_port().await;
    set_metrics_listen(&mut fed.hub, Some(port)).await;
    let metrics = format!("http://127.0.0.1:{port}/metrics");
    // Configured: still not on the main port.
    let (status, _) = get(&format!("{}/metrics", fed.hub.url)).await.unwrap();
    assert_eq!(status, 404);
    // The metrics port answers /metrics only.
    let (status, _) = get(&format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(status, 404);
    let post = reqwest::Client::new().post(&metrics).send().await.unwrap();
    assert_eq!(post.status().as_u16(), 405);

    let accepted = "passerelle_hub_messages_total{member=\"ssm-1\",outcome=\"accepted\"}";
    let (status, before) = get(&metrics).await.unwrap();
    assert_eq!(status, 200);
    assert!(before.contains("# TYPE passerelle_hub_messages_total counter"));
    let accepted_before = sample(&before, accepted).unwrap_or(0);

    // What people wrote, at the hub and at the service.
    let person = "Brunehilde Vandersmissen";
    accounts::create(
        &fed.hub.node.db,
        NewAccount {
            username: person,
            password: "une phrase de passe assez longue",
            role: Role::Coordinator,
            must_change: false,
            member_id: None,
            known: &[],
        },
    )
    .await
    .unwrap();
    let titles = [
        "Des horaires en soirée",
        "Un coin calme à l'accueil",
        "Le journal des usagers",
    ];
    for title in titles {
        share_proposal(&fed.services[0].node, title).await;
    }
    let hub = fed.hub.node.clone();
    assert!(
        wait_until(PATIENCE, || {
            let hub = hub.clone();
            async move {
                let known = federated_titles(&hub).await;
                titles
                    .iter()
                    .all(|t| known.iter().any(|(s, k)| s == "ssm-1" && k == t))
            }
        })
        .await
        .is_some(),
        "the hub never received the proposals"
    );
    let metrics_url = metrics.clone();
    let seen = wait_until(PATIENCE, || {
        let url = metrics_url.clone();
        async move {
            let (_, text) = get(&url).await.unwrap();
            sample(&text, "passerelle_hub_feed_pulls_total{member=\"ssm-1\"}").unwrap_or(0) > 0
        }
    })
    .await;
    assert!(seen.is_some(), "the service's pulls were never counted");
    let (status, text) = get(&metrics).await.unwrap();
    assert_eq!(status, 200);
    let accepted_after = sample(&text, accepted).unwrap();
    assert!(
        accepted_after >= accepted_before + 3,
        "accepted went from {accepted_before} to {accepted_after}:\n{text}"
    );
    // Past the member's quota (a push larger than what is left passes
    // once, then the member is in debt), pushes are refused whole,
    // counted by code.
    let refused = "passerelle_hub_pushes_refused_total{code=\"quota_exceeded\"}";
    let mut extra: Vec<String> = Vec::new();
    for i in 0..10 {
        let title = format!("Proposition en trop {i}");
        share_proposal(&fed.services[0].node, &title).await;
        extra.push(title);
        let metrics_url = metrics.clone();
        let seen = wait_until(Duration::from_secs(3), || {
            let url = metrics_url.clone();
            async move {
                let (_, text) = get(&url).await.unwrap();
                sample(&text, refused).unwrap_or(0) > 0
            }
        })
        .await;
        if seen.is_some() {
            break;
        }
    }
    let (_, text) = get(&metrics).await.unwrap();
    assert!(
        sample(&text, refused).unwrap_or(0) > 0,
        "the refusals over quota were never counted:\n{text}"
    );

    // Nothing personal: no name, no text, no address.
    let service_name = fed.services[0].node.config.name.clone();
    for secret in titles
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .chain([
            "Description",
            person,
            "Brunehilde",
            &service_name,
            "127.0.0.1",
            "::1",
        ])
    {
        assert!(!text.contains(secret), "{secret:?} in:\n{text}");
    }
    // Every label value is a node id, a code or a number.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut rest = line;
        while let Some(at) = rest.find("=\"") {
            let value = &rest[at + 2..];
            let end = value.find('"').unwrap();
            let value = &value[..end];
            assert!(
                value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_+.".contains(c))
                    || value == "+Inf",
                "label value {value:?} in {line:?}"
            );
            rest = &rest[at + 2 + end..];
        }
    }

    for key in [
        "passerelle_hub_pushes_total{member=\"ssm-1\"}",
        "passerelle_hub_group_commit_pushes_count",
        "passerelle_peer_last_contact_seconds{peer=\"ssm-1\"}",
        "passerelle_peer_stream_seq{peer=\"ssm-1\"}",
    ] {
        assert!(sample(&text, key).unwrap_or(0) > 0, "{key} in:\n{text}");
    }
    assert_eq!(sample(&text, "passerelle_hub_inbox_queue_length"), Some(0));
    assert!(text.contains("passerelle_node_info{id=\"hub-test\",role=\"hub\"} 1"));

    // `passerelle status` says it in words, for one service.
    let data = fed.hub.dir.to_string_lossy().into_owned();
    let (ok, out, err) = passerelle(&["status", "--service", "ssm-1", "--data", &data]);
    assert!(ok, "{err}");
    assert!(out.contains("Depuis le démarrage du serveur"), "{out}");
    assert!(out.contains("messages acceptés : "), "{out}");
    assert!(out.contains("Place prise par ses messages"), "{out}");
    let (ok, _, err) = passerelle(&["status", "--service", "ssm-404", "--data", &data]);
    assert!(!ok);
    assert!(err.contains("ssm-404"), "{err}");

    // Taken out of the configuration: the port is closed.
    set_metrics_listen(&mut fed.hub, None).await;
    assert!(get(&metrics).await.is_err(), "{metrics} still answers");
    fed.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_metrics_address_is_refused_with_its_value() {
    let root = tempfile::tempdir().unwrap();
    let mut node = TestNode::create(
        &root.path().join("hub"),
        passerelle_protocol::body::NodeRole::Hub,
        "hub-test",
        None,
    )
    .await;
    node.stop().await;
    let config = node.dir.join("passerelle.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("metrics_listen = \"partout\"\n{text}")).unwrap();
    let overrides = passerelle_core::config::Overrides::default();
    let err = passerelle_core::Node::open(&node.dir, &overrides)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("metrics_listen"), "{err}");
    assert!(err.to_string().contains("partout"), "{err}");
}
