//! Role checks on every page write: a committee member, signed in with a
//! valid form token, may propose, suggest a support and comment, not run
//! the node (nor give the committee's support).

use std::collections::BTreeSet;

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use serde_json::json;

use super::pages::{concrete, page_routes_in_source};
use super::{client, cookie_header, session};

/// The page writes a committee member (role `member`) may make on a
/// service's node; every other page write is for its administrators.
const MEMBER_WRITES: &[&str] = &[
    "/propositions/nouvelle",
    "/inter-services/suggerer",
    "/inter-services/retirer-suggestion",
    "/inter-services/point",
    "/mot-de-passe",
];
/// The coordinator's pages, on the hub only: a service answers 404.
const HUB_ONLY: &[&str] = &["/reunions-communes", "/sujets"];

/// Rule: role checks on every write. Every POST page route of a service,
/// sent by a member with a valid CSRF token, is refused with 403 unless it
/// is one of [`MEMBER_WRITES`]; and the refusals change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_write_checks_the_role() {
    let public: BTreeSet<(String, String)> = passerelle_web::pages::PUBLIC_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let writes: Vec<String> = page_routes_in_source()
        .into_iter()
        .filter(|r| r.0 == "POST" && !public.contains(r) && r.1 != "/deconnexion")
        .map(|(_, p)| p)
        .collect();
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("s"), NodeRole::Service, "ssm-roles", None).await;
    let admin = Api::login(&service.url, "admin", TEST_PASSWORD).await;
    let (status, _) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": "marie", "role": "member", "password": "un-mot-de-passe-long"}),
        )
        .await;
    assert_eq!(status, 201);
    let token = session(&service.url, "marie", "un-mot-de-passe-long").await;
    let csrf = passerelle_web::pages::csrf_for(&token);
    let http = client();
    let mut refused = 0;
    for path in &writes {
        let before = table_counts(&service.node).await;
        let resp = http
            .post(format!("{}{}", service.url, concrete(path)))
            .header("cookie", cookie_header(&token))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("_csrf={csrf}&titre=x"))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        if MEMBER_WRITES.contains(&path.as_str()) {
            // Reached, and refused only for its (incomplete) form.
            assert!(
                [400, 422].contains(&status),
                "POST {path} by a member: {status}"
            );
        } else if HUB_ONLY.iter().any(|p| path.starts_with(p)) {
            assert_eq!(status, 404, "POST {path} on a service");
        } else {
            assert!(
                status == 403 && text.contains("Accès refusé"),
                "POST {path} by a member answered {status}: only administrators may"
            );
            refused += 1;
        }
        assert_eq!(
            table_counts(&service.node).await,
            before,
            "POST {path} by a member changed something"
        );
    }
    println!(
        "FIGURE page writes refused to a member: {refused} of {}",
        writes.len()
    );
    assert!(refused >= 15, "only {refused} admin-only page writes found");
    service.stop().await;
}
