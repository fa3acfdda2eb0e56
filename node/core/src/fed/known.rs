//! What the ingest pipeline looks up and writes, asked of the database one
//! question at a time ([`Known::direct`]) or for a whole group of pushes at
//! once ([`Known::prefetch`]).
//!
//! **Why.** The pipeline asks the same questions for every message (is the
//! sender a member, which key may sign this seq, where is its stream, is
//! this id new) and writes the same two rows (the message, its stream's
//! head). Asked one by one, each is a round-trip to the database; for SQLite
//! that is a hop to sqlx's worker thread and back, two context switches. At
//! the hub's inbox a single committer makes them all (`fed::inbox`), so
//! with one message per push those round-trips, not the disk, bounded the
//! hub. In batched mode the group's lookups are four queries, and the
//! accepted messages and the heads they advance are kept here and written
//! by [`Known::flush`] in a few multi-row statements before the commit.
//!
//! **Why it stays correct.** A batched `Known` lives inside one write
//! transaction (`Db::begin_write`, taken before it reads anything), so no
//! other writer, in this process or another on the same PostgreSQL, can
//! change these rows before the commit; it is dropped with the
//! transaction. It answers from what it read plus what this transaction
//! accepted since, which is what the database would answer. It is used only
//! for kinds whose application never changes peers, keys or the message
//! log ([`batchable`]): nothing else in the transaction could make what it
//! read stale. Messages are flushed in the order they were accepted, so
//! their feed positions keep that order.

use std::collections::{BTreeMap, BTreeSet};

use passerelle_protocol::body::Kind;
use passerelle_protocol::key_timeline::KeyTimeline;
use passerelle_protocol::stream::StreamHead;
use passerelle_protocol::{Hash, SignedEnvelope};
use sqlx::{AnyConnection, Row};

use crate::error::NodeError;
use crate::log;
use crate::peers::{self, Peer};

/// Whether a message of `kind` may be ingested through a batched [`Known`]:
/// its application touches neither peers, nor keys, nor the message log.
pub fn batchable(kind: &str) -> bool {
    Kind::parse(kind).is_some_and(|kind| match kind {
        Kind::DelegatesList
        | Kind::ProposalShared
        | Kind::ProposalUpdated
        | Kind::ProposalWithdrawn
        | Kind::AgendaItemProposed
        | Kind::SupportGiven
        | Kind::SupportWithdrawn
        | Kind::FiguresShared
        | Kind::PositionShared
        | Kind::PositionWithdrawn => true,
        Kind::SubjectUpdated
        | Kind::MeetingPublished
        | Kind::MeetingUpdated
        | Kind::MeetingCancelled
        | Kind::MeetingOutcomes
        | Kind::MembersList
        | Kind::KeyRotated
        | Kind::KeyRevoked
        | Kind::ContentErased => false,
    })
}

/// The pipeline's lookups and writes, direct or batched.
#[derive(Debug, Default)]
pub struct Known {
    batched: bool,
    /// Peers read, with their key timelines (`None`: not a peer).
    peers: BTreeMap<String, Option<(Peer, KeyTimeline)>>,
    /// Stream heads as they stand in this transaction.
    heads: BTreeMap<String, Option<StreamHead>>,
    /// Ids looked up when prefetching, and whether each was used then.
    ids: BTreeMap<String, bool>,
    /// Accepted, not yet written, in order.
    /// Messages accepted in batched mode, written by [`Known::flush`].
    pending: Vec<log::NewMessage>,
    /// `(origin, seq)` of `pending`, and the index of each.
    pending_at: BTreeMap<(String, u64), usize>,
    pending_ids: BTreeSet<String>,
}

impl Known {
    /// Asks the database every time and writes at once.
    pub fn direct() -> Known {
        Known::default()
    }

    /// Reads, for the pushes of a group, the members `origins` with their
    /// keys, their stream heads, and which of the message `ids` are used:
    /// three queries. Must run inside the group's write transaction.
    pub async fn prefetch(
        conn: &mut AnyConnection,
        origins: &BTreeSet<String>,
        ids: &BTreeSet<String>,
    ) -> Result<Known, NodeError> {
        let mut known = Known {
            batched: true,
            ..Known::default()
        };
        if !origins.is_empty() {
            let list: Vec<&str> = origins.iter().map(String::as_str).collect();
            let mut found = peers::with_timelines(conn, &list).await?;
            for o in origins {
                known.peers.insert(o.clone(), found.remove(o));
                known.heads.insert(o.clone(), None);
            }
            let sql = format!(
                "SELECT origin, seq, hash FROM stream_heads WHERE origin IN ({})",
                crate::db::placeholders(1, origins.len())
            );
            let mut q = sqlx::query(&sql);
            for o in origins {
                q = q.bind(o.as_str());
            }
            for row in q.fetch_all(&mut *conn).await? {
                let head = StreamHead {
                    seq: row.try_get::<i64, _>("seq")? as u64,
                    hash: Hash::parse(&row.try_get::<String, _>("hash")?)?,
                };
                known.heads.insert(row.try_get("origin")?, Some(head));
            }
        }
        if !ids.is_empty() {
            let sql = format!(
                "SELECT id FROM messages WHERE id IN ({})",
                crate::db::placeholders(1, ids.len())
            );
            let mut q = sqlx::query(&sql);
            for id in ids {
                q = q.bind(id.as_str());
                known.ids.insert(id.clone(), false);
            }
            for row in q.fetch_all(&mut *conn).await? {
                known.ids.insert(row.try_get("id")?, true);
            }
        }
        Ok(known)
    }

    /// Whether lookups are answered from what was read (and writes held
    /// until [`Known::flush`]).
    pub fn is_batched(&self) -> bool {
        self.batched
    }

    /// The peer `origin` with its key timeline, if it is a peer (one query
    /// when direct).
    pub async fn member(
        &mut self,
        conn: &mut AnyConnection,
        origin: &str,
    ) -> Result<Option<(Peer, KeyTimeline)>, NodeError> {
        if self.batched {
            if let Some(found) = self.peers.get(origin) {
                return Ok(found.clone());
            }
        }
        let found = peers::with_timeline(conn, origin).await?;
        if self.batched {
            self.peers.insert(origin.to_owned(), found.clone());
        }
        Ok(found)
    }

    /// The last message accepted from `origin`, in this transaction.
    pub async fn head(
        &mut self,
        conn: &mut AnyConnection,
        origin: &str,
    ) -> Result<Option<StreamHead>, NodeError> {
        if self.batched {
            if let Some(head) = self.heads.get(origin) {
                return Ok(head.clone());
            }
        }
        let head = log::head(conn, origin).await?;
        if self.batched {
            self.heads.insert(origin.to_owned(), head.clone());
        }
        Ok(head)
    }

    /// The hash of `origin`'s message `seq`, if accepted.
    pub async fn hash_at(
        &mut self,
        conn: &mut AnyConnection,
        origin: &str,
        seq: u64,
    ) -> Result<Option<Hash>, NodeError> {
        if let Some(&i) = self.pending_at.get(&(origin.to_owned(), seq)) {
            return Ok(Some(self.pending[i].hash.clone()));
        }
        log::hash_at(conn, origin, seq).await
    }

    /// Whether a message id is already used.
    pub async fn has_id(&mut self, conn: &mut AnyConnection, id: &str) -> Result<bool, NodeError> {
        if self.pending_ids.contains(id) {
            return Ok(true);
        }
        match self.ids.get(id) {
            Some(&used) if self.batched => Ok(used),
            _ => log::has_id(conn, id).await,
        }
    }

    /// Stores an accepted envelope and advances its origin's head: at once
    /// when direct, at [`Known::flush`] when batched.
    pub async fn insert(
        &mut self,
        conn: &mut AnyConnection,
        env: &SignedEnvelope,
        raw: &str,
        applied: bool,
    ) -> Result<(), NodeError> {
        if !self.batched {
            log::insert(conn, env, raw, applied).await?;
            return Ok(());
        }
        let e = env.envelope();
        let origin = e.from.as_str().to_owned();
        let id = e.id.hyphenated().to_string();
        self.heads.insert(
            origin.clone(),
            Some(StreamHead {
                seq: e.seq,
                hash: env.hash().clone(),
            }),
        );
        self.pending_at
            .insert((origin.clone(), e.seq), self.pending.len());
        self.pending_ids.insert(id.clone());
        self.pending.push(log::NewMessage {
            id,
            origin,
            seq: e.seq,
            hash: env.hash().clone(),
            kind: e.kind.as_str().to_owned(),
            raw: raw.to_owned(),
            applied,
        });
        Ok(())
    }

    /// Writes what a batched `Known` holds: the messages in the order they
    /// were accepted, then the heads of the streams they advanced.
    pub async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), NodeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        log::insert_rows(conn, &self.pending).await?;
        let advanced: BTreeSet<&str> = self.pending.iter().map(|m| m.origin.as_str()).collect();
        let heads: Vec<(&str, &StreamHead)> = advanced
            .into_iter()
            .filter_map(|o| Some((o, self.heads.get(o)?.as_ref()?)))
            .collect();
        log::set_heads(conn, &heads).await?;
        self.pending.clear();
        self.pending_at.clear();
        Ok(())
    }
}
