//! Helpers for multi-node tests: real nodes on real loopback ports, real
//! SQLite files, a real PostgreSQL server when one is configured.
//!
//! Tests that need PostgreSQL read `PASSERELLE_TEST_POSTGRES_URL` (a URL
//! whose user may create databases). Without it they are skipped, and say
//! so on the terminal; with `PASSERELLE_REQUIRE_ALL=1` (set by `.ci/run`) a
//! skip is a failure.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use passerelle_core::config::Overrides;
use passerelle_core::domain::proposals::{self, NewProposal};
use passerelle_core::node::{InitOptions, Node};
use passerelle_protocol::body::{NodeRole, Origin, Theme};
use passerelle_protocol::NodeId;
use sqlx::Row;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub mod browser;
pub mod hostile;
pub mod log_capture;
pub mod procs;
pub mod proxy;
pub mod sim;
pub mod workload;

/// The environment variable naming a PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "PASSERELLE_TEST_POSTGRES_URL";
/// When `1`, a test that would be skipped fails instead.
pub const REQUIRE_ALL_ENV: &str = "PASSERELLE_REQUIRE_ALL";

/// Says on the terminal (not in the captured output) that a test was skipped,
/// or fails when skipping is not allowed.
pub fn skip(test: &str, why: &str, how: &str) {
    if std::env::var(REQUIRE_ALL_ENV).as_deref() == Ok("1") {
        panic!("{test}: cannot be skipped ({REQUIRE_ALL_ENV}=1): {why}");
    }
    // Written straight to stderr, which libtest does not capture.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}. To run it: {how}");
}

/// The PostgreSQL admin URL, or `None` after reporting the skip.
pub fn postgres_or_skip(test: &str) -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            skip(
                test,
                "no PostgreSQL server configured",
                &format!(
                    "set {POSTGRES_ENV}=postgres://USER:PASSWORD@localhost/postgres (see README)"
                ),
            );
            None
        }
    }
}

/// A fresh database on the test PostgreSQL server, dropped by [`PgDatabase::drop_database`].
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> PgDatabase {
        sqlx::any::install_default_drivers();
        let name = format!("passerelle_test_{}", Uuid::now_v7().simple());
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
        PgDatabase {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub async fn drop_database(self) {
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.admin_url)
            .await
            .unwrap();
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

/// A node served in this process on a loopback port.
pub struct TestNode {
    pub node: Node,
    pub dir: PathBuf,
    pub port: u16,
    pub url: String,
    database_url: Option<String>,
    task: Option<JoinHandle<Result<(), passerelle_core::NodeError>>>,
}

impl TestNode {
    /// Creates a node in `dir` and starts it on a free port.
    pub async fn create(
        dir: &Path,
        role: NodeRole,
        id: &str,
        database_url: Option<String>,
    ) -> TestNode {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (node, _) = Node::init(InitOptions {
            data_dir: dir.to_path_buf(),
            role,
            id: NodeId::parse(id).unwrap(),
            name: format!("Nœud {id}"),
            listen: format!("127.0.0.1:{port}"),
            database_url: database_url.clone(),
            admin_password: Some("mot-de-passe-de-test".into()),
        })
        .await
        .unwrap();
        let mut t = TestNode {
            node,
            dir: dir.to_path_buf(),
            port,
            url: format!("http://127.0.0.1:{port}"),
            database_url,
            task: None,
        };
        t.task = Some(tokio::spawn(passerelle_web::run(t.node.clone(), listener)));
        t.wait_serving().await;
        t
    }

    /// Waits until the node answers `/healthz`: by then it holds its
    /// directory's lock and its sync engine is started, so a test that
    /// probes the lock or the port cannot race the start-up.
    pub async fn wait_serving(&self) {
        let client = reqwest::Client::new();
        let url = format!("{}/healthz", self.url);
        for _ in 0..500 {
            if client.get(&url).send().await.is_ok() {
                return;
            }
            if self.task.as_ref().is_some_and(|t| t.is_finished()) {
                panic!("the node at {} stopped while starting", self.url);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the node at {} did not answer /healthz", self.url);
    }

    /// Stops the node (requests in flight finish) and waits for it.
    pub async fn stop(&mut self) {
        self.node.stop();
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    /// Names the loopback address as a trusted proxy (no proxy is trusted
    /// by default): the test then plays a proxy on the same machine,
    /// whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed. The
    /// node is restarted.
    pub async fn trust_local_proxy(&mut self) {
        self.stop().await;
        let config = self.dir.join("passerelle.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            format!("{text}trusted_proxies = [\"127.0.0.1\", \"::1\"]\n"),
        )
        .unwrap();
        self.restart().await;
    }

    /// Opens the node's data directory again and serves it on the same port.
    pub async fn restart(&mut self) {
        assert!(self.task.is_none(), "stop the node first");
        let overrides = Overrides {
            listen: None,
            database_url: self.database_url.clone(),
        };
        self.node = Node::open(&self.dir, &overrides).await.unwrap();
        let listener = bind_retrying(self.port).await;
        self.task = Some(tokio::spawn(passerelle_web::run(
            self.node.clone(),
            listener,
        )));
        self.wait_serving().await;
    }
}

/// Binds a port that was just released (retrying for a few seconds).
pub async fn bind_retrying(port: u16) -> TcpListener {
    for _ in 0..100 {
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)).await {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("port {port} stayed busy");
}

/// A hub and services, each joined through a real invitation.
pub struct Federation {
    pub root: tempfile::TempDir,
    pub hub: TestNode,
    pub services: Vec<TestNode>,
}

impl Federation {
    /// Starts a hub (on `hub_database`, or SQLite) and `n` services `ssm-1`…`ssm-n`.
    pub async fn start(n: usize, hub_database: Option<String>) -> Federation {
        let root = tempfile::tempdir().unwrap();
        let hub = TestNode::create(
            &root.path().join("hub"),
            NodeRole::Hub,
            "hub-test",
            hub_database,
        )
        .await;
        let mut services = Vec::new();
        for i in 1..=n {
            let id = format!("ssm-{i}");
            let s = TestNode::create(&root.path().join(&id), NodeRole::Service, &id, None).await;
            join(&hub, &s).await;
            services.push(s);
        }
        Federation {
            root,
            hub,
            services,
        }
    }

    pub async fn stop(mut self) {
        for s in &mut self.services {
            s.stop().await;
        }
        self.hub.stop().await;
    }
}

/// Enrols `service` at `hub` with a fresh invitation, under the name the
/// service gave itself.
pub async fn join(hub: &TestNode, service: &TestNode) {
    let code = passerelle_core::fed::hub::invite(
        &hub.node,
        service.node.id(),
        &service.node.config.name,
        1,
    )
    .await
    .unwrap();
    passerelle_core::fed::service::join(&service.node, &hub.url, &code)
        .await
        .unwrap();
}

/// Creates a proposal at a service and shares it (two local transactions,
/// as a committee would: write it, then decide to share it).
pub async fn share_proposal(node: &Node, title: &str) -> Uuid {
    let mut w = node.db.begin_write().await.unwrap();
    let id = proposals::create(
        w.conn(),
        "test",
        &NewProposal {
            title: title.to_owned(),
            description: format!("Description de « {title} »"),
            theme: Theme::Reception,
            tags: vec![],
            origin: Origin::Committee,
        },
    )
    .await
    .unwrap();
    w.commit().await.unwrap();
    node.with_stream(|conn, stream| {
        Box::pin(async move { proposals::share(conn, &stream, id).await })
    })
    .await
    .unwrap();
    id
}

/// `(service, title)` of every shared proposal a node knows.
pub async fn federated_titles(node: &Node) -> Vec<(String, String)> {
    let mut conn = node.db.pool().acquire().await.unwrap();
    passerelle_core::domain::federated::list(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.service_id, p.title))
        .collect()
}

/// Number of messages from `origin` a node holds, and whether their
/// sequence numbers are exactly 1..=n.
pub async fn stream_of(node: &Node, origin: &str) -> (i64, bool) {
    let rows = sqlx::query("SELECT seq FROM messages WHERE origin = $1 ORDER BY seq")
        .bind(origin)
        .fetch_all(node.db.pool())
        .await
        .unwrap();
    let seqs: Vec<i64> = rows.iter().map(|r| r.try_get("seq").unwrap()).collect();
    let contiguous = seqs.iter().enumerate().all(|(i, s)| *s == i as i64 + 1);
    (seqs.len() as i64, contiguous)
}

/// The hashes of `origin`'s stream, in order (to compare two nodes' copies).
pub async fn stream_hashes(node: &Node, origin: &str) -> Vec<String> {
    sqlx::query("SELECT hash FROM messages WHERE origin = $1 ORDER BY seq")
        .bind(origin)
        .fetch_all(node.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("hash").unwrap())
        .collect()
}

/// Polls `check` until it is true or `timeout` passes; returns the time it took.
pub async fn wait_until<F, Fut>(timeout: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

/// The `passerelle` binary built by `cargo test` (target/<profile>/passerelle).
pub fn passerelle_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test> → target/<profile>/passerelle
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("passerelle{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "passerelle", "--bin", "passerelle"])
            .status()
            .unwrap();
        assert!(status.success());
    }
    bin
}

/// A JSON client of a node's `/api/v1`, with an optional bearer token.
#[derive(Clone, Debug)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::Client,
}

impl Api {
    pub fn anonymous(base: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            token: None,
            http: reqwest::Client::new(),
        }
    }

    /// Logs in with a bearer token.
    pub async fn login(base: &str, username: &str, password: &str) -> Api {
        let mut api = Api::anonymous(base);
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "/api/v1/tokens",
                Some(serde_json::json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, 201, "login of {username} failed: {body}");
        api.token = Some(body["token"].as_str().unwrap().to_owned());
        // A first password opens nothing but its change, and cannot be
        // kept as it is: tests that only want the account choose another,
        // then come back to the password they know, now their own.
        if body["account"]["must_change_password"] == true {
            let between = provisional(password);
            for (current, new) in [(password, between.as_str()), (between.as_str(), password)] {
                let (status, body) = api
                    .post(
                        "/api/v1/password",
                        serde_json::json!({"current_password": current, "new_password": new}),
                    )
                    .await;
                assert_eq!(status, 204, "first password of {username}: {body}");
            }
        }
        api
    }

    /// Logs in with a bearer token, leaving a first password as it is.
    pub async fn login_as_is(base: &str, username: &str, password: &str) -> Api {
        let mut api = Api::anonymous(base);
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "/api/v1/tokens",
                Some(serde_json::json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, 201, "login of {username} failed: {body}");
        api.token = Some(body["token"].as_str().unwrap().to_owned());
        api
    }

    /// Sends a request; returns the status and the JSON body (`null` when empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })
        };
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// Polls a GET until `check` holds (20 s at most); returns the last
    /// body. For what travels between nodes.
    pub async fn eventually(
        &self,
        path: &str,
        check: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (status, body) = self.get(path).await;
            if status == 200 && check(&body) {
                return body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "GET {path} never satisfied the check; last answer ({status}): {body}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A page of `base` as its administrator (`admin`, [`TEST_PASSWORD`]) sees
/// it, the apostrophes as a reader reads them (askama writes `&#39;`).
pub async fn admin_page(base: &str, path: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http
        .post(format!("{base}/connexion"))
        .form(&[
            ("username", "admin"),
            ("password", TEST_PASSWORD),
            ("suite", "/"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = res.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
    let session = cookie.split(';').next().unwrap().to_owned();
    let res = http
        .get(format!("{base}{path}"))
        .header(reqwest::header::COOKIE, session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.text().await.unwrap().replace("&#39;", "'")
}

/// The password a person chooses in the browser tests when a first
/// password asks for one of their own.
pub const OWN_PASSWORD: &str = "une phrase que je suis seul·e à connaître";

/// A password a test chooses for a moment, to replace a first password
/// (which cannot be kept) and come back to `password`.
pub fn provisional(password: &str) -> String {
    format!("{password}-le-temps-de-changer")
}

/// The test password of every account made by [`TestNode::create`].
pub const TEST_PASSWORD: &str = "mot-de-passe-de-test";

/// Row counts of every table of a node's database: compared before and
/// after a refused request, they prove that nothing was stored.
pub async fn table_counts(node: &Node) -> Vec<(String, i64)> {
    let names: Vec<String> = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .fetch_all(node.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("name").unwrap())
        .collect();
    let mut out = Vec::new();
    for name in names {
        // Sessions, replay records, login attempts and known devices are written by
        // authentication itself.
        if name == "sessions"
            || name == "seen_requests"
            || name == "login_failures"
            || name == "known_devices"
            || name == "_sqlx_migrations"
        {
            continue;
        }
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {name}"))
            .fetch_one(node.db.pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        out.push((name, n));
    }
    out
}

/// Every operation of the OpenAPI document: (method, path template, has a request body).
pub fn operations(doc: &serde_json::Value) -> Vec<(reqwest::Method, String, bool)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("security").is_none() {
                continue;
            }
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            out.push((m, path.clone(), op.get("requestBody").is_some()));
        }
    }
    out
}

/// One row of a [`TableDump`]: each column's value as text (`None` for SQL
/// `NULL` on PostgreSQL).
pub type DumpRow = Vec<Option<String>>;

/// One table of a [`DbDump`]: its columns and every row, each value as text
/// (SQLite: `quote(…)`, so `'texte'`, `12`, `NULL`; PostgreSQL:
/// `CAST(… AS TEXT)`), rows sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableDump {
    pub columns: Vec<String>,
    pub rows: Vec<DumpRow>,
}

/// Every table of a node's database, every row, every column: compared
/// before and after a refused input, it proves that nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DbDump(pub std::collections::BTreeMap<String, TableDump>);

impl DbDump {
    /// The dump without one table (e.g. `seen_requests`, which a valid
    /// request signature writes whatever the request asks).
    pub fn without_table(mut self, table: &str) -> DbDump {
        self.0.remove(table);
        self
    }

    /// The dump with one column's values blanked (e.g. `peers.last_seen_at`).
    pub fn without_column(mut self, table: &str, column: &str) -> DbDump {
        if let Some(t) = self.0.get_mut(table) {
            if let Some(i) = t.columns.iter().position(|c| c == column) {
                for row in &mut t.rows {
                    row[i] = None;
                }
                t.rows.sort();
            }
        }
        self
    }

    /// The rows of `table` that are in `self` but not in `before`, and the
    /// rows that were in `before` and are gone.
    pub fn changed_rows(&self, before: &DbDump, table: &str) -> (Vec<DumpRow>, Vec<DumpRow>) {
        let empty = TableDump::default();
        let now = self.0.get(table).unwrap_or(&empty);
        let then = before.0.get(table).unwrap_or(&empty);
        let added = now
            .rows
            .iter()
            .filter(|r| !then.rows.contains(r))
            .cloned()
            .collect();
        let removed = then
            .rows
            .iter()
            .filter(|r| !now.rows.contains(r))
            .cloned()
            .collect();
        (added, removed)
    }

    /// A readable list of the differences with `before` (empty when equal).
    pub fn differences(&self, before: &DbDump) -> Vec<String> {
        let mut out = Vec::new();
        let names: std::collections::BTreeSet<&String> =
            self.0.keys().chain(before.0.keys()).collect();
        for name in names {
            let (added, removed) = self.changed_rows(before, name);
            for r in added {
                out.push(format!("{name}: + {r:?}"));
            }
            for r in removed {
                out.push(format!("{name}: - {r:?}"));
            }
        }
        out
    }
}

/// Dumps every table of a node's database (SQLite or PostgreSQL).
pub async fn table_dump(node: &Node) -> DbDump {
    let pool = node.db.pool();
    let postgres = node.db.backend() == passerelle_core::db::Backend::Postgres;
    let names = |rows: Vec<sqlx::any::AnyRow>| -> Vec<String> {
        rows.iter().map(|r| r.try_get("name").unwrap()).collect()
    };
    let tables = names(if postgres {
        sqlx::query(
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    } else {
        sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    });
    let mut dump = DbDump::default();
    for table in tables {
        let columns = names(if postgres {
            sqlx::query(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap()
        } else {
            sqlx::query("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap()
        });
        // SQLite's `quote` writes any value exactly (a blob as X'…', which
        // CAST would turn into invalid UTF-8); PostgreSQL casts bytea to hex.
        let select: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if postgres {
                    format!("CAST(\"{c}\" AS TEXT) AS c{i}")
                } else {
                    format!("quote(\"{c}\") AS c{i}")
                }
            })
            .collect();
        let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
        let rows = sqlx::query(&format!(
            "SELECT {} FROM \"{table}\" ORDER BY {}",
            select.join(", "),
            order.join(", ")
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        let mut rows: Vec<DumpRow> = rows
            .iter()
            .map(|r| {
                (0..columns.len())
                    .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                    .collect()
            })
            .collect();
        // One order for both engines (PostgreSQL sorts text by its collation).
        rows.sort();
        dump.0.insert(table, TableDump { columns, rows });
    }
    dump
}

/// A seed for a randomised test: `env` when set (to replay a failure),
/// otherwise a fresh one. Printed either way.
pub fn seed(env: &str) -> u64 {
    let seed = std::env::var(env)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(rand::random);
    println!("SEED {seed} (replay with {env}={seed})");
    seed
}

/// Runs the `passerelle` binary; returns whether it succeeded, its
/// standard output and its standard error.
pub fn passerelle(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(passerelle_bin())
        .args(args)
        .env("PASSERELLE_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

impl TestNode {
    /// Stops the node, rotates its key as `passerelle key rotate` does, and
    /// serves it again.
    pub async fn rotate_key(&mut self) -> passerelle_core::rotation::Rotation {
        self.stop().await;
        let _lock = passerelle_core::config::DirLock::acquire(&self.dir, "test").unwrap();
        let overrides = Overrides {
            listen: None,
            database_url: self.database_url.clone(),
        };
        let node = Node::open(&self.dir, &overrides).await.unwrap();
        let rotation = passerelle_core::rotation::rotate(&node).await.unwrap();
        node.db.close().await;
        drop(_lock);
        self.restart().await;
        rotation
    }

    /// Opens the stopped node's directory (for a command that needs it stopped).
    pub async fn open_stopped(&self) -> Node {
        assert!(self.task.is_none(), "stop the node first");
        let overrides = Overrides {
            listen: None,
            database_url: self.database_url.clone(),
        };
        Node::open(&self.dir, &overrides).await.unwrap()
    }
}

/// The pinned keys of `peer` at `node`: (key id, from, until, revoked_from).
pub async fn pinned_keys(
    node: &Node,
    peer: &str,
) -> Vec<(String, Option<i64>, Option<i64>, Option<i64>)> {
    sqlx::query(
        "SELECT key_id, valid_from_seq, valid_until_seq, revoked_from_seq FROM peer_keys \
         WHERE peer_id = $1 ORDER BY COALESCE(valid_from_seq, 0), key_id",
    )
    .bind(peer)
    .fetch_all(node.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("key_id").unwrap(),
            r.try_get("valid_from_seq").unwrap(),
            r.try_get("valid_until_seq").unwrap(),
            r.try_get("revoked_from_seq").unwrap(),
        )
    })
    .collect()
}

/// `(seq, flagged)` of `origin`'s messages at `node`.
pub async fn flags_of(node: &Node, origin: &str) -> Vec<(i64, Option<String>)> {
    sqlx::query("SELECT seq, flagged FROM messages WHERE origin = $1 ORDER BY seq")
        .bind(origin)
        .fetch_all(node.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("seq").unwrap(), r.try_get("flagged").unwrap()))
        .collect()
}
