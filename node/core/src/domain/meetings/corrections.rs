//! Correcting a meeting after the fact: moving it, cancelling it, deleting
//! it while nothing was recorded, attendance for the whole committee at
//! once, and decisions corrected or taken back.
//!
//! The rules: a cancelled meeting stays (the committee's history is true)
//! and takes nothing new; a meeting is deleted only while it holds nothing
//! but its agenda (the agenda is the plan, it goes with the meeting), else
//! it is cancelled; what adopted minutes record no longer changes.

use std::collections::BTreeSet;

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::{
    checked, id_text, meeting, not_cancelled, open_meeting, record_attendance, record_open,
    require_proposal, row, AttendanceStatus, NewMeeting,
};
use crate::clock::now;
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::validate::{invalid, not_found, optional_text, text};

/// Whether the minutes of another meeting were adopted at this one.
async fn adoption_held_here(conn: &mut AnyConnection, id: Uuid) -> Result<bool, NodeError> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM meetings WHERE minutes_adopted_at_meeting = $1")
            .bind(id_text(id))
            .fetch_optional(conn)
            .await?
            .is_some(),
    )
}

fn adoption_fixes_it() -> NodeError {
    rule(
        Rule::AdoptionMeetingStays,
        "un procès-verbal a été adopté à cette réunion : elle ne peut plus être déplacée ni annulée",
    )
}

/// Moves or reschedules a meeting: its title, date and time, place and
/// form. A new date in the past needs `in_the_past`, as for a new meeting.
pub async fn update(conn: &mut AnyConnection, id: Uuid, m: &NewMeeting) -> Result<(), NodeError> {
    let (title, place, format) = checked(m)?;
    let current = meeting(&row(conn, id).await?)?;
    not_cancelled(&current)?;
    record_open(&current)?;
    if m.starts_at != current.starts_at {
        super::past_confirmed(m)?;
        if adoption_held_here(conn, id).await? {
            return Err(adoption_fixes_it());
        }
    }
    sqlx::query(
        "UPDATE meetings SET title = $1, starts_at = $2, place = $3, format = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(title)
    .bind(m.starts_at)
    .bind(place)
    .bind(format)
    .bind(now())
    .bind(id_text(id))
    .execute(conn)
    .await?;
    Ok(())
}

/// Cancels a meeting, with an optional reason (at most 500 characters).
/// It stays in the list, marked; minutes adopted at it keep it.
pub async fn cancel(
    conn: &mut AnyConnection,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), NodeError> {
    let reason = optional_text("reason", reason, 500)?;
    let m = meeting(&row(conn, id).await?)?;
    not_cancelled(&m)?;
    record_open(&m)?;
    if adoption_held_here(conn, id).await? {
        return Err(adoption_fixes_it());
    }
    let t = now();
    sqlx::query(
        "UPDATE meetings SET cancelled_at = $1, cancel_reason = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(t)
    .bind(reason)
    .bind(t)
    .bind(id_text(id))
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether anything was recorded at the meeting: attendance, minutes,
/// decisions, or the adoption of other minutes.
pub async fn has_records(conn: &mut AnyConnection, id: Uuid) -> Result<bool, NodeError> {
    let m = meeting(&row(conn, id).await?)?;
    let found = sqlx::query(
        "SELECT 1 AS one FROM meeting_attendance WHERE meeting_id = $1 \
         UNION ALL SELECT 1 AS one FROM meeting_decisions WHERE meeting_id = $1 \
         UNION ALL SELECT 1 AS one FROM meetings WHERE minutes_adopted_at_meeting = $1",
    )
    .bind(id_text(id))
    .fetch_optional(conn)
    .await?;
    Ok(m.minutes_status.is_some() || found.is_some())
}

/// Deletes a meeting and its agenda, only while nothing else was recorded
/// at it; otherwise it is to be cancelled.
pub async fn delete(conn: &mut AnyConnection, id: Uuid) -> Result<(), NodeError> {
    if has_records(conn, id).await? {
        return Err(rule(
            Rule::RecordedMeetingIsKept,
            "des présences, un procès-verbal ou des décisions sont notés à cette réunion : annulez-la plutôt que de la supprimer",
        ));
    }
    sqlx::query("DELETE FROM meeting_agenda_items WHERE meeting_id = $1")
        .bind(id_text(id))
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM meetings WHERE id = $1")
        .bind(id_text(id))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records (or corrects) the attendance of several members at once. Each
/// member at most once; every entry is checked before any is written, and
/// the caller's transaction keeps it all or nothing.
pub async fn record_attendance_list(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    entries: &[(Uuid, AttendanceStatus)],
) -> Result<(), NodeError> {
    let m = open_meeting(conn, meeting_id).await?;
    if entries.is_empty() {
        return Err(invalid("entries", "at least one member"));
    }
    let distinct: BTreeSet<Uuid> = entries.iter().map(|(member, _)| *member).collect();
    if distinct.len() != entries.len() {
        return Err(invalid("entries", "each member at most once"));
    }
    for (member, _) in entries {
        let member = crate::domain::members::get(conn, *member).await?;
        if member.left_at.is_some_and(|left| left < m.starts_at) {
            return Err(rule(
                Rule::MemberLeftBeforeMeeting,
                "ce membre avait quitté le comité avant cette réunion",
            ));
        }
    }
    for (member, status) in entries {
        record_attendance(conn, meeting_id, *member, *status).await?;
    }
    Ok(())
}

/// The meeting of a decision, checked to be that meeting's.
async fn decision_of(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    decision: Uuid,
) -> Result<(), NodeError> {
    let found = sqlx::query("SELECT meeting_id FROM meeting_decisions WHERE id = $1")
        .bind(id_text(decision))
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(r) if r.try_get::<String, _>("meeting_id")? == id_text(meeting_id) => Ok(()),
        _ => Err(not_found(format!(
            "decision {decision} of meeting {meeting_id}"
        ))),
    }
}

/// Corrects a decision's text and the proposal it is about, while the
/// meeting's minutes are not adopted.
pub async fn correct_decision(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    decision: Uuid,
    new_text: &str,
    proposal: Option<Uuid>,
) -> Result<(), NodeError> {
    let new_text = text("text", new_text, 2000)?;
    open_meeting(conn, meeting_id).await?;
    decision_of(conn, meeting_id, decision).await?;
    require_proposal(conn, proposal).await?;
    sqlx::query("UPDATE meeting_decisions SET text = $1, proposal_id = $2 WHERE id = $3")
        .bind(new_text)
        .bind(proposal.map(id_text))
        .bind(id_text(decision))
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes back a decision recorded by mistake, while the meeting's minutes
/// are not adopted.
pub async fn remove_decision(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    decision: Uuid,
) -> Result<(), NodeError> {
    open_meeting(conn, meeting_id).await?;
    decision_of(conn, meeting_id, decision).await?;
    sqlx::query("DELETE FROM meeting_decisions WHERE id = $1")
        .bind(id_text(decision))
        .execute(conn)
        .await?;
    Ok(())
}
