//! Every page route that is not public refuses anonymous callers, every
//! page POST refuses a forged form.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use reqwest::header::{LOCATION, SET_COOKIE};

use super::{client, cookie_header, session, workspace};

const ANY_ID: &str = "01936b2a-7c00-7000-8000-000000000001";
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.route("path", get(..).post(..))` in `node/web/src/pages/`, as
/// (method, path). A route whose path is not a literal fails the test: it
/// could not be checked.
pub(crate) fn page_routes_in_source() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(&workspace().join("node/web/src/pages"), &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        // Code only: comments may mention `.route(..)`.
        let text: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for other in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !text.contains(other),
                "{}: `{other}` hides routes from this test",
                file.display()
            );
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            let after = &rest[at + ".route(".len()..];
            let trimmed = after.trim_start();
            assert!(
                trimmed.starts_with('"'),
                "{}: a route whose path is not a literal string: {}",
                file.display(),
                &trimmed[..trimmed.len().min(60)]
            );
            let path_end = trimmed[1..].find('"').unwrap() + 1;
            let path = trimmed[1..path_end].to_owned();
            // The call ends at the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = i;
                    break;
                }
            }
            let call = &after[..end];
            let mut found = false;
            for method in ["get", "post", "put", "delete", "patch"] {
                let needle = format!("{method}(");
                let mut from = 0;
                while let Some(i) = call[from..].find(&needle) {
                    let i = from + i;
                    let before = call[..i].chars().next_back();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        routes.insert((method.to_uppercase(), path.clone()));
                        found = true;
                    }
                    from = i + needle.len();
                }
            }
            assert!(found, "{}: no method for {path}", file.display());
            rest = &after[end..];
        }
    }
    routes
}

pub(crate) fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => in_param = true,
            '}' => {
                in_param = false;
                out.push_str(ANY_ID);
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// Rule: authentication on every page that is not explicitly public, and a
/// CSRF token on every form. Every page route found in the source must be
/// routed, send anonymous callers to the login page (and change nothing),
/// and every POST must refuse a missing, wrong or other session's token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_route_refuses_anonymous_callers_and_forged_forms() {
    let routes = page_routes_in_source();
    assert!(
        routes.len() >= 40,
        "only {} page routes found",
        routes.len()
    );
    let public: BTreeSet<(String, String)> = passerelle_web::pages::PUBLIC_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    for p in &public {
        assert!(
            routes.contains(p),
            "{p:?} is listed as public but not routed"
        );
    }
    let root = tempfile::tempdir().unwrap();
    let mut service =
        TestNode::create(&root.path().join("s"), NodeRole::Service, "ssm-web", None).await;
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-web", None).await;
    let http = client();
    let mut checked_anonymous = 0;
    let mut checked_csrf = 0;
    for node in [&service, &hub] {
        let before = table_counts(&node.node).await;
        // Two sessions of the same person: one's token must not pass for the other.
        let token = session(&node.url, "admin", TEST_PASSWORD).await;
        let other = session(&node.url, "admin", TEST_PASSWORD).await;
        for (method, path) in &routes {
            let url = format!("{}{}", node.url, concrete(path));
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let anonymous = http
                .request(m.clone(), &url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("_csrf=&titre=x")
                .send()
                .await
                .unwrap();
            let status = anonymous.status().as_u16();
            if public.contains(&(method.clone(), path.clone())) {
                // Routed (not the JSON 404/405 of unknown paths).
                assert!(
                    status != 404 && status != 405,
                    "{method} {path} on {}: {status}",
                    node.node.id()
                );
                continue;
            }
            let location = anonymous
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default();
            assert!(
                status == 303 && location.starts_with("/connexion?suite="),
                "{method} {path} on {} answered {status} {location:?} to an anonymous caller",
                node.node.id()
            );
            checked_anonymous += 1;
            if method != "POST" {
                continue;
            }
            let good_for_other = passerelle_web::pages::csrf_for(&other);
            for (why, body) in [
                ("no token", "titre=x".to_owned()),
                ("a wrong token", "_csrf=0000&titre=x".to_owned()),
                (
                    "another session's token",
                    format!("_csrf={good_for_other}&titre=x"),
                ),
            ] {
                let resp = http
                    .post(&url)
                    .header("cookie", cookie_header(&token))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap();
                assert!(
                    status == 403 && text.contains("Formulaire expiré"),
                    "POST {path} on {} with {why}: {status}",
                    node.node.id()
                );
                checked_csrf += 1;
            }
        }
        assert_eq!(
            table_counts(&node.node).await,
            before,
            "a refused request changed something on {}",
            node.node.id()
        );
        // The session survived the forged logout.
        let me = http
            .get(format!("{}/", node.url))
            .header("cookie", cookie_header(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
    }
    println!(
        "FIGURE page routes checked: anonymous={checked_anonymous} forged_forms={checked_csrf}"
    );
    assert!(
        checked_csrf >= 2 * 3 * 25,
        "only {checked_csrf} forged forms sent"
    );

    // The login form has no session: another site's page may not post it.
    let login = format!("{}/connexion", service.url);
    let form = "username=admin&password=mot-de-passe-de-test&suite=%2F";
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
    ] {
        let resp = http
            .post(&login)
            .header(name, value)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "login with {name}: {value}");
        assert!(resp.headers().get(SET_COOKIE).is_none());
    }
    let same = http
        .post(&login)
        .header("sec-fetch-site", "same-origin")
        .header("origin", service.url.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 303, "a same-origin login goes through");
    service.stop().await;
    hub.stop().await;
}
