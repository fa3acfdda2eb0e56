//! Real `passerelle serve` processes (release build), their memory from
//! `/proc`, and the data directories they serve.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use passerelle_core::node::{InitOptions, Node};
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::NodeId;

pub const PASSWORD: &str = "mot-de-passe-du-banc";

/// `target/release/passerelle`, rebuilt if needed.
pub fn bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/release/deps/federation-… → target/release/passerelle
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf();
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args([
        "build",
        "--release",
        "-p",
        "passerelle",
        "--bin",
        "passerelle",
    ]);
    // Without the variables `cargo bench` set for this process: some build
    // scripts watch them, and would rebuild everything each time.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if (name.starts_with("CARGO_") && name != "CARGO_HOME" && name != "CARGO_TARGET_DIR")
            || name == "OUT_DIR"
        {
            cargo.env_remove(name);
        }
    }
    let status = cargo.status().expect("cargo build");
    assert!(status.success(), "building the release binary failed");
    dir.join("passerelle")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Creates a node's data directory (key, config, database, `admin` account).
pub async fn init(dir: &Path, role: NodeRole, id: &str, port: u16, database_url: Option<String>) {
    let (node, _) = Node::init(InitOptions {
        data_dir: dir.to_path_buf(),
        role,
        id: NodeId::parse(id).expect("node id"),
        name: format!("Nœud {id}"),
        listen: format!("127.0.0.1:{port}"),
        database_url,
        admin_password: Some(PASSWORD.into()),
    })
    .await
    .expect("init");
    node.db.close().await;
}

/// A running `passerelle serve`.
pub struct NodeProc {
    pub bin: PathBuf,
    pub dir: PathBuf,
    pub port: u16,
    pub url: String,
    child: Option<Child>,
}

impl NodeProc {
    pub fn new(bin: &Path, dir: &Path, port: u16) -> NodeProc {
        NodeProc {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            port,
            url: format!("http://127.0.0.1:{port}"),
            child: None,
        }
    }

    /// Starts the process and waits for its first answer; returns the
    /// time from spawn to that answer.
    pub async fn start(&mut self) -> Duration {
        assert!(self.child.is_none());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("serve.log"))
            .expect("log file");
        let t0 = Instant::now();
        let child = Command::new(&self.bin)
            .args(["serve", "--data"])
            .arg(&self.dir)
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn passerelle");
        self.child = Some(child);
        let took = wait_answer(self.port, t0).await;
        assert!(
            took.is_some(),
            "{} did not start; see {}/serve.log",
            self.url,
            self.dir.display()
        );
        took.unwrap_or_default()
    }

    /// SIGKILL, as a crash or a pulled plug.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `(VmRSS, VmHWM)` in KiB.
    pub fn memory(&self) -> (u64, u64) {
        (self.status_kib("VmRSS:"), self.status_kib("VmHWM:"))
    }

    /// Resident memory that is the process's own (heap, stacks), not pages
    /// of the binary's code mapped from the file (shared, reclaimable), in KiB.
    pub fn anonymous(&self) -> u64 {
        self.status_kib("RssAnon:")
    }

    fn status_kib(&self, name: &str) -> u64 {
        let pid = self.child.as_ref().map(Child::id).expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        field(name)
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until something answers HTTP on `port` (the descriptor), polling
/// every half millisecond; the time since `t0`.
async fn wait_answer(port: u16, t0: Instant) -> Option<Duration> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!("GET /.well-known/passerelle HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    while t0.elapsed() < Duration::from_secs(30) {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            if s.write_all(request.as_bytes()).await.is_ok() {
                let mut buf = [0u8; 12];
                if s.read_exact(&mut buf).await.is_ok() && buf.starts_with(b"HTTP/1.1 200") {
                    return Some(t0.elapsed());
                }
            }
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    None
}

/// A read-only look at a node's SQLite database from the bench.
pub async fn sqlite(dir: &Path) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}?mode=ro", dir.join("passerelle.db").display());
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("open the node's database")
}
