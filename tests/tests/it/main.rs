//! The cross-crate and multi-node tests, as one test binary: one module per
//! subject (each was its own binary, linking the whole node, before).
//!
//! `cargo test -p passerelle-tests --test it` runs them all;
//! `cargo test -p passerelle-tests --test it MODULE::` runs one subject
//! (`-- --nocapture` shows its `FIGURE` and `SEED` lines).
//!
//! Sharing one process is safe for these tests: none sets an environment
//! variable, changes the current directory or installs a tracing
//! subscriber; the node's parts that are one per process (the hub's
//! group-commit thread, the memory trimmer) are made to serve several
//! nodes; and the test measuring memory (`outage_memory`) reads the peak
//! of the `passerelle` processes it starts, not its own.
//!
//! Tests that do need a process of their own are other binaries: `hostile`
//! beside this folder (they read the process's log), and
//! `node/core/tests/memory_trim.rs` (it measures its process's memory).

mod accounts_api;
mod accounts_cli;
mod accounts_pages;
mod api;
mod backup;
mod browser;
mod catch_up;
mod committee_api;
mod corrections;
mod corrections_pages;
mod crash;
mod crash_federation;
mod erasure;
mod erasure_pages;
mod fault_proxy;
mod federation;
mod flood;
mod group_commit;
mod hub_pages;
mod invitations;
mod joint_preparation;
mod key_order;
mod keys;
mod meetings_pages;
mod member_pages;
mod members_scale;
mod metrics;
mod multi_hub;
mod outage_memory;
mod pages_in_english;
mod quotas;
mod storage;
mod story;
mod story_pages;
mod stuck_stream;
mod support_column;
mod supports;
mod web_security;
