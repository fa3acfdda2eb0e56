//! # passerelle-node
//!
//! The `passerelle` binary as a library: a service's node or an
//! inter-service hub. `main.rs` only parses the command line; everything
//! else is here so that tests and the demo can run several nodes in one
//! process. See `ARCHITECTURE.md` for the code map and the invariants.

pub mod accounts;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod fed;
pub mod http;
pub mod keys;
pub mod memory;
pub mod node;
pub mod protocol_tools;
pub mod sessions;
pub mod status;
pub mod throttle;
pub mod web;

use tokio::net::TcpListener;

pub use error::NodeError;
pub use node::{InitOptions, Node};

/// Serves HTTP on `listener` and, for a service, runs the sync engine,
/// until [`Node::stop`] is called. Requests in flight finish first.
pub async fn run(node: Node, listener: TcpListener) -> Result<(), NodeError> {
    // Shared: `restore` and `key rotate` refuse to touch a directory while
    // any process serves it; several hub processes may serve it together.
    let _lock = config::DirLock::share(&node.data_dir)?;
    memory::start_trimmer();
    let sync = (!node.is_hub()).then(|| tokio::spawn(fed::service::run(node.clone())));
    let shutdown = node::stopped(node.shutdown_signal());
    let served = http::serve(node.clone(), listener, shutdown).await;
    if let Some(task) = sync {
        let _ = task.await;
    }
    node.db.close().await;
    served
}
