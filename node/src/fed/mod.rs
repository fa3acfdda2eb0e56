//! Federation: how nodes exchange signed messages.
//!
//! `log` stores streams, `ingest` is the one verification pipeline,
//! `auth` checks signed requests, `resync` learns our own stream back from
//! the hub after a restore, `hub` and `service` hold each role's side of the
//! exchange (`inbox`: the hub's group commit), `client` makes the outgoing
//! requests and `wire` the
//! JSON shapes on the wire.

pub mod auth;
pub mod backoff;
pub mod client;
pub mod hub;
pub mod inbox;
pub mod ingest;
pub mod known;
pub mod log;
pub mod outbox;
pub mod peers;
pub mod resync;
pub mod service;
pub mod sync_state;
pub mod wire;
