//! A local meeting's agenda. An item may be about one of the committee's
//! proposals, another service's shared proposal, or the inter-service
//! committee: a joint meeting to prepare as a whole, or one point of its
//! agenda. On the last three the committee takes a position (its
//! delegates' mandate, [`crate::domain::positions`]).

use super::*;
use crate::domain::joint;

/// What an item is about, checked: at most one subject, each known here.
async fn checked_topic(conn: &mut AnyConnection, item: &NewAgendaItem) -> Result<(), NodeError> {
    let subjects = [
        item.proposal.is_some(),
        item.shared_proposal.is_some(),
        item.joint_meeting.is_some(),
    ];
    if subjects.iter().filter(|s| **s).count() > 1 {
        return Err(invalid(
            "proposal",
            "one subject per item: a proposal, another service's proposal, or a joint meeting",
        ));
    }
    if item.joint_point.is_some() && item.joint_meeting.is_none() {
        return Err(invalid("joint_point", "a point of the joint meeting given"));
    }
    require_proposal(conn, item.proposal).await?;
    if let Some(r) = &item.shared_proposal {
        joint::require_shared_for_action(conn, r).await?;
    }
    if let Some(m) = &item.joint_meeting {
        match joint::meeting_status(conn, m).await?.as_deref() {
            Some(joint::PUBLISHED) => {}
            Some(joint::CANCELLED) => {
                return Err(rule(
                    Rule::JointMeetingCancelled,
                    "this joint meeting was cancelled",
                ))
            }
            _ => return Err(not_found(format!("joint meeting {m}"))),
        }
        if let Some(point) = &item.joint_point {
            if !joint::agenda(conn, m)
                .await?
                .iter()
                .any(|l| l.point.as_ref() == Some(point))
            {
                return Err(not_found(format!("point {point} of joint meeting {m}")));
            }
        }
    }
    Ok(())
}

/// Adds an item at the end of the agenda.
pub async fn add_agenda_item(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    item: &NewAgendaItem,
) -> Result<Uuid, NodeError> {
    let title = text("title", &item.title, 200)?;
    let description = optional_text("description", item.description.as_deref(), 2000)?;
    not_cancelled(&meeting(&row(conn, meeting_id).await?)?)?;
    checked_topic(conn, item).await?;
    let position: i64 = sqlx::query(
        "SELECT COALESCE(MAX(position), 0) AS p FROM meeting_agenda_items WHERE meeting_id = $1",
    )
    .bind(id_text(meeting_id))
    .fetch_one(&mut *conn)
    .await?
    .try_get("p")?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO meeting_agenda_items (id, meeting_id, position, title, description, proposal_id, \
         created_at, other_service_id, other_proposal_id, joint_meeting_id, joint_point_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id_text(id))
    .bind(id_text(meeting_id))
    .bind(position + 1)
    .bind(title)
    .bind(description)
    .bind(item.proposal.map(id_text))
    .bind(now())
    .bind(item.shared_proposal.as_ref().map(|r| r.service.as_str().to_owned()))
    .bind(item.shared_proposal.as_ref().map(|r| id_text(r.proposal)))
    .bind(item.joint_meeting.map(id_text))
    .bind(item.joint_point.map(id_text))
    .execute(conn)
    .await?;
    Ok(id)
}

/// A meeting's agenda, in order, with the titles of what the items are
/// about.
pub async fn items(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
) -> Result<Vec<AgendaItem>, NodeError> {
    sqlx::query(
        "SELECT a.id, a.position, a.title, a.description, a.proposal_id, p.title AS proposal_title, \
         a.other_service_id, a.other_proposal_id, f.title AS other_title, \
         a.joint_meeting_id, a.joint_point_id, j.title AS joint_title \
         FROM meeting_agenda_items a LEFT JOIN proposals p ON p.id = a.proposal_id \
         LEFT JOIN federated_proposals f ON f.service_id = a.other_service_id \
           AND f.proposal_id = a.other_proposal_id \
         LEFT JOIN joint_meetings j ON j.id = a.joint_meeting_id \
         WHERE a.meeting_id = $1 ORDER BY a.position, a.id",
    )
    .bind(id_text(meeting_id))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let shared_proposal = match (
            r.try_get::<Option<String>, _>("other_service_id")?,
            r.try_get::<Option<String>, _>("other_proposal_id")?,
        ) {
            (Some(s), Some(p)) => Some(joint::proposal_ref(&s, &p)?),
            _ => None,
        };
        Ok(AgendaItem {
            id: stored_uuid(&r.try_get::<String, _>("id")?)?,
            position: r.try_get("position")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            proposal: optional_uuid(r.try_get("proposal_id")?)?,
            proposal_title: r.try_get("proposal_title")?,
            shared_proposal,
            shared_proposal_title: r.try_get("other_title")?,
            joint_meeting: optional_uuid(r.try_get("joint_meeting_id")?)?,
            joint_meeting_title: r.try_get("joint_title")?,
            joint_point: optional_uuid(r.try_get("joint_point_id")?)?,
        })
    })
    .collect()
}

/// One item of a meeting's agenda.
pub async fn agenda_item(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    item: Uuid,
) -> Result<AgendaItem, NodeError> {
    items(conn, meeting_id)
        .await?
        .into_iter()
        .find(|i| i.id == item)
        .ok_or_else(|| not_found(format!("agenda item {item} of meeting {meeting_id}")))
}

/// Puts the agenda in the order of `items`, which must name every item of
/// the meeting's agenda exactly once.
pub async fn reorder_agenda(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    items: &[Uuid],
) -> Result<(), NodeError> {
    row(conn, meeting_id).await?;
    let current = sqlx::query("SELECT id FROM meeting_agenda_items WHERE meeting_id = $1")
        .bind(id_text(meeting_id))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| stored_uuid(&r.try_get::<String, _>("id")?))
        .collect::<Result<BTreeSet<Uuid>, NodeError>>()?;
    let wanted: BTreeSet<Uuid> = items.iter().copied().collect();
    if wanted.len() != items.len() || wanted != current {
        return Err(invalid(
            "items",
            "every item of this meeting's agenda, each exactly once",
        ));
    }
    for (i, id) in items.iter().enumerate() {
        sqlx::query("UPDATE meeting_agenda_items SET position = $1 WHERE id = $2")
            .bind(i as i64 + 1)
            .bind(id_text(*id))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Removes an item from the meeting's agenda.
pub async fn remove_agenda_item(
    conn: &mut AnyConnection,
    meeting_id: Uuid,
    item: Uuid,
) -> Result<(), NodeError> {
    let done = sqlx::query("DELETE FROM meeting_agenda_items WHERE id = $1 AND meeting_id = $2")
        .bind(id_text(item))
        .bind(id_text(meeting_id))
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(not_found(format!(
            "agenda item {item} of meeting {meeting_id}"
        )));
    }
    Ok(())
}
