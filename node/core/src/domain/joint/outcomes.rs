//! What joint meetings decided, and whom each decision concerns.
//!
//! Every service receives every decision (the hub relays everything); what
//! differs is which decisions a committee is shown as its own: those about
//! its proposals, about proposals it supports, and about what it took a
//! position on. So the answer comes back to everyone who carried the point,
//! not only to the service that first wrote the proposal.

use std::collections::BTreeSet;

use super::*;

/// Why a decision concerns a committee (the first that applies, in this
/// order).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    /// It names one of the committee's proposals (or its subject does).
    OurProposal,
    /// It names a proposal the committee supports (or its subject does).
    WeSupport,
    /// The committee took a position on the point, the proposal or the
    /// meeting as a whole.
    OurPosition,
}

/// A decision of a joint meeting that concerns a committee.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MyOutcome {
    pub meeting: Uuid,
    pub meeting_title: String,
    pub starts_at: Timestamp,
    pub subject: Option<Uuid>,
    pub subject_title: Option<String>,
    /// The proposals the decision names.
    pub proposals: Vec<ProposalRef>,
    pub decision: String,
    /// Why it concerns this committee.
    pub concern: Concern,
    /// When this node received the outcomes (Unix seconds).
    pub recorded_at: i64,
}

/// What a committee is attached to: its proposals, those it supports, and
/// the topics of its positions (shared, or kept for itself).
struct Ties {
    me: String,
    supported: BTreeSet<ProposalRef>,
    position_proposals: BTreeSet<ProposalRef>,
    /// (meeting, point): a point; (meeting, None): the meeting as a whole.
    position_points: BTreeSet<(String, Option<String>)>,
}

async fn ties(conn: &mut AnyConnection, me: &str) -> Result<Ties, NodeError> {
    let mut t = Ties {
        me: me.to_owned(),
        supported: BTreeSet::new(),
        position_proposals: BTreeSet::new(),
        position_points: BTreeSet::new(),
    };
    for r in sqlx::query("SELECT service_id, proposal_id FROM supports WHERE supporter = $1")
        .bind(me)
        .fetch_all(&mut *conn)
        .await?
    {
        t.supported.insert(proposal_ref(
            &r.try_get::<String, _>("service_id")?,
            &r.try_get::<String, _>("proposal_id")?,
        )?);
    }
    // The positions it shared (every node has them), and on a service the
    // ones it keeps for itself.
    let rows = sqlx::query(
        "SELECT meeting_id, point_id, proposal_service, proposal_id FROM joint_positions \
         WHERE origin = $1 UNION ALL SELECT joint_meeting_id AS meeting_id, point_id, \
         proposal_service, proposal_id FROM committee_positions",
    )
    .bind(me)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        if let (Some(s), Some(p)) = (
            r.try_get::<Option<String>, _>("proposal_service")?,
            r.try_get::<Option<String>, _>("proposal_id")?,
        ) {
            t.position_proposals.insert(proposal_ref(&s, &p)?);
        }
        if let Some(m) = r.try_get::<Option<String>, _>("meeting_id")? {
            t.position_points
                .insert((m, r.try_get::<Option<String>, _>("point_id")?));
        }
    }
    Ok(t)
}

/// Decisions of joint meetings that concern `me` (see [`Concern`]), latest
/// meeting first.
pub async fn outcomes_concerning(
    conn: &mut AnyConnection,
    me: &str,
) -> Result<Vec<MyOutcome>, NodeError> {
    let ties = ties(conn, me).await?;
    let rows = sqlx::query(
        "SELECT o.meeting_id, o.position, o.subject_id, o.decision, m.title, m.starts_at, \
         m.outcomes_at, sj.title AS subject_title \
         FROM joint_outcomes o JOIN joint_meetings m ON m.id = o.meeting_id \
         LEFT JOIN subjects sj ON sj.id = o.subject_id \
         WHERE m.status = $1 ORDER BY m.starts_at DESC, o.meeting_id, o.position",
    )
    .bind(PUBLISHED)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let meeting_id: String = r.try_get("meeting_id")?;
        let position: i64 = r.try_get("position")?;
        let subject: Option<String> = r.try_get("subject_id")?;
        let proposals = outcome_refs(conn, &meeting_id, position).await?;
        let meeting = parse_uuid(&meeting_id)?;
        let Some(concern) = concern(conn, &ties, &meeting, subject.as_deref(), &proposals).await?
        else {
            continue;
        };
        out.push(MyOutcome {
            meeting,
            meeting_title: r.try_get("title")?,
            starts_at: timestamp(r.try_get("starts_at")?)?,
            subject: subject.as_deref().map(parse_uuid).transpose()?,
            subject_title: r.try_get("subject_title")?,
            proposals,
            decision: r.try_get("decision")?,
            concern,
            recorded_at: r
                .try_get::<Option<i64>, _>("outcomes_at")?
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Why one decision concerns the committee, if it does.
async fn concern(
    conn: &mut AnyConnection,
    ties: &Ties,
    meeting: &Uuid,
    subject: Option<&str>,
    named: &[ProposalRef],
) -> Result<Option<Concern>, NodeError> {
    // The decision's proposals, with those of its subject.
    let mut proposals: Vec<ProposalRef> = named.to_vec();
    if let Some(s) = subject {
        for x in sqlx::query(
            "SELECT service_id, proposal_id FROM subject_proposals WHERE subject_id = $1",
        )
        .bind(s)
        .fetch_all(&mut *conn)
        .await?
        {
            proposals.push(proposal_ref(
                &x.try_get::<String, _>("service_id")?,
                &x.try_get::<String, _>("proposal_id")?,
            )?);
        }
    }
    if proposals.iter().any(|r| r.service.as_str() == ties.me) {
        return Ok(Some(Concern::OurProposal));
    }
    if proposals.iter().any(|r| ties.supported.contains(r)) {
        return Ok(Some(Concern::WeSupport));
    }
    if proposals
        .iter()
        .any(|r| ties.position_proposals.contains(r))
    {
        return Ok(Some(Concern::OurPosition));
    }
    let m = id_text(meeting);
    if ties.position_points.contains(&(m.clone(), None)) {
        return Ok(Some(Concern::OurPosition));
    }
    // A point the committee took a position on, that the decision is about
    // (the same subject, or a proposal in common).
    let on_point = agenda(conn, meeting).await?.iter().any(|line| {
        let point = line.point.as_ref().map(id_text);
        point.is_some()
            && ties.position_points.contains(&(m.clone(), point))
            && (subject.is_some() && line.subject.map(|s| id_text(&s)).as_deref() == subject
                || line.proposals.iter().any(|r| named.contains(r)))
    });
    Ok(on_point.then_some(Concern::OurPosition))
}

/// Every decision recorded for `meeting`, in order: its words, its
/// subject's title, the proposals it names.
pub async fn outcomes_of(
    conn: &mut AnyConnection,
    meeting: &Uuid,
) -> Result<Vec<(String, Option<String>, Vec<ProposalRef>)>, NodeError> {
    let id = id_text(meeting);
    let rows = sqlx::query(
        "SELECT o.position, o.decision, sj.title AS subject_title FROM joint_outcomes o \
         LEFT JOIN subjects sj ON sj.id = o.subject_id WHERE o.meeting_id = $1 ORDER BY o.position",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let refs = outcome_refs(conn, &id, r.try_get::<i64, _>("position")?).await?;
        out.push((r.try_get("decision")?, r.try_get("subject_title")?, refs));
    }
    Ok(out)
}

/// The proposals one decision names, in a stable order.
async fn outcome_refs(
    conn: &mut AnyConnection,
    meeting: &str,
    position: i64,
) -> Result<Vec<ProposalRef>, NodeError> {
    sqlx::query(
        "SELECT service_id, proposal_id FROM joint_outcome_proposals \
         WHERE meeting_id = $1 AND position = $2 ORDER BY service_id, proposal_id",
    )
    .bind(meeting)
    .bind(position)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|x| {
        proposal_ref(
            &x.try_get::<String, _>("service_id")?,
            &x.try_get::<String, _>("proposal_id")?,
        )
    })
    .collect()
}
