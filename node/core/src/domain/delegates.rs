//! Who represents the local committee at the inter-service committee.
//!
//! A designation makes a member a delegate (*délégué·e*) or a substitute
//! (*suppléant·e*) for a term. The list of designations current or to come
//! (a term not ended) is the one piece of committee life that leaves the
//! node, as a signed `delegates.list`. Whoever reads it (this service's
//! pages, the hub, the API) tells *current* from *to come* by comparing the
//! terms with its own today (SPEC §8.3), so a designation to come becomes
//! current on its day without any message: nothing has to be sent on that
//! day, even if the node is off. Each delegate appears under their display name only if
//! they currently consent to it, otherwise under a neutral label
//! ("Délégué·e 2"). Contact details never leave. Every change of the list is
//! announced in the same transaction as the change (when the node has
//! joined a hub): a designation, the end of a term, and the changes of a
//! member it shows — their consent, the name they consented to show
//! ([`reannounce_if_current`], after `members` said what changed), their
//! leaving ([`member_leaves`]).

use passerelle_protocol::body::{Delegate, DelegateList, DelegateRole};
use passerelle_protocol::{Body, Date};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::enum_text;
use crate::domain::federated::parse_enum;
use crate::domain::members::{self, stored_uuid};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::log::OwnStream;
use crate::validate::{invalid, not_found};

/// A designation, with what the committee needs to show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Designation {
    pub id: Uuid,
    pub member_id: Uuid,
    /// The member's display name (shown locally; sent only with consent).
    pub display_name: String,
    /// Whether the member currently consents to have their name shown.
    pub consent: bool,
    pub role: DelegateRole,
    pub term_start: Date,
    pub term_end: Option<Date>,
}

/// The wall clock's date (UTC). A node reads terms against its own clock,
/// `node.clock().today()` ([`crate::clock::Clock`]); this is for callers
/// without a node.
pub fn today() -> Date {
    Date::from_inner(time::OffsetDateTime::now_utc().date())
}

/// The label under which a delegate appears at the inter-service committee:
/// their display name if they consent, otherwise "Délégué·e N" or
/// "Suppléant·e N", `n` being their 1-based rank within their role.
pub fn label(display_name: &str, consent: bool, role: DelegateRole, n: usize) -> String {
    if consent && !display_name.trim().is_empty() {
        return display_name.trim().to_owned();
    }
    match role {
        DelegateRole::Delegate => format!("Délégué·e {n}"),
        DelegateRole::Substitute => format!("Suppléant·e {n}"),
    }
}

const COLUMNS: &str =
    "d.id, d.member_id, m.display_name, m.consent, d.role, d.term_start, d.term_end";

fn designation(row: &sqlx::any::AnyRow) -> Result<Designation, NodeError> {
    Ok(Designation {
        id: stored_uuid(&row.try_get::<String, _>("id")?)?,
        member_id: stored_uuid(&row.try_get::<String, _>("member_id")?)?,
        display_name: row.try_get("display_name")?,
        consent: row.try_get::<i64, _>("consent")? != 0,
        role: parse_enum(&row.try_get::<String, _>("role")?)?,
        term_start: Date::parse(&row.try_get::<String, _>("term_start")?)?,
        term_end: row
            .try_get::<Option<String>, _>("term_end")?
            .map(|d| Date::parse(&d))
            .transpose()?,
    })
}

/// One designation, current or not.
pub async fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Designation, NodeError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE d.id = $1"
    ))
    .bind(id.hyphenated().to_string())
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| not_found(format!("designation {id}")))?;
    designation(&row)
}

/// Designates a member as delegate or substitute from `term_start` (to
/// `term_end`, if known). Refused for a member who left, for an end before
/// the start, and for a member who already holds a designation over part of
/// that period. The new list is announced when `stream` is given.
pub async fn designate(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    member_id: Uuid,
    role: DelegateRole,
    term_start: Date,
    term_end: Option<Date>,
) -> Result<Uuid, NodeError> {
    let member = members::get(conn, member_id).await?;
    if !member.is_active() {
        return Err(rule(
            Rule::FormerMemberNotDesignated,
            "ce membre a quitté le comité : il ne peut plus être désigné",
        ));
    }
    if term_end.is_some_and(|end| end < term_start) {
        return Err(invalid("term_end", "a date on or after term_start"));
    }
    // Two periods overlap when each starts before the other ends.
    let overlapping: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM delegate_designations WHERE member_id = $1 \
         AND (term_end IS NULL OR term_end >= $2) AND ($3 IS NULL OR term_start <= $3)",
    )
    .bind(member_id.hyphenated().to_string())
    .bind(term_start.to_string())
    .bind(term_end.map(|d| d.to_string()))
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    if overlapping > 0 {
        return Err(rule(
            Rule::OverlappingDesignation,
            "ce membre est déjà désigné pour une partie de cette période",
        ));
    }
    let id = Uuid::now_v7();
    let t = now();
    sqlx::query(
        "INSERT INTO delegate_designations (id, member_id, role, term_start, term_end, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.hyphenated().to_string())
    .bind(member_id.hyphenated().to_string())
    .bind(enum_text(&role))
    .bind(term_start.to_string())
    .bind(term_end.map(|d| d.to_string()))
    .bind(t)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    if let Some(stream) = stream {
        announce(conn, stream, today).await?;
    }
    Ok(id)
}

/// The designations for `role` without an end date, current or to come on
/// `today`, that start before `start`: a new designation from `start` for
/// that role would leave them running (the page offers to end them the day
/// before).
pub async fn open_ended_before(
    conn: &mut AnyConnection,
    today: Date,
    role: DelegateRole,
    start: Date,
) -> Result<Vec<Designation>, NodeError> {
    Ok(list_active(conn, today)
        .await?
        .into_iter()
        .filter(|d| d.role == role && d.term_end.is_none() && d.term_start < start)
        .collect())
}

/// Ends a designation's term on `end` (the last day it counts). Refused
/// for an end before the term's start, and for a term already over. The
/// new list is announced when `stream` is given.
pub async fn end_term(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    designation_id: Uuid,
    end: Date,
) -> Result<(), NodeError> {
    let d = get(conn, designation_id).await?;
    if has_ended(d.term_end, today) {
        return Err(rule(Rule::TermAlreadyEnded, "ce mandat est déjà terminé"));
    }
    if end < d.term_start {
        return Err(invalid("end", "a date on or after the start of the term"));
    }
    sqlx::query("UPDATE delegate_designations SET term_end = $1, updated_at = $2 WHERE id = $3")
        .bind(end.to_string())
        .bind(now())
        .bind(designation_id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    if let Some(stream) = stream {
        announce(conn, stream, today).await?;
    }
    Ok(())
}

/// Takes back a designation that has not started yet (a mistake, or a
/// change of mind): it is deleted, and the list without it is announced.
/// One that started is ended instead ([`end_term`]): what was is kept.
pub async fn cancel_to_come(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    designation_id: Uuid,
) -> Result<(), NodeError> {
    let d = get(conn, designation_id).await?;
    if d.term_start <= today {
        return Err(rule(
            Rule::TermStarted,
            "ce mandat a commencé : terminez-le plutôt que de l'annuler",
        ));
    }
    sqlx::query("DELETE FROM delegate_designations WHERE id = $1")
        .bind(designation_id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    if let Some(stream) = stream {
        announce(conn, stream, today).await?;
    }
    Ok(())
}

/// Whether a designation is current on `today` (started, not ended); one
/// not started yet is *to come*. The one reading of a term, for the
/// service's own designations and for a received `delegates.list` alike.
pub fn is_current_on(term_start: Date, term_end: Option<Date>, today: Date) -> bool {
    term_start <= today && term_end.is_none_or(|e| e >= today)
}

/// Whether a term is over on `today`: it is no longer listed.
pub fn has_ended(term_end: Option<Date>, today: Date) -> bool {
    term_end.is_some_and(|e| e < today)
}

/// The designations current or to come on `today` (not ended), of members
/// still in the committee, in the order of [`list_current`].
pub async fn list_active(
    conn: &mut AnyConnection,
    today: Date,
) -> Result<Vec<Designation>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE m.left_at IS NULL AND (d.term_end IS NULL OR d.term_end >= $1) \
         ORDER BY d.role, d.term_start, d.id"
    ))
    .bind(today.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(designation).collect()
}

/// The designations current on `today`, of members still in the committee:
/// delegates first, then substitutes, each by term start then id (the order
/// that numbers neutral labels).
pub async fn list_current(
    conn: &mut AnyConnection,
    today: Date,
) -> Result<Vec<Designation>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE m.left_at IS NULL AND d.term_start <= $1 AND (d.term_end IS NULL OR d.term_end >= $1) \
         ORDER BY d.role, d.term_start, d.id"
    ))
    .bind(today.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(designation).collect()
}

/// The list sent to the hub: the designations current or to come, each
/// under its [`label`], with its term (the receiver reads which are current
/// on its own day). Nothing else about the members leaves.
pub async fn public_list(conn: &mut AnyConnection, today: Date) -> Result<DelegateList, NodeError> {
    let current = list_active(conn, today).await?;
    let (mut delegates, mut substitutes) = (0, 0);
    let delegates_out = current
        .into_iter()
        .map(|d| {
            let n = match d.role {
                DelegateRole::Delegate => &mut delegates,
                DelegateRole::Substitute => &mut substitutes,
            };
            *n += 1;
            Delegate {
                label: label(&d.display_name, d.consent, d.role, *n).into(),
                role: d.role,
                term_start: d.term_start,
                term_end: d.term_end,
            }
        })
        .collect();
    Ok(DelegateList {
        delegates: delegates_out,
    })
}

/// Appends `today`'s [`public_list`] to the node's own stream, in the
/// caller's transaction.
pub async fn announce(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    today: Date,
) -> Result<(), NodeError> {
    let list = public_list(conn, today).await?;
    stream.append(conn, &Body::DelegatesList(list)).await?;
    Ok(())
}

/// Whether the member is still in the committee and holds a designation
/// current or to come on `today` (i.e. appears in [`public_list`]).
pub async fn is_listed(
    conn: &mut AnyConnection,
    member_id: Uuid,
    today: Date,
) -> Result<bool, NodeError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE d.member_id = $1 AND m.left_at IS NULL \
         AND (d.term_end IS NULL OR d.term_end >= $2)",
    )
    .bind(member_id.hyphenated().to_string())
    .bind(today.to_string())
    .fetch_one(conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// Announces the list again if the member appears in it today, after a
/// change of what it shows of them (their consent, the name they consented
/// to show). Nothing before the node joined a hub (`stream` is `None`).
pub async fn reannounce_if_current(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    member_id: Uuid,
) -> Result<(), NodeError> {
    if let Some(stream) = stream {
        if is_listed(conn, member_id, today).await? {
            announce(conn, stream, today).await?;
        }
    }
    Ok(())
}

/// A member leaves the committee ([`members::leave`], refused twice): their
/// open designations end today and, if they were a current delegate or
/// substitute (or one to come), the list is announced again, without them.
pub async fn member_leaves(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    member_id: Uuid,
) -> Result<(), NodeError> {
    // Read before leaving: someone who left is never listed.
    let was_current = is_listed(conn, member_id, today).await?;
    members::leave(conn, member_id).await?;
    close_for_member(conn, member_id, today).await?;
    if was_current {
        if let Some(stream) = stream {
            announce(conn, stream, today).await?;
        }
    }
    Ok(())
}

/// Ends the member's open designations on `today` (a designation that had
/// not started yet ends on its first day), when the member leaves.
async fn close_for_member(
    conn: &mut AnyConnection,
    member_id: Uuid,
    today: Date,
) -> Result<(), NodeError> {
    sqlx::query(
        "UPDATE delegate_designations \
         SET term_end = CASE WHEN term_start > $1 THEN term_start ELSE $1 END, updated_at = $2 \
         WHERE member_id = $3 AND (term_end IS NULL OR term_end > $1)",
    )
    .bind(today.to_string())
    .bind(now())
    .bind(member_id.hyphenated().to_string())
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
