//! Joint meetings at the hub: drafts, the agenda, publication, changes,
//! cancellation and outcomes.

use super::*;
use passerelle_protocol::body::Text;

/// When, where and how a joint meeting takes place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MeetingDetails {
    pub title: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub place: String,
    /// e.g. "petit-déjeuner", "réunion", "en ligne".
    pub format: String,
    /// How to get there: a bus, an entrance, a floor (optional).
    #[serde(default)]
    pub directions: Option<String>,
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
        directions: optional_text("directions", d.directions.as_deref(), 1000)?,
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
        Some(s) => Err(match (wanted, s.as_str()) {
            (DRAFT, _) => rule(
                Rule::MeetingAlreadyPublished,
                "this meeting was already published",
            ),
            (_, DRAFT) => rule(
                Rule::MeetingStillDraft,
                "this meeting is a draft: publish it first",
            ),
            (_, CANCELLED) => rule(Rule::JointMeetingCancelled, "this meeting was cancelled"),
            (_, other) => rule(
                Rule::MeetingNotPublished,
                format!("this meeting is {other}"),
            ),
        }),
    }
}

async fn store_details(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    d: &MeetingDetails,
) -> Result<(), NodeError> {
    sqlx::query(
        "UPDATE joint_meetings SET title = $1, starts_at = $2, ends_at = $3, place = $4, \
         format = $5, updated_at = $6, directions = $7 WHERE id = $8",
    )
    .bind(&d.title)
    .bind(d.starts_at.unix())
    .bind(d.ends_at.map(|e| e.unix()))
    .bind(&d.place)
    .bind(&d.format)
    .bind(now())
    .bind(d.directions.as_deref())
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
         created_at, updated_at, directions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
    .bind(d.directions.as_deref())
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
///
/// Each entry gets its `point`, the id services' positions name, stable
/// while the entry stays: a service's item is its item's id, a subject the
/// subject's id, a free entry keeps the point of the entry of the same
/// title it replaces (a new one otherwise).
async fn build_agenda(
    conn: &mut AnyConnection,
    meeting: &Uuid,
    inputs: &[AgendaEntryInput],
) -> Result<Vec<(AgendaEntry, Option<Uuid>)>, NodeError> {
    let before = joint::agenda(conn, meeting).await?;
    let mut out: Vec<(AgendaEntry, Option<Uuid>)> = Vec::with_capacity(inputs.len());
    for input in inputs {
        match input {
            AgendaEntryInput::Item { item } => {
                if out.iter().any(|(_, i)| i.as_ref() == Some(item)) {
                    return Err(invalid_by(
                        Rule::ItemTwiceOnAgenda,
                        "agenda",
                        "each proposed item once",
                    ));
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
                    return Err(rule(
                        Rule::AlreadyOnAgenda,
                        format!("this item is already on the agenda of \u{ab} {title} \u{bb}"),
                    )
                    .naming(&title));
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
                        title: row.try_get::<String, _>("title")?.into(),
                        description: row
                            .try_get::<Option<String>, _>("description")?
                            .map(Text::from),
                        subject: None,
                        proposals,
                        proposed_by: Some(NodeId::parse(&row.try_get::<String, _>("service_id")?)?),
                        point: Some(*item),
                    },
                    Some(*item),
                ));
            }
            AgendaEntryInput::Subject { subject } => {
                if out.iter().any(|(e, _)| e.subject.as_ref() == Some(subject)) {
                    return Err(invalid_by(
                        Rule::SubjectTwiceOnAgenda,
                        "agenda",
                        "each subject once",
                    ));
                }
                let s = subject_row(conn, subject).await?;
                if s.dissolved {
                    return Err(rule(Rule::SubjectDissolved, "this subject was dissolved"));
                }
                out.push((
                    AgendaEntry {
                        title: s.title.into(),
                        description: None,
                        subject: Some(*subject),
                        proposals: s.proposals,
                        proposed_by: None,
                        point: Some(*subject),
                    },
                    None,
                ));
            }
            AgendaEntryInput::Free { title, description } => {
                let title = text("title", title, 200)?;
                let taken = |p: &Uuid| out.iter().any(|(e, _)| e.point.as_ref() == Some(p));
                let point = before
                    .iter()
                    .filter(|l| l.item.is_none() && l.subject.is_none() && l.title == title)
                    .filter_map(|l| l.point)
                    .find(|p| !taken(p))
                    .unwrap_or_else(Uuid::now_v7);
                out.push((
                    AgendaEntry {
                        title: title.into(),
                        description: optional_text("description", description.as_deref(), 4000)?
                            .map(Text::from),
                        subject: None,
                        proposals: Vec::new(),
                        proposed_by: None,
                        point: Some(point),
                    },
                    None,
                ))
            }
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
        directions: m.directions,
        agenda: m
            .agenda
            .iter()
            .map(joint::AgendaLine::to_entry)
            .collect::<Result<_, NodeError>>()?,
        notice: notice.map(Text::from),
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
            Rule::MeetingTookPlace,
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
    let body = MeetingCancellation {
        meeting,
        notice: notice.into(),
    };
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
                .ok_or_else(|| {
                    rule(
                        Rule::NotOnAgenda,
                        "this subject was not on the meeting's agenda",
                    )
                })?;
            if proposals.is_empty() {
                proposals = line.proposals.clone();
            }
        }
        for r in &o.proposals {
            if !agenda.iter().any(|l| l.proposals.contains(r)) {
                return Err(rule(
                    Rule::NotOnAgenda,
                    format!(
                        "proposal {} of {} was not on the meeting's agenda",
                        r.proposal, r.service
                    ),
                ));
            }
        }
        list.push(Outcome {
            subject: o.subject,
            proposals,
            decision: decision.into(),
        });
    }
    let body = MeetingOutcomes {
        meeting,
        minutes: minutes.into(),
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
