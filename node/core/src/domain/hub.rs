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
use std::collections::BTreeMap;

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::enum_text;
use crate::domain::joint::{
    self, answer, append_checked, id_text, parse_enum, parse_uuid, proposal_ref,
    require_shared_for_action, StoredEntry, CANCELLED, DRAFT, PUBLISHED,
};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::log::OwnStream;
use crate::validate::{invalid, invalid_by, not_found, optional_text, text};

mod meetings;
pub use meetings::*;

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
    /// The services backing it (its origin left out), with their words.
    pub supporters: Vec<joint::Supporter>,
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
/// values for `$1, $2…` in order. `conn` tells the database engine.
fn filter_sql(conn: &AnyConnection, filter: &ProposalFilter) -> (String, Vec<String>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    fn next(values: &mut Vec<String>, value: String) -> String {
        values.push(value);
        format!("${}", values.len())
    }
    let words = filter.text.as_deref().filter(|s| !s.trim().is_empty());
    if !filter.include_withdrawn {
        // The indexes of migration 0008 hold only proposals still shared,
        // for queries saying `f.withdrawn = 0`. A search for words reads
        // every row anyway: `+` keeps SQLite from walking an index and
        // fetching the rows in its order (five times slower than reading
        // the table through at 50,000 proposals). Same rows either way.
        clauses.push(if words.is_some() {
            "+f.withdrawn = 0".into()
        } else {
            "f.withdrawn = 0".into()
        });
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
    if let Some(words) = words {
        let pattern = like_pattern(words.trim());
        let a = next(&mut values, pattern.clone());
        let b = next(&mut values, pattern);
        // The pattern is lower case. PostgreSQL's LIKE tells case apart, so
        // the text is lowered first. SQLite's LIKE ignores the case of
        // ASCII letters and its LOWER changes only those: lowering there
        // would match the same rows at twice the cost.
        let (title, description) = if is_sqlite(conn) {
            ("f.title", "f.description")
        } else {
            ("LOWER(f.title)", "LOWER(f.description)")
        };
        clauses.push(format!(
            "({title} LIKE {a} ESCAPE '\\' OR {description} LIKE {b} ESCAPE '\\')"
        ));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, values)
}

fn is_sqlite(conn: &AnyConnection) -> bool {
    conn.backend_name().eq_ignore_ascii_case("sqlite")
}

/// Every shared proposal matching `filter`, in the order it asks for.
pub async fn aggregated(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
) -> Result<Vec<AggregatedProposal>, NodeError> {
    aggregated_in(conn, filter, None).await
}

/// [`aggregated`], `limit` of them from the `offset`-th on (a page of a
/// list that may hold tens of thousands).
pub async fn aggregated_page(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
    offset: u32,
    limit: u32,
) -> Result<Vec<AggregatedProposal>, NodeError> {
    aggregated_in(conn, filter, Some((offset, limit))).await
}

async fn aggregated_in(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
    page: Option<(u32, u32)>,
) -> Result<Vec<AggregatedProposal>, NodeError> {
    let (where_sql, values) = filter_sql(conn, filter);
    // Numbers, not text: safe to write into the statement.
    let page_sql = page.map_or(String::new(), |(offset, limit)| {
        format!(" LIMIT {limit} OFFSET {offset}")
    });
    let order = match filter.sort {
        ProposalSort::Support => "f.support DESC, f.updated_at DESC, f.service_id, f.proposal_id",
        ProposalSort::Recent => "f.updated_at DESC, f.service_id, f.proposal_id",
        ProposalSort::Title => "LOWER(f.title), f.service_id, f.proposal_id",
    };
    let sql = format!(
        "SELECT f.service_id, p.name AS service_name, f.proposal_id, f.title, f.description, \
         f.theme, f.tags, f.origin, f.status, f.answer_text, f.answer_date, f.withdrawn, \
         f.updated_at, sp.subject_id, f.support \
         FROM federated_proposals f \
         LEFT JOIN peers p ON p.id = f.service_id \
         LEFT JOIN subject_proposals sp ON sp.service_id = f.service_id AND sp.proposal_id = f.proposal_id \
         {where_sql} ORDER BY {order}{page_sql}"
    );
    let mut query = sqlx::query(&sql);
    for v in values {
        query = query.bind(v);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut list = rows
        .iter()
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
                supporters: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, NodeError>>()?;
    let keys: Vec<(String, Uuid)> = list
        .iter()
        .map(|p| (p.service_id.clone(), p.proposal_id))
        .collect();
    let mut supporters = joint::supporters_of(conn, &keys).await?;
    for p in &mut list {
        p.supporters = supporters
            .remove(&(p.service_id.clone(), p.proposal_id))
            .unwrap_or_default();
    }
    Ok(list)
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
/// per service; values with no proposal are left out. Each list is in the
/// order of its keys.
///
/// One pass over the matching proposals, grouped by all three at once (a
/// few thousand groups at most: themes × statuses × services), summed
/// here: a search for words reads the table once, not three times.
pub async fn counts(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
) -> Result<ProposalCounts, NodeError> {
    let (where_sql, values) = filter_sql(conn, filter);
    // Ordered by service as the database orders text, so that `by_service`
    // keeps the order a `GROUP BY service_id ORDER BY service_id` gave.
    let sql = format!(
        "SELECT f.theme, f.status, f.service_id, COUNT(*) AS n FROM federated_proposals f \
         {where_sql} GROUP BY f.theme, f.status, f.service_id ORDER BY f.service_id"
    );
    let mut query = sqlx::query(&sql);
    for v in values {
        query = query.bind(v);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut by_theme: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    let mut out = ProposalCounts::default();
    for r in &rows {
        let n: i64 = r.try_get("n")?;
        *by_theme.entry(r.try_get("theme")?).or_default() += n;
        *by_status.entry(r.try_get("status")?).or_default() += n;
        let service: String = r.try_get("service_id")?;
        match out.by_service.last_mut() {
            Some(last) if last.key == service => last.count += n,
            _ => out.by_service.push(Count {
                key: service,
                count: n,
            }),
        }
        out.total += n;
    }
    let list = |m: BTreeMap<String, i64>| {
        m.into_iter()
            .map(|(key, count)| Count { key, count })
            .collect()
    };
    out.by_theme = list(by_theme);
    out.by_status = list(by_status);
    Ok(out)
}

/// Member services' names by id (the page's labels; [`member_services`]
/// tells much more, at a query per service).
pub async fn service_names(
    conn: &mut AnyConnection,
) -> Result<BTreeMap<String, String>, NodeError> {
    let rows = sqlx::query("SELECT id, name FROM peers WHERE role = $1")
        .bind("service")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// Titles of the subjects still holding proposals, by id (as
/// [`subjects`] lists them, without their proposals).
pub async fn subject_titles(conn: &mut AnyConnection) -> Result<BTreeMap<Uuid, String>, NodeError> {
    let rows = sqlx::query("SELECT id, title FROM subjects WHERE dissolved = 0")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                parse_uuid(&r.try_get::<String, _>("id")?)?,
                r.try_get("title")?,
            ))
        })
        .collect()
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
        let refused = if other_id == id_text(subject) {
            rule(
                Rule::AlreadyInThisSubject,
                format!("this proposal is already linked to \u{ab} {title} \u{bb}"),
            )
        } else {
            rule(
                Rule::InAnotherSubject,
                format!("this proposal already belongs to the subject \u{ab} {title} \u{bb}"),
            )
        };
        return Err(refused.naming(&title));
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
        title: title.into(),
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
        return Err(rule(
            Rule::SubjectDissolved,
            "this subject was dissolved; create a new one",
        ));
    }
    require_linkable(conn, &proposal, &subject).await?;
    let mut proposals = current.proposals;
    proposals.push(proposal.clone());
    announce_subject(
        conn,
        stream,
        Subject {
            subject,
            title: current.title.into(),
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
        return Err(rule(
            Rule::NotInThisSubject,
            "this proposal is not linked to this subject",
        ));
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
            title: current.title.into(),
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
    /// Its delegates, current and to come, as it last sent them (terms
    /// ended since are left out). One whose `term_start` is after today is
    /// to come: it becomes current on that day, without a new message.
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
    if status == crate::peers::REVOKED {
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

/// Every member service, by name, with its delegates not ended on `today`
/// and its sync health.
pub async fn member_services(
    conn: &mut AnyConnection,
    today: passerelle_protocol::Date,
) -> Result<Vec<MemberService>, NodeError> {
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
            delegates: joint::delegates_of(conn, &id)
                .await?
                .into_iter()
                .filter(|d| !crate::domain::delegates::has_ended(d.term_end, today))
                .collect(),
            sync_health: sync_health(&status, last_seen_at, t),
            last_seen_at,
            status,
            id,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
