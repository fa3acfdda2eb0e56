//! Going back on what was sent, across real nodes over real HTTP (issue
//! #15): a shared proposal corrected at service A shows its new title and
//! theme at the hub and at service B; a delegate designated from tomorrow
//! is *to come* at A and at the hub, then current at both once their
//! clocks reach that day, without any new message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use passerelle_core::domain::delegates::is_current_on;
use passerelle_protocol::Date;
use passerelle_tests::*;
use serde_json::{json, Value};
use sqlx::Row;

async fn messages(node: &passerelle_core::Node) -> i64 {
    let mut conn = node.db.pool().acquire().await.unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM messages")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

fn tomorrow_of(node: &passerelle_core::Node) -> Date {
    Date::from_inner(node.clock().today().inner().next_day().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrections_follow_and_designations_become_current_on_their_day() {
    let fed = Federation::start(2, None).await;
    let [a, b] = &fed.services[..] else {
        unreachable!()
    };
    let a_api = Api::login(&a.url, "admin", TEST_PASSWORD).await;
    let b_api = Api::login(&b.url, "admin", TEST_PASSWORD).await;
    let coordinator = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;

    // A shares a proposal; the hub and B see it.
    let (status, p) = a_api
        .post(
            "/api/v1/proposals",
            json!({"title": "Des horaires en soirée", "description": "Un soir par semaine.", "theme": "accessibility", "origin": "committee"}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    let id = p["id"].as_str().unwrap().to_owned();
    let (status, body) = a_api
        .post(&format!("/api/v1/proposals/{id}/share"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let titles = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    coordinator
        .eventually("/api/v1/hub/proposals", |v| {
            titles(v).contains(&"Des horaires en soirée".to_owned())
        })
        .await;
    b_api
        .eventually("/api/v1/joint/proposals", |v| {
            titles(v).contains(&"Des horaires en soirée".to_owned())
        })
        .await;

    // A corrects its title, text and theme: the correction follows.
    let (status, body) = a_api
        .post(
            &format!("/api/v1/proposals/{id}/correction"),
            json!({"title": "Des horaires le jeudi soir", "description": "Le jeudi, jusqu'à 20 h.", "theme": "reception"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Des horaires le jeudi soir");
    let at_hub = coordinator
        .eventually("/api/v1/hub/proposals", |v| {
            titles(v) == ["Des horaires le jeudi soir"]
        })
        .await;
    assert_eq!(at_hub[0]["theme"], "reception", "{at_hub}");
    let at_b = b_api
        .eventually("/api/v1/joint/proposals", |v| {
            titles(v) == ["Des horaires le jeudi soir"]
        })
        .await;
    assert_eq!(at_b[0]["theme"], "reception", "{at_b}");
    // A refused correction: its field named, nothing changed or sent.
    let before = messages(&a.node).await;
    let (status, body) = a_api
        .post(
            &format!("/api/v1/proposals/{id}/correction"),
            json!({"title": " ", "description": "Autre chose", "theme": "care"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_field");
    assert_eq!(messages(&a.node).await, before);
    let (_, detail) = a_api.get(&format!("/api/v1/proposals/{id}")).await;
    assert_eq!(detail["proposal"]["description"], "Le jeudi, jusqu'à 20 h.");
    assert_eq!(detail["history"][1]["step"], "corrected");
    assert_eq!(detail["history"][1]["old_title"], "Des horaires en soirée");

    // A designates a delegate from tomorrow: to come, at A and at the hub.
    let (status, m) = a_api
        .post(
            "/api/v1/members",
            json!({"display_name": "Marie", "role": "usager", "contact": null, "consent": true}),
        )
        .await;
    assert_eq!(status, 201, "{m}");
    let tomorrow = tomorrow_of(&a.node);
    let (status, d) = a_api
        .post(
            "/api/v1/delegates",
            json!({"member": m["id"], "role": "delegate", "term_start": tomorrow.to_string(), "term_end": null}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let listed = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["delegates"].as_array().cloned().unwrap_or_default())
            .map(|d| {
                (
                    d["label"].as_str().unwrap_or_default().to_owned(),
                    d["term_start"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    coordinator
        .eventually("/api/v1/hub/services", |v| {
            listed(v) == [("Marie".to_owned(), tomorrow.to_string())]
        })
        .await;
    let (_, at_a) = a_api.get("/api/v1/delegates").await;
    assert_eq!(at_a[0]["term_start"], tomorrow.to_string());
    for node in [&a.node, &fed.hub.node] {
        assert!(!is_current_on(tomorrow, None, node.clock().today()));
    }
    let words = format!(
        "à partir du {}",
        passerelle_web::pages::Locale::Fr.day(tomorrow.inner())
    );
    let a_page = admin_page(&a.url, "/delegues").await;
    assert!(a_page.contains("Les mandats à venir"), "{a_page}");
    assert!(a_page.contains(&words), "{a_page}");
    let hub_page = admin_page(&fed.hub.url, "/services").await;
    assert!(
        hub_page.contains(&format!("Marie (délégué·e, {words})")),
        "{hub_page}"
    );

    // The day comes: both clocks move one day; no message is sent, and
    // Marie is current at both.
    let (at_a_before, at_hub_before) = (messages(&a.node).await, messages(&fed.hub.node).await);
    a.node.clock().advance(1);
    fed.hub.node.clock().advance(1);
    for node in [&a.node, &fed.hub.node] {
        assert!(is_current_on(tomorrow, None, node.clock().today()));
    }
    let a_page = admin_page(&a.url, "/delegues").await;
    assert!(!a_page.contains("Les mandats à venir"), "{a_page}");
    assert!(!a_page.contains(&words), "{a_page}");
    assert!(a_page.contains("<th scope=\"row\">Marie</th>"));
    let hub_page = admin_page(&fed.hub.url, "/services").await;
    assert!(
        hub_page.contains(&format!(
            "Marie (délégué·e, depuis {})",
            passerelle_web::pages::Locale::Fr.date(tomorrow.inner())
        )),
        "{hub_page}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(messages(&a.node).await, at_a_before, "nothing re-sent");
    assert_eq!(messages(&fed.hub.node).await, at_hub_before);
    fed.stop().await;
}
