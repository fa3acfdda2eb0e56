//! # passerelle-core
//!
//! Everything a Passerelle node knows and does, without HTTP: storage and
//! migrations, the message log, the committee domain, accounts and
//! sessions, the federation engine (which dials out with its own client).
//! The web crate serves it; the `passerelle` binary runs it.
//!
//! Modules are layered, each using only those listed before it (no
//! circle: the tests of `invariants` read the `use` lines and fail on one):
//!
//! 1. `error`, `clock`, `validate`, `db`, `quota`, `config`, `memory`, `wire`,
//!    `metrics` (what the node counts for its operator) — the ground;
//! 2. `log`, `peers`, `sync_state` — the tables of the federation;
//! 3. `keys` — this node's key files and the peers' key timelines;
//! 4. `domain`, `accounts`, `sessions`, `throttle` — what things mean;
//! 5. `pushes` (the hub's queue for its group commit), `node` — one node:
//!    configuration, keys, database, signals;
//! 6. `rotation` (changing keys), `fed` (the federation engine), `status`
//!    (how the exchanges go);
//! 7. `actions` — one function per thing a person does, called by the API
//!    and the pages alike.

pub mod accounts;
pub mod actions;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod fed;
pub mod keys;
pub mod log;
pub mod memory;
pub mod metrics;
pub mod node;
pub mod peers;
pub mod pushes;
pub mod quota;
pub mod rotation;
pub mod sessions;
pub mod status;
pub mod sync_state;
pub mod throttle;
pub mod validate;
pub mod wire;

#[cfg(test)]
mod invariants;

pub use error::NodeError;
pub use node::{InitOptions, Node};
