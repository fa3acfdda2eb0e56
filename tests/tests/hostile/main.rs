//! Hostile input sent to real nodes, every case of SPEC.md §11.1: at a hub
//! (`inbox`) and through a hub's feed to a service (`feed`).
//!
//! A test binary of its own, not a module of `it`: each case must be logged
//! by the node with its code, and the tests read that from the log of the
//! whole process (`passerelle_tests::log_capture`, a global tracing
//! subscriber; the hub's group commit logs from a thread shared by every
//! node of the process). In a process running other tests' nodes, another
//! node's line could stand in for a missing one. Here the tests take turns
//! ([`LOG`]), so the log holds only the nodes of the test running.

mod feed;
mod inbox;

/// The tests of this binary share the process-wide log: one at a time.
static LOG: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
