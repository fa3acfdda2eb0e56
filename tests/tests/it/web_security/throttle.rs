//! Login throttling.

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use reqwest::header::SET_COOKIE;
use serde_json::json;

use super::{client, header, token_attempt};

/// The throttle's story, on a hub served by two processes over one
/// database (each attempt alternates between them).
async fn throttle_story(database: Option<String>) {
    use passerelle_core::throttle::{FIRST_DELAY_SECS, FREE_TRIES, PER_CLIENT, WINDOW_SECS};
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(
        &root.path().join("h"),
        NodeRole::Hub,
        "hub-th",
        database.clone(),
    )
    .await;
    // The test plays a proxy on this machine, telling the client's address.
    hub.trust_local_proxy().await;
    // A second process of the same hub (same database), as behind a load balancer.
    let overrides = passerelle_core::config::Overrides {
        listen: None,
        database_url: database,
    };
    let second = passerelle_core::Node::open(&hub.dir, &overrides)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second_url = format!("http://{}", listener.local_addr().unwrap());
    let second_task = tokio::spawn(passerelle_web::run(second.clone(), listener));
    let bases = [hub.url.clone(), second_url.clone()];
    let http = client();
    let admin = Api::login(&hub.url, "admin", TEST_PASSWORD).await;
    let (status, _) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "lea", "role": "coordinator", "password": "un-mot-de-passe-long"}),
        )
        .await;
    assert_eq!(status, 201);

    // The owner's browser logged in once from 10.0.0.9: it holds a device cookie.
    let first = http
        .post(format!("{}/api/v1/session", bases[0]))
        .header("x-forwarded-for", "10.0.0.9")
        .json(&json!({"username": "admin", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let device = first
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("passerelle_appareil="))
        .expect("a device cookie");

    // 20 wrong passwords for `admin` from one address (the owner's own
    // address too): FREE_TRIES cost nothing, then each waits a growing
    // delay (429 with Retry-After); an unknown name gets exactly the same.
    for name in ["admin", "personne"] {
        for i in 0..20 {
            let (status, body, headers) =
                token_attempt(&http, &bases[i % 2], "10.0.0.9", name, "pas-le-bon").await;
            if i < FREE_TRIES {
                assert_eq!(
                    (status, body["error"]["code"].as_str()),
                    (401, Some("bad_credentials")),
                    "{name} #{i}"
                );
            } else {
                assert_eq!(
                    (status, body["error"]["code"].as_str()),
                    (429, Some("too_many_attempts")),
                    "{name} #{i}: {body}"
                );
                let retry: i64 = header(&headers, "retry-after").parse().unwrap();
                assert!(
                    (1..=FIRST_DELAY_SECS).contains(&retry),
                    "Retry-After {retry}"
                );
            }
        }
    }
    // The delay grows: once waited, one more failure, then twice as long.
    sqlx::query("UPDATE login_failures SET failed_at = failed_at - $1")
        .bind(FIRST_DELAY_SECS)
        .execute(hub.node.db.pool())
        .await
        .unwrap();
    let (status, _, _) = token_attempt(&http, &bases[0], "10.0.0.9", "admin", "pas-le-bon").await;
    assert_eq!(status, 401, "the delay was waited");
    let (status, _, headers) =
        token_attempt(&http, &bases[1], "10.0.0.9", "admin", TEST_PASSWORD).await;
    assert_eq!(status, 429);
    let retry: i64 = header(&headers, "retry-after").parse().unwrap();
    assert!(retry > FIRST_DELAY_SECS, "Retry-After {retry}");

    // The owner is not locked out: from another address, and from the
    // guessed address with their device cookie.
    let (status, _, _) = token_attempt(&http, &bases[1], "10.0.1.1", "admin", TEST_PASSWORD).await;
    assert_eq!(status, 201, "the owner is locked out from another address");
    let with_device = http
        .post(format!("{}/api/v1/session", bases[1]))
        .header("x-forwarded-for", "10.0.0.9")
        .header("cookie", &device)
        .json(&json!({"username": "admin", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_device.status(),
        200,
        "the owner's device is locked out"
    );
    // Other accounts are not affected.
    let (status, _, _) =
        token_attempt(&http, &bases[0], "10.0.0.9", "lea", "un-mot-de-passe-long").await;
    assert_eq!(status, 201);
    // The page says it in French, with 429 and Retry-After, and what to do.
    let page = http
        .post(format!("{}/connexion", bases[0]))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "10.0.0.9")
        .body("username=admin&password=mot-de-passe-de-test&suite=%2F")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers().get("retry-after").is_some());
    assert!(page.headers().get(SET_COOKIE).is_none());
    let text = page.text().await.unwrap().replace("&#39;", "'");
    assert!(text.contains("Trop d'essais de connexion ratés"), "{text}");
    assert!(text.contains("débloquer votre compte"), "{text}");
    // And in English for an English browser.
    let page = http
        .post(format!("{}/connexion", bases[0]))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en")
        .header("x-forwarded-for", "10.0.0.9")
        .body("username=admin&password=mot-de-passe-de-test&suite=%2F")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    let text = page.text().await.unwrap();
    assert!(text.contains("Too many failed login attempts"), "{text}");
    assert!(text.contains("unblock your account"), "{text}");

    // A coordinator unblocks the account: the address may try at once.
    let lea = Api::login(&hub.url, "lea", "un-mot-de-passe-long").await;
    let (_, accounts) = lea.get("/api/v1/accounts").await;
    let entry = accounts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "admin")
        .unwrap()
        .clone();
    assert_eq!(entry["blocked"], true, "{entry}");
    let (status, _) = lea
        .post(
            &format!("/api/v1/accounts/{}/unblock", entry["id"]),
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _, _) = token_attempt(&http, &bases[0], "10.0.0.9", "admin", TEST_PASSWORD).await;
    assert_eq!(status, 201, "still blocked after the unblock");
    for name in ["admin", "personne"] {
        for i in 0..FREE_TRIES {
            token_attempt(&http, &bases[i % 2], "10.0.0.3", name, "pas-le-bon").await;
        }
    }

    // Not for ever: once the failures are older than the window, it works.
    sqlx::query("UPDATE login_failures SET failed_at = failed_at - $1")
        .bind(WINDOW_SECS)
        .execute(hub.node.db.pool())
        .await
        .unwrap();
    let (status, _, _) = token_attempt(&http, &bases[0], "10.0.0.3", "admin", TEST_PASSWORD).await;
    assert_eq!(status, 201, "still blocked after the window");

    // A person's own typos are forgiven when they get it right; the free
    // tries are then exactly FREE_TRIES again.
    for i in 0..FREE_TRIES - 1 {
        let (status, _, _) =
            token_attempt(&http, &bases[i % 2], "10.0.2.2", "lea", "faute-de-frappe").await;
        assert_eq!(status, 401);
    }
    let (status, _, _) =
        token_attempt(&http, &bases[0], "10.0.2.2", "lea", "un-mot-de-passe-long").await;
    assert_eq!(status, 201);
    for i in 0..FREE_TRIES {
        let (status, _, _) =
            token_attempt(&http, &bases[i % 2], "10.0.2.2", "lea", "faute-de-frappe").await;
        assert_eq!(status, 401, "attempt {i} after a success");
    }
    let (status, _, _) =
        token_attempt(&http, &bases[0], "10.0.2.2", "lea", "faute-de-frappe").await;
    assert_eq!(status, 429);

    // Per address: PER_CLIENT failures on as many names, then the next name
    // is refused from there, not from elsewhere.
    for i in 0..PER_CLIENT {
        let (status, _, _) =
            token_attempt(&http, &bases[i % 2], "192.0.2.7", &format!("nom-{i}"), "x").await;
        assert_eq!(status, 401, "attempt {i} from one address");
    }
    let (status, body, _) =
        token_attempt(&http, &bases[0], "192.0.2.7", "encore-un-nom", "x").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts"))
    );
    let (status, _, _) = token_attempt(&http, &bases[0], "192.0.2.8", "encore-un-nom", "x").await;
    assert_eq!(status, 401, "another address is not blocked");

    // Nothing in the table says who tried: names and addresses are digests.
    let rows = sqlx::query("SELECT account_key, client_key FROM login_failures")
        .fetch_all(hub.node.db.pool())
        .await
        .unwrap();
    for row in &rows {
        use sqlx::Row;
        let a: String = row.try_get("account_key").unwrap();
        let c: String = row.try_get("client_key").unwrap();
        assert!(!a.contains("lea") && !c.contains("192.0.2"), "{a} {c}");
    }
    second.stop();
    second_task.await.unwrap().unwrap();
    hub.stop().await;
}

/// Rule: login throttling per account and per client address, shared by
/// several processes through the database, never for ever, the same for
/// unknown names (no username enumeration).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_throttled_per_account_and_per_address() {
    throttle_story(None).await;
}

/// The same with the hub on PostgreSQL (migration 0007 on both engines).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_throttled_on_postgres_too() {
    let Some(admin_url) = postgres_or_skip("logins_are_throttled_on_postgres_too") else {
        return;
    };
    let db = PgDatabase::create(&admin_url).await;
    throttle_story(Some(db.url.clone())).await;
    db.drop_database().await;
}
