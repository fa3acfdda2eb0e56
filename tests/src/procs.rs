//! Nodes as real `passerelle` processes: started with `passerelle serve`,
//! killed with SIGKILL, stopped with SIGTERM, measured through `/proc`.
//!
//! A [`ProcNode`] kills its process when dropped, so a failed test leaves
//! nothing running. Each node appends its log to its own file, shown when a
//! test fails.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use passerelle_core::config::Overrides;
use passerelle_core::Node;

use crate::{passerelle_bin, wait_until};

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `passerelle ARGS` to completion; panics with its stderr on failure.
pub fn run_ok(args: &[&str]) -> String {
    let out = Command::new(passerelle_bin()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "passerelle {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Waits until `GET /healthz` answers 200 on `port`.
pub async fn wait_healthy(port: u16, timeout: Duration) -> bool {
    let url = format!("http://127.0.0.1:{port}/healthz");
    wait_until(timeout, || async {
        reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await
    .is_some()
}

/// A field of `/proc/<pid>/status` in KiB (`VmHWM`, `VmRSS`).
pub fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One node's data directory and, while it runs, its process.
pub struct ProcNode {
    pub id: String,
    pub dir: PathBuf,
    pub log: PathBuf,
    /// The port it listens on (0: the system picks one at each start).
    pub port: u16,
    database_url: Option<String>,
    child: Option<Child>,
}

impl ProcNode {
    /// `passerelle init` in `dir`; the log goes to `log`.
    pub fn init(
        dir: &Path,
        log: &Path,
        role: &str,
        id: &str,
        port: u16,
        database_url: Option<&str>,
    ) -> ProcNode {
        let listen = format!("127.0.0.1:{port}");
        let mut args = vec![
            "init",
            "--role",
            role,
            "--id",
            id,
            "--name",
            id,
            "--data",
            dir.to_str().unwrap(),
            "--listen",
            &listen,
        ];
        if let Some(url) = database_url {
            args.extend(["--database-url", url]);
        }
        let password = dir.with_extension("password");
        std::fs::write(&password, crate::TEST_PASSWORD).unwrap();
        args.extend(["--admin-password-file", password.to_str().unwrap()]);
        run_ok(&args);
        ProcNode {
            id: id.to_owned(),
            dir: dir.to_path_buf(),
            log: log.to_path_buf(),
            port,
            database_url: database_url.map(str::to_owned),
            child: None,
        }
    }

    /// The node's base URL (fixed ports only).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `passerelle ARGS --data DIR` (with the database URL when there is one).
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(passerelle_bin());
        cmd.args(args).args(["--data", self.dir.to_str().unwrap()]);
        if let Some(url) = &self.database_url {
            cmd.args(["--database-url", url]);
        }
        cmd.output().unwrap()
    }

    /// `passerelle status` in plain French.
    pub fn status_text(&self) -> String {
        let out = self.cli(&["status"]);
        assert!(
            out.status.success(),
            "status of {}: {}",
            self.id,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Starts `passerelle serve` (it must not be running).
    pub fn spawn(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.id);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut cmd = Command::new(passerelle_bin());
        cmd.args(["serve", "--data", self.dir.to_str().unwrap()])
            .env("PASSERELLE_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(url) = &self.database_url {
            cmd.args(["--database-url", url]);
        }
        self.child = Some(cmd.spawn().unwrap());
    }

    /// Starts the node and, on a fixed port, waits until it answers. A
    /// start that fails (the port not yet released, say) is retried.
    pub async fn start(&mut self) {
        for _ in 0..5 {
            self.spawn();
            if self.port == 0 {
                return;
            }
            if wait_healthy(self.port, Duration::from_secs(30)).await {
                return;
            }
            self.kill();
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("{} never became healthy:\n{}", self.id, self.log_tail(40));
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL, then reaps the process.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM (a graceful stop); returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        child.wait().unwrap().success()
    }

    /// The last `n` lines of its log.
    pub fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Opens the same data directory in this process (to make changes as a
    /// committee would, or to read what the node stored).
    pub async fn open(&self) -> Node {
        Node::open(
            &self.dir,
            &Overrides {
                listen: None,
                database_url: self.database_url.clone(),
            },
        )
        .await
        .unwrap()
    }
}

impl Drop for ProcNode {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A hub and services as processes, the services joined through real
/// invitations (`passerelle invite`, `passerelle join`).
pub struct ProcFederation {
    pub hub: ProcNode,
    pub services: Vec<ProcNode>,
}

/// Where and how to create one node of a [`ProcFederation`].
pub struct NodeSpec {
    pub id: String,
    pub dir: PathBuf,
    /// 0 lets the system pick a port at each start (services only).
    pub port: u16,
    pub database_url: Option<String>,
}

impl NodeSpec {
    /// A node in `root/<id>` on SQLite, with a fixed free port.
    pub fn new(root: &Path, id: &str) -> NodeSpec {
        NodeSpec {
            id: id.to_owned(),
            dir: root.join(id),
            port: free_port(),
            database_url: None,
        }
    }
}

impl ProcFederation {
    /// Creates and starts the hub, creates the services and joins them to
    /// the hub at `hub_url` (the hub's own URL when `None`). The services
    /// are not started. Logs go to `logs/<id>.log`.
    pub async fn create(
        logs: &Path,
        hub: NodeSpec,
        services: Vec<NodeSpec>,
        hub_url: Option<String>,
    ) -> ProcFederation {
        let log = |id: &str| logs.join(format!("{id}.log"));
        let mut hub_node = ProcNode::init(
            &hub.dir,
            &log(&hub.id),
            "hub",
            &hub.id,
            hub.port,
            hub.database_url.as_deref(),
        );
        hub_node.start().await;
        let hub_url = hub_url.unwrap_or_else(|| hub_node.url());
        let mut nodes = Vec::new();
        for s in services {
            let node = ProcNode::init(
                &s.dir,
                &log(&s.id),
                "service",
                &s.id,
                s.port,
                s.database_url.as_deref(),
            );
            let out = hub_node.cli(&["invite", "--service", &s.id, "--name", &s.id]);
            assert!(out.status.success());
            let text = String::from_utf8(out.stdout).unwrap();
            let code = text.lines().nth(1).unwrap().trim().to_owned();
            let joined = node.cli(&["join", &hub_url, &code]);
            assert!(
                joined.status.success(),
                "join: {}",
                String::from_utf8_lossy(&joined.stderr)
            );
            nodes.push(node);
        }
        ProcFederation {
            hub: hub_node,
            services: nodes,
        }
    }

    /// Every node, the hub first.
    pub fn all(&mut self) -> impl Iterator<Item = &mut ProcNode> {
        std::iter::once(&mut self.hub).chain(self.services.iter_mut())
    }

    /// The last lines of every node's log, for a failure message.
    pub fn logs(&self) -> String {
        std::iter::once(&self.hub)
            .chain(&self.services)
            .map(|n| format!("--- {} ---\n{}", n.id, n.log_tail(25)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
