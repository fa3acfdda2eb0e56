//! Taking texts back: `content.erased` (SPEC §5.6, §8.3).
//!
//! A name or a free text leaves a node sealed; its opening travels beside
//! the signed envelope. When the origin erases it — a delegate withdrew their
//! consent, a committee wrote someone's name by mistake — every node drops
//! the opening from its stored copy ([`log::erase`]), and forgets the text
//! wherever a projection copied it: the tables listed in [`COPIES`], the one
//! list of where received texts are kept. A test checks that every text
//! column fed by a sealed field is in it.
//!
//! Projections are scrubbed by value, not by position: a text is copied into
//! several tables (a service's agenda item becomes the hub's agenda entry),
//! and the value is what must disappear. At the hub, a text erased by a
//! service may also stand in the hub's **own** messages (an agenda entry the
//! coordinator took from the service's item): the hub erases those openings
//! at once and queues an erasure of its own, announced by
//! [`announce_pending`], so that the services forget them too.

use std::collections::BTreeMap;

use passerelle_protocol::body::{Erasure, ErasureTarget, Kind, Text};
use passerelle_protocol::seal::sealed_paths;
use passerelle_protocol::{Body, Hash, SignedEnvelope};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::error::{NodeError, Rule};
use crate::log::{self, OwnStream};
use crate::validate::rule;

/// What stands for a title erased by its origin, in the tables and so when
/// the hub announces an agenda or a subject again: a title may not be
/// empty (SPEC §8.3).
pub const ERASED_TITLE: &str = "[texte effacé]";

/// How a title is kept in a table: its words, or [`ERASED_TITLE`] once its
/// origin erased it (a title is never empty, on the pages either).
pub fn stored_title(title: &Text) -> &str {
    title.given().unwrap_or(ERASED_TITLE)
}

/// Where a kept copy of a text sits, and whose texts it holds.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Texts received from a member; the column names the origin.
    Origin(&'static str),
    /// Texts of the hub's messages (one hub per federation).
    Hub,
    /// This node's own records (scrubbed only for its own erasures).
    Own,
}

/// What stands in a scrubbed cell.
#[derive(Debug, Clone, Copy)]
pub enum Blank {
    /// `''`: an erased text that is not a title (a description, a label:
    /// the pages say "Nom effacé" for a label).
    Empty,
    /// `NULL`: an optional text that is no longer there.
    Null,
    /// A title that must stay a title: [`ERASED_TITLE`].
    Title,
}

/// Every table column that keeps a copy of a sealed text (SPEC §5.6: "every
/// place it is stored").
pub const COPIES: &[(&str, &str, Scope, Blank)] = &[
    (
        "joint_delegates",
        "label",
        Scope::Origin("service_id"),
        Blank::Empty,
    ),
    (
        "federated_proposals",
        "title",
        Scope::Origin("service_id"),
        Blank::Title,
    ),
    (
        "federated_proposals",
        "description",
        Scope::Origin("service_id"),
        Blank::Empty,
    ),
    (
        "federated_proposals",
        "answer_text",
        Scope::Origin("service_id"),
        Blank::Null,
    ),
    (
        "joint_agenda_items",
        "title",
        Scope::Origin("service_id"),
        Blank::Title,
    ),
    (
        "joint_agenda_items",
        "description",
        Scope::Origin("service_id"),
        Blank::Null,
    ),
    (
        "supports",
        "comment",
        Scope::Origin("supporter"),
        Blank::Null,
    ),
    (
        "joint_positions",
        "comment",
        Scope::Origin("origin"),
        Blank::Null,
    ),
    ("subjects", "title", Scope::Hub, Blank::Title),
    ("joint_meetings", "notice", Scope::Hub, Blank::Null),
    ("joint_meetings", "minutes", Scope::Hub, Blank::Empty),
    ("joint_agenda_entries", "title", Scope::Hub, Blank::Title),
    (
        "joint_agenda_entries",
        "description",
        Scope::Hub,
        Blank::Null,
    ),
    ("joint_outcomes", "decision", Scope::Hub, Blank::Empty),
    ("proposals", "title", Scope::Own, Blank::Title),
    ("proposals", "description", Scope::Own, Blank::Empty),
    ("proposals", "answer_text", Scope::Own, Blank::Null),
    ("proposal_history", "comment", Scope::Own, Blank::Null),
    ("proposal_history", "old_title", Scope::Own, Blank::Null),
    ("proposal_history", "new_title", Scope::Own, Blank::Null),
    ("committee_positions", "comment", Scope::Own, Blank::Null),
];

/// Whether an envelope's text may be a `content.erased` (so that the
/// caller scrubs the database once it committed). A text that merely
/// mentions the kind only costs a checkpoint.
pub fn may_erase(raw: &str) -> bool {
    raw.contains("\"content.erased\"")
}

/// Every table an erasure rewrites: the log, the messages set aside, and
/// the copies.
pub fn tables() -> Vec<&'static str> {
    let mut t = vec!["messages", "set_aside"];
    for (table, ..) in COPIES {
        if !t.contains(table) {
            t.push(table);
        }
    }
    t
}

/// Applies a received (or our own) `content.erased` from `origin`: checks
/// each target, drops the openings, scrubs the copies. At the hub (`me` is
/// the hub and `origin` a member), the hub's own copies are erased too and
/// queued for announcement. Returns how many texts were erased.
pub async fn apply(
    conn: &mut AnyConnection,
    me: &str,
    env: &SignedEnvelope,
    erasure: &Erasure,
) -> Result<usize, NodeError> {
    let origin = env.envelope().from.as_str();
    // Every message is addressed to the hub (SPEC §5.4).
    let i_am_hub = env.envelope().to.as_str() == me;
    let mut texts = Vec::new();
    for target in &erasure.targets {
        let id = target.message.hyphenated().to_string();
        let stored = log::by_id(conn, &id).await?;
        let stored = stored
            .filter(|m| m.origin == origin && (m.seq as u64) < env.envelope().seq)
            .ok_or_else(|| {
                rule(
                    Rule::ErasureTargetUnknown,
                    format!("message {id} is not an earlier message of {origin}"),
                )
            })?;
        let message = SignedEnvelope::parse(stored.envelope.as_bytes())?;
        let fields = message.sealed_fields();
        if let Some(seal) = target
            .seals
            .iter()
            .find(|s| !fields.iter().any(|(_, f)| f == *s))
        {
            return Err(rule(
                Rule::ErasureSealUnknown,
                format!("message {id} has no seal {seal}"),
            ));
        }
        texts.extend(log::erase(conn, &id, &target.seals).await?);
    }
    texts.sort();
    texts.dedup();
    scrub(conn, me, origin, &texts).await?;
    if i_am_hub && origin != me {
        let own = own_copies(conn, me, &texts).await?;
        for target in &own {
            let id = target.message.hyphenated().to_string();
            log::erase(conn, &id, &target.seals).await?;
            for seal in &target.seals {
                sqlx::query(
                    "INSERT INTO pending_erasures (message_id, seal) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&id)
                .bind(seal.as_str())
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(texts.len())
}

/// Blanks every kept copy of `texts` that `origin`'s messages fed.
async fn scrub(
    conn: &mut AnyConnection,
    me: &str,
    origin: &str,
    texts: &[String],
) -> Result<(), NodeError> {
    for text in texts {
        let trimmed = text.trim();
        for (table, column, scope, blank) in COPIES {
            let (blank_sql, title) = match blank {
                Blank::Empty => ("''", false),
                Blank::Null => ("NULL", false),
                Blank::Title => ("$3", true),
            };
            let next = if title { 4 } else { 3 };
            let (filter, by_origin) = match scope {
                Scope::Origin(col) => (format!(" AND {col} = ${next}"), true),
                Scope::Hub => (String::new(), false),
                Scope::Own if origin == me => (String::new(), false),
                Scope::Own => continue,
            };
            let sql = format!(
                "UPDATE {table} SET {column} = {blank_sql} \
                 WHERE ({column} = $1 OR {column} = $2){filter}"
            );
            let mut q = sqlx::query(&sql).bind(text.as_str()).bind(trimmed);
            if title {
                q = q.bind(ERASED_TITLE);
            }
            if by_origin {
                q = q.bind(origin);
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// The hub's own messages whose openings hold one of `texts`.
async fn own_copies(
    conn: &mut AnyConnection,
    me: &str,
    texts: &[String],
) -> Result<Vec<ErasureTarget>, NodeError> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for m in log::of_kinds(conn, me, &sealed_kinds()).await? {
        out.extend(target_in(&m, Some(texts))?);
    }
    Ok(out)
}

/// The kinds that have erasable fields, as on the wire.
pub fn sealed_kinds() -> Vec<&'static str> {
    Kind::ALL
        .iter()
        .filter(|k| !sealed_paths(**k).is_empty())
        .map(|k| k.as_str())
        .collect()
}

/// The seals of stored message `m` whose openings are still held — all of
/// them, or those whose text is one of `only` (compared trimmed, as the
/// tables keep it) — as an erasure target; `None` when there are none.
fn target_in(
    m: &log::StoredMessage,
    only: Option<&[String]>,
) -> Result<Option<ErasureTarget>, NodeError> {
    let env = SignedEnvelope::parse(m.envelope.as_bytes())?;
    let seals: Vec<Hash> = env
        .openings()
        .iter()
        .filter(|(_, o)| only.is_none_or(|only| only.iter().any(|t| t.trim() == o.value.trim())))
        .map(|(seal, _)| seal.clone())
        .collect();
    Ok((!seals.is_empty()).then(|| ErasureTarget {
        message: env.envelope().id,
        seals,
    }))
}

/// The erasures the hub owes the services (see the module's doc), as
/// `content.erased` bodies of at most the protocol's number of targets, and
/// forgets them. The caller appends them to the hub's stream in the same
/// transaction.
pub async fn take_pending(conn: &mut AnyConnection) -> Result<Vec<Body>, NodeError> {
    let rows = sqlx::query("SELECT message_id, seal FROM pending_erasures ORDER BY message_id")
        .fetch_all(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_message: BTreeMap<Uuid, Vec<Hash>> = BTreeMap::new();
    for r in &rows {
        let id: String = r.try_get("message_id")?;
        let seal: String = r.try_get("seal")?;
        let id = Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        by_message.entry(id).or_default().push(Hash::parse(&seal)?);
    }
    sqlx::query("DELETE FROM pending_erasures")
        .execute(&mut *conn)
        .await?;
    let targets: Vec<ErasureTarget> = by_message
        .into_iter()
        .map(|(message, seals)| ErasureTarget { message, seals })
        .collect();
    Ok(targets
        .chunks(passerelle_protocol::body::MAX_ERASURE_TARGETS)
        .map(|c| {
            Body::ContentErased(Erasure {
                targets: c.to_vec(),
            })
        })
        .collect())
}

/// The erasure of every text still held in our own messages `ids` (those
/// whose openings we still have), or of the texts equal to one of `only`
/// when given. `None` when nothing is left to erase.
pub async fn of_own_messages(
    conn: &mut AnyConnection,
    me: &str,
    ids: &[String],
    only: Option<&[String]>,
) -> Result<Option<Erasure>, NodeError> {
    let mut targets = Vec::new();
    for id in ids {
        match log::by_id(conn, id).await? {
            Some(m) if m.origin == me => targets.extend(target_in(&m, only)?),
            _ => {}
        }
    }
    Ok((!targets.is_empty()).then_some(Erasure { targets }))
}

/// Why this node erases texts of its own (kept in `erasure_log`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A delegate withdrew their consent to show their name.
    ConsentWithdrawn,
    /// An administrator erased a message's text.
    Administrator,
    /// The hub erases its copies of a text a member erased.
    CopyOfErased,
}

impl Cause {
    pub const fn as_str(self) -> &'static str {
        match self {
            Cause::ConsentWithdrawn => "consent_withdrawn",
            Cause::Administrator => "administrator",
            Cause::CopyOfErased => "copy_of_erased",
        }
    }
}

/// Announces `erasure` of our own texts, applies it here, and records who,
/// when and why (never what). Returns the number of texts erased.
pub async fn erase_own(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    erasure: Erasure,
    cause: Cause,
    actor: &str,
    reason: &str,
) -> Result<usize, NodeError> {
    let env = stream
        .append(conn, &Body::ContentErased(erasure.clone()))
        .await?;
    let texts = apply(conn, stream.me.as_str(), &env, &erasure).await?;
    sqlx::query(
        "INSERT INTO erasure_log (message_id, at, actor, cause, reason, texts) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(env.envelope().id.hyphenated().to_string())
    .bind(crate::clock::now())
    .bind(actor)
    .bind(cause.as_str())
    .bind(reason)
    .bind(texts as i64)
    .execute(&mut *conn)
    .await?;
    Ok(texts)
}

/// The hub announces the erasures it owes (see [`take_pending`]).
pub async fn announce_pending(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
) -> Result<(), NodeError> {
    for body in take_pending(conn).await? {
        if let Body::ContentErased(erasure) = body {
            erase_own(
                conn,
                stream,
                erasure,
                Cause::CopyOfErased,
                "passerelle",
                "copie d'un texte effacé par un service",
            )
            .await?;
        }
    }
    Ok(())
}

/// Our own messages of `kind`, by id.
pub async fn own_message_ids(
    conn: &mut AnyConnection,
    me: &str,
    kind: Kind,
) -> Result<Vec<String>, NodeError> {
    Ok(log::of_kinds(conn, me, &[kind.as_str()])
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

/// One line of the erasure record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Erased {
    pub at: i64,
    pub actor: String,
    pub cause: String,
    pub reason: String,
    pub texts: i64,
}

/// The erasure record, newest first.
pub async fn record(conn: &mut AnyConnection) -> Result<Vec<Erased>, NodeError> {
    let rows = sqlx::query(
        "SELECT at, actor, cause, reason, texts FROM erasure_log ORDER BY at DESC, message_id DESC",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Erased {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                cause: r.try_get("cause")?,
                reason: r.try_get("reason")?,
                texts: r.try_get("texts")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
