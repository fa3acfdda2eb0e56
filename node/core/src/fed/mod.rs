//! Federation: how nodes exchange signed messages.
//!
//! The federation engine, above the log and the domain: `ingest` is the one
//! verification pipeline, `auth` checks signed requests, `resync` learns our
//! own stream back from the hub after a restore, `stuck` takes up another
//! origin's stream stuck behind a relayed message that did not verify,
//! `hub` and `service` hold each role's side of the exchange (`inbox`: the
//! hub's group commit), `client` makes the outgoing requests. The streams themselves are
//! `crate::log`'s, the JSON shapes `crate::wire`'s.

pub mod auth;
pub mod backoff;
pub mod client;
pub mod hub;
pub mod inbox;
pub mod ingest;
pub mod known;
pub mod outbox;
pub mod resync;
pub mod service;
pub mod stuck;
