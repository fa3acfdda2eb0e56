//! The committee's own meetings: list, new meeting, and one meeting with
//! its agenda, attendance, minutes and decisions (printable), plus its
//! iCalendar file.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    badge, calendar, field_error, invalid, is_admin, optional_id, paragraphs, parse_choice,
    parse_local, path_id, read, refusal, Badge, Choice, FieldMap, FormErrors,
};
use crate::pages::labels::{attendance_label, minutes_label};
use crate::pages::{
    done, ics, render, CsrfForm, FieldError, Flash, Layout, Locale, PageError, Viewer,
};
use passerelle_core::actions::{self, Who};
use passerelle_core::domain::meetings::{
    self as domain, AttendanceStatus, MeetingDetail, MinutesStatus, NewAgendaItem, NewMeeting,
};
use passerelle_core::domain::{members, proposals};
use passerelle_core::error::NodeError;
use passerelle_core::node::Node;

mod changes;
mod corrections;
mod preparation;
pub(super) use changes::*;
pub(super) use corrections::*;
pub(super) use preparation::*;

// ---------------------------------------------------------------------------
// The list.

#[derive(askama::Template)]
#[template(path = "service_meetings.html")]
struct ListPage {
    l: Layout,
    upcoming: Vec<Row>,
    past: Vec<Row>,
    is_admin: bool,
}

struct Row {
    href: String,
    title: String,
    when: String,
    place: String,
    minutes: &'static str,
    cancelled: bool,
}

/// `GET /reunions`
pub(super) async fn list(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let now = passerelle_core::clock::now();
    let all = domain::list(&mut *read(&node).await?).await?;
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for m in all {
        let coming = m.starts_at + ics::DEFAULT_LENGTH_SECS >= now;
        let row = Row {
            href: format!("/reunions/{}", m.id),
            title: m.title,
            when: loc.datetime(m.starts_at),
            place: m.place,
            minutes: minutes_label(m.minutes_status, loc),
            cancelled: m.cancelled_at.is_some(),
        };
        if coming {
            upcoming.push(row);
        } else {
            past.push(row);
        }
    }
    // The list comes most recent first: the next meeting goes first.
    upcoming.reverse();
    render(&ListPage {
        l: viewer.layout("/reunions", flash.ok),
        upcoming,
        past,
        is_admin: is_admin(&viewer),
    })
}

// ---------------------------------------------------------------------------
// A new meeting, or a meeting moved: one form.

#[derive(askama::Template)]
#[template(path = "service_meeting_new.html")]
struct NewPage {
    l: Layout,
    errors: Vec<FieldError>,
    f: NewForm,
    /// `None` for a new meeting, else the meeting moved.
    editing: Option<Uuid>,
    /// The date is in the past: the form asks whether the meeting took place.
    ask_past: bool,
}

impl FormErrors for NewPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl NewPage {
    fn action(&self) -> String {
        match self.editing {
            None => "/reunions/nouvelle".to_owned(),
            Some(id) => format!("/reunions/{id}/modifier"),
        }
    }

    fn back(&self) -> String {
        match self.editing {
            None => "/reunions".to_owned(),
            Some(id) => format!("/reunions/{id}"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    format: String,
    /// "oui" once the person said the meeting already took place.
    #[serde(default)]
    in_the_past: String,
}

/// `GET /reunions/nouvelle`
pub(super) async fn new_form(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    render(&NewPage {
        l: viewer.layout("/reunions", None),
        errors: Vec::new(),
        f: NewForm {
            title: loc.t("Réunion du comité").into(),
            format: loc.t("réunion").into(),
            ..NewForm::default()
        },
        editing: None,
        ask_past: false,
    })
}

/// `POST /reunions/nouvelle`
pub(super) async fn create(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    submit_meeting(&node, &viewer, f, None).await
}

/// Reads the form and calls the action (create, or update `editing`): done,
/// or the form again with each refusal next to its field. A date in the
/// past comes back with the question « Oui, cette réunion a déjà eu lieu ».
async fn submit_meeting(
    node: &Node,
    viewer: &Viewer,
    f: NewForm,
    editing: Option<Uuid>,
) -> Result<Response, PageError> {
    let loc = viewer.locale;
    let mut errors = Vec::new();
    if f.title.trim().is_empty() {
        errors.push(field_error("title", loc.t("Écrivez le nom de la réunion.")));
    }
    let starts_at = if f.date.trim().is_empty() {
        errors.push(field_error("date", loc.t("Écrivez la date de la réunion.")));
        None
    } else if f.time.trim().is_empty() {
        errors.push(field_error("time", loc.t("Écrivez l'heure du début.")));
        None
    } else {
        let t = parse_local(&f.date, &f.time);
        if t.is_none() {
            errors.push(field_error(
                "date",
                loc.t("La date ou l'heure ne va pas. Par exemple : 10 décembre 2030 à 9 h 30."),
            ));
        }
        t
    };
    if f.place.trim().is_empty() {
        errors.push(field_error("place", loc.t("Écrivez où a lieu la réunion.")));
    }
    if f.format.trim().is_empty() {
        errors.push(field_error(
            "format",
            loc.t("Écrivez la forme de la réunion."),
        ));
    }
    let mut ask_past = !f.in_the_past.is_empty();
    if let (true, Some(starts_at)) = (errors.is_empty(), starts_at) {
        let m = NewMeeting {
            title: f.title.trim().to_owned(),
            starts_at,
            place: f.place.trim().to_owned(),
            format: f.format.trim().to_owned(),
            in_the_past: f.in_the_past == "oui",
        };
        let actor = viewer.actor();
        let outcome = match editing {
            None => actions::meetings::create(node, &actor, &m).await,
            Some(id) => actions::meetings::update(node, &actor, id, &m)
                .await
                .map(|()| id),
        };
        match outcome {
            Ok(id) => {
                let said = match editing {
                    None => loc
                        .t("La réunion est prévue. Vous pouvez maintenant écrire l'ordre du jour."),
                    Some(_) => loc.t("La réunion est changée."),
                };
                return Ok(done(&format!("/reunions/{id}"), said));
            }
            Err(e) => {
                let past = e.refusal()
                    == Some(passerelle_core::error::Refusal::DomainRule(
                        passerelle_core::error::Rule::PastMeetingNeedsConfirmation,
                    ));
                ask_past |= past;
                errors = refusal(
                    e,
                    &[
                        ("title", "title", loc.t("Le nom a de 1 à 200 caractères.")),
                        ("place", "place", loc.t("Le lieu a de 1 à 200 caractères.")),
                        (
                            "format",
                            "format",
                            loc.t("La forme a de 1 à 80 caractères."),
                        ),
                        ("starts_at", "date", loc.t("Cette date n'est pas possible.")),
                    ],
                    if past { "in_the_past" } else { "title" },
                    loc,
                )?
            }
        }
    }
    invalid(&NewPage {
        l: viewer.layout("/reunions", None),
        errors,
        f,
        editing,
        ask_past,
    })
}

// ---------------------------------------------------------------------------
// One meeting.

#[derive(askama::Template)]
#[template(path = "service_meeting.html")]
struct DetailPage {
    l: Layout,
    errors: Vec<FieldError>,
    id: Uuid,
    title: String,
    when: String,
    place: String,
    format: String,
    is_admin: bool,
    agenda: Vec<ItemView>,
    item_title: String,
    item_description: String,
    item_proposals: Vec<Choice>,
    answers: Vec<AnswerView>,
    /// What was said at the joint meetings, that concerns the committee.
    joint_decisions: Vec<JointDecisionView>,
    attendance: Vec<AttendanceView>,
    /// Every member of the committee at the meeting, with the three choices.
    attendance_form: Vec<AttendanceRow>,
    /// Cancelled: the reason, or "" when none was given.
    cancelled: Option<String>,
    /// Attendance, minutes and decisions can still be recorded or corrected.
    can_record: bool,
    /// Nothing but the agenda was recorded: the meeting can be deleted.
    can_delete: bool,
    /// "none", "draft", "adopted" or "sent".
    minutes_state: &'static str,
    minutes: Option<MinutesView>,
    minutes_text: String,
    secretaries: Vec<Choice>,
    later_meetings: Vec<Choice>,
    decisions: Vec<DecisionView>,
    decision_text: String,
    decision_proposals: Vec<Choice>,
}

impl FormErrors for DetailPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

struct ItemView {
    id: Uuid,
    title: String,
    description: Vec<String>,
    proposal_href: String,
    proposal_title: String,
    /// Another service's proposal or a joint meeting, with the committee's
    /// position on it.
    prep: Preparation,
}

struct AnswerView {
    href: String,
    title: String,
    badge: Badge,
    text: Vec<String>,
    when: String,
}

struct AttendanceView {
    name: String,
    status: &'static str,
}

struct MinutesView {
    status: &'static str,
    text: Vec<String>,
    secretary: String,
    adopted_at: String,
    adopted_href: String,
    sent_on: String,
}

/// One member's line of the attendance form.
struct AttendanceRow {
    /// The group's id (its first radio button's).
    field: String,
    member: Uuid,
    name: String,
    choices: Vec<Choice>,
}

struct DecisionView {
    id: Uuid,
    raw_text: String,
    proposals: Vec<Choice>,
    text: Vec<String>,
    proposal_href: String,
    proposal_title: String,
}

/// What was posted, kept when the page comes back with an error.
#[derive(Debug, Default)]
struct Posted {
    item_title: String,
    item_description: String,
    item_proposal: String,
    /// The attendance form as sent: (field name, value).
    attendance: Vec<(String, String)>,
    minutes_text: Option<String>,
    minutes_secretary: Option<String>,
    adopt_meeting: String,
    decision_text: String,
    decision_proposal: String,
    /// The position form, for the item `position_item`.
    position_item: String,
    position_stance: String,
    position_comment: String,
}

const ATTENDANCE: [AttendanceStatus; 3] = [
    AttendanceStatus::Present,
    AttendanceStatus::Excused,
    AttendanceStatus::Absent,
];

async fn detail_page(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<FieldError>,
    posted: Posted,
    flash: Option<String>,
) -> Result<DetailPage, PageError> {
    let loc = viewer.locale;
    let mut conn = read(node).await?;
    let d: MeetingDetail = domain::get(&mut conn, id).await?;
    let all_members = members::list(&mut conn, true).await?;
    let all_proposals = proposals::list(&mut conn).await?;
    let answers = domain::answers_since_previous_meeting(&mut conn, id).await?;
    let meetings = domain::list(&mut conn).await?;
    let m = &d.meeting;

    let name_of = |member: Uuid| {
        all_members
            .iter()
            .find(|x| x.id == member)
            .map(|x| x.display_name.clone())
            .unwrap_or_default()
    };
    let proposal_title = |p: Option<Uuid>| {
        p.and_then(|p| all_proposals.iter().find(|x| x.id == p))
            .map(|x| x.title.clone())
            .unwrap_or_default()
    };
    let proposal_choices = |selected: &str| {
        let mut out = vec![Choice::new(
            "",
            loc.t("Aucune proposition"),
            selected.is_empty(),
        )];
        out.extend(all_proposals.iter().map(|p| {
            let v = p.id.to_string();
            let sel = v == selected;
            Choice::new(v, p.title.clone(), sel)
        }));
        out
    };
    let has_records = domain::has_records(&mut conn, id).await?;
    let active: Vec<&members::Member> = all_members
        .iter()
        .filter(|x| x.left_at.is_none_or(|left| left >= m.starts_at))
        .collect();

    let minutes_state = match m.minutes_status {
        None => "none",
        Some(MinutesStatus::Draft) => "draft",
        Some(MinutesStatus::Adopted) => "adopted",
        Some(MinutesStatus::SentToManagement) => "sent",
    };
    let minutes = d.minutes.as_ref().map(|x| {
        let adopted = x
            .adopted_at_meeting
            .and_then(|a| meetings.iter().find(|y| y.id == a));
        MinutesView {
            status: minutes_label(Some(x.status), loc),
            text: paragraphs(&x.text),
            secretary: x.secretary.map(name_of).unwrap_or_default(),
            adopted_at: adopted
                .map(|a| format!("{}, {}", a.title, loc.datetime(a.starts_at)))
                .unwrap_or_default(),
            adopted_href: adopted
                .map(|a| format!("/reunions/{}", a.id))
                .unwrap_or_default(),
            sent_on: x
                .sent_to_management_on
                .map(|s| loc.date(s.inner()))
                .unwrap_or_default(),
        }
    });
    let current_secretary = d
        .minutes
        .as_ref()
        .and_then(|x| x.secretary)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let secretary = posted
        .minutes_secretary
        .clone()
        .unwrap_or(current_secretary);
    let mut secretaries = vec![Choice::new(
        "",
        loc.t("Personne en particulier"),
        secretary.is_empty(),
    )];
    secretaries.extend(active.iter().map(|x| {
        let v = x.id.to_string();
        let sel = v == secretary;
        Choice::new(v, x.display_name.clone(), sel)
    }));
    let mut later: Vec<&domain::Meeting> = meetings
        .iter()
        // Minutes are adopted at a later meeting that took place.
        .filter(|x| {
            x.starts_at > m.starts_at
                && domain::has_taken_place(x.starts_at)
                && x.cancelled_at.is_none()
        })
        .collect();
    later.sort_by_key(|x| x.starts_at);
    let later_meetings = later
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let v = x.id.to_string();
            let sel = if posted.adopt_meeting.is_empty() {
                i == 0
            } else {
                v == posted.adopt_meeting
            };
            Choice::new(
                v,
                format!("{}, {}", x.title, loc.datetime(x.starts_at)),
                sel,
            )
        })
        .collect();

    let attendance_form = active
        .iter()
        .map(|x| {
            let name = format!("status-{}", x.id);
            let recorded = d
                .attendance
                .iter()
                .find(|a| a.member_id == x.id)
                .map(|a| passerelle_core::domain::federated::enum_text(&a.status))
                .unwrap_or_default();
            let chosen = posted
                .attendance
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or(recorded);
            AttendanceRow {
                field: format!("att-{}", x.id),
                member: x.id,
                name: x.display_name.clone(),
                choices: ATTENDANCE
                    .iter()
                    .map(|s| {
                        let v = passerelle_core::domain::federated::enum_text(s);
                        let sel = v == chosen;
                        Choice::new(v, attendance_label(*s, loc), sel)
                    })
                    .collect(),
            }
        })
        .collect();
    let can_record =
        m.cancelled_at.is_none() && matches!(m.minutes_status, None | Some(MinutesStatus::Draft));
    drop(conn);
    let preps = preparations(node, loc, &d.agenda, &posted).await?;
    let joint_decisions = actions::positions::joint_decisions(node, &viewer.actor(), id).await?;

    Ok(DetailPage {
        l: viewer.layout("/reunions", flash),
        errors,
        id,
        title: m.title.clone(),
        when: loc.datetime(m.starts_at),
        place: m.place.clone(),
        format: m.format.clone(),
        is_admin: is_admin(viewer),
        agenda: d
            .agenda
            .iter()
            .zip(preps)
            .map(|(a, prep)| ItemView {
                prep,
                id: a.id,
                title: a.title.clone(),
                description: paragraphs(a.description.as_deref().unwrap_or_default()),
                proposal_href: a
                    .proposal
                    .map(|p| format!("/propositions/{p}"))
                    .unwrap_or_default(),
                proposal_title: a
                    .proposal_title
                    .clone()
                    .unwrap_or_else(|| proposal_title(a.proposal)),
            })
            .collect(),
        item_title: posted.item_title,
        item_description: posted.item_description,
        item_proposals: subject_choices(node, loc, &posted.item_proposal).await?,
        joint_decisions: joint_decision_views(joint_decisions, loc),
        answers: answers
            .into_iter()
            .map(|a| AnswerView {
                href: format!("/propositions/{}", a.proposal_id),
                title: a.title,
                badge: badge(a.status, loc),
                text: paragraphs(a.answer_text.as_deref().unwrap_or_default()),
                when: loc.datetime(a.answered_at),
            })
            .collect(),
        attendance: d
            .attendance
            .iter()
            .map(|a| AttendanceView {
                name: a.display_name.clone(),
                status: attendance_label(a.status, loc),
            })
            .collect(),
        attendance_form,
        cancelled: m
            .cancelled_at
            .map(|_| m.cancel_reason.clone().unwrap_or_default()),
        can_record,
        can_delete: !has_records,
        minutes_state,
        minutes_text: posted.minutes_text.unwrap_or_else(|| {
            d.minutes
                .as_ref()
                .map(|x| x.text.clone())
                .unwrap_or_default()
        }),
        minutes,
        secretaries,
        later_meetings,
        decisions: d
            .decisions
            .iter()
            .map(|x| DecisionView {
                id: x.id,
                raw_text: x.text.clone(),
                proposals: proposal_choices(&x.proposal.map(|p| p.to_string()).unwrap_or_default()),
                text: paragraphs(&x.text),
                proposal_href: x
                    .proposal
                    .map(|p| format!("/propositions/{p}"))
                    .unwrap_or_default(),
                proposal_title: proposal_title(x.proposal),
            })
            .collect(),
        decision_text: posted.decision_text,
        decision_proposals: proposal_choices(&posted.decision_proposal),
    })
}

/// `GET /reunions/{id}`, or `/reunions/{id}.ics` for the calendar file.
pub(super) async fn detail(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    if let Some(raw) = id.strip_suffix(".ics") {
        let id = path_id(raw)?;
        let d = domain::get(&mut *read(&node).await?, id).await?;
        let cancelled = d.meeting.cancelled_at.is_some();
        let title = if cancelled {
            ics::cancelled_title(viewer.locale, &d.meeting.title)
        } else {
            d.meeting.title.clone()
        };
        let body = ics::Event {
            uid: &format!("{id}@passerelle"),
            starts_at: d.meeting.starts_at,
            ends_at: None,
            summary: &title,
            location: &d.meeting.place,
            description: &agenda_text(&d, viewer.locale),
            cancelled,
        }
        .calendar();
        return Ok(calendar(&format!("reunion-{id}.ics"), body));
    }
    let id = path_id(&id)?;
    render(&detail_page(&node, &viewer, id, Vec::new(), Posted::default(), flash.ok).await?)
}

/// The agenda as plain text, for the calendar file.
fn agenda_text(d: &MeetingDetail, loc: Locale) -> String {
    let mut out = loc.t1("Forme : {forme}", "forme", &d.meeting.format);
    out.push('\n');
    if !d.agenda.is_empty() {
        out.push_str(loc.t("Ordre du jour :"));
        out.push('\n');
        for (i, a) in d.agenda.iter().enumerate() {
            out.push_str(&format!("{}. {}\n", i + 1, a.title));
        }
    }
    out.trim_end().to_owned()
}
