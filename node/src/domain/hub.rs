//! The coordinator's side of the inter-service committee, at the hub.
//!
//! The coordinator gathers what the services shared (aggregated proposals,
//! with how many services back each one), links proposals of several
//! services that are "the same subject", prepares joint meetings (a draft
//! stays at the hub until it is published), and records their outcomes.
//! Every announcement is a message of the hub's own stream, signed in the
//! transaction of the change, and the hub's own projection is written by
//! the same code the services run on receiving it (`domain::joint`), so
//! the hub and the services see the same thing.
//!
//! Originals are never edited here: a subject only links proposals, and an
//! agenda entry copies what a service proposed, naming it.

use passerelle_protocol::body::{
    AgendaEntry, Delegate, JointMeeting, ManagementAnswer, MeetingCancellation, MeetingOutcomes,
    Origin, Outcome, ProposalRef, ProposalStatus, Subject, Theme,
};
use passerelle_protocol::{Body, NodeId, Timestamp};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::domain::federated::enum_text;
use crate::domain::joint::{
    self, answer, append_checked, id_text, parse_enum, parse_uuid, proposal_ref,
    require_shared_for_action, StoredEntry, CANCELLED, DRAFT, PUBLISHED, SUPPORT_SQL,
};
use crate::domain::rule;
use crate::domain::validate::{invalid, not_found, optional_text, text};
use crate::error::NodeError;
use crate::fed::log::{now, OwnStream};

// ---------------------------------------------------------------------------
// Aggregated proposals.

/// How to order aggregated proposals.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProposalSort {
    /// Most supported first (then most recent).
    #[default]
    Support,
    /// Most recently shared or changed first.
    Recent,
    /// By title, A to Z.
    Title,
}

/// What the coordinator is looking for among shared proposals.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(default)]
pub struct ProposalFilter {
    pub theme: Option<Theme>,
    pub status: Option<ProposalStatus>,
    /// Only this service's proposals.
    pub service: Option<String>,
    /// Words to find in the title or the description (any case).
    pub text: Option<String>,
    /// Also show proposals their service stopped sharing.
    pub include_withdrawn: bool,
    pub sort: ProposalSort,
}

/// A shared proposal in the coordinator's list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AggregatedProposal {
    pub service_id: String,
    /// The service's name, as enrolled.
    pub service_name: Option<String>,
    pub proposal_id: Uuid,
    pub title: String,
    pub description: String,
    pub theme: Theme,
    pub tags: Vec<String>,
    pub origin: Origin,
    pub status: ProposalStatus,
    pub answer: Option<ManagementAnswer>,
    pub withdrawn: bool,
    /// When it was last shared or changed (Unix seconds).
    pub updated_at: i64,
    /// Distinct services backing it, its origin included.
    pub support: i64,
    /// The subject it is linked to, if any.
    pub subject: Option<Uuid>,
}

/// `%text%` for `LIKE … ESCAPE '\'`, lower-cased, with `%`, `_` and `\` taken literally.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The WHERE clause of a filter over `federated_proposals f`, and its
/// values for `$1, $2…` in order.
fn filter_sql(filter: &ProposalFilter) -> (String, Vec<String>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    fn next(values: &mut Vec<String>, value: String) -> String {
        values.push(value);
        format!("${}", values.len())
    }
    if !filter.include_withdrawn {
        clauses.push("f.withdrawn = 0".into());
    }
    if let Some(theme) = &filter.theme {
        let p = next(&mut values, enum_text(theme));
        clauses.push(format!("f.theme = {p}"));
    }
    if let Some(status) = &filter.status {
        let p = next(&mut values, enum_text(status));
        clauses.push(format!("f.status = {p}"));
    }
    if let Some(service) = filter.service.as_deref().filter(|s| !s.trim().is_empty()) {
        let p = next(&mut values, service.trim().to_owned());
        clauses.push(format!("f.service_id = {p}"));
    }
    if let Some(words) = filter.text.as_deref().filter(|s| !s.trim().is_empty()) {
        let pattern = like_pattern(words.trim());
        let a = next(&mut values, pattern.clone());
        let b = next(&mut values, pattern);
        clauses.push(format!(
            "(LOWER(f.title) LIKE {a} ESCAPE '\\' OR LOWER(f.description) LIKE {b} ESCAPE '\\')"
        ));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, values)
}

/// Every shared proposal matching `filter`, in the order it asks for.
pub async fn aggregated(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
) -> Result<Vec<AggregatedProposal>, NodeError> {
    let (where_sql, values) = filter_sql(filter);
    let order = match filter.sort {
        ProposalSort::Support => "support DESC, f.updated_at DESC, f.service_id, f.proposal_id",
        ProposalSort::Recent => "f.updated_at DESC, f.service_id, f.proposal_id",
        ProposalSort::Title => "LOWER(f.title), f.service_id, f.proposal_id",
    };
    let sql = format!(
        "SELECT f.service_id, p.name AS service_name, f.proposal_id, f.title, f.description, \
         f.theme, f.tags, f.origin, f.status, f.answer_text, f.answer_date, f.withdrawn, \
         f.updated_at, sp.subject_id, {SUPPORT_SQL} AS support \
         FROM federated_proposals f \
         LEFT JOIN peers p ON p.id = f.service_id \
         LEFT JOIN subject_proposals sp ON sp.service_id = f.service_id AND sp.proposal_id = f.proposal_id \
         {where_sql} ORDER BY {order}"
    );
    let mut query = sqlx::query(&sql);
    for v in values {
        query = query.bind(v);
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(AggregatedProposal {
                service_id: r.try_get("service_id")?,
                service_name: r.try_get("service_name")?,
                proposal_id: parse_uuid(&r.try_get::<String, _>("proposal_id")?)?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                theme: parse_enum(&r.try_get::<String, _>("theme")?)?,
                tags: serde_json::from_str(&r.try_get::<String, _>("tags")?).unwrap_or_default(),
                origin: parse_enum(&r.try_get::<String, _>("origin")?)?,
                status: parse_enum(&r.try_get::<String, _>("status")?)?,
                answer: answer(r)?,
                withdrawn: r.try_get::<i64, _>("withdrawn")? != 0,
                updated_at: r.try_get("updated_at")?,
                support: r.try_get("support")?,
                subject: r
                    .try_get::<Option<String>, _>("subject_id")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
            })
        })
        .collect()
}

/// How many proposals share one value (a theme, a status, a service).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Count {
    /// The theme or status (`well_being`, `refused`…) or the service id.
    pub key: String,
    pub count: i64,
}

/// Proposals matching a filter, counted three ways.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct ProposalCounts {
    pub total: i64,
    pub by_theme: Vec<Count>,
    pub by_status: Vec<Count>,
    pub by_service: Vec<Count>,
}

/// Counts the proposals [`aggregated`] would list for `filter` (every
/// criterion applies, the sort does not matter), per theme, per status and
/// per service; values with no proposal are left out.
pub async fn counts(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
) -> Result<ProposalCounts, NodeError> {
    let (where_sql, values) = filter_sql(filter);
    let mut out = ProposalCounts::default();
    for column in ["theme", "status", "service_id"] {
        let sql = format!(
            "SELECT f.{column} AS k, COUNT(*) AS n FROM federated_proposals f {where_sql} \
             GROUP BY f.{column} ORDER BY f.{column}"
        );
        let mut query = sqlx::query(&sql);
        for v in &values {
            query = query.bind(v.clone());
        }
        let rows = query.fetch_all(&mut *conn).await?;
        let list = rows
            .iter()
            .map(|r| {
                Ok(Count {
                    key: r.try_get("k")?,
                    count: r.try_get("n")?,
                })
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        match column {
            "theme" => {
                out.total = list.iter().map(|c| c.count).sum();
                out.by_theme = list;
            }
            "status" => out.by_status = list,
            _ => out.by_service = list,
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Subjects: "same subject, several services".

/// A proposal linked to a subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SubjectProposal {
    pub service_id: String,
    pub service_name: Option<String>,
    pub proposal_id: Uuid,
    /// Its title as its service shared it (`None` if unknown here).
    pub title: Option<String>,
    pub withdrawn: bool,
    /// Distinct services backing this proposal alone, its origin included.
    pub support: i64,
}

/// A subject with its proposals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SubjectView {
    pub id: Uuid,
    pub title: String,
    pub proposals: Vec<SubjectProposal>,
    /// Distinct services backing any of its proposals (see [`subject_support`]).
    pub support: i64,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// One line of a subject's log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SubjectLogEntry {
    /// When (Unix seconds).
    pub at: i64,
    /// Who (the coordinator's account).
    pub actor: String,
    /// `link` or `unlink`.
    pub action: String,
    pub proposal: ProposalRef,
}

struct SubjectRow {
    title: String,
    dissolved: bool,
    proposals: Vec<ProposalRef>,
}

async fn subject_row(conn: &mut AnyConnection, subject: &Uuid) -> Result<SubjectRow, NodeError> {
    let id = id_text(subject);
    let row = sqlx::query("SELECT title, dissolved FROM subjects WHERE id = $1")
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(format!("subject {subject}")))?;
    let links = sqlx::query(
        "SELECT service_id, proposal_id FROM subject_proposals WHERE subject_id = $1 ORDER BY position",
    )
    .bind(&id)
    .fetch_all(conn)
    .await?;
    Ok(SubjectRow {
        title: row.try_get("title")?,
        dissolved: row.try_get::<i64, _>("dissolved")? != 0,
        proposals: links
            .iter()
            .map(|r| {
                proposal_ref(
                    &r.try_get::<String, _>("service_id")?,
                    &r.try_get::<String, _>("proposal_id")?,
                )
            })
            .collect::<Result<_, NodeError>>()?,
    })
}

/// A proposal may join a subject if it is shared and in no other subject.
async fn require_linkable(
    conn: &mut AnyConnection,
    r: &ProposalRef,
    subject: &Uuid,
) -> Result<(), NodeError> {
    require_shared_for_action(conn, r).await?;
    let other = sqlx::query(
        "SELECT sp.subject_id, s.title FROM subject_proposals sp JOIN subjects s ON s.id = sp.subject_id \
         WHERE sp.service_id = $1 AND sp.proposal_id = $2",
    )
    .bind(r.service.as_str())
    .bind(id_text(&r.proposal))
    .fetch_optional(conn)
    .await?;
    if let Some(other) = other {
        let other_id: String = other.try_get("subject_id")?;
        let title: String = other.try_get("title")?;
        return Err(rule(if other_id == id_text(subject) {
            format!("this proposal is already linked to \u{ab} {title} \u{bb}")
        } else {
            format!("this proposal already belongs to the subject \u{ab} {title} \u{bb}")
        }));
    }
    Ok(())
}

async fn log_link(
    conn: &mut AnyConnection,
    subject: &Uuid,
    actor: &str,
    action: &str,
    r: &ProposalRef,
) -> Result<(), NodeError> {
    sqlx::query(
        "INSERT INTO subject_log (subject_id, at, actor, action, service_id, proposal_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id_text(subject))
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(r.service.as_str())
    .bind(id_text(&r.proposal))
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the subject as the services will see it, then announces it.
async fn announce_subject(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    subject: Subject,
) -> Result<(), NodeError> {
    joint::apply_subject(conn, &subject).await?;
    append_checked(conn, stream, &Body::SubjectUpdated(subject)).await?;
    Ok(())
}

/// Links proposals of several services under one title. Each proposal must
/// be shared and in no other subject. `actor` is logged for every link.
pub async fn create_subject(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    title: &str,
    proposals: &[ProposalRef],
    actor: &str,
) -> Result<Uuid, NodeError> {
    let title = text("title", title, 200)?;
    if proposals.is_empty() {
        return Err(invalid("proposals", "at least one proposal"));
    }
    let distinct: std::collections::BTreeSet<&ProposalRef> = proposals.iter().collect();
    if distinct.len() != proposals.len() {
        return Err(invalid("proposals", "each proposal once"));
    }
    let id = Uuid::now_v7();
    for r in proposals {
        require_linkable(conn, r, &id).await?;
    }
    let subject = Subject {
        subject: id,
        title,
        proposals: proposals.to_vec(),
    };
    announce_subject(conn, stream, subject).await?;
    for r in proposals {
        log_link(conn, &id, actor, "link", r).await?;
    }
    Ok(id)
}

/// Adds a shared proposal to a subject.
pub async fn link(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    subject: Uuid,
    proposal: ProposalRef,
    actor: &str,
) -> Result<(), NodeError> {
    let current = subject_row(conn, &subject).await?;
    if current.dissolved {
        return Err(rule("this subject was dissolved; create a new one"));
    }
    require_linkable(conn, &proposal, &subject).await?;
    let mut proposals = current.proposals;
    proposals.push(proposal.clone());
    announce_subject(
        conn,
        stream,
        Subject {
            subject,
            title: current.title,
            proposals,
        },
    )
    .await?;
    log_link(conn, &subject, actor, "link", &proposal).await
}

/// Takes a proposal out of a subject; the last one out dissolves it.
pub async fn unlink(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    subject: Uuid,
    proposal: ProposalRef,
    actor: &str,
) -> Result<(), NodeError> {
    let current = subject_row(conn, &subject).await?;
    if !current.proposals.contains(&proposal) {
        return Err(rule("this proposal is not linked to this subject"));
    }
    let proposals: Vec<ProposalRef> = current
        .proposals
        .into_iter()
        .filter(|r| r != &proposal)
        .collect();
    announce_subject(
        conn,
        stream,
        Subject {
            subject,
            title: current.title,
            proposals,
        },
    )
    .await?;
    log_link(conn, &subject, actor, "unlink", &proposal).await
}

/// The number of distinct services backing any proposal of the subject,
/// the proposals' own services included: a service backing two of its
/// proposals counts once. Proposals their service stopped sharing count
/// for nothing.
pub async fn subject_support(conn: &mut AnyConnection, subject: &Uuid) -> Result<i64, NodeError> {
    let id = id_text(subject);
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM ( \
           SELECT sp.service_id AS backer FROM subject_proposals sp \
           WHERE sp.subject_id = $1 AND NOT EXISTS (SELECT 1 FROM federated_proposals w \
             WHERE w.service_id = sp.service_id AND w.proposal_id = sp.proposal_id AND w.withdrawn = 1) \
           UNION \
           SELECT s.supporter AS backer FROM supports s JOIN subject_proposals sp \
             ON sp.service_id = s.service_id AND sp.proposal_id = s.proposal_id \
           WHERE sp.subject_id = $2 AND NOT EXISTS (SELECT 1 FROM federated_proposals w \
             WHERE w.service_id = sp.service_id AND w.proposal_id = sp.proposal_id AND w.withdrawn = 1) \
         ) backers",
    )
    .bind(&id)
    .bind(&id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Every subject still holding proposals, by title.
pub async fn subjects(conn: &mut AnyConnection) -> Result<Vec<SubjectView>, NodeError> {
    let rows = sqlx::query(
        "SELECT id, title, updated_at FROM subjects WHERE dissolved = 0 ORDER BY LOWER(title), id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = parse_uuid(&r.try_get::<String, _>("id")?)?;
        let links = sqlx::query(
            "SELECT sp.service_id, p.name AS service_name, sp.proposal_id, f.title, \
             COALESCE(f.withdrawn, 0) AS withdrawn, \
             (1 + (SELECT COUNT(*) FROM supports s WHERE s.service_id = sp.service_id \
               AND s.proposal_id = sp.proposal_id AND s.supporter <> sp.service_id)) AS support \
             FROM subject_proposals sp \
             LEFT JOIN federated_proposals f ON f.service_id = sp.service_id AND f.proposal_id = sp.proposal_id \
             LEFT JOIN peers p ON p.id = sp.service_id \
             WHERE sp.subject_id = $1 ORDER BY sp.position",
        )
        .bind(id_text(&id))
        .fetch_all(&mut *conn)
        .await?;
        let proposals = links
            .iter()
            .map(|l| {
                Ok(SubjectProposal {
                    service_id: l.try_get("service_id")?,
                    service_name: l.try_get("service_name")?,
                    proposal_id: parse_uuid(&l.try_get::<String, _>("proposal_id")?)?,
                    title: l.try_get("title")?,
                    withdrawn: l.try_get::<i64, _>("withdrawn")? != 0,
                    support: l.try_get("support")?,
                })
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        out.push(SubjectView {
            id,
            title: r.try_get("title")?,
            proposals,
            support: subject_support(conn, &id).await?,
            updated_at: r.try_get("updated_at")?,
        });
    }
    Ok(out)
}

/// Who linked or unlinked which proposal of a subject, and when, oldest first.
pub async fn subject_log(
    conn: &mut AnyConnection,
    subject: &Uuid,
) -> Result<Vec<SubjectLogEntry>, NodeError> {
    let rows = sqlx::query(
        "SELECT at, actor, action, service_id, proposal_id FROM subject_log \
         WHERE subject_id = $1 ORDER BY id",
    )
    .bind(id_text(subject))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SubjectLogEntry {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                proposal: proposal_ref(
                    &r.try_get::<String, _>("service_id")?,
                    &r.try_get::<String, _>("proposal_id")?,
                )?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Joint meetings.

/// When, where and how a joint meeting takes place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MeetingDetails {
    pub title: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub place: String,
    /// e.g. "petit-déjeuner", "réunion", "en ligne".
    pub format: String,
}

/// What an update of a published meeting changes: the details, and the
/// agenda when `agenda` is given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MeetingChanges {
    #[serde(flatten)]
    pub details: MeetingDetails,
    #[serde(default)]
    pub agenda: Option<Vec<AgendaEntryInput>>,
}

/// One agenda entry as the coordinator chooses it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgendaEntryInput {
    /// An item a service proposed: its title, description and service are copied.
    Item { item: Uuid },
    /// A subject: its title and its proposals.
    Subject { subject: Uuid },
    /// An item of the coordinator's own.
    Free {
        title: String,
        #[serde(default)]
        description: Option<String>,
    },
}

/// Checked details, trimmed.
fn check_details(d: &MeetingDetails) -> Result<MeetingDetails, NodeError> {
    if let Some(end) = d.ends_at {
        if end <= d.starts_at {
            return Err(invalid("ends_at", "a time after the start"));
        }
    }
    Ok(MeetingDetails {
        title: text("title", &d.title, 200)?,
        starts_at: d.starts_at,
        ends_at: d.ends_at,
        place: text("place", &d.place, 300)?,
        format: text("format", &d.format, 100)?,
    })
}

async fn require_status(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    wanted: &str,
) -> Result<(), NodeError> {
    match joint::meeting_status(conn, meeting).await? {
        None => Err(not_found(format!("joint meeting {meeting}"))),
        Some(s) if s == wanted => Ok(()),
        Some(s) => Err(rule(match (wanted, s.as_str()) {
            (DRAFT, _) => "this meeting was already published".to_owned(),
            (_, DRAFT) => "this meeting is a draft: publish it first".to_owned(),
            (_, CANCELLED) => "this meeting was cancelled".to_owned(),
            (_, other) => format!("this meeting is {other}"),
        })),
    }
}

async fn store_details(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    d: &MeetingDetails,
) -> Result<(), NodeError> {
    sqlx::query(
        "UPDATE joint_meetings SET title = $1, starts_at = $2, ends_at = $3, place = $4, \
         format = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&d.title)
    .bind(d.starts_at.unix())
    .bind(d.ends_at.map(|e| e.unix()))
    .bind(&d.place)
    .bind(&d.format)
    .bind(now())
    .bind(id_text(meeting))
    .execute(conn)
    .await?;
    Ok(())
}

/// Prepares a joint meeting at the hub; nothing is announced yet.
pub async fn create_meeting_draft(
    conn: &mut AnyConnection,
    details: &MeetingDetails,
) -> Result<Uuid, NodeError> {
    let d = check_details(details)?;
    let id = Uuid::now_v7();
    let t = now();
    sqlx::query(
        "INSERT INTO joint_meetings (id, title, starts_at, ends_at, place, format, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id_text(&id))
    .bind(&d.title)
    .bind(d.starts_at.unix())
    .bind(d.ends_at.map(|e| e.unix()))
    .bind(&d.place)
    .bind(&d.format)
    .bind(DRAFT)
    .bind(t)
    .bind(t)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Changes a draft's details (a published meeting changes with [`update`]).
pub async fn edit_draft(
    conn: &mut AnyConnection,
    meeting: Uuid,
    details: &MeetingDetails,
) -> Result<(), NodeError> {
    let d = check_details(details)?;
    require_status(conn, &meeting, DRAFT).await?;
    store_details(conn, &meeting, &d).await
}

/// Deletes a draft that was never published.
pub async fn delete_draft(conn: &mut AnyConnection, meeting: Uuid) -> Result<(), NodeError> {
    require_status(conn, &meeting, DRAFT).await?;
    let id = id_text(&meeting);
    sqlx::query("DELETE FROM joint_agenda_entries WHERE meeting_id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM joint_meetings WHERE id = $1")
        .bind(&id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns the coordinator's choices into agenda entries (each service item
/// at most once, and not on another meeting's agenda unless cancelled).
async fn build_agenda(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    inputs: &[AgendaEntryInput],
) -> Result<Vec<(AgendaEntry, Option<Uuid>)>, NodeError> {
    let mut out: Vec<(AgendaEntry, Option<Uuid>)> = Vec::with_capacity(inputs.len());
    for input in inputs {
        match input {
            AgendaEntryInput::Item { item } => {
                if out.iter().any(|(_, i)| i.as_ref() == Some(item)) {
                    return Err(invalid("agenda", "each proposed item once"));
                }
                let id = id_text(item);
                let row = sqlx::query(
                    "SELECT service_id, title, description, proposal_service, proposal_id \
                     FROM joint_agenda_items WHERE id = $1",
                )
                .bind(&id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| not_found(format!("proposed agenda item {item}")))?;
                let used = sqlx::query(
                    "SELECT m.title FROM joint_agenda_entries e JOIN joint_meetings m ON m.id = e.meeting_id \
                     WHERE e.item_id = $1 AND e.meeting_id <> $2 AND m.status <> $3",
                )
                .bind(&id)
                .bind(id_text(meeting))
                .bind(CANCELLED)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(used) = used {
                    let title: String = used.try_get("title")?;
                    return Err(rule(format!(
                        "this item is already on the agenda of \u{ab} {title} \u{bb}"
                    )));
                }
                let proposals = match (
                    row.try_get::<Option<String>, _>("proposal_service")?,
                    row.try_get::<Option<String>, _>("proposal_id")?,
                ) {
                    (Some(s), Some(p)) => vec![proposal_ref(&s, &p)?],
                    _ => Vec::new(),
                };
                out.push((
                    AgendaEntry {
                        title: row.try_get("title")?,
                        description: row.try_get("description")?,
                        subject: None,
                        proposals,
                        proposed_by: Some(NodeId::parse(&row.try_get::<String, _>("service_id")?)?),
                    },
                    Some(*item),
                ));
            }
            AgendaEntryInput::Subject { subject } => {
                if out.iter().any(|(e, _)| e.subject.as_ref() == Some(subject)) {
                    return Err(invalid("agenda", "each subject once"));
                }
                let s = subject_row(conn, subject).await?;
                if s.dissolved {
                    return Err(rule("this subject was dissolved"));
                }
                out.push((
                    AgendaEntry {
                        title: s.title,
                        description: None,
                        subject: Some(*subject),
                        proposals: s.proposals,
                        proposed_by: None,
                    },
                    None,
                ));
            }
            AgendaEntryInput::Free { title, description } => out.push((
                AgendaEntry {
                    title: text("title", title, 200)?,
                    description: optional_text("description", description.as_deref(), 4000)?,
                    subject: None,
                    proposals: Vec::new(),
                    proposed_by: None,
                },
                None,
            )),
        }
    }
    Ok(out)
}

async fn store_built_agenda(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    built: &[(AgendaEntry, Option<Uuid>)],
) -> Result<(), NodeError> {
    let entries: Vec<StoredEntry<'_>> = built
        .iter()
        .map(|(entry, item)| StoredEntry { entry, item: *item })
        .collect();
    joint::store_agenda(conn, meeting, &entries).await
}

/// Sets a draft's agenda, in the given order (replacing the previous one).
pub async fn set_agenda(
    conn: &mut AnyConnection,
    meeting: Uuid,
    entries: &[AgendaEntryInput],
) -> Result<(), NodeError> {
    require_status(conn, &meeting, DRAFT).await?;
    let built = build_agenda(conn, &meeting, entries).await?;
    store_built_agenda(conn, &meeting, &built).await
}

/// The meeting as announced, from what is stored.
async fn announced(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    notice: Option<String>,
) -> Result<JointMeeting, NodeError> {
    let m = joint::meeting(conn, meeting).await?;
    Ok(JointMeeting {
        meeting: m.id,
        title: m.title,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        place: m.place,
        format: m.format,
        agenda: m
            .agenda
            .iter()
            .map(joint::AgendaLine::to_entry)
            .collect::<Result<_, NodeError>>()?,
        notice,
    })
}

/// Announces a draft to the services (`meeting.published`).
pub async fn publish(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    meeting: Uuid,
) -> Result<(), NodeError> {
    require_status(conn, &meeting, DRAFT).await?;
    let body = announced(conn, &meeting, None).await?;
    sqlx::query(
        "UPDATE joint_meetings SET status = $1, notice = NULL, updated_at = $2 WHERE id = $3",
    )
    .bind(PUBLISHED)
    .bind(now())
    .bind(id_text(&meeting))
    .execute(&mut *conn)
    .await?;
    append_checked(conn, stream, &Body::MeetingPublished(body)).await?;
    Ok(())
}

async fn require_not_over(conn: &mut AnyConnection, meeting: &Uuid) -> Result<(), NodeError> {
    if joint::has_outcomes(conn, meeting).await? {
        return Err(rule(
            "the outcomes of this meeting were recorded: it took place",
        ));
    }
    Ok(())
}

/// Changes a published meeting and tells the services what changed
/// (`notice`, required) with `meeting.updated`.
pub async fn update(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    meeting: Uuid,
    changes: &MeetingChanges,
    notice: &str,
) -> Result<(), NodeError> {
    let notice = text("notice", notice, 1000)?;
    let d = check_details(&changes.details)?;
    require_status(conn, &meeting, PUBLISHED).await?;
    require_not_over(conn, &meeting).await?;
    store_details(conn, &meeting, &d).await?;
    if let Some(agenda) = &changes.agenda {
        let built = build_agenda(conn, &meeting, agenda).await?;
        store_built_agenda(conn, &meeting, &built).await?;
    }
    sqlx::query("UPDATE joint_meetings SET notice = $1 WHERE id = $2")
        .bind(&notice)
        .bind(id_text(&meeting))
        .execute(&mut *conn)
        .await?;
    let body = announced(conn, &meeting, Some(notice)).await?;
    append_checked(conn, stream, &Body::MeetingUpdated(body)).await?;
    Ok(())
}

/// Cancels a published meeting (`meeting.cancelled`), saying why. A draft
/// is deleted instead ([`delete_draft`]); a meeting with outcomes took place.
pub async fn cancel(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    meeting: Uuid,
    notice: &str,
) -> Result<(), NodeError> {
    let notice = text("notice", notice, 1000)?;
    require_status(conn, &meeting, PUBLISHED).await?;
    require_not_over(conn, &meeting).await?;
    let body = MeetingCancellation { meeting, notice };
    joint::apply_cancellation(conn, &body).await?;
    append_checked(conn, stream, &Body::MeetingCancelled(body)).await?;
    Ok(())
}

/// One decision, as the coordinator writes it up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OutcomeInput {
    /// A subject on the meeting's agenda.
    #[serde(default)]
    pub subject: Option<Uuid>,
    /// Proposals on the meeting's agenda; for a subject, empty means the
    /// subject's proposals as they were on the agenda.
    #[serde(default)]
    pub proposals: Vec<ProposalRef>,
    pub decision: String,
}

/// Records the minutes and decisions of a published meeting
/// (`meeting.outcomes`); recording again replaces them. Every decision is
/// about a subject or proposals that were on the agenda.
pub async fn record_outcomes(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    meeting: Uuid,
    minutes: &str,
    outcomes: &[OutcomeInput],
) -> Result<(), NodeError> {
    let minutes = text("minutes", minutes, 12_000)?;
    require_status(conn, &meeting, PUBLISHED).await?;
    let agenda = joint::agenda(conn, &meeting).await?;
    let mut list = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        let decision = text("decision", &o.decision, 4000)?;
        if o.subject.is_none() && o.proposals.is_empty() {
            return Err(invalid(
                "outcomes",
                "a subject or proposals for each decision",
            ));
        }
        let distinct: std::collections::BTreeSet<&ProposalRef> = o.proposals.iter().collect();
        if distinct.len() != o.proposals.len() {
            return Err(invalid("proposals", "each proposal once"));
        }
        let mut proposals = o.proposals.clone();
        if let Some(s) = &o.subject {
            let line = agenda
                .iter()
                .find(|l| l.subject.as_ref() == Some(s))
                .ok_or_else(|| rule("this subject was not on the meeting's agenda"))?;
            if proposals.is_empty() {
                proposals = line.proposals.clone();
            }
        }
        for r in &o.proposals {
            if !agenda.iter().any(|l| l.proposals.contains(r)) {
                return Err(rule(format!(
                    "proposal {} of {} was not on the meeting's agenda",
                    r.proposal, r.service
                )));
            }
        }
        list.push(Outcome {
            subject: o.subject,
            proposals,
            decision,
        });
    }
    let body = MeetingOutcomes {
        meeting,
        minutes,
        outcomes: list,
    };
    joint::apply_outcomes(conn, &body).await?;
    append_checked(conn, stream, &Body::MeetingOutcomes(body)).await?;
    Ok(())
}

/// Every joint meeting, soonest first, drafts included.
pub async fn meetings(conn: &mut AnyConnection) -> Result<Vec<joint::MeetingView>, NodeError> {
    let rows = sqlx::query("SELECT id FROM joint_meetings ORDER BY starts_at, id")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = parse_uuid(&r.try_get::<String, _>("id")?)?;
        out.push(joint::meeting(conn, &id).await?);
    }
    Ok(out)
}

/// An agenda item a service proposed, not yet on a meeting's agenda.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProposedItem {
    pub id: Uuid,
    pub service_id: String,
    pub service_name: Option<String>,
    pub title: String,
    pub description: Option<String>,
    /// The proposal it is about, if any.
    pub proposal: Option<ProposalRef>,
    /// The meeting it was meant for, if the service named one.
    pub meeting: Option<Uuid>,
    /// When it arrived (Unix seconds).
    pub received_at: i64,
}

/// Items the services proposed that are on no meeting's agenda (a
/// cancelled meeting frees its items), oldest first.
pub async fn proposed_agenda_items(
    conn: &mut AnyConnection,
) -> Result<Vec<ProposedItem>, NodeError> {
    let rows = sqlx::query(
        "SELECT i.id, i.service_id, p.name AS service_name, i.title, i.description, \
         i.proposal_service, i.proposal_id, i.meeting_id, i.received_at \
         FROM joint_agenda_items i LEFT JOIN peers p ON p.id = i.service_id \
         WHERE NOT EXISTS (SELECT 1 FROM joint_agenda_entries e JOIN joint_meetings m ON m.id = e.meeting_id \
           WHERE e.item_id = i.id AND m.status <> $1) \
         ORDER BY i.received_at, i.id",
    )
    .bind(CANCELLED)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ProposedItem {
                id: parse_uuid(&r.try_get::<String, _>("id")?)?,
                service_id: r.try_get("service_id")?,
                service_name: r.try_get("service_name")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                proposal: match (
                    r.try_get::<Option<String>, _>("proposal_service")?,
                    r.try_get::<Option<String>, _>("proposal_id")?,
                ) {
                    (Some(s), Some(p)) => Some(proposal_ref(&s, &p)?),
                    _ => None,
                },
                meeting: r
                    .try_get::<Option<String>, _>("meeting_id")?
                    .as_deref()
                    .map(parse_uuid)
                    .transpose()?,
                received_at: r.try_get("received_at")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Member services.

/// A member service, as the coordinator follows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MemberService {
    pub id: String,
    pub name: String,
    /// `active` or `revoked`.
    pub status: String,
    pub joined_at: i64,
    /// Last time the service reached the hub (Unix seconds).
    pub last_seen_at: Option<i64>,
    /// The last message of its stream the hub accepted (0: none yet).
    pub stream_seq: i64,
    /// Its delegates, as it last sent them.
    pub delegates: Vec<Delegate>,
    /// Its proposals currently shared.
    pub shared_proposals: i64,
    /// In plain French: "à jour", "silencieux depuis 3 jours", "révoqué"…
    pub sync_health: String,
}

/// Ten minutes: a service that pushed or pulled this recently is up to date.
pub const FRESH_SECS: i64 = 600;

/// How a member's synchronisation looks, in plain French.
pub fn sync_health(status: &str, last_seen_at: Option<i64>, now: i64) -> String {
    if status == crate::fed::peers::REVOKED {
        return "révoqué".into();
    }
    let Some(seen) = last_seen_at else {
        return "jamais connecté".into();
    };
    let quiet = (now - seen).max(0);
    let plural = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("silencieux depuis 1 {one}")
        } else {
            format!("silencieux depuis {n} {many}")
        }
    };
    match quiet {
        q if q <= FRESH_SECS => "à jour".into(),
        q if q < 3600 => plural(q / 60, "minute", "minutes"),
        q if q < 86_400 => plural(q / 3600, "heure", "heures"),
        q => plural(q / 86_400, "jour", "jours"),
    }
}

/// Every member service, by name, with its delegates and sync health.
pub async fn member_services(conn: &mut AnyConnection) -> Result<Vec<MemberService>, NodeError> {
    let t = now();
    let rows = sqlx::query(
        "SELECT p.id, p.name, p.status, p.joined_at, p.last_seen_at, \
         COALESCE(h.seq, 0) AS stream_seq, \
         (SELECT COUNT(*) FROM federated_proposals f WHERE f.service_id = p.id AND f.withdrawn = 0) AS shared \
         FROM peers p LEFT JOIN stream_heads h ON h.origin = p.id \
         WHERE p.role = $1 ORDER BY p.name, p.id",
    )
    .bind("service")
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        let status: String = r.try_get("status")?;
        let last_seen_at: Option<i64> = r.try_get("last_seen_at")?;
        out.push(MemberService {
            name: r.try_get("name")?,
            joined_at: r.try_get("joined_at")?,
            stream_seq: r.try_get("stream_seq")?,
            shared_proposals: r.try_get("shared")?,
            delegates: joint::delegates_of(conn, &id).await?,
            sync_health: sync_health(&status, last_seen_at, t),
            last_seen_at,
            status,
            id,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::domain::joint::tests::{give, last_body, member, messages, share, ts, withdraw, Me};
    use passerelle_protocol::body::{AgendaItemProposal, DelegateList, DelegateRole};
    use passerelle_protocol::Date;
    use ProposalStatus::{Idea, Refused, SentToManagement};
    use Theme::{Accessibility, Reception, WellBeing};

    fn ids(list: &[AggregatedProposal]) -> Vec<Uuid> {
        list.iter().map(|p| p.proposal_id).collect()
    }

    fn filter() -> ProposalFilter {
        ProposalFilter::default()
    }

    async fn set_updated(conn: &mut AnyConnection, r: &ProposalRef, at: i64) {
        sqlx::query("UPDATE federated_proposals SET updated_at = $1 WHERE proposal_id = $2")
            .bind(at)
            .bind(id_text(&r.proposal))
            .execute(conn)
            .await
            .unwrap();
    }

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("Café"), "%café%");
        assert_eq!(like_pattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
    }

    #[tokio::test]
    async fn aggregated_filters_sorts_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        member(c, "ssm-a", "SSM de Courcelles").await;
        let ramp = share(
            c,
            "ssm-a",
            "Une RAMPE d'accès",
            "Pour les fauteuils",
            Accessibility,
            Idea,
        )
        .await;
        let coffee = share(
            c,
            "ssm-b",
            "café le matin",
            "Servi à 100% bio",
            Reception,
            SentToManagement,
        )
        .await;
        let garden = share(
            c,
            "ssm-b",
            "Jardin",
            "Un coin_calme dehors",
            WellBeing,
            Refused,
        )
        .await;
        let lift = share(
            c,
            "ssm-c",
            "Ascenseur",
            "Réparer l'ascenseur",
            Accessibility,
            Idea,
        )
        .await;
        let gone = share(c, "ssm-c", "Bancs", "Des bancs", WellBeing, Idea).await;
        set_updated(c, &ramp, 100).await;
        set_updated(c, &coffee, 400).await;
        set_updated(c, &garden, 300).await;
        set_updated(c, &lift, 200).await;
        set_updated(c, &gone, 500).await;

        // lift: origin c + a + b = 3; coffee: b + a = 2 (b's own support adds nothing).
        give(c, "ssm-a", &lift).await;
        give(c, "ssm-b", &lift).await;
        give(c, "ssm-c", &lift).await;
        give(c, "ssm-a", &coffee).await;
        give(c, "ssm-b", &coffee).await;
        give(c, "ssm-a", &gone).await;
        withdraw(c, &gone).await;
        set_updated(c, &gone, 500).await;

        let all = aggregated(c, &filter()).await.unwrap();
        assert_eq!(
            ids(&all),
            vec![
                lift.proposal,
                coffee.proposal,
                garden.proposal,
                ramp.proposal
            ]
        );
        let support: Vec<i64> = all.iter().map(|p| p.support).collect();
        assert_eq!(support, vec![3, 2, 1, 1]);
        assert_eq!(all[3].service_name.as_deref(), Some("SSM de Courcelles"));
        assert_eq!(all[0].theme, Accessibility);

        let recent = aggregated(
            c,
            &ProposalFilter {
                sort: ProposalSort::Recent,
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            ids(&recent),
            vec![
                coffee.proposal,
                garden.proposal,
                lift.proposal,
                ramp.proposal
            ]
        );
        let by_title = aggregated(
            c,
            &ProposalFilter {
                sort: ProposalSort::Title,
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            ids(&by_title),
            vec![
                lift.proposal,
                coffee.proposal,
                garden.proposal,
                ramp.proposal
            ]
        );

        let with_gone = aggregated(
            c,
            &ProposalFilter {
                include_withdrawn: true,
                sort: ProposalSort::Recent,
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(with_gone[0].proposal_id, gone.proposal);
        assert!(with_gone[0].withdrawn);
        assert_eq!(with_gone[0].support, 2);

        let theme = aggregated(
            c,
            &ProposalFilter {
                theme: Some(Accessibility),
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(ids(&theme), vec![lift.proposal, ramp.proposal]);
        let status = aggregated(
            c,
            &ProposalFilter {
                status: Some(Idea),
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(ids(&status), vec![lift.proposal, ramp.proposal]);
        let service = aggregated(
            c,
            &ProposalFilter {
                service: Some("ssm-b".into()),
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(ids(&service), vec![coffee.proposal, garden.proposal]);
        let combined = aggregated(
            c,
            &ProposalFilter {
                theme: Some(Accessibility),
                service: Some("ssm-a".into()),
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(ids(&combined), vec![ramp.proposal]);

        let find = |t: &str| ProposalFilter {
            text: Some(t.into()),
            ..filter()
        };
        // Case-insensitive, in the title or the description.
        assert_eq!(
            ids(&aggregated(c, &find("rampe")).await.unwrap()),
            vec![ramp.proposal]
        );
        assert_eq!(
            ids(&aggregated(c, &find("CAFÉ")).await.unwrap()),
            vec![coffee.proposal]
        );
        assert_eq!(
            ids(&aggregated(c, &find("fauteuil")).await.unwrap()),
            vec![ramp.proposal]
        );
        // % and _ are plain characters, not wildcards.
        assert_eq!(
            ids(&aggregated(c, &find("100%")).await.unwrap()),
            vec![coffee.proposal]
        );
        assert!(aggregated(c, &find("%")).await.unwrap().len() == 1);
        assert_eq!(
            ids(&aggregated(c, &find("coin_calme")).await.unwrap()),
            vec![garden.proposal]
        );
        assert!(aggregated(c, &find("_")).await.unwrap().len() == 1);
        assert!(aggregated(c, &find("bancs")).await.unwrap().is_empty());
        assert!(aggregated(c, &find("   ")).await.unwrap().len() == 4);

        let n = counts(c, &filter()).await.unwrap();
        assert_eq!(n.total, 4);
        let pairs = |v: &[Count]| {
            v.iter()
                .map(|c| (c.key.clone(), c.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            pairs(&n.by_theme),
            vec![
                ("accessibility".into(), 2),
                ("reception".into(), 1),
                ("well_being".into(), 1)
            ]
        );
        assert_eq!(
            pairs(&n.by_status),
            vec![
                ("idea".into(), 2),
                ("refused".into(), 1),
                ("sent_to_management".into(), 1)
            ]
        );
        assert_eq!(
            pairs(&n.by_service),
            vec![
                ("ssm-a".into(), 1),
                ("ssm-b".into(), 2),
                ("ssm-c".into(), 1)
            ]
        );
        let n = counts(
            c,
            &ProposalFilter {
                include_withdrawn: true,
                theme: Some(WellBeing),
                ..filter()
            },
        )
        .await
        .unwrap();
        assert_eq!(n.total, 2);
        assert_eq!(
            pairs(&n.by_service),
            vec![("ssm-b".into(), 1), ("ssm-c".into(), 1)]
        );
    }

    #[tokio::test]
    async fn subjects_link_log_and_count_each_service_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let hub = Me::hub();
        let s = hub.stream();
        let pa = share(c, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
        let pb = share(c, "ssm-b", "Ascenseur", "Un ascenseur", Accessibility, Idea).await;
        let pb2 = share(
            c,
            "ssm-b",
            "Portes",
            "Des portes larges",
            Accessibility,
            Idea,
        )
        .await;
        let pc = share(c, "ssm-c", "Café", "Du café", Reception, Idea).await;

        assert_eq!(
            create_subject(c, &s, "Accès", &[], "coord")
                .await
                .unwrap_err()
                .code(),
            "invalid_field"
        );
        let unknown = ProposalRef {
            service: pa.service.clone(),
            proposal: Uuid::now_v7(),
        };
        assert_eq!(
            create_subject(c, &s, "Accès", &[pa.clone(), unknown.clone()], "coord")
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert!(messages(c).await.is_empty());

        let subject = create_subject(
            c,
            &s,
            " Accès aux locaux ",
            &[pa.clone(), pb.clone()],
            "coord",
        )
        .await
        .unwrap();
        match last_body(c).await {
            Body::SubjectUpdated(x) => {
                assert_eq!(x.subject, subject);
                assert_eq!(x.title, "Accès aux locaux");
                assert_eq!(x.proposals, vec![pa.clone(), pb.clone()]);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(subject_support(c, &subject).await.unwrap(), 2);

        // ssm-c backs both proposals of the subject: it counts once.
        give(c, "ssm-c", &pa).await;
        give(c, "ssm-c", &pb).await;
        // ssm-a backs the other proposal: it already counts as an origin.
        give(c, "ssm-a", &pb).await;
        assert_eq!(subject_support(c, &subject).await.unwrap(), 3);

        // Linking a second proposal of ssm-b adds no service.
        link(c, &s, subject, pb2.clone(), "coord2").await.unwrap();
        assert_eq!(subject_support(c, &subject).await.unwrap(), 3);
        match last_body(c).await {
            Body::SubjectUpdated(x) => {
                assert_eq!(x.proposals, vec![pa.clone(), pb.clone(), pb2.clone()])
            }
            other => panic!("unexpected {other:?}"),
        }
        let listed = subjects(c).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].support, 3);
        assert_eq!(listed[0].proposals.len(), 3);
        assert_eq!(listed[0].proposals[0].title.as_deref(), Some("Rampe"));
        assert_eq!(listed[0].proposals[0].support, 2);
        assert_eq!(listed[0].proposals[1].support, 3);
        let agg = aggregated(c, &filter()).await.unwrap();
        assert!(agg.iter().filter(|p| p.subject == Some(subject)).count() == 3);
        // The originals are untouched.
        assert_eq!(
            agg.iter()
                .find(|p| p.proposal_id == pa.proposal)
                .unwrap()
                .title,
            "Rampe"
        );

        let before = messages(c).await.len();
        for (r, code) in [
            (pb2.clone(), "domain_rule"),   // already in this subject
            (unknown.clone(), "not_found"), // never shared
        ] {
            assert_eq!(
                link(c, &s, subject, r, "coord").await.unwrap_err().code(),
                code
            );
        }
        let other = create_subject(c, &s, "Convivialité", std::slice::from_ref(&pc), "coord")
            .await
            .unwrap();
        assert_eq!(
            link(c, &s, other, pa.clone(), "coord")
                .await
                .unwrap_err()
                .code(),
            "domain_rule",
            "already in another subject"
        );
        assert_eq!(
            create_subject(c, &s, "Doublon", std::slice::from_ref(&pa), "coord")
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert_eq!(
            unlink(c, &s, subject, pc.clone(), "coord")
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert_eq!(
            link(c, &s, Uuid::now_v7(), pc.clone(), "coord")
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert_eq!(
            messages(c).await.len(),
            before + 1,
            "only the second subject was announced"
        );

        // A withdrawn proposal no longer brings its service nor its supporters.
        withdraw(c, &pa).await;
        assert_eq!(
            subject_support(c, &subject).await.unwrap(),
            3,
            "ssm-a and ssm-c back pb"
        );
        unlink(c, &s, subject, pb.clone(), "coord3").await.unwrap();
        assert_eq!(
            subject_support(c, &subject).await.unwrap(),
            1,
            "only pb2's own service"
        );
        match last_body(c).await {
            Body::SubjectUpdated(x) => assert_eq!(x.proposals, vec![pa.clone(), pb2.clone()]),
            other => panic!("unexpected {other:?}"),
        }
        unlink(c, &s, subject, pa.clone(), "coord").await.unwrap();
        unlink(c, &s, subject, pb2.clone(), "coord").await.unwrap();
        match last_body(c).await {
            Body::SubjectUpdated(x) => assert!(x.proposals.is_empty(), "an empty list dissolves"),
            other => panic!("unexpected {other:?}"),
        }
        let listed = subjects(c).await.unwrap();
        assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), vec![other]);
        assert_eq!(
            link(c, &s, subject, pb.clone(), "coord")
                .await
                .unwrap_err()
                .code(),
            "domain_rule",
            "dissolved"
        );
        // Once unlinked, a proposal may join another subject.
        link(c, &s, other, pb.clone(), "coord").await.unwrap();

        let log = subject_log(c, &subject).await.unwrap();
        let summary: Vec<(String, String, ProposalRef)> = log
            .iter()
            .map(|e| (e.actor.clone(), e.action.clone(), e.proposal.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("coord".into(), "link".into(), pa.clone()),
                ("coord".into(), "link".into(), pb.clone()),
                ("coord2".into(), "link".into(), pb2.clone()),
                ("coord3".into(), "unlink".into(), pb.clone()),
                ("coord".into(), "unlink".into(), pa.clone()),
                ("coord".into(), "unlink".into(), pb2.clone()),
            ]
        );
        assert!(log.iter().all(|e| e.at > 0));
    }

    fn details(title: &str, starts: i64) -> MeetingDetails {
        MeetingDetails {
            title: title.into(),
            starts_at: ts(starts),
            ends_at: Some(ts(starts + 7200)),
            place: "Maison des associations, Charleroi".into(),
            format: "petit-déjeuner".into(),
        }
    }

    async fn proposed_item(
        conn: &mut AnyConnection,
        service: &str,
        title: &str,
        proposal: Option<ProposalRef>,
    ) -> Uuid {
        let item = AgendaItemProposal {
            item: Uuid::now_v7(),
            title: title.into(),
            description: Some(format!("{title}, expliqué")),
            proposal,
            meeting: None,
        };
        joint::apply_agenda_item(conn, service, Uuid::now_v7(), &item)
            .await
            .unwrap();
        item.item
    }

    #[tokio::test]
    async fn meeting_life_cycle() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let hub = Me::hub();
        let s = hub.stream();
        let t = now();
        let pa = share(c, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
        let pb = share(c, "ssm-b", "Ascenseur", "Un ascenseur", Accessibility, Idea).await;
        let pc = share(c, "ssm-c", "Café", "Du café", Reception, Idea).await;
        let subject = create_subject(c, &s, "Accès", &[pa.clone(), pb.clone()], "coord")
            .await
            .unwrap();
        let coffee_item = proposed_item(c, "ssm-c", "Le café", Some(pc.clone())).await;
        let free_item = proposed_item(c, "ssm-b", "Le bus", None).await;
        assert_eq!(proposed_agenda_items(c).await.unwrap().len(), 2);

        let mut bad = details("Comité", t + 86_400);
        bad.ends_at = Some(ts(t));
        assert_eq!(
            create_meeting_draft(c, &bad).await.unwrap_err().code(),
            "invalid_field"
        );
        let m = create_meeting_draft(c, &details("Comité inter-SSM", t + 86_400))
            .await
            .unwrap();
        let sent = messages(c).await.len();

        // Nothing but publishing applies to a draft.
        let changes = MeetingChanges {
            details: details("Comité", t + 86_400),
            agenda: None,
        };
        assert_eq!(
            update(c, &s, m, &changes, "Autre salle")
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert_eq!(
            cancel(c, &s, m, "Annulé").await.unwrap_err().code(),
            "domain_rule"
        );
        assert_eq!(
            record_outcomes(c, &s, m, "PV", &[])
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert!(
            joint::upcoming_meetings(c, t).await.unwrap().is_empty(),
            "a draft is not announced"
        );

        set_agenda(
            c,
            m,
            &[
                AgendaEntryInput::Free {
                    title: "Accueil et café".into(),
                    description: None,
                },
                AgendaEntryInput::Subject { subject },
                AgendaEntryInput::Item { item: coffee_item },
            ],
        )
        .await
        .unwrap();
        assert_eq!(
            set_agenda(
                c,
                m,
                &[AgendaEntryInput::Item {
                    item: Uuid::now_v7()
                }]
            )
            .await
            .unwrap_err()
            .code(),
            "not_found"
        );
        let left = proposed_agenda_items(c).await.unwrap();
        assert_eq!(
            left.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![free_item]
        );
        // An item is on one meeting's agenda only.
        let m2 = create_meeting_draft(c, &details("Comité suivant", t + 30 * 86_400))
            .await
            .unwrap();
        assert_eq!(
            set_agenda(c, m2, &[AgendaEntryInput::Item { item: coffee_item }])
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert_eq!(messages(c).await.len(), sent, "drafts sign nothing");

        publish(c, &s, m).await.unwrap();
        let published = match last_body(c).await {
            Body::MeetingPublished(x) => x,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(published.meeting, m);
        assert_eq!(published.format, "petit-déjeuner");
        let titles: Vec<&str> = published.agenda.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, vec!["Accueil et café", "Accès", "Le café"]);
        assert_eq!(published.agenda[1].subject, Some(subject));
        assert_eq!(published.agenda[1].proposals, vec![pa.clone(), pb.clone()]);
        assert_eq!(
            published.agenda[2].proposed_by.as_ref().map(|n| n.as_str()),
            Some("ssm-c")
        );
        assert_eq!(
            published.agenda[2].description.as_deref(),
            Some("Le café, expliqué")
        );
        assert_eq!(published.agenda[2].proposals, vec![pc.clone()]);
        assert_eq!(publish(c, &s, m).await.unwrap_err().code(), "domain_rule");
        assert_eq!(
            set_agenda(c, m, &[]).await.unwrap_err().code(),
            "domain_rule",
            "a published agenda changes with an update"
        );
        let up = joint::upcoming_meetings(c, t).await.unwrap();
        assert_eq!(up.len(), 1);
        assert_eq!(up[0].agenda.len(), 3);

        assert_eq!(
            update(c, &s, m, &changes, "  ").await.unwrap_err().code(),
            "invalid_field"
        );
        let changes = MeetingChanges {
            details: MeetingDetails {
                place: "CPAS de Gosselies".into(),
                ..details("Comité inter-SSM", t + 86_400)
            },
            agenda: Some(vec![
                AgendaEntryInput::Subject { subject },
                AgendaEntryInput::Item { item: coffee_item },
                AgendaEntryInput::Item { item: free_item },
            ]),
        };
        update(c, &s, m, &changes, "Nouvelle salle, à Gosselies")
            .await
            .unwrap();
        match last_body(c).await {
            Body::MeetingUpdated(x) => {
                assert_eq!(x.place, "CPAS de Gosselies");
                assert_eq!(x.notice.as_deref(), Some("Nouvelle salle, à Gosselies"));
                assert_eq!(x.agenda.len(), 3);
                assert_eq!(x.agenda[2].title, "Le bus");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(proposed_agenda_items(c).await.unwrap().is_empty());

        // Outcomes name what was on the agenda.
        let off_agenda = OutcomeInput {
            subject: None,
            proposals: vec![
                pa.clone(),
                pb.clone(),
                ProposalRef {
                    service: pc.service.clone(),
                    proposal: Uuid::now_v7(),
                },
            ],
            decision: "x".into(),
        };
        assert_eq!(
            record_outcomes(c, &s, m, "PV", &[off_agenda])
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        let pd = share(c, "ssm-d", "Bancs", "Des bancs", WellBeing, Idea).await;
        let other_subject = create_subject(c, &s, "Autre", &[pd], "coord")
            .await
            .unwrap();
        let wrong_subject = OutcomeInput {
            subject: Some(other_subject),
            proposals: vec![],
            decision: "x".into(),
        };
        assert_eq!(
            record_outcomes(c, &s, m, "PV", &[wrong_subject])
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        let empty = OutcomeInput {
            subject: None,
            proposals: vec![],
            decision: "x".into(),
        };
        assert_eq!(
            record_outcomes(c, &s, m, "PV", &[empty])
                .await
                .unwrap_err()
                .code(),
            "invalid_field"
        );
        let decisions = [
            OutcomeInput {
                subject: Some(subject),
                proposals: vec![],
                decision: "Courrier commun.".into(),
            },
            OutcomeInput {
                subject: None,
                proposals: vec![pc.clone()],
                decision: "Café pour tous.".into(),
            },
        ];
        record_outcomes(c, &s, m, "Procès-verbal du comité", &decisions)
            .await
            .unwrap();
        match last_body(c).await {
            Body::MeetingOutcomes(x) => {
                assert_eq!(x.minutes, "Procès-verbal du comité");
                assert_eq!(
                    x.outcomes[0].proposals,
                    vec![pa.clone(), pb.clone()],
                    "the subject's proposals"
                );
                assert_eq!(x.outcomes[1].proposals, vec![pc.clone()]);
            }
            other => panic!("unexpected {other:?}"),
        }
        let of_a = joint::outcomes_for_my_proposals(c, "ssm-a").await.unwrap();
        assert_eq!(of_a.len(), 1);
        assert_eq!(of_a[0].decision, "Courrier commun.");
        assert_eq!(
            cancel(c, &s, m, "Trop tard").await.unwrap_err().code(),
            "domain_rule"
        );
        assert_eq!(
            update(c, &s, m, &changes, "Trop tard")
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );

        // Another meeting: published, then cancelled; its items come back.
        let late = proposed_item(c, "ssm-b", "Le parking", None).await;
        set_agenda(
            c,
            m2,
            &[
                AgendaEntryInput::Free {
                    title: "Bilan".into(),
                    description: Some("de l'année".into()),
                },
                AgendaEntryInput::Item { item: late },
            ],
        )
        .await
        .unwrap();
        publish(c, &s, m2).await.unwrap();
        assert!(proposed_agenda_items(c).await.unwrap().is_empty());
        cancel(c, &s, m2, "Grève des bus").await.unwrap();
        let left = proposed_agenda_items(c).await.unwrap();
        assert_eq!(left.iter().map(|i| i.id).collect::<Vec<_>>(), vec![late]);
        match last_body(c).await {
            Body::MeetingCancelled(x) => {
                assert_eq!(x.meeting, m2);
                assert_eq!(x.notice, "Grève des bus");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            cancel(c, &s, m2, "encore").await.unwrap_err().code(),
            "domain_rule"
        );
        assert_eq!(
            record_outcomes(c, &s, m2, "PV", &[])
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert_eq!(
            update(c, &s, m2, &changes, "x").await.unwrap_err().code(),
            "domain_rule"
        );
        assert_eq!(joint::meeting(c, &m2).await.unwrap().status, CANCELLED);

        // A draft can be deleted; it frees its items.
        let hours = proposed_item(c, "ssm-a", "Les horaires", None).await;
        let m3 = create_meeting_draft(c, &details("Brouillon", t + 60 * 86_400))
            .await
            .unwrap();
        set_agenda(c, m3, &[AgendaEntryInput::Item { item: hours }])
            .await
            .unwrap();
        assert_eq!(proposed_agenda_items(c).await.unwrap().len(), 1);
        delete_draft(c, m3).await.unwrap();
        assert_eq!(
            joint::meeting(c, &m3).await.unwrap_err().code(),
            "not_found"
        );
        let left = proposed_agenda_items(c).await.unwrap();
        assert_eq!(
            left.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![late, hours]
        );
        assert_eq!(hub_meeting_count(c).await, 2);
    }

    async fn hub_meeting_count(conn: &mut AnyConnection) -> usize {
        meetings(conn).await.unwrap().len()
    }

    /// What the hub announces, a service applies to the same view.
    #[tokio::test]
    async fn services_see_what_the_hub_sees() {
        let hub_dir = tempfile::tempdir().unwrap();
        let hub_db = Db::temp_sqlite(hub_dir.path()).await.unwrap();
        let svc_dir = tempfile::tempdir().unwrap();
        let svc_db = Db::temp_sqlite(svc_dir.path()).await.unwrap();
        let mut hw = hub_db.begin_write().await.unwrap();
        let mut sw = svc_db.begin_write().await.unwrap();
        let (h, v) = (hw.conn(), sw.conn());
        let hub = Me::hub();
        let s = hub.stream();
        let t = now();
        let pa = share(h, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
        let pb = share(h, "ssm-b", "Ascenseur", "Un ascenseur", Accessibility, Idea).await;
        for (svc, r) in [("ssm-a", &pa), ("ssm-b", &pb)] {
            // The service receives the same proposals (ids included).
            let body = sqlx::query(
                "SELECT title, description FROM federated_proposals WHERE proposal_id = $1",
            )
            .bind(id_text(&r.proposal))
            .fetch_one(&mut *h)
            .await
            .unwrap();
            sqlx::query(
                "INSERT INTO federated_proposals (service_id, proposal_id, title, description, theme, tags, origin, status, withdrawn, shared_message, updated_at) \
                 VALUES ($1, $2, $3, $4, 'accessibility', '[]', 'committee', 'idea', 0, 'x', 1)",
            )
            .bind(svc)
            .bind(id_text(&r.proposal))
            .bind(body.try_get::<String, _>("title").unwrap())
            .bind(body.try_get::<String, _>("description").unwrap())
            .execute(&mut *v)
            .await
            .unwrap();
        }
        let subject = create_subject(h, &s, "Accès", &[pa.clone(), pb.clone()], "coord")
            .await
            .unwrap();
        let m = create_meeting_draft(h, &details("Comité", t + 86_400))
            .await
            .unwrap();
        set_agenda(h, m, &[AgendaEntryInput::Subject { subject }])
            .await
            .unwrap();
        publish(h, &s, m).await.unwrap();
        record_outcomes(
            h,
            &s,
            m,
            "PV",
            &[OutcomeInput {
                subject: Some(subject),
                proposals: vec![],
                decision: "Oui".into(),
            }],
        )
        .await
        .unwrap();
        for (_, body) in messages(h).await {
            match body {
                Body::SubjectUpdated(x) => joint::apply_subject(v, &x).await.unwrap(),
                Body::MeetingPublished(x) => joint::apply_meeting(v, &x, true).await.unwrap(),
                Body::MeetingUpdated(x) => joint::apply_meeting(v, &x, false).await.unwrap(),
                Body::MeetingCancelled(x) => joint::apply_cancellation(v, &x).await.unwrap(),
                Body::MeetingOutcomes(x) => joint::apply_outcomes(v, &x).await.unwrap(),
                other => panic!("unexpected {other:?}"),
            }
        }
        let mut at_hub = joint::meeting(h, &m).await.unwrap();
        let at_service = joint::meeting(v, &m).await.unwrap();
        // Only the hub knows which service item an entry came from (none here).
        for line in &mut at_hub.agenda {
            line.item = None;
        }
        assert_eq!(at_hub, at_service);
        assert_eq!(
            joint::outcomes_for_my_proposals(h, "ssm-b").await.unwrap(),
            joint::outcomes_for_my_proposals(v, "ssm-b").await.unwrap()
        );
        // Same subjects (their local change times may differ by a second).
        let timeless = |mut list: Vec<SubjectView>| {
            for x in &mut list {
                x.updated_at = 0;
            }
            list
        };
        let at_hub = timeless(subjects(h).await.unwrap());
        assert_eq!(at_hub.len(), 1);
        assert_eq!(at_hub[0].support, 2);
        assert_eq!(at_hub, timeless(subjects(v).await.unwrap()));
    }

    #[test]
    fn sync_health_in_plain_french() {
        let t = 1_000_000_000;
        assert_eq!(sync_health("active", Some(t - 30), t), "à jour");
        assert_eq!(sync_health("active", Some(t - 600), t), "à jour");
        assert_eq!(
            sync_health("active", Some(t - 660), t),
            "silencieux depuis 11 minutes"
        );
        assert_eq!(
            sync_health("active", Some(t - 3600), t),
            "silencieux depuis 1 heure"
        );
        assert_eq!(
            sync_health("active", Some(t - 5 * 3600), t),
            "silencieux depuis 5 heures"
        );
        assert_eq!(
            sync_health("active", Some(t - 86_400), t),
            "silencieux depuis 1 jour"
        );
        assert_eq!(
            sync_health("active", Some(t - 3 * 86_400 - 5), t),
            "silencieux depuis 3 jours"
        );
        assert_eq!(sync_health("active", None, t), "jamais connecté");
        assert_eq!(sync_health("revoked", Some(t), t), "révoqué");
    }

    #[tokio::test]
    async fn member_services_with_delegates_and_health() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        member(c, "ssm-a", "SSM A").await;
        member(c, "ssm-b", "SSM B").await;
        member(c, "ssm-c", "SSM C").await;
        crate::fed::peers::upsert(
            c,
            "hub-other",
            "Un hub",
            "hub",
            "active",
            None,
            &[Me::hub().keys.public_key()],
        )
        .await
        .unwrap();
        crate::fed::peers::touch(c, "ssm-a").await.unwrap();
        sqlx::query("UPDATE peers SET last_seen_at = $1 WHERE id = $2")
            .bind(now() - 3 * 86_400 - 60)
            .bind("ssm-b")
            .execute(&mut *c)
            .await
            .unwrap();
        crate::fed::peers::set_status(c, "ssm-c", crate::fed::peers::REVOKED)
            .await
            .unwrap();
        crate::fed::log::set_head(c, "ssm-a", 7, &passerelle_protocol::Hash::of(b"x"))
            .await
            .unwrap();
        share(c, "ssm-a", "Rampe", "Une rampe", Accessibility, Idea).await;
        let delegates = DelegateList {
            delegates: vec![Delegate {
                label: "Délégué·e 1".into(),
                role: DelegateRole::Delegate,
                term_start: Date::parse("2026-01-01").unwrap(),
                term_end: None,
            }],
        };
        joint::apply_delegates(c, "ssm-a", &delegates)
            .await
            .unwrap();

        let list = member_services(c).await.unwrap();
        let summary: Vec<(&str, i64, usize, i64, &str)> = list
            .iter()
            .map(|m| {
                (
                    m.id.as_str(),
                    m.stream_seq,
                    m.delegates.len(),
                    m.shared_proposals,
                    m.sync_health.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("ssm-a", 7, 1, 1, "à jour"),
                ("ssm-b", 0, 0, 0, "silencieux depuis 3 jours"),
                ("ssm-c", 0, 0, 0, "révoqué"),
            ]
        );
        assert_eq!(list[0].delegates, delegates.delegates);
        assert!(list[0].last_seen_at.is_some());
    }
}
