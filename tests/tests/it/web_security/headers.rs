//! Security headers, session cookies, and which forwarding headers are
//! believed.

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use serde_json::json;

use super::{client, cookie_header, header, session, workspace};

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

    // Behind a TLS proxy on this machine, once named: HSTS.
    let plain = http
        .get(format!("{}/connexion", hub.url))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        plain.headers().get("strict-transport-security").is_none(),
        "no proxy is believed until named, loopback included"
    );
    hub.trust_local_proxy().await;
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
    let templates = workspace().join("node/web/templates");
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
    let base = hub.url.clone();
    let api_cookie = |proto: Option<&'static str>| {
        let http = http.clone();
        let url = base.clone();
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
        let url = base.clone();
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
    // A proxy on this machine is believed once named.
    hub.trust_local_proxy().await;
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
    use passerelle_web::security::client as client_of;
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
    // Nothing is believed by default, not even from loopback: any program
    // on the machine connects from there.
    let c = client_of(&hub.node, &parts("127.0.0.1:4000", "198.51.100.1"));
    assert_eq!((c.address, c.tls), (ip("127.0.0.1"), false));
    let c = client_of(&hub.node, &parts("[::1]:4000", "198.51.100.1"));
    assert_eq!((c.address, c.tls), (ip("::1"), false));
    // The proxy on this machine, once named: the right-most address not
    // ours, even if the client slipped a fake one in front.
    hub.trust_local_proxy().await;
    let c = client_of(
        &hub.node,
        &parts("127.0.0.1:4000", "198.51.100.1, 203.0.113.9"),
    );
    assert_eq!((c.address, c.tls), (ip("203.0.113.9"), true));
    // A proxy on another machine, once named in the configuration.
    hub.stop().await;
    let config = hub.dir.join("passerelle.toml");
    let text: String = std::fs::read_to_string(&config)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("trusted_proxies"))
        .map(|l| format!("{l}\n"))
        .collect();
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
    let e = passerelle_core::Node::open(&hub.dir, &Default::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("proxy.local"), "{e}");
}
