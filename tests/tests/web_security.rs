//! Web and API security, one test per rule (issue #6): pages refuse
//! anonymous callers and forged forms, logins are throttled, cookies and
//! headers are set as they should, slow clients are cut off, and no secret
//! reaches the logs or `Debug`.
//!
//! (Authentication and roles on every API operation: `tests/api.rs`, which
//! walks the OpenAPI document.)
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::json;

const ANY_ID: &str = "01936b2a-7c00-7000-8000-000000000001";

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

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

/// Every `.route("path", get(..).post(..))` in `node/src/web/`, as
/// (method, path). A route whose path is not a literal fails the test: it
/// could not be checked.
fn page_routes_in_source() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    rust_files(&workspace().join("node/src/web"), &mut files);
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

fn concrete(path: &str) -> String {
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

/// Opens a page session through the API; returns its token.
async fn session(base: &str, username: &str, password: &str) -> String {
    let resp = client()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix(&format!("{}=", passerelle_node::http::SESSION_COOKIE))
        .unwrap()
        .to_owned()
}

fn cookie_header(token: &str) -> String {
    format!("{}={token}", passerelle_node::http::SESSION_COOKIE)
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
    let public: BTreeSet<(String, String)> = passerelle_node::web::PUBLIC_ROUTES
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
            let good_for_other = passerelle_node::web::csrf_for(&other);
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

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Rule: security headers on every answer — a CSP that allows no script
/// (and so no inline script), no framing, nosniff, a referrer policy, a
/// permissions policy; HSTS only over TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_on_every_answer() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-hdr", None).await;
    let http = client();
    let token = session(&hub.url, "admin", TEST_PASSWORD).await;
    for (path, signed_in) in [
        ("/connexion", false),
        ("/", true),
        ("/", false),
        ("/static/passerelle.css", false),
        ("/healthz", false),
        ("/api/v1/me", false),
        ("/api/v1/openapi.json", false),
        ("/fed/v1/feed", false),
        ("/nulle-part", false),
    ] {
        let mut req = http.get(format!("{}{path}", hub.url));
        if signed_in {
            req = req.header("cookie", cookie_header(&token));
        }
        let resp = req.send().await.unwrap();
        let h = resp.headers();
        let csp = header(h, "content-security-policy");
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        assert!(directives.contains(&"default-src 'none'"), "{path}: {csp}");
        assert!(
            directives.contains(&"frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("script-src") && !csp.contains("unsafe-"),
            "{path}: scripts must stay forbidden: {csp}"
        );
        assert_eq!(header(h, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(h, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(h, "referrer-policy"), "same-origin", "{path}");
        assert!(
            header(h, "permissions-policy").contains("camera=()"),
            "{path}"
        );
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: HSTS over plain HTTP"
        );
    }
    // Personal pages are not kept in caches; the stylesheet may be.
    let page = http
        .get(format!("{}/", hub.url))
        .header("cookie", cookie_header(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(header(page.headers(), "cache-control"), "no-store");
    let css = http
        .get(format!("{}/static/passerelle.css", hub.url))
        .send()
        .await
        .unwrap();
    assert!(header(css.headers(), "cache-control").contains("max-age"));

    // Behind a TLS proxy on this machine: HSTS.
    let tls = http
        .get(format!("{}/connexion", hub.url))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(tls.headers(), "strict-transport-security"),
        "max-age=31536000"
    );

    // The CSP holds only if no template carries inline script or style.
    let templates = workspace().join("node/templates");
    for entry in std::fs::read_dir(&templates).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for banned in ["<script", "<style", " style=", "javascript:"] {
            assert!(!text.contains(banned), "{}: {banned}", path.display());
        }
        for (i, _) in text.match_indices(" on") {
            let attr: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            let next = text[i + 1 + attr.len()..].chars().next();
            assert!(
                !(attr.len() > 2 && next == Some('=')),
                "{}: inline handler {attr}",
                path.display()
            );
        }
    }
    hub.stop().await;
}

/// Rule: session cookies are `HttpOnly`, `SameSite=Strict`, and `Secure`
/// when the client is on TLS: the node's public URL is https, or a trusted
/// proxy says `X-Forwarded-Proto: https`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookies_are_httponly_samesite_and_secure_behind_tls() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-ck", None).await;
    let http = client();
    let api_cookie = |proto: Option<&'static str>| {
        let http = http.clone();
        let url = hub.url.clone();
        async move {
            let mut req = http
                .post(format!("{url}/api/v1/session"))
                .json(&json!({"username": "admin", "password": TEST_PASSWORD}));
            if let Some(p) = proto {
                req = req.header("x-forwarded-proto", p);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 200);
            header(resp.headers(), "set-cookie")
        }
    };
    let page_cookie = |proto: Option<&'static str>| {
        let http = http.clone();
        let url = hub.url.clone();
        async move {
            let mut req = http
                .post(format!("{url}/connexion"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("username=admin&password=mot-de-passe-de-test&suite=%2F");
            if let Some(p) = proto {
                req = req.header("x-forwarded-proto", p);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 303);
            header(resp.headers(), "set-cookie")
        }
    };
    for cookie in [api_cookie(None).await, page_cookie(None).await] {
        assert!(cookie.contains("; HttpOnly"), "{cookie}");
        assert!(cookie.contains("; SameSite=Strict"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    }
    for cookie in [
        api_cookie(Some("https")).await,
        page_cookie(Some("https")).await,
    ] {
        assert!(cookie.contains("; Secure"), "behind a TLS proxy: {cookie}");
        assert!(cookie.contains("; HttpOnly"), "{cookie}");
    }

    // A node whose public address is https: always Secure, always HSTS.
    hub.stop().await;
    let config = hub.dir.join("passerelle.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}public_url = \"https://hub.example.org\"\n"),
    )
    .unwrap();
    hub.restart().await;
    let api_cookie = async {
        let resp = http
            .post(format!("{}/api/v1/session", hub.url))
            .json(&json!({"username": "admin", "password": TEST_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(resp.headers().get("strict-transport-security").is_some());
        header(resp.headers(), "set-cookie")
    }
    .await;
    assert!(api_cookie.contains("; Secure"), "{api_cookie}");
    hub.stop().await;
}

/// Forwarding headers are believed from a trusted proxy only: from any
/// other address, `X-Forwarded-For` cannot pick the address the throttle
/// counts, and `X-Forwarded-Proto` cannot claim TLS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_headers_are_believed_from_trusted_proxies_only() {
    use axum::extract::ConnectInfo;
    use passerelle_node::http::security::client as client_of;
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-fw", None).await;
    let parts = |peer: &str, xff: &str| {
        let mut req = axum::http::Request::get("/")
            .header("x-forwarded-for", xff)
            .header("x-forwarded-proto", "https")
            .body(())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<std::net::SocketAddr>().unwrap()));
        req.into_parts().0
    };
    let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
    // A stranger writing the headers itself.
    let c = client_of(&hub.node, &parts("203.0.113.5:4000", "198.51.100.1"));
    assert_eq!((c.address, c.tls), (ip("203.0.113.5"), false));
    // The proxy on this machine: the right-most address not ours, even if
    // the client slipped a fake one in front.
    let c = client_of(
        &hub.node,
        &parts("127.0.0.1:4000", "198.51.100.1, 203.0.113.9"),
    );
    assert_eq!((c.address, c.tls), (ip("203.0.113.9"), true));
    // A proxy on another machine, once named in the configuration.
    hub.stop().await;
    let config = hub.dir.join("passerelle.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}trusted_proxies = [\"10.1.0.0/16\"]\n"),
    )
    .unwrap();
    hub.restart().await;
    let c = client_of(&hub.node, &parts("10.1.2.3:4000", "203.0.113.9, 10.1.9.9"));
    assert_eq!((c.address, c.tls), (ip("203.0.113.9"), true));
    let c = client_of(&hub.node, &parts("10.2.2.3:4000", "203.0.113.9"));
    assert_eq!((c.address, c.tls), (ip("10.2.2.3"), false));
    hub.stop().await;
    // A range that is not one is refused with its value.
    std::fs::write(
        &config,
        format!("{text}trusted_proxies = [\"proxy.local\"]\n"),
    )
    .unwrap();
    let e = passerelle_node::Node::open(&hub.dir, &Default::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("proxy.local"), "{e}");
}

async fn token_attempt(
    http: &reqwest::Client,
    base: &str,
    from: &str,
    username: &str,
    password: &str,
) -> (u16, serde_json::Value, HeaderMap) {
    let resp = http
        .post(format!("{base}/api/v1/tokens"))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.json().await.unwrap(), headers)
}

/// The throttle's story, on a hub served by two processes over one
/// database (each attempt alternates between them).
async fn throttle_story(database: Option<String>) {
    use passerelle_node::throttle::{PER_ACCOUNT, PER_CLIENT, WINDOW_SECS};
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(
        &root.path().join("h"),
        NodeRole::Hub,
        "hub-th",
        database.clone(),
    )
    .await;
    // A second process of the same hub (same database), as behind a load balancer.
    let overrides = passerelle_node::config::Overrides {
        listen: None,
        database_url: database,
    };
    let second = passerelle_node::Node::open(&hub.dir, &overrides)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second_url = format!("http://{}", listener.local_addr().unwrap());
    let second_task = tokio::spawn(passerelle_node::run(second.clone(), listener));
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

    // Per account, from everywhere: PER_ACCOUNT failures, then 429 even
    // with the right password; an unknown name gets exactly the same.
    let mut refusals = Vec::new();
    for name in ["admin", "personne"] {
        for i in 0..PER_ACCOUNT {
            let (status, body, _) = token_attempt(
                &http,
                &bases[i % 2],
                &format!("10.0.0.{i}"),
                name,
                "pas-le-bon",
            )
            .await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (401, Some("bad_credentials")),
                "{name} #{i}"
            );
        }
        let right = if name == "admin" {
            TEST_PASSWORD
        } else {
            "pas-le-bon"
        };
        let (status, body, headers) =
            token_attempt(&http, &bases[1], "10.0.1.1", name, right).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (429, Some("too_many_attempts")),
            "{name}: {body}"
        );
        let retry: i64 = header(&headers, "retry-after").parse().unwrap();
        assert!((1..=WINDOW_SECS).contains(&retry), "Retry-After {retry}");
        refusals.push(body);
    }
    assert_eq!(
        refusals[0], refusals[1],
        "a known and an unknown name are refused alike"
    );
    // Other accounts are not affected.
    let (status, _, _) =
        token_attempt(&http, &bases[0], "10.0.1.1", "lea", "un-mot-de-passe-long").await;
    assert_eq!(status, 201);
    // The page says it in French, with 429 and Retry-After.
    let page = http
        .post(format!("{}/connexion", bases[0]))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=admin&password=mot-de-passe-de-test&suite=%2F")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(page.headers().get("retry-after").is_some());
    assert!(page.headers().get(SET_COOKIE).is_none());
    let text = page.text().await.unwrap();
    assert!(
        text.contains("Trop d&#39;essais de connexion ratés")
            || text.contains("Trop d'essais de connexion ratés"),
        "{text}"
    );
    assert!(text.contains("minute"), "{text}");

    // Not for ever: once the failures are older than the window, it works.
    sqlx::query("UPDATE login_failures SET failed_at = failed_at - $1")
        .bind(WINDOW_SECS)
        .execute(hub.node.db.pool())
        .await
        .unwrap();
    let (status, _, _) = token_attempt(&http, &bases[0], "10.0.0.1", "admin", TEST_PASSWORD).await;
    assert_eq!(status, 201, "still blocked after the window");

    // A person's own typos are forgiven when they get it right; the limit
    // is then exactly PER_ACCOUNT again.
    for i in 0..5 {
        let (status, _, _) =
            token_attempt(&http, &bases[i % 2], "10.0.2.2", "lea", "faute-de-frappe").await;
        assert_eq!(status, 401);
    }
    let (status, _, _) =
        token_attempt(&http, &bases[0], "10.0.2.2", "lea", "un-mot-de-passe-long").await;
    assert_eq!(status, 201);
    for i in 0..PER_ACCOUNT {
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

/// Rule: request timeouts at the HTTP layer. A client that sends its
/// headers, or its body, a byte at a time is cut off (here with short
/// limits; the defaults are 30 s and 60 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    use passerelle_node::http::Limits;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    assert_eq!(
        Limits::default(),
        Limits {
            header_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60)
        }
    );
    let root = tempfile::tempdir().unwrap();
    let (node, _) = passerelle_node::Node::init(passerelle_node::InitOptions {
        data_dir: root.path().join("h"),
        role: NodeRole::Hub,
        id: passerelle_protocol::NodeId::parse("hub-slow").unwrap(),
        name: "Lent".into(),
        listen: "127.0.0.1:0".into(),
        database_url: None,
        admin_password: Some(TEST_PASSWORD.into()),
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        header_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
    };
    let stopper = node.clone();
    let server = tokio::spawn(passerelle_node::http::serve_with(
        node.clone(),
        listener,
        passerelle_node::node::stopped(stopper.shutdown_signal()),
        limits,
    ));

    /// Sends `head` then one byte of `drip` every 200 ms, until the server
    /// answers or closes; returns what it said and when.
    async fn dribble(addr: std::net::SocketAddr, head: &str, drip: &[u8]) -> (String, Duration) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let start = Instant::now();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        for byte in drip.iter().cycle() {
            assert!(start.elapsed() < Duration::from_secs(30), "never cut off");
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => {
                    answer.extend_from_slice(&buf[..n]);
                    break;
                }
                Err(_) => {}
            }
        }
        (
            String::from_utf8_lossy(&answer).into_owned(),
            start.elapsed(),
        )
    }

    // Headers that never end.
    let (answer, took) = dribble(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\n",
        b"X-Slow: aaaa\r\n",
    )
    .await;
    assert!(
        took >= Duration::from_millis(1500),
        "cut off too early: {took:?} {answer}"
    );
    println!(
        "FIGURE slow headers cut after {took:?}: {:?}",
        answer.lines().next()
    );
    // A body that never ends: 408 in the API's error format.
    let (answer, took) = dribble(
        addr,
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        b" ",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        took >= Duration::from_millis(2500),
        "cut off too early: {took:?}"
    );
    println!("FIGURE slow body cut after {took:?}");
    // The server is still fine for everyone else.
    let ok = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    node.stop();
    server.await.unwrap().unwrap();
}

/// Rule: no secret in `Debug` output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_output_hides_secrets() {
    use passerelle_node::config::{Config, Overrides};
    let secret_url = "postgres://passerelle:s3cr3t-db@db.example/passerelle";
    let config: Config = toml_config(secret_url);
    let overrides = Overrides {
        listen: None,
        database_url: Some(secret_url.into()),
    };
    let root = tempfile::tempdir().unwrap();
    let options = passerelle_node::InitOptions {
        data_dir: root.path().join("n"),
        role: NodeRole::Service,
        id: passerelle_protocol::NodeId::parse("ssm-dbg").unwrap(),
        name: "Debug".into(),
        listen: "127.0.0.1:0".into(),
        database_url: Some(secret_url.into()),
        admin_password: Some("mot-de-passe-secret-1".into()),
    };
    let join = passerelle_node::fed::wire::JoinRequest {
        code: "code-d-invitation-secret".into(),
        descriptor: json!({}),
    };
    let texts = [
        format!("{config:?}"),
        format!("{overrides:?}"),
        format!("{options:?}"),
        format!("{join:?}"),
    ];
    for text in &texts {
        for secret in [
            "s3cr3t-db",
            "mot-de-passe-secret-1",
            "code-d-invitation-secret",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    assert!(
        texts[0].contains("db.example"),
        "the rest stays readable: {}",
        texts[0]
    );

    // A whole node, and what init reports.
    let mut options = options;
    options.database_url = None;
    let (node, report) = passerelle_node::Node::init(options).await.unwrap();
    let pem = std::fs::read_to_string(node.data_dir.join("node-key.pem")).unwrap();
    let node_debug = format!("{node:?} {report:?}");
    assert!(!node_debug.contains(&report.admin_password));
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!node_debug.contains(line), "key material in Debug");
    }
    for seed in seed_forms(&pem) {
        assert!(!node_debug.contains(&seed), "key seed in Debug");
    }
    let token = passerelle_node::sessions::open(
        &node.db,
        &passerelle_node::accounts::get(&node.db, 1)
            .await
            .unwrap()
            .unwrap(),
        passerelle_node::sessions::API_TOKEN,
        None,
    )
    .await
    .unwrap();
    let auth = passerelle_node::http::Auth {
        account: passerelle_node::accounts::get(&node.db, 1)
            .await
            .unwrap()
            .unwrap(),
        token: token.clone(),
    };
    assert!(!format!("{auth:?}").contains(&token));
}

fn toml_config(database_url: &str) -> passerelle_node::config::Config {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("passerelle.toml"),
        format!("id = \"ssm-dbg\"\nname = \"x\"\nrole = \"service\"\nlisten = \"127.0.0.1:0\"\ndatabase_url = \"{database_url}\"\n"),
    )
    .unwrap();
    passerelle_node::config::Config::load(dir.path(), &Default::default()).unwrap()
}

/// The secret seed of a PKCS#8 Ed25519 PEM key (its last 32 bytes), in the
/// forms a careless log line could print it: base64, base64url, hex.
fn seed_forms(pem: &str) -> Vec<String> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&body)
        .unwrap();
    let seed = &der[der.len() - 32..];
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seed),
        hex,
        body,
    ]
}

#[cfg(unix)]
mod logs {
    use super::*;
    use std::process::{Child, Command};

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// Runs a `passerelle` command at debug level, its output appended to `log`.
    fn run(log: &Path, args: &[&str]) -> String {
        let out = Command::new(passerelle_bin())
            .args(args)
            .env("PASSERELLE_LOG", "debug")
            .env("RUST_LOG", "debug")
            .output()
            .unwrap();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        std::io::Write::write_all(&mut f, &out.stderr).unwrap();
        assert!(
            out.status.success(),
            "passerelle {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn serve(log: &Path, dir: &Path) -> Child {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        Command::new(passerelle_bin())
            .args(["serve", "--data", dir.to_str().unwrap()])
            .env("PASSERELLE_LOG", "debug")
            .env("RUST_LOG", "debug")
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap()
    }

    fn password_of(init_output: &str) -> String {
        init_output
            .lines()
            .find_map(|l| {
                l.strip_prefix(
                    "Mot de passe (affiché une seule fois, à changer à la première connexion) : ",
                )
            })
            .unwrap()
            .trim()
            .to_owned()
    }

    async fn healthy(port: u16) {
        let url = format!("http://127.0.0.1:{port}/healthz");
        let ok = wait_until(Duration::from_secs(30), || async {
            reqwest::get(&url)
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        assert!(ok.is_some(), "node on {port} never healthy");
    }

    /// Rule: no password, token, invitation code or secret key in the logs,
    /// at debug level, through a login (right and wrong), a page login, a
    /// password change, a token, a join with an invitation code and a push.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn debug_logs_hold_no_secrets() {
        let root = tempfile::tempdir().unwrap();
        let log = root.path().join("all.log");
        let (hub_dir, svc_dir) = (root.path().join("hub"), root.path().join("svc"));
        let (hub_port, svc_port) = (free_port(), free_port());
        let hub_init = run(
            &log,
            &[
                "init",
                "--role",
                "hub",
                "--id",
                "hub-logs",
                "--name",
                "Hub",
                "--data",
                hub_dir.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{hub_port}"),
            ],
        );
        let svc_init = run(
            &log,
            &[
                "init",
                "--role",
                "service",
                "--id",
                "ssm-logs",
                "--name",
                "SSM",
                "--data",
                svc_dir.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{svc_port}"),
            ],
        );
        let (hub_password, svc_password) = (password_of(&hub_init), password_of(&svc_init));
        let mut hub = serve(&log, &hub_dir);
        healthy(hub_port).await;
        let invite = run(
            &log,
            &[
                "invite",
                "--service",
                "ssm-logs",
                "--data",
                hub_dir.to_str().unwrap(),
            ],
        );
        let code = invite.lines().nth(1).unwrap().trim().to_owned();
        let hub_url = format!("http://127.0.0.1:{hub_port}");
        run(
            &log,
            &["join", &hub_url, &code, "--data", svc_dir.to_str().unwrap()],
        );
        let mut svc = serve(&log, &svc_dir);
        healthy(svc_port).await;
        let svc_url = format!("http://127.0.0.1:{svc_port}");

        let http = client();
        let wrong = "mauvais-mot-de-passe-4242";
        let (status, _, _) = token_attempt(&http, &svc_url, "127.0.0.1", "admin", wrong).await;
        assert_eq!(status, 401);
        let cookie_session = session(&svc_url, "admin", &svc_password).await;
        let page = http
            .post(format!("{svc_url}/connexion"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded_pair(&svc_password))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 303);
        let page_cookie = header(page.headers(), "set-cookie");
        let admin = Api::login(&svc_url, "admin", &svc_password).await;
        let new_password = "nouveau-mot-de-passe-7373";
        let (status, body) = admin
            .post(
                "/api/v1/password",
                json!({"current_password": svc_password, "new_password": new_password}),
            )
            .await;
        assert_eq!(status, 204, "{body}");
        let (status, created) = admin
            .post("/api/v1/proposals", json!({"title": "Des chaises", "description": "Plus de chaises.", "theme": "well_being", "origin": "member"}))
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap();
        let (status, _) = admin
            .post(&format!("/api/v1/proposals/{id}/share"), json!({}))
            .await;
        assert_eq!(status, 200);
        let coordinator = Api::login(&hub_url, "admin", &hub_password).await;
        let pushed = wait_until(Duration::from_secs(60), || async {
            coordinator
                .get("/api/v1/hub/proposals")
                .await
                .1
                .to_string()
                .contains("Des chaises")
        })
        .await;
        assert!(pushed.is_some(), "the push never reached the hub");

        for child in [&mut svc, &mut hub] {
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            child.wait().unwrap();
        }
        let text = std::fs::read_to_string(&log).unwrap();
        // The log is real: debug lines of requests, the push, the join.
        for expected in [
            "node started",
            "DEBUG",
            "/fed/v1/inbox",
            "/api/v1/tokens",
            "service joined",
        ] {
            assert!(
                text.contains(expected),
                "the log lacks {expected:?}: is it the debug log?"
            );
        }
        let mut secrets: Vec<(String, String)> = vec![
            ("hub password".into(), hub_password),
            ("service password".into(), svc_password.clone()),
            ("wrong password".into(), wrong.into()),
            ("new password".into(), new_password.into()),
            ("invitation code".into(), code),
            ("API token".into(), admin.token.clone().unwrap()),
            ("hub API token".into(), coordinator.token.clone().unwrap()),
            ("session".into(), cookie_session),
            (
                "page session".into(),
                page_cookie
                    .split(';')
                    .next()
                    .unwrap()
                    .split('=')
                    .nth(1)
                    .unwrap()
                    .to_owned(),
            ),
        ];
        for dir in [&hub_dir, &svc_dir] {
            let pem = std::fs::read_to_string(dir.join("node-key.pem")).unwrap();
            for (i, form) in seed_forms(&pem).into_iter().enumerate() {
                secrets.push((format!("key of {} ({i})", dir.display()), form));
            }
            for line in pem.lines().filter(|l| !l.starts_with("-----")) {
                secrets.push((format!("key line of {}", dir.display()), line.to_owned()));
            }
        }
        let hashes = password_hashes(&svc_dir).await;
        assert!(!hashes.is_empty());
        for h in hashes {
            secrets.push(("password hash".into(), h));
        }
        for (what, secret) in &secrets {
            assert!(secret.len() >= 8, "{what} too short to search for");
            assert!(!text.contains(secret.as_str()), "the {what} is in the log");
        }
        println!(
            "FIGURE debug log checked: {} bytes, {} secrets",
            text.len(),
            secrets.len()
        );
    }

    fn serde_urlencoded_pair(password: &str) -> String {
        let encoded: String = password
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!("username=admin&password={encoded}&suite=%2F")
    }

    async fn password_hashes(dir: &Path) -> Vec<String> {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=ro", dir.join("passerelle.db").display());
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query("SELECT password_hash FROM accounts")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("password_hash").unwrap())
            .collect()
    }
}
