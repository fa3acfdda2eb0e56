//! The operator's account commands, with the real `passerelle` binary on a
//! stopped node's data directory: `account list` shows each account's
//! state; `account reset-password` prints a first password that logs in
//! over HTTP, ends the account's sessions and unblocks it; an unknown user
//! is a clear error with a failing exit code.
#![allow(clippy::unwrap_used)]

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use serde_json::json;

const FIRST: &str = "un-premier-mot-de-passe-long";
const CHOSEN: &str = "le chat de ma voisine mange des frites";

/// The line of `user` in `passerelle account list`'s output.
fn line_of(list: &str, user: &str) -> String {
    list.lines()
        .find(|l| l.split('\t').next() == Some(user))
        .unwrap_or_else(|| panic!("no line for {user} in:\n{list}"))
        .to_owned()
}

/// Rule: the operator's reset gives a first password that works, and
/// leaves no session and no block behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_resets_a_password_from_the_command_line() {
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("s"), NodeRole::Service, "ssm-cli", None).await;
    let admin = Api::login(&service.url, "admin", TEST_PASSWORD).await;
    let (status, body) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "marie", "role": "member", "password": FIRST}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // Marie chose her password, has a session open, and someone then
    // guessed wrong often enough to block her name from here.
    let marie = Api::login_as_is(&service.url, "marie", FIRST).await;
    let (status, body) = marie
        .post(
            "/api/v1/password",
            json!({"current_password": FIRST, "new_password": CHOSEN}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(marie.get("/api/v1/me").await.0, 200);
    let guesser = Api::anonymous(&service.url);
    let mut refused = 0;
    for _ in 0..8 {
        let (status, _) = guesser
            .post(
                "/api/v1/tokens",
                json!({"username": "marie", "password": "pas le bon"}),
            )
            .await;
        if status == 429 {
            refused += 1;
        }
    }
    assert!(refused > 0, "the guesser was never slowed down");
    let (status, _) = Api::anonymous(&service.url)
        .post(
            "/api/v1/tokens",
            json!({"username": "marie", "password": CHOSEN}),
        )
        .await;
    assert_eq!(
        status, 429,
        "blocked, even with the right password, for now"
    );

    // The commands work on a stopped node (they hold its directory).
    service.stop().await;
    let data = service.dir.to_str().unwrap().to_owned();
    let (ok, list, err) = passerelle(&["account", "list", "--data", &data]);
    assert!(ok, "{err}");
    assert_eq!(line_of(&list, "admin"), "admin\tadmin\tactif");
    assert_eq!(
        line_of(&list, "marie"),
        "marie\tmember\tbloqué par des essais ratés"
    );

    let (ok, out, err) = passerelle(&[
        "account",
        "reset-password",
        "--data",
        &data,
        "--user",
        "marie",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("Nouveau mot de passe de marie"),
        "{out}"
    );
    let printed = lines[1].trim().to_owned();
    assert!(printed.len() >= 12, "{out}");
    let (ok, list, _) = passerelle(&["account", "list", "--data", &data]);
    assert!(ok);
    assert_eq!(
        line_of(&list, "marie"),
        "marie\tmember\tdoit choisir son mot de passe"
    );

    // An unknown user: said plainly, nothing done, exit code not 0.
    let (ok, out, err) = passerelle(&[
        "account",
        "reset-password",
        "--data",
        &data,
        "--user",
        "personne",
    ]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("pas de compte « personne »") && err.contains("passerelle account list"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");

    service.restart().await;
    // The session opened before is over; the printed password logs in at
    // once (no longer blocked), and opens only its change.
    let (status, body) = marie.get("/api/v1/me").await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = Api::anonymous(&service.url)
        .post(
            "/api/v1/tokens",
            json!({"username": "marie", "password": CHOSEN}),
        )
        .await;
    assert_eq!(status, 401, "the old password is gone: {body}");
    let again = Api::login_as_is(&service.url, "marie", &printed).await;
    let (status, body) = again.get("/api/v1/me").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required")),
        "{body}"
    );
}
