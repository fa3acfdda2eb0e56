//! # passerelle
//!
//! The `passerelle` command as a library, so that tests run it in process:
//! the command line (`cli`), `status` in words, backups, the protocol
//! tools, and the demo with its story. `main.rs` only calls [`cli::main`].

pub mod backup;
pub mod cli;
pub mod demo;
pub mod log_line;
pub mod protocol_tools;
pub mod status;

/// Resolves on SIGTERM or Ctrl-C.
pub async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
