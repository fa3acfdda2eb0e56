//! Support is the committee's (issue #16): a member *suggests* that the
//! committee support a shared proposal, with a word if they wish; the
//! suggestion stays on this node and is never sent. The support becomes the
//! committee's when the committee decides it: an administrator confirms
//! (the committee's `support.given`, [`super::support`]) or sets the
//! suggestions aside. Either way they are *settled* and kept for the record
//! (who, when, what became of it) without their word: the word that counts
//! is the committee's comment, which its erasure takes back (a settled
//! word would be a copy `domain::erasure` does not know).
//!
//! An administrator may also say at which of the committee's local meetings
//! the support was decided ([`record_decision`]): stored beside the
//! committee's own support, never sent.

use passerelle_protocol::body::ProposalRef;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::{id_text, parse_uuid, proposal_ref, require_shared_for_action};
use crate::clock::now;
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::validate::{not_found, optional_text};

/// A suggestion's outcome: the committee gave its support.
pub const CONFIRMED: &str = "confirmed";
/// A suggestion's outcome: the committee did not follow it.
pub const SET_ASIDE: &str = "set_aside";

/// The longest word that goes with a suggestion (as a support's comment).
pub const WORD_MAX: usize = 1000;

/// A member's suggestion that the committee support a proposal, pending.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub proposal: ProposalRef,
    /// The account that suggested it.
    pub account_id: i64,
    /// Who suggested it: the member's name when the account is a member's,
    /// else the account's name.
    pub by: String,
    /// The word that goes with it, if any.
    pub word: Option<String>,
    /// When (Unix seconds); suggesting again moves it.
    pub suggested_at: i64,
}

/// Records (or replaces) `account`'s suggestion that the committee support
/// `proposal` (another service's shared proposal, or this service's own).
/// Refused when the committee already supports it. `me` is this service.
pub async fn suggest(
    conn: &mut AnyConnection,
    me: &str,
    account: i64,
    proposal: &ProposalRef,
    word: Option<&str>,
) -> Result<(), NodeError> {
    let word = optional_text("word", word, WORD_MAX)?;
    require_shared_for_action(conn, proposal).await?;
    if committee_supports(conn, me, proposal).await? {
        return Err(rule(
            Rule::AlreadySupported,
            "the committee already supports this proposal",
        ));
    }
    sqlx::query(
        "INSERT INTO support_suggestions (service_id, proposal_id, account_id, word, suggested_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (service_id, proposal_id, account_id) \
         DO UPDATE SET word = excluded.word, suggested_at = excluded.suggested_at, \
         outcome = NULL, settled_at = NULL, settled_by = NULL",
    )
    .bind(proposal.service.as_str())
    .bind(id_text(&proposal.proposal))
    .bind(account)
    .bind(word)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// `account` takes its pending suggestion back (it is forgotten).
pub async fn take_back(
    conn: &mut AnyConnection,
    account: i64,
    proposal: &ProposalRef,
) -> Result<(), NodeError> {
    let done = sqlx::query(
        "DELETE FROM support_suggestions WHERE service_id = $1 AND proposal_id = $2 \
         AND account_id = $3 AND outcome IS NULL",
    )
    .bind(proposal.service.as_str())
    .bind(id_text(&proposal.proposal))
    .bind(account)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(no_suggestion());
    }
    Ok(())
}

fn no_suggestion() -> NodeError {
    rule(
        Rule::NoSuggestion,
        "nobody suggested supporting this proposal (or it was settled already)",
    )
}

/// Settles every pending suggestion about `proposal` with `outcome`
/// ([`CONFIRMED`] or [`SET_ASIDE`]), by the administrator `by`. Returns
/// how many were settled.
pub async fn settle(
    conn: &mut AnyConnection,
    proposal: &ProposalRef,
    outcome: &str,
    by: &str,
) -> Result<u64, NodeError> {
    let done = sqlx::query(
        "UPDATE support_suggestions SET outcome = $1, settled_at = $2, settled_by = $3, word = NULL \
         WHERE service_id = $4 AND proposal_id = $5 AND outcome IS NULL",
    )
    .bind(outcome)
    .bind(now())
    .bind(by)
    .bind(proposal.service.as_str())
    .bind(id_text(&proposal.proposal))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The committee does not follow the pending suggestions about `proposal`:
/// refused when there is none.
pub async fn set_aside(
    conn: &mut AnyConnection,
    proposal: &ProposalRef,
    by: &str,
) -> Result<(), NodeError> {
    if settle(conn, proposal, SET_ASIDE, by).await? == 0 {
        return Err(no_suggestion());
    }
    Ok(())
}

/// Pending suggestions, oldest first; only `account`'s when given.
pub async fn pending(
    conn: &mut AnyConnection,
    account: Option<i64>,
) -> Result<Vec<Suggestion>, NodeError> {
    let rows = sqlx::query(
        "SELECT s.service_id, s.proposal_id, s.account_id, s.word, s.suggested_at, \
         a.username, m.display_name \
         FROM support_suggestions s \
         LEFT JOIN accounts a ON a.id = s.account_id \
         LEFT JOIN members m ON m.id = a.member_id \
         WHERE s.outcome IS NULL AND ($1 < 0 OR s.account_id = $2) \
         ORDER BY s.suggested_at, s.service_id, s.proposal_id, s.account_id",
    )
    .bind(account.unwrap_or(-1))
    .bind(account.unwrap_or(-1))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let name: Option<String> = r.try_get("display_name")?;
            let username: Option<String> = r.try_get("username")?;
            Ok(Suggestion {
                proposal: proposal_ref(
                    &r.try_get::<String, _>("service_id")?,
                    &r.try_get::<String, _>("proposal_id")?,
                )?,
                account_id: r.try_get("account_id")?,
                by: name
                    .filter(|n| !n.is_empty())
                    .or(username)
                    .unwrap_or_default(),
                word: r.try_get("word")?,
                suggested_at: r.try_get("suggested_at")?,
            })
        })
        .collect()
}

/// Records that the committee's support of `proposal` was decided at its
/// local meeting `meeting` (one that took place and was not cancelled).
/// `me` is this service; the support must be given already.
pub async fn record_decision(
    conn: &mut AnyConnection,
    me: &str,
    proposal: &ProposalRef,
    meeting: Uuid,
) -> Result<(), NodeError> {
    let row = sqlx::query("SELECT starts_at, cancelled_at FROM meetings WHERE id = $1")
        .bind(id_text(&meeting))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(format!("meeting {meeting}")))?;
    let starts_at: i64 = row.try_get("starts_at")?;
    let cancelled: Option<i64> = row.try_get("cancelled_at")?;
    if cancelled.is_some() {
        return Err(rule(
            Rule::MeetingCancelled,
            "this meeting was cancelled: nothing was decided there",
        ));
    }
    if starts_at > now() {
        return Err(rule(
            Rule::DecisionAtAMeetingHeld,
            "a support is decided at a meeting that took place already",
        ));
    }
    sqlx::query(
        "UPDATE supports SET decided_at_meeting = $1 \
         WHERE service_id = $2 AND proposal_id = $3 AND supporter = $4",
    )
    .bind(id_text(&meeting))
    .bind(proposal.service.as_str())
    .bind(id_text(&proposal.proposal))
    .bind(me)
    .execute(conn)
    .await?;
    Ok(())
}

/// The local meeting at which the committee decided its support of
/// `proposal`, if an administrator said so.
pub async fn decided_at(
    conn: &mut AnyConnection,
    me: &str,
    proposal: &ProposalRef,
) -> Result<Option<Uuid>, NodeError> {
    let row = sqlx::query(
        "SELECT decided_at_meeting FROM supports \
         WHERE service_id = $1 AND proposal_id = $2 AND supporter = $3",
    )
    .bind(proposal.service.as_str())
    .bind(id_text(&proposal.proposal))
    .bind(me)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => r
            .try_get::<Option<String>, _>("decided_at_meeting")?
            .as_deref()
            .map(parse_uuid)
            .transpose(),
        None => Ok(None),
    }
}

/// Whether this service (`me`) supports `proposal`.
async fn committee_supports(
    conn: &mut AnyConnection,
    me: &str,
    proposal: &ProposalRef,
) -> Result<bool, NodeError> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM supports WHERE service_id = $1 AND proposal_id = $2 AND supporter = $3",
    )
    .bind(proposal.service.as_str())
    .bind(id_text(&proposal.proposal))
    .bind(me)
    .fetch_optional(conn)
    .await?
    .is_some())
}
