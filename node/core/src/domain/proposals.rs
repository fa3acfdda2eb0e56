//! A service's own proposals and their life cycle.
//!
//! idea → discussed → sent to management → answer (accepted / adapted /
//! refused, with its text) → in progress → realised; abandoned from any
//! open state; an abandoned or realised proposal may be reopened, back to
//! the status it had before ([`reopen_target`]). Its title, text and theme
//! may be corrected ([`correct`]). Every change is kept in the history
//! (who, when, comment; for a correction, the old and new titles).
//! Only an explicit [`share`] makes a proposal leave the node; after that,
//! its changes follow automatically, in the same transaction as the change.

use passerelle_protocol::body::Text;
use passerelle_protocol::body::{
    ManagementAnswer, Origin, ProposalStatus, ProposalUpdate, ProposalWithdrawal, SharedProposal,
    Theme,
};
use passerelle_protocol::{Body, Date};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::{enum_text, parse_enum};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::log::OwnStream;

/// Sharing state of a proposal.
pub const NOT_SHARED: i64 = 0;
pub const SHARED: i64 = 1;
pub const WITHDRAWN: i64 = 2;

/// What a new proposal needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct NewProposal {
    pub title: String,
    pub description: String,
    pub theme: Theme,
    #[serde(default)]
    pub tags: Vec<String>,
    pub origin: Origin,
}

/// A proposal as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub theme: Theme,
    pub tags: Vec<String>,
    pub origin: Origin,
    pub status: ProposalStatus,
    pub answer: Option<ManagementAnswer>,
    pub shared: i64,
}

/// Whether the life cycle allows `from` → `to`. The one place of the life
/// cycle: forward steps, abandoning from any open state, and reopening a
/// closed proposal ([`is_closed`]) to an open state it can have been in
/// before (the action chooses which, [`reopen_target`]).
pub fn transition_allowed(from: ProposalStatus, to: ProposalStatus) -> bool {
    use ProposalStatus::*;
    matches!(
        (from, to),
        (Idea, Discussed)
            | (Discussed, SentToManagement)
            | (SentToManagement, Accepted | Adapted | Refused)
            | (Accepted | Adapted, InProgress | Realised)
            | (InProgress, Realised)
            | (Refused, Discussed)
            | (
                Idea | Discussed | SentToManagement | Accepted | Adapted | InProgress,
                Abandoned
            )
            | (
                Abandoned,
                Idea | Discussed | SentToManagement | Accepted | Adapted | InProgress
            )
            | (Realised, Accepted | Adapted | InProgress)
    )
}

/// Abandoned or realised: out of the list of proposals under way, until
/// reopened.
pub fn is_closed(status: ProposalStatus) -> bool {
    matches!(status, ProposalStatus::Abandoned | ProposalStatus::Realised)
}

/// Where a closed proposal goes back when reopened: the status it had just
/// before it was closed (the history's last step into its current status),
/// or, if the history does not say, `discussed` (abandoned) or
/// `in_progress` (realised). `None` if it is not closed.
pub fn reopen_target(status: ProposalStatus, history: &[HistoryEntry]) -> Option<ProposalStatus> {
    if !is_closed(status) {
        return None;
    }
    let before = history
        .iter()
        .rev()
        .find(|h| h.to_status == status && h.step == HistoryStep::Status)
        .and_then(|h| h.from_status)
        .filter(|from| transition_allowed(status, *from));
    let fallback = if status == ProposalStatus::Realised {
        ProposalStatus::InProgress
    } else {
        ProposalStatus::Discussed
    };
    Some(before.unwrap_or(fallback))
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), NodeError> {
    crate::validate::text(field, value, max).map(|_| ())
}

/// Records a new proposal (status `idea`). It stays on this node.
pub async fn create(
    conn: &mut AnyConnection,
    actor: &str,
    p: &NewProposal,
) -> Result<Uuid, NodeError> {
    check_text("title", &p.title, 200)?;
    check_text("description", &p.description, 8000)?;
    let id = Uuid::now_v7();
    let t = now();
    sqlx::query(
        "INSERT INTO proposals (id, title, description, theme, tags, origin, status, shared, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'idea', 0, $7, $8)",
    )
    .bind(id.hyphenated().to_string())
    .bind(p.title.trim())
    .bind(p.description.trim())
    .bind(enum_text(&p.theme))
    .bind(serde_json::to_string(&p.tags).unwrap_or_else(|_| "[]".into()))
    .bind(enum_text(&p.origin))
    .bind(t)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    record_history(
        conn,
        id,
        actor,
        None,
        ProposalStatus::Idea,
        None,
        HistoryStep::Status,
    )
    .await?;
    Ok(id)
}

async fn record_history(
    conn: &mut AnyConnection,
    id: Uuid,
    actor: &str,
    from: Option<ProposalStatus>,
    to: ProposalStatus,
    comment: Option<&str>,
    step: HistoryStep,
) -> Result<(), NodeError> {
    sqlx::query(
        "INSERT INTO proposal_history (proposal_id, at, actor, from_status, to_status, comment, step) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.hyphenated().to_string())
    .bind(now())
    .bind(actor)
    .bind(from.map(|f| enum_text(&f)))
    .bind(enum_text(&to))
    .bind(comment)
    .bind(match step {
        HistoryStep::Status => None,
        other => Some(enum_text(&other)),
    })
    .execute(conn)
    .await?;
    Ok(())
}

/// A proposal's title, text and theme, as an administrator corrects them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct Correction {
    pub title: String,
    pub description: String,
    pub theme: Theme,
}

/// Corrects a proposal's title, text and theme; returns whether anything
/// changed (nothing changed: nothing recorded, nothing sent). The history
/// keeps who, when, the old and new titles, whether the text changed, the
/// old and new themes. A shared proposal's correction is announced
/// (`proposal.updated` with the changed fields, sealed like every text) in
/// the same transaction.
pub async fn correct(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    id: Uuid,
    actor: &str,
    c: &Correction,
) -> Result<bool, NodeError> {
    check_text("title", &c.title, 200)?;
    check_text("description", &c.description, 8000)?;
    let p = get(conn, id).await?;
    let (title, description) = (c.title.trim(), c.description.trim());
    let new_title = (title != p.title).then_some(title);
    let new_text = (description != p.description).then_some(description);
    let new_theme = (c.theme != p.theme).then_some(c.theme);
    if new_title.is_none() && new_text.is_none() && new_theme.is_none() {
        return Ok(false);
    }
    let stream = match (p.shared == SHARED, stream) {
        (true, None) => return Err(crate::domain::not_joined()),
        (true, Some(s)) => Some(s),
        (false, _) => None,
    };
    sqlx::query(
        "UPDATE proposals SET title = $1, description = $2, theme = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(title)
    .bind(description)
    .bind(enum_text(&c.theme))
    .bind(now())
    .bind(id.hyphenated().to_string())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO proposal_history (proposal_id, at, actor, from_status, to_status, step, \
         old_title, new_title, text_corrected, old_theme, new_theme) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.hyphenated().to_string())
    .bind(now())
    .bind(actor)
    .bind(enum_text(&p.status))
    .bind(enum_text(&p.status))
    .bind(enum_text(&HistoryStep::Corrected))
    .bind(new_title.map(|_| p.title.clone()))
    .bind(new_title)
    .bind(i64::from(new_text.is_some()))
    .bind(new_theme.map(|_| enum_text(&p.theme)))
    .bind(new_theme.map(|t| enum_text(&t)))
    .execute(&mut *conn)
    .await?;
    if let Some(stream) = stream {
        let body = Body::ProposalUpdated(ProposalUpdate {
            proposal: id,
            status: p.status,
            comment: None,
            answer: None,
            title: new_title.map(|t| Text::from(t.to_owned())),
            description: new_text.map(|t| Text::from(t.to_owned())),
            theme: new_theme,
        });
        stream.append(conn, &body).await?;
    }
    Ok(true)
}

pub async fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Proposal, NodeError> {
    let row = sqlx::query(
        "SELECT id, title, description, theme, tags, origin, status, answer_text, answer_date, shared \
         FROM proposals WHERE id = $1",
    )
    .bind(id.hyphenated().to_string())
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| crate::validate::not_found(format!("proposal {id}")))?;
    let answer = match (
        row.try_get::<Option<String>, _>("answer_text")?,
        row.try_get::<Option<String>, _>("answer_date")?,
    ) {
        (Some(text), Some(date)) => Some(ManagementAnswer {
            text: text.into(),
            date: Date::parse(&date)?,
        }),
        _ => None,
    };
    Ok(Proposal {
        id,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        theme: parse_enum(&row.try_get::<String, _>("theme")?)?,
        tags: serde_json::from_str(&row.try_get::<String, _>("tags")?).unwrap_or_default(),
        origin: parse_enum(&row.try_get::<String, _>("origin")?)?,
        status: parse_enum(&row.try_get::<String, _>("status")?)?,
        answer,
        shared: row.try_get("shared")?,
    })
}

/// What a step of the history is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HistoryStep {
    /// A move along the life cycle (or the creation).
    Status,
    /// Title, text or theme corrected (the status is unchanged).
    Corrected,
    /// Back from abandoned or realised.
    Reopened,
}

/// One step of a proposal's life: who, when, from which status to which,
/// why; for a correction, what changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    pub from_status: Option<ProposalStatus>,
    pub to_status: ProposalStatus,
    pub comment: Option<String>,
    pub step: HistoryStep,
    /// A correction of the title: the title before and after.
    pub old_title: Option<String>,
    pub new_title: Option<String>,
    /// A correction of the text (the texts themselves are not kept twice).
    pub text_corrected: bool,
    /// A correction of the theme: before and after.
    pub old_theme: Option<Theme>,
    pub new_theme: Option<Theme>,
}

/// A proposal's whole history, oldest first.
pub async fn history(conn: &mut AnyConnection, id: Uuid) -> Result<Vec<HistoryEntry>, NodeError> {
    let rows = sqlx::query(
        "SELECT at, actor, from_status, to_status, comment, step, old_title, new_title, \
         text_corrected, old_theme, new_theme FROM proposal_history \
         WHERE proposal_id = $1 ORDER BY id",
    )
    .bind(id.hyphenated().to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                from_status: r
                    .try_get::<Option<String>, _>("from_status")?
                    .map(|s| parse_enum(&s))
                    .transpose()?,
                to_status: parse_enum(&r.try_get::<String, _>("to_status")?)?,
                comment: r.try_get("comment")?,
                step: r
                    .try_get::<Option<String>, _>("step")?
                    .map(|s| parse_enum(&s))
                    .transpose()?
                    .unwrap_or(HistoryStep::Status),
                old_title: r.try_get("old_title")?,
                new_title: r.try_get("new_title")?,
                text_corrected: r.try_get::<i64, _>("text_corrected")? != 0,
                old_theme: r
                    .try_get::<Option<String>, _>("old_theme")?
                    .map(|s| parse_enum(&s))
                    .transpose()?,
                new_theme: r
                    .try_get::<Option<String>, _>("new_theme")?
                    .map(|s| parse_enum(&s))
                    .transpose()?,
            })
        })
        .collect()
}

/// Every proposal of this service, most recently changed first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Proposal>, NodeError> {
    let ids = sqlx::query("SELECT id FROM proposals ORDER BY updated_at DESC, id DESC")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for row in ids {
        let id: String = row.try_get("id")?;
        let id = Uuid::parse_str(&id).map_err(|e| NodeError::config(format!("stored id: {e}")))?;
        out.push(get(conn, id).await?);
    }
    Ok(out)
}

/// Shares a proposal with the inter-service committee: the proposal is
/// marked shared and its `proposal.shared` message is queued, together.
pub async fn share(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    id: Uuid,
) -> Result<(), NodeError> {
    let p = get(conn, id).await?;
    if p.shared == SHARED {
        return Err(rule(Rule::AlreadyShared, "this proposal is already shared"));
    }
    sqlx::query("UPDATE proposals SET shared = 1, updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    let body = Body::ProposalShared(SharedProposal {
        proposal: id,
        title: p.title.into(),
        description: p.description.into(),
        theme: p.theme,
        tags: p.tags,
        origin: p.origin,
        status: p.status,
        answer: p.answer,
    });
    stream.append(conn, &body).await?;
    Ok(())
}

/// Stops sharing a proposal; the hub and the other services are told, with
/// the reason if one is given (at most 2000 characters). Without a `stream`
/// (the service has not joined), refused once the reason is found
/// acceptable.
pub async fn withdraw(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), NodeError> {
    let reason = crate::validate::optional_text("reason", reason, 2000)?;
    let stream = stream.ok_or_else(crate::domain::not_joined)?;
    let p = get(conn, id).await?;
    if p.shared != SHARED {
        return Err(rule(Rule::NotShared, "this proposal is not shared"));
    }
    sqlx::query("UPDATE proposals SET shared = 2, updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    stream
        .append(
            conn,
            &Body::ProposalWithdrawn(ProposalWithdrawal {
                proposal: id,
                reason: reason.map(Text::from),
            }),
        )
        .await?;
    Ok(())
}

/// Moves a proposal along its life cycle. An answer (accepted, adapted,
/// refused) needs management's text. A shared proposal's change is queued
/// for the federation in the same transaction.
pub async fn change_status(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    id: Uuid,
    actor: &str,
    to: ProposalStatus,
    comment: Option<String>,
    answer_text: Option<String>,
) -> Result<(), NodeError> {
    let p = get(conn, id).await?;
    if !transition_allowed(p.status, to) {
        return Err(rule(
            Rule::TransitionNotAllowed,
            format!(
                "a proposal cannot go from {} to {}",
                enum_text(&p.status),
                enum_text(&to)
            ),
        ));
    }
    // Reopening keeps management's answer as it was.
    let reopening = is_closed(p.status);
    let answer = if to.has_answer() && !reopening {
        let text = answer_text.ok_or_else(|| {
            rule(
                Rule::AnswerNeedsText,
                "management's answer needs its text (the reason, for a refusal)",
            )
        })?;
        check_text("answer", &text, 4000)?;
        Some(ManagementAnswer {
            text: text.into(),
            date: Date::from_inner(time::OffsetDateTime::now_utc().date()),
        })
    } else {
        None
    };
    sqlx::query(
        "UPDATE proposals SET status = $1, answer_text = COALESCE($2, answer_text), \
         answer_date = COALESCE($3, answer_date), updated_at = $4 WHERE id = $5",
    )
    .bind(enum_text(&to))
    .bind(answer.as_ref().map(|a| a.text.or_empty().to_owned()))
    .bind(answer.as_ref().map(|a| a.date.to_string()))
    .bind(now())
    .bind(id.hyphenated().to_string())
    .execute(&mut *conn)
    .await?;
    let step = if reopening {
        HistoryStep::Reopened
    } else {
        HistoryStep::Status
    };
    record_history(
        conn,
        id,
        actor,
        Some(p.status),
        to,
        comment.as_deref(),
        step,
    )
    .await?;
    if p.shared == SHARED {
        let stream =
            stream.ok_or_else(|| rule(Rule::NotJoined, "this node has not joined a hub"))?;
        let body = Body::ProposalUpdated(ProposalUpdate {
            proposal: id,
            status: to,
            comment: comment.map(Text::from),
            answer,
            title: None,
            description: None,
            theme: None,
        });
        stream.append(conn, &body).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProposalStatus::*;

    #[test]
    fn life_cycle() {
        assert!(transition_allowed(Idea, Discussed));
        assert!(transition_allowed(SentToManagement, Refused));
        assert!(transition_allowed(Refused, Discussed));
        assert!(!transition_allowed(Idea, Realised));
        assert!(!transition_allowed(Realised, Abandoned));
        assert!(!transition_allowed(Idea, Accepted));
        // Reopening: from a closed status to an open one only.
        assert!(transition_allowed(Abandoned, InProgress));
        assert!(transition_allowed(Realised, InProgress));
        assert!(!transition_allowed(Realised, Idea));
        assert!(!transition_allowed(Abandoned, Realised));
        assert!(!transition_allowed(Abandoned, Refused));
    }

    fn step(from: Option<ProposalStatus>, to: ProposalStatus, s: HistoryStep) -> HistoryEntry {
        HistoryEntry {
            at: 0,
            actor: "admin".into(),
            from_status: from,
            to_status: to,
            comment: None,
            step: s,
            old_title: None,
            new_title: None,
            text_corrected: false,
            old_theme: None,
            new_theme: None,
        }
    }

    #[test]
    fn reopening_goes_back_to_the_status_before() {
        use HistoryStep::{Corrected, Reopened, Status};
        let mut h = vec![
            step(None, Idea, Status),
            step(Some(Idea), Discussed, Status),
            step(Some(Discussed), SentToManagement, Status),
            step(Some(SentToManagement), Abandoned, Status),
            step(Some(Abandoned), Abandoned, Corrected),
        ];
        assert_eq!(reopen_target(Abandoned, &h), Some(SentToManagement));
        assert_eq!(reopen_target(Discussed, &h), None, "not closed");
        h.push(step(Some(Abandoned), SentToManagement, Reopened));
        h.push(step(Some(SentToManagement), Accepted, Status));
        h.push(step(Some(Accepted), Realised, Status));
        assert_eq!(reopen_target(Realised, &h), Some(Accepted));
        assert_eq!(
            reopen_target(Realised, &h[..1]),
            Some(InProgress),
            "history silent"
        );
        assert_eq!(reopen_target(Abandoned, &h[..1]), Some(Discussed));
    }
}
