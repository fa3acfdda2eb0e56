//! Accounts over real HTTP: sessions follow the password, a first password
//! opens nothing but its change, an administrator resets and disables.

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use serde_json::json;

const FIRST: &str = "un-premier-mot-de-passe-long";
const CHOSEN: &str = "le chat de ma voisine mange des frites";

/// Rule: a change of password ends the account's other sessions and its
/// year-long tokens; a first password answers 403 `password_change_required`
/// to every other call; a reset and a disable end everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_follow_the_password_over_http() {
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("s"), NodeRole::Service, "ssm-acc", None).await;
    let admin = Api::login(&service.url, "admin", TEST_PASSWORD).await;
    let (status, created) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "marie", "role": "member", "password": FIRST}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["account"]["id"].clone();

    // A first password opens nothing but its change (and logging out).
    let here = Api::login_as_is(&service.url, "marie", FIRST).await;
    let there = Api::login_as_is(&service.url, "marie", FIRST).await;
    for path in ["/api/v1/me", "/api/v1/proposals", "/api/v1/members"] {
        let (status, body) = here.get(path).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("password_change_required")),
            "{path}: {body}"
        );
        assert!(body["error"]["message"].as_str().unwrap().len() > 10);
    }
    // Too easy: refused, saying which field.
    let (status, body) = here
        .post(
            "/api/v1/password",
            json!({"current_password": FIRST, "new_password": "motdepasse123"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_field")),
        "{body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("new_password"));
    let (status, _) = here
        .post(
            "/api/v1/password",
            json!({"current_password": FIRST, "new_password": CHOSEN}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, me) = here.get("/api/v1/me").await;
    assert_eq!(
        (status, me["must_change_password"].as_bool()),
        (200, Some(false))
    );
    let (status, _) = there.get("/api/v1/me").await;
    assert_eq!(status, 401, "the other token still works after the change");

    // The administrator resets it: every session ends; a new first password.
    let (status, reset) = admin
        .post(&format!("/api/v1/accounts/{id}/password-reset"), json!({}))
        .await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(here.get("/api/v1/me").await.0, 401);
    let first = reset["password"].as_str().unwrap();
    let again = Api::login(&service.url, "marie", first).await;
    assert_eq!(again.get("/api/v1/me").await.0, 200);

    // Disabled: its token stops at once, it cannot log in.
    let (status, _) = admin
        .post(&format!("/api/v1/accounts/{id}/disable"), json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(again.get("/api/v1/me").await.0, 401);
    let (status, body) = Api::anonymous(&service.url)
        .post(
            "/api/v1/tokens",
            json!({"username": "marie", "password": first}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    // The last administrator can be neither disabled nor demoted.
    let (_, list) = admin.get("/api/v1/accounts").await;
    let admin_id = list.as_array().unwrap()[0]["id"].clone();
    for (path, body) in [
        (format!("/api/v1/accounts/{admin_id}/disable"), json!({})),
        (
            format!("/api/v1/accounts/{admin_id}/role"),
            json!({"role": "member"}),
        ),
    ] {
        let (status, answer) = admin.post(&path, body).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (422, Some("domain_rule")),
            "{path}"
        );
    }
    service.stop().await;
}
