//! No secret in `Debug` output or in the logs.

use passerelle_protocol::body::NodeRole;
use serde_json::json;

use super::seed_forms;

/// Rule: no secret in `Debug` output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_output_hides_secrets() {
    use passerelle_core::config::{Config, Overrides};
    let secret_url = "postgres://passerelle:s3cr3t-db@db.example/passerelle";
    let config: Config = toml_config(secret_url);
    let overrides = Overrides {
        listen: None,
        database_url: Some(secret_url.into()),
    };
    let root = tempfile::tempdir().unwrap();
    let options = passerelle_core::InitOptions {
        data_dir: root.path().join("n"),
        role: NodeRole::Service,
        id: passerelle_protocol::NodeId::parse("ssm-dbg").unwrap(),
        name: "Debug".into(),
        listen: "127.0.0.1:0".into(),
        database_url: Some(secret_url.into()),
        admin_password: Some("mot-de-passe-secret-1".into()),
    };
    let join = passerelle_core::wire::JoinRequest {
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
    let (node, report) = passerelle_core::Node::init(options).await.unwrap();
    let pem = std::fs::read_to_string(node.data_dir.join("node-key.pem")).unwrap();
    let node_debug = format!("{node:?} {report:?}");
    assert!(!node_debug.contains(&report.admin_password));
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!node_debug.contains(line), "key material in Debug");
    }
    for seed in seed_forms(&pem) {
        assert!(!node_debug.contains(&seed), "key seed in Debug");
    }
    let token = passerelle_core::sessions::open(
        &node.db,
        &passerelle_core::accounts::get(&node.db, 1)
            .await
            .unwrap()
            .unwrap(),
        passerelle_core::sessions::API_TOKEN,
        None,
    )
    .await
    .unwrap();
    let auth = passerelle_web::Auth {
        account: passerelle_core::accounts::get(&node.db, 1)
            .await
            .unwrap()
            .unwrap(),
        token: token.clone(),
    };
    assert!(!format!("{auth:?}").contains(&token));
}

fn toml_config(database_url: &str) -> passerelle_core::config::Config {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("passerelle.toml"),
        format!("id = \"ssm-dbg\"\nname = \"x\"\nrole = \"service\"\nlisten = \"127.0.0.1:0\"\ndatabase_url = \"{database_url}\"\n"),
    )
    .unwrap();
    passerelle_core::config::Config::load(dir.path(), &Default::default()).unwrap()
}

#[cfg(unix)]
mod logs {
    use std::path::Path;
    use std::process::{Child, Command};
    use std::time::Duration;

    use passerelle_tests::*;
    use serde_json::json;

    use crate::web_security::{client, header, seed_forms, session, token_attempt};

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
                "--name",
                "SSM des journaux",
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
            // Rule: passwords are stored as argon2id hashes (computed on the
            // blocking pool: accounts::hash_password, verify_blocking).
            assert!(h.starts_with("$argon2id$"), "not an argon2id hash");
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
