//! Hardening, round two (issue #19): one test per hole — where a page may
//! send people back to, which notices a page shows, CSRF on the API's
//! writes, account names, bidi isolation, the data folder's modes, and
//! the small bodies of logins and joins.

use passerelle_protocol::body::NodeRole;
use passerelle_tests::*;
use serde_json::json;

use super::{client, cookie_header, header, session};

/// Rule: the language switch and the login page lead back to this node's
/// own pages only; a return address with control characters is a 400,
/// never a `Location` a browser reads as another site (nor a 500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_addresses_stay_on_this_node() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-redir", None).await;
    let http = client();
    let switch = |retour: &str| {
        let url = format!("{}/langue?choix=en&retour={retour}", hub.url);
        let http = http.clone();
        async move {
            let resp = http.get(url).send().await.unwrap();
            (resp.status().as_u16(), header(resp.headers(), "location"))
        }
    };
    // Control characters: refused, whatever they would have made.
    for bad in [
        "/%09/evil.example",
        "/%0D%0ASet-Cookie:%20x=1",
        "/%0Aevil",
        "%09//evil.example",
        "/propositions%00",
    ] {
        let (status, location) = switch(bad).await;
        assert_eq!((status, location.as_str()), (400, ""), "{bad}");
    }
    // Elsewhere, as a browser would read it: home instead.
    for elsewhere in [
        "//evil.example",
        "/%5Cevil.example",
        "/%5C/evil.example",
        "https://evil.example/",
        "evil.example",
        "///evil.example",
    ] {
        assert_eq!(
            switch(elsewhere).await,
            (303, "/".to_owned()),
            "{elsewhere}"
        );
    }
    // This node's pages: kept, query and fragment included.
    assert_eq!(
        switch("%2Fpropositions%3Ftheme%3Dcare%23liste").await,
        (303, "/propositions?theme=care#liste".to_owned())
    );
    assert_eq!(
        switch("/a/../services").await,
        (303, "/services".to_owned())
    );

    // The login page and the login form read their `suite` the same way.
    let page = http
        .get(format!("{}/connexion?suite=/%09/evil.example", hub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    let login = http
        .post(format!("{}/connexion", hub.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=admin&password=mot-de-passe-de-test&suite=%2F%0D%0Ax")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 400);
    assert!(login.headers().get("set-cookie").is_none());
    let login = http
        .post(format!("{}/connexion", hub.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=admin&password=mot-de-passe-de-test&suite=%2F%5Cevil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    assert_eq!(header(login.headers(), "location"), "/mot-de-passe");
    hub.stop().await;
}

/// Rule: a page shows a notice only if the node wrote it (sealed); text
/// put in the address by anyone else shows nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_come_from_the_node_only() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-notice", None).await;
    let token = session(&hub.url, "admin", TEST_PASSWORD).await;
    let http = client();
    let page = |query: &str| {
        let url = format!("{}/?{query}", hub.url);
        let http = http.clone();
        let cookie = cookie_header(&token);
        async move {
            let resp = http.get(url).header("cookie", cookie).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.text().await.unwrap()
        }
    };
    let forged = page("ok=Votre+compte+est+bloqu%C3%A9+%3A+appelez+le+0800").await;
    assert!(!forged.contains("appelez le 0800"), "{forged}");
    let forged = page("ok=Appelez+le+0800&sceau=0123456789abcdef0123456789abcdef").await;
    assert!(!forged.contains("Appelez le 0800"));
    // A notice the node wrote (changing one's password ends at `/?ok=…`).
    let changed = client()
        .post(format!("{}/mot-de-passe", hub.url))
        .header("cookie", cookie_header(&token))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "_csrf={}&current={}&new=une-autre-phrase-bien-longue&again=une-autre-phrase-bien-longue",
            passerelle_web::pages::csrf_for(&token),
            TEST_PASSWORD
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 303);
    let location = header(changed.headers(), "location");
    assert!(location.starts_with("/?ok="), "{location}");
    assert!(location.contains("&sceau="), "{location}");
    hub.stop().await;
}

/// Rule: an API write authenticated by the session cookie alone must say
/// `Content-Type: application/json` (a cross-site form cannot); calls with
/// a bearer token, and reads, are not concerned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_writes_to_the_api_need_a_json_content_type() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-csrf", None).await;
    let token = session(&hub.url, "admin", TEST_PASSWORD).await;
    let http = client();
    let url = format!("{}/api/v1/session", hub.url);
    // What a cross-site form could send: no type, text/plain, a form.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let mut req = http.delete(&url).header("cookie", cookie_header(&token));
        if let Some(t) = content_type {
            req = req.header("content-type", t);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 403, "{content_type:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "cross_site", "{content_type:?}");
    }
    // The session still works: nothing was done.
    let me = http
        .get(format!("{}/api/v1/me", hub.url))
        .header("cookie", cookie_header(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // A bearer token needs no such header.
    let api = Api::login(&hub.url, "admin", TEST_PASSWORD).await;
    let resp = http
        .delete(&url)
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    // With the JSON type, the cookie's write goes through.
    let resp = http
        .delete(&url)
        .header("cookie", cookie_header(&token))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    hub.stop().await;
}

/// Rule: account names are unique in their NFKC, case-folded form; names
/// with control, direction or invisible characters are refused (typed:
/// `invalid_field`, rule `username_characters`); a login finds the account
/// in any such form; an account made before (no key yet) keeps logging in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_names_are_compared_as_people_read_them() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-names", None).await;
    let admin = Api::login(&hub.url, "admin", TEST_PASSWORD).await;
    let create = |name: &str| {
        let admin = admin.clone();
        let body =
            json!({"username": name, "role": "coordinator", "password": "un-mot-de-passe-long"});
        async move { admin.post("/api/v1/accounts", body).await }
    };
    for taken in [
        "Admin",
        "ADMIN",
        "\u{FF41}\u{FF44}\u{FF4D}\u{FF49}\u{FF4E}",
        " admin ",
    ] {
        let (status, body) = create(taken).await;
        assert_eq!(status, 422, "{taken:?}: {body}");
        assert_eq!(body["error"]["rule"], "username_taken", "{taken:?}");
    }
    for hidden in [
        "ad\u{200B}min",
        "\u{202E}nimda",
        "lea\u{2066}",
        "a\nb",
        "a\u{0007}b",
        "zoé\u{FEFF}",
        "x\u{00AD}y",
    ] {
        let (status, body) = create(hidden).await;
        assert_eq!(status, 422, "{hidden:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_field", "{hidden:?}");
        assert_eq!(body["error"]["rule"], "username_characters", "{hidden:?}");
        assert_eq!(body["error"]["field"], "username", "{hidden:?}");
    }
    // A name in NFKC form is kept so; any form of it logs in.
    let (status, body) = create("Ｍarie\u{FB01}").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["account"]["username"], "Mariefi");
    for typed in ["Mariefi", "mariefi", "MARIEFI", "ｍａｒｉｅｆｉ"] {
        let (status, _) = Api::anonymous(&hub.url)
            .post(
                "/api/v1/tokens",
                json!({"username": typed, "password": "un-mot-de-passe-long"}),
            )
            .await;
        assert_eq!(status, 201, "{typed}");
    }
    // Accounts made before names were compared so: two that differ only
    // by case. Each keeps logging in by its exact name; the first takes
    // the key.
    hub.stop().await;
    let node = passerelle_core::Node::open(&hub.dir, &Default::default())
        .await
        .unwrap();
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE username = 'Mariefi'")
            .fetch_one(node.db.pool())
            .await
            .unwrap();
    for name in ["Ancien", "ancien"] {
        sqlx::query(
            "INSERT INTO accounts (username, password_hash, role, must_change_password, created_at) \
             VALUES ($1, $2, 'coordinator', 0, 0)",
        )
        .bind(name)
        .bind(&hash)
        .execute(node.db.pool())
        .await
        .unwrap();
    }
    node.db.close().await;
    hub.restart().await;
    for typed in ["Ancien", "ancien", "ANCIEN"] {
        let (status, body) = Api::anonymous(&hub.url)
            .post(
                "/api/v1/tokens",
                json!({"username": typed, "password": "un-mot-de-passe-long"}),
            )
            .await;
        assert_eq!(status, 201, "{typed}");
        let expected = if typed == "ancien" {
            "ancien"
        } else {
            "Ancien"
        };
        assert_eq!(body["account"]["username"], expected, "{typed}");
    }
    let (status, _) = create("ANCIEN").await;
    assert_eq!(status, 422);
    hub.stop().await;
}

/// Rule: people's text is shown in bidi isolation: the stylesheet isolates
/// the elements templates put names and titles in, and a title carrying
/// U+202E is shown inside one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_titles_are_shown_in_bidi_isolation() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-bidi", None).await;
    let css = client()
        .get(format!("{}/static/passerelle.css", hub.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut css = css;
    while let Some(start) = css.find("/*") {
        let end = css[start..].find("*/").map_or(css.len(), |e| start + e + 2);
        css.replace_range(start..end, "");
    }
    let rule = css
        .split_once("unicode-bidi: isolate")
        .map(|(before, _)| before.rsplit('}').next().unwrap_or_default().to_owned())
        .expect("an isolating rule");
    let isolated: Vec<&str> = rule
        .split(['{', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    for tag in [
        "a", "strong", "td", "li", "h1", "h2", "span", "label", "option", "p",
    ] {
        assert!(isolated.contains(&tag), "{tag} not isolated: {isolated:?}");
    }
    // A name written right to left, on the accounts page: every time it
    // is shown, it is inside an isolated element.
    let admin = Api::login(&hub.url, "admin", TEST_PASSWORD).await;
    let name = "\u{645}\u{631}\u{64A}\u{645} 2";
    let (status, body) = admin
        .post(
            "/api/v1/accounts",
            json!({"username": name, "role": "coordinator", "password": "un-mot-de-passe-long"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let token = session(&hub.url, "admin", TEST_PASSWORD).await;
    let html = client()
        .get(format!("{}/comptes", hub.url))
        .header("cookie", cookie_header(&token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut shown = 0;
    for (i, _) in html.match_indices(name) {
        let before = &html[..i];
        let open = before.rfind('<').unwrap();
        let inside = &before[open..];
        if inside.contains('"') && !inside.contains('>') {
            continue; // an attribute's value (a label for screen readers)
        }
        let tag: String = before[open + 1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        assert!(isolated.contains(&tag.as_str()), "{name:?} inside <{tag}>");
        shown += 1;
    }
    assert!(shown > 0, "the name is shown: {html}");
    hub.stop().await;
}

/// Rule: a data directory is its owner's only, whatever the umask: the
/// folder 0700, the configuration and the database (with its journal)
/// 0600, and a directory made by an older version is closed when opened.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_its_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("h");
    let mut hub = TestNode::create(&dir, NodeRole::Hub, "hub-modes", None).await;
    let mode = |name: &str| {
        std::fs::metadata(dir.join(name))
            .map(|m| m.permissions().mode() & 0o777)
            .ok()
    };
    let check = |when: &str| {
        assert_eq!(mode(""), Some(0o700), "{when}: the folder");
        for file in [
            "passerelle.toml",
            "node-key.pem",
            "passerelle.db",
            "passerelle.db-wal",
        ] {
            assert_eq!(mode(file), Some(0o600), "{when}: {file}");
        }
        if let Some(m) = mode("passerelle.db-shm") {
            assert_eq!(m, 0o600, "{when}: passerelle.db-shm");
        }
    };
    check("created");
    // Opened up by hand (an older version, a careless copy): closed again.
    hub.stop().await;
    for (name, m) in [
        ("", 0o755),
        ("passerelle.db", 0o644),
        ("passerelle.toml", 0o644),
    ] {
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(m)).unwrap();
    }
    hub.restart().await;
    check("reopened");
    hub.stop().await;
}

/// Rule: logins take small bodies only (16 KiB), and so does a join
/// (64 KiB): larger is 413 `too_large` at once, before the body is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_and_joins_take_small_bodies() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-small", None).await;
    let http = client();
    let big = |n: usize| {
        format!(
            "{{\"username\":\"admin\",\"password\":\"{}\"}}",
            "x".repeat(n)
        )
    };
    for (path, n, ct) in [
        ("/api/v1/session", 20 * 1024, "application/json"),
        ("/api/v1/tokens", 20 * 1024, "application/json"),
        ("/connexion", 20 * 1024, "application/x-www-form-urlencoded"),
        ("/fed/v1/join", 70 * 1024, "application/json"),
    ] {
        let resp = http
            .post(format!("{}{path}", hub.url))
            .header("content-type", ct)
            .body(big(n))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 413, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_large", "{path}");
    }
    // A body sent without a length is cut at the limit all the same.
    let status = chunked_upload(hub.port, "/api/v1/session", 40, 1024).await;
    assert_eq!(status, 413);
    // A normal login still works.
    let (status, _) = Api::anonymous(&hub.url)
        .post(
            "/api/v1/tokens",
            json!({"username": "admin", "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(status, 201);
    hub.stop().await;
}

/// Sends `chunks` chunks of `size` bytes to `path` in chunked encoding
/// (no `Content-Length`), then reads the answer's status.
async fn chunked_upload(port: u16, path: &str, chunks: usize, size: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{size:x}\r\n{}\r\n", "x".repeat(size));
    for _ in 0..chunks {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 12];
    s.read_exact(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer[9..12]).parse().unwrap()
}

/// Rule: the hub's list of every service's proposals comes a page at a
/// time (100 by default, at most 500, from `offset`), never all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hubs_proposals_come_a_page_at_a_time() {
    let root = tempfile::tempdir().unwrap();
    let mut hub = TestNode::create(&root.path().join("h"), NodeRole::Hub, "hub-pages", None).await;
    // 650 proposals as the hub holds them (written straight into its table).
    for i in 0..650 {
        sqlx::query(
            "INSERT INTO federated_proposals (service_id, proposal_id, title, description, theme, \
             tags, origin, status, shared_message, updated_at) \
             VALUES ('ssm-x', $1, $2, 'd', 'care', '[]', 'committee', 'idea', 'm', $3)",
        )
        .bind(format!("00000000-0000-4000-8000-{i:012}"))
        .bind(format!("Proposition {i:03}"))
        .bind(i as i64)
        .execute(hub.node.db.pool())
        .await
        .unwrap();
    }
    let api = Api::login(&hub.url, "admin", TEST_PASSWORD).await;
    let page = |query: &'static str| {
        let api = api.clone();
        async move {
            let (status, body) = api.get(&format!("/api/v1/hub/proposals{query}")).await;
            assert_eq!(status, 200, "{query}: {body}");
            body.as_array()
                .unwrap()
                .iter()
                .map(|p| p["title"].as_str().unwrap().to_owned())
                .collect::<Vec<String>>()
        }
    };
    assert_eq!(page("").await.len(), 100, "unfiltered: the first 100");
    assert_eq!(page("?limit=10000").await.len(), 500, "at most 500");
    let titles = page("?sort=title&offset=600&limit=100").await;
    assert_eq!(titles.len(), 50, "the last page is shorter");
    assert_eq!(titles[0], "Proposition 600");
    let (status, body) = api.get("/api/v1/hub/proposals?offset=-1").await;
    assert_eq!(status, 422, "{body}");
    hub.stop().await;
}
