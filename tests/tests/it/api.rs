//! The JSON API, over real HTTP: authentication on every route, roles on
//! every write, clear refusals of bad input, and the OpenAPI document.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use serde_json::json;

/// Every operation in the OpenAPI document that declares security refuses
/// an anonymous caller with 401 and the JSON error body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_secured_operation_refuses_anonymous_callers() {
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("s"), NodeRole::Service, "ssm-api", None).await;
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-api", None).await;
    let anonymous = Api::anonymous(&service.url);
    let (status, doc) = anonymous.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("security").is_none() {
                continue;
            }
            // Any well-formed id will do: authentication comes first.
            let concrete = path.replace("{id}", "01936b2a-7c00-7000-8000-000000000001");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for node in [&service, &hub] {
                let api = Api::anonymous(&node.url);
                let (status, body) = api.call(method.clone(), &concrete, Some(json!({}))).await;
                assert_eq!(status, 401, "{method} {path} on {}: {body}", node.node.id());
                assert_eq!(body["error"]["code"], "unauthenticated", "{method} {path}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 2 * 10, "only {checked} operations checked");
    service.stop().await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_tokens_and_passwords() {
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("s"), NodeRole::Service, "ssm-api", None).await;
    let anonymous = Api::anonymous(&service.url);
    // Wrong password, unknown user: the same refusal.
    for (u, p) in [("admin", "pas le bon"), ("personne", TEST_PASSWORD)] {
        let (status, body) = anonymous
            .post("/api/v1/tokens", json!({"username": u, "password": p}))
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("bad_credentials"))
        );
    }
    // Malformed JSON and missing fields are refused with their codes.
    let (status, body) = anonymous
        .post("/api/v1/session", json!({"username": "admin"}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field"))
    );
    // Log in with a session cookie.
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/api/v1/session", service.url))
        .json(&json!({"username": "admin", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();
    // The first password (from `passerelle init`) opens nothing but its change.
    let refused = http
        .get(format!("{}/api/v1/me", service.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "password_change_required");
    // It cannot be kept as it is: whoever gave it knows it.
    let kept = http
        .post(format!("{}/api/v1/password", service.url))
        .header("cookie", &session)
        .json(&json!({"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 422);
    let body: serde_json::Value = kept.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_field");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("new_password"),
        "{body}"
    );
    // Another, then back to the one the other tests know.
    let between = passerelle_tests::provisional(TEST_PASSWORD);
    for (current, new) in [
        (TEST_PASSWORD, between.as_str()),
        (between.as_str(), TEST_PASSWORD),
    ] {
        let changed = http
            .post(format!("{}/api/v1/password", service.url))
            .header("cookie", &session)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), 204);
    }
    let me = http
        .get(format!("{}/api/v1/me", service.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(
        me.json::<serde_json::Value>().await.unwrap()["role"],
        "admin"
    );
    // Log out: the cookie no longer works.
    let out = http
        .delete(format!("{}/api/v1/session", service.url))
        .header("cookie", &session)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let again = http
        .get(format!("{}/api/v1/me", service.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);

    // Tokens, accounts, roles.
    let admin = Api::login(&service.url, "admin", TEST_PASSWORD).await;
    let (status, body) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "lea", "role": "member", "password": "court"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field"))
    );
    let (status, body) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "lea", "role": "coordinator", "password": "un-mot-de-passe-long"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field")),
        "no coordinator on a service"
    );
    let (status, body) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "lea", "role": "member", "password": "un-mot-de-passe-long"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["account"]["must_change_password"], true);
    assert_eq!(body["password"], "un-mot-de-passe-long");
    let (status, _) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "lea", "role": "member", "password": "un-mot-de-passe-long"}),
        )
        .await;
    assert_eq!(status, 422, "username taken");
    let lea = Api::login(&service.url, "lea", "un-mot-de-passe-long").await;
    let (status, body) = lea.get("/api/v1/accounts").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, _) = lea
        .post(
            "/api/v1/password",
            json!({"current_password": "faux-mot-de-passe", "new_password": "encore-plus-long-1"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = lea.post("/api/v1/password", json!({"current_password": "un-mot-de-passe-long", "new_password": "encore-plus-long-1"})).await;
    assert_eq!(status, 204);
    let (_, me) = lea.get("/api/v1/me").await;
    assert_eq!(me["must_change_password"], false);
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_life_cycle_through_the_api() {
    let fed = Federation::start(1, None).await;
    let service = &fed.services[0];
    let admin = Api::login(&service.url, "admin", TEST_PASSWORD).await;
    admin
        .post(
            "/api/v1/accounts",
            json!({"username": "sam", "role": "member", "password": "un-mot-de-passe-long"}),
        )
        .await;
    let member = Api::login(&service.url, "sam", "un-mot-de-passe-long").await;

    // Validation: every bad field is refused, nothing stored.
    for bad in [
        json!({"title": "", "description": "x", "theme": "care", "origin": "member"}),
        json!({"title": "Titre", "description": "x", "theme": "météo", "origin": "member"}),
        json!({"title": "Titre", "description": "x", "theme": "care"}),
        json!({"title": "x".repeat(201), "description": "x", "theme": "care", "origin": "member"}),
    ] {
        let (status, body) = member.post("/api/v1/proposals", bad.clone()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some("invalid_field")),
            "{bad}"
        );
    }
    assert_eq!(member.get("/api/v1/proposals").await.1, json!([]));

    // A member proposes; only an administrator moves and shares.
    let (status, created) = member
        .post("/api/v1/proposals", json!({"title": "Un coin calme", "description": "Pour attendre au calme.", "theme": "well_being", "origin": "member", "tags": ["salle d'attente"]}))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "idea");
    let id = created["id"].as_str().unwrap();
    let (status, body) = member
        .post(
            &format!("/api/v1/proposals/{id}/status"),
            json!({"status": "discussed"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, body) = admin
        .post(
            &format!("/api/v1/proposals/{id}/status"),
            json!({"status": "realised"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("domain_rule")),
        "idea → realised is refused"
    );
    for step in ["discussed", "sent_to_management"] {
        let (status, body) = admin
            .post(
                &format!("/api/v1/proposals/{id}/status"),
                json!({"status": step}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = admin
        .post(
            &format!("/api/v1/proposals/{id}/status"),
            json!({"status": "refused"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("domain_rule")),
        "a refusal needs its reason"
    );
    let (status, body) = member
        .post(&format!("/api/v1/proposals/{id}/share"), json!({}))
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin
        .post(&format!("/api/v1/proposals/{id}/share"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["shared"], 1);
    let (status, _) = admin
        .post(&format!("/api/v1/proposals/{id}/share"), json!({}))
        .await;
    assert_eq!(status, 422, "sharing twice is refused");
    let (status, body) = admin
        .post(
            &format!("/api/v1/proposals/{id}/status"),
            json!({"status": "adapted", "answer": "Oui, dans la petite salle du rez-de-chaussée."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The hub sees the proposal and management's answer.
    let hub = &fed.hub.node;
    let seen = wait_until(std::time::Duration::from_secs(20), || async {
        let mut conn = hub.db.pool().acquire().await.unwrap();
        passerelle_core::domain::federated::list(&mut conn)
            .await
            .unwrap()
            .iter()
            .any(|p| p.title == "Un coin calme" && p.status == "adapted")
    })
    .await;
    assert!(seen.is_some());
    // History: who, when, what.
    let (status, detail) = member.get(&format!("/api/v1/proposals/{id}")).await;
    assert_eq!(status, 200);
    let steps: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["idea", "discussed", "sent_to_management", "adapted"]
    );
    assert_eq!(detail["history"][0]["actor"], "sam");
    // Stop sharing: the hub is told, the proposal stays here.
    let (status, body) = admin
        .post(
            &format!("/api/v1/proposals/{id}/withdraw"),
            json!({"reason": "Déjà réglé avec la direction."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["shared"], 2);
    let withdrawn = wait_until(std::time::Duration::from_secs(20), || async {
        let mut conn = hub.db.pool().acquire().await.unwrap();
        passerelle_core::domain::federated::list(&mut conn)
            .await
            .unwrap()
            .iter()
            .any(|p| p.title == "Un coin calme" && p.withdrawn)
    })
    .await;
    assert!(
        withdrawn.is_some(),
        "the hub never learned of the withdrawal"
    );
    let (status, _) = admin
        .post(&format!("/api/v1/proposals/{id}/withdraw"), json!({}))
        .await;
    assert_eq!(status, 422, "withdrawing twice is refused");
    // Administrators list the accounts.
    let (status, accounts) = admin.get("/api/v1/accounts").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "sam"]);
    // Unknown and malformed ids.
    let (status, _) = member
        .get("/api/v1/proposals/01936b2a-7c00-7000-8000-000000000009")
        .await;
    assert_eq!(status, 404);
    let (status, body) = member.get("/api/v1/proposals/pas-un-id").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    fed.stop().await;
}

/// The OpenAPI document is valid OpenAPI 3 (checked by an independent validator).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_validates() {
    let doc = serde_json::to_string_pretty(&passerelle_web::openapi()).unwrap();
    assert!(doc.contains("\"openapi\": \"3."));
    let check = std::process::Command::new("python3")
        .args(["-c", "import sys, json; from openapi_spec_validator import validate; validate(json.load(sys.stdin)); print('valid')"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = check else {
        skip(
            "openapi_document_validates",
            "python3 is not installed",
            "install python3 and pip install openapi-spec-validator",
        );
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named 'openapi_spec_validator'") {
        skip(
            "openapi_document_validates",
            "the Python package openapi-spec-validator is missing",
            "pip install openapi-spec-validator",
        );
        return;
    }
    assert!(
        out.status.success(),
        "the OpenAPI document is invalid: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_methods_and_oversized_bodies_get_json_errors() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-api", None).await;
    let api = Api::anonymous(&hub.url);
    let (status, body) = api.get("/fed/v1/inbox").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let (status, body) = api.get("/nulle-part").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let huge = "x".repeat(9 * 1024 * 1024);
    for path in ["/fed/v1/inbox", "/api/v1/session"] {
        let resp = reqwest::Client::new()
            .post(format!("{}{path}", hub.url))
            .header("content-type", "application/json")
            .body(format!("{{\"messages\":[\"{huge}\"]}}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 413, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_large", "{path}");
    }
    hub.stop().await;
}

/// Writes a member may make on a service; every other write is an
/// administrator's (the committee's support too: a member suggests it).
const MEMBER_WRITES: &[&str] = &[
    "POST /api/v1/proposals",
    "POST /api/v1/joint/suggestions",
    "POST /api/v1/joint/suggestions/take-back",
    "POST /api/v1/joint/agenda-items",
    "POST /api/v1/password",
    "DELETE /api/v1/session",
];

/// Wrong role, for every operation of the OpenAPI document: coordinators'
/// routes on a service, services' routes on the hub, administrators' writes
/// as a member. Each is refused with 403 `forbidden` and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_checks_the_role() {
    let fed = Federation::start(1, None).await;
    let service = &fed.services[0];
    let admin = Api::login(&service.url, "admin", TEST_PASSWORD).await;
    admin
        .post(
            "/api/v1/accounts",
            json!({"username": "membre", "role": "member", "password": "un-mot-de-passe-long"}),
        )
        .await;
    let member = Api::login(&service.url, "membre", "un-mot-de-passe-long").await;
    let coordinator = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;
    let doc = passerelle_web::openapi();
    let doc = serde_json::to_value(&doc).unwrap();
    let id = "01936b2a-7c00-7000-8000-000000000001";
    let mut refused = 0;
    for (method, path, _) in operations(&doc) {
        let concrete = path
            .replace("{id}", id)
            .replace("{item}", id)
            .replace("{decision}", id);
        let label = format!("{method} {path}");
        let account_route = path.starts_with("/api/v1/session")
            || path.starts_with("/api/v1/password")
            || path == "/api/v1/me";
        if account_route {
            continue;
        }
        // (caller, node, must be refused)
        let mut cases: Vec<(&Api, &TestNode)> = Vec::new();
        if path.starts_with("/api/v1/hub/") {
            cases.push((&admin, service));
            cases.push((&member, service));
        } else if !path.starts_with("/api/v1/accounts") {
            cases.push((&coordinator, &fed.hub));
        }
        if method != reqwest::Method::GET
            && !path.starts_with("/api/v1/hub/")
            && !MEMBER_WRITES.contains(&label.as_str())
        {
            cases.push((&member, service));
        }
        for (api, node) in cases {
            let before = table_counts(&node.node).await;
            let (status, body) = api.call(method.clone(), &concrete, Some(json!({}))).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (403, Some("forbidden")),
                "{label} on {}",
                node.node.id()
            );
            assert_eq!(
                table_counts(&node.node).await,
                before,
                "{label} changed something"
            );
            refused += 1;
        }
    }
    assert!(refused >= 40, "only {refused} refusals checked");
    fed.stop().await;
}

/// Invalid input, for every operation that takes a body, by a caller with
/// the right role: a clear 4xx with a machine code, and nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_body_is_validated_and_refusals_store_nothing() {
    let fed = Federation::start(1, None).await;
    let service = &fed.services[0];
    let admin = Api::login(&service.url, "admin", TEST_PASSWORD).await;
    let coordinator = Api::login(&fed.hub.url, "admin", TEST_PASSWORD).await;
    let doc = serde_json::to_value(passerelle_web::openapi()).unwrap();
    let id = "01936b2a-7c00-7000-8000-000000000001";
    let mut checked = 0;
    for (method, path, has_body) in operations(&doc) {
        if !has_body {
            continue;
        }
        let concrete = path
            .replace("{id}", id)
            .replace("{item}", id)
            .replace("{decision}", id);
        let (api, node) = if path.starts_with("/api/v1/hub/") {
            (&coordinator, &fed.hub)
        } else {
            (&admin, service)
        };
        for bad in [
            json!("texte"),
            json!({"title": 12, "proposals": "non", "items": 3, "status": "inconnu"}),
            json!([{"kind": "inconnu"}]),
        ] {
            let before = table_counts(&node.node).await;
            let (status, body) = api.call(method.clone(), &concrete, Some(bad.clone())).await;
            let code = body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                matches!(status, 400 | 404 | 422)
                    && !code.is_empty()
                    && body["error"]["message"].is_string(),
                "{method} {path} with {bad}: {status} {body}"
            );
            assert_eq!(
                table_counts(&node.node).await,
                before,
                "{method} {path} with {bad} changed something"
            );
            checked += 1;
        }
    }
    assert!(checked >= 3 * 20, "only {checked} refusals checked");
    fed.stop().await;
}
