//! Joint meetings: a draft, its agenda built from what the services
//! proposed, publication, changes and cancellation with a notice, then the
//! minutes and decisions. Every agenda change reads the current agenda and
//! gives `hub::set_agenda` the new full list.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use passerelle_protocol::body::ProposalRef;
use passerelle_protocol::Timestamp;
use serde::Deserialize;
use time::{PrimitiveDateTime, Time};
use uuid::Uuid;

use super::subjects::Proposals;
use super::{field_error, guard, path_id, refusal_on, render_with, service_label, Choice, Field};
use crate::pages::labels::stance_label;
use crate::pages::{
    brussels, done, CsrfForm, FieldError, Flash, Layout, Locale, PageError, Viewer,
};
use passerelle_core::actions::hub;
use passerelle_core::clock::now;
use passerelle_core::domain::hub::{
    AgendaEntryInput, MeetingChanges, MeetingDetails, OutcomeInput,
};
use passerelle_core::domain::joint::positions::SharedPosition;
use passerelle_core::domain::joint::{AgendaLine, MeetingView, CANCELLED, DRAFT, PUBLISHED};
use passerelle_core::error::NodeError;
use passerelle_core::node::Node;

mod agenda;
mod form;
mod lifecycle;

pub use agenda::*;
pub use form::DetailsForm;
use form::*;
pub use lifecycle::*;

// ---------------------------------------------------------------------------
// The list of meetings.

fn stage_words(m: &MeetingView, t: i64, loc: Locale) -> &'static str {
    match m.status.as_str() {
        DRAFT => loc.t("Brouillon : les services ne la voient pas encore"),
        CANCELLED => loc.t("Annulée"),
        _ if m.minutes.is_some() => loc.t("Terminée : décisions enregistrées"),
        _ if m.starts_at.unix() <= t => loc.t("Passée : compte rendu à écrire"),
        _ => loc.t("Publiée"),
    }
}

struct MeetingRow {
    href: String,
    title: String,
    when: String,
    place: String,
    format: String,
    stage: &'static str,
}

#[derive(askama::Template)]
#[template(path = "hub_meetings.html")]
struct MeetingsPage {
    l: Layout,
    errors: Vec<FieldError>,
    meetings: Vec<MeetingRow>,
    fields: Vec<Field>,
}

async fn list_page(
    node: &Node,
    viewer: &Viewer,
    errors: Vec<FieldError>,
    kept: DetailsForm,
    flash: Option<String>,
) -> Result<MeetingsPage, PageError> {
    let loc = viewer.locale;
    let t = now();
    let meetings = hub::meetings(node, &viewer.actor())
        .await?
        .iter()
        .map(|m| MeetingRow {
            href: format!("/reunions-communes/{}", m.id),
            title: m.title.clone(),
            when: when_words(m, loc),
            place: m.place.clone(),
            format: m.format.clone(),
            stage: stage_words(m, t, loc),
        })
        .collect();
    Ok(MeetingsPage {
        l: viewer.layout("/reunions-communes", flash),
        meetings,
        fields: kept.fields(&errors, loc),
        errors,
    })
}

/// `GET /reunions-communes`
pub async fn list(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let loc = viewer.locale;
    let kept = DetailsForm {
        format: loc.t("petit-déjeuner").into(),
        ..DetailsForm::default()
    };
    let page = list_page(&node, &viewer, Vec::new(), kept, flash.ok).await?;
    render_with(&page, StatusCode::OK)
}

/// `POST /reunions-communes` — a new draft.
pub async fn create(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<DetailsForm>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let loc = viewer.locale;
    let errors = match form.details(loc) {
        Err(errors) => errors,
        Ok(details) => {
            let created = hub::create_draft(&node, &viewer.actor(), &details).await;
            match created {
                Ok(id) => return Ok(done(
                    &format!("/reunions-communes/{id}"),
                    loc.t(
                        "Le brouillon est créé. Ajoutez maintenant les points de l'ordre du jour.",
                    ),
                )),
                Err(e) => vec![refusal_on("titre", e, loc)?],
            }
        }
    };
    let page = list_page(&node, &viewer, errors, form, None).await?;
    render_with(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

// ---------------------------------------------------------------------------
// One meeting.

/// One agenda entry, in words.
struct Line {
    position: i64,
    title: String,
    description: Option<String>,
    origin: String,
    proposals: Vec<String>,
    first: bool,
    last: bool,
    /// Its decision, once recorded.
    decision: Option<String>,
    /// What the services' committees think of it.
    positions: Vec<PositionLine>,
}

/// One service's position, as the coordinator reads it.
struct PositionLine {
    service: String,
    stance: &'static str,
    /// The proposal it is about, when it is about one of the point's
    /// proposals rather than the point itself; else "".
    about: String,
    comment: String,
}

/// A service's proposed item, as a radio button.
struct ItemChoice {
    id: String,
    value: String,
    label: String,
    hint: String,
    checked: bool,
}

/// What the person typed in the form that failed, kept for the page.
#[derive(Debug, Default)]
struct Kept {
    details: Option<DetailsForm>,
    item: String,
    subject: String,
    free_title: String,
    free_description: String,
    reason: String,
    minutes: Option<String>,
    decisions: BTreeMap<i64, String>,
}

#[derive(askama::Template)]
#[template(path = "hub_meeting.html")]
struct MeetingPage {
    l: Layout,
    errors: Vec<FieldError>,
    href: String,
    title: String,
    when: String,
    place: String,
    format: String,
    stage: &'static str,
    notice: Option<String>,
    is_draft: bool,
    is_published: bool,
    is_cancelled: bool,
    /// A published agenda may still be reordered (until the outcomes).
    can_reorder: bool,
    /// Outcomes were recorded: the meeting took place.
    is_over: bool,
    /// It has started: its outcomes may be written.
    started: bool,
    agenda: Vec<Line>,
    items: Vec<ItemChoice>,
    items_error: Option<String>,
    subjects: Vec<Choice>,
    subject_error: Option<String>,
    free_fields: Vec<Field>,
    details: Vec<Field>,
    notice_field: Field,
    reason_field: Field,
    confirm_error: Option<String>,
    minutes: Option<String>,
    minutes_field: Field,
    decision_fields: Vec<Field>,
    ics_href: String,
    directions: String,
    /// Positions on the meeting as a whole.
    whole_positions: Vec<PositionLine>,
}

/// The entries of an agenda as the coordinator chose them, to give
/// `set_agenda` the full list again.
fn inputs_of(agenda: &[AgendaLine]) -> Vec<AgendaEntryInput> {
    agenda
        .iter()
        .map(|line| match (line.item, line.subject) {
            (Some(item), _) => AgendaEntryInput::Item { item },
            (None, Some(subject)) => AgendaEntryInput::Subject { subject },
            (None, None) => AgendaEntryInput::Free {
                title: line.title.clone(),
                description: line.description.clone(),
            },
        })
        .collect()
}

/// The decisions recorded for a meeting, by agenda position, as the
/// member services see them ([`hub::decisions`]).
async fn recorded_decisions(
    node: &Node,
    viewer: &Viewer,
    m: &MeetingView,
) -> Result<BTreeMap<i64, String>, PageError> {
    let mut out = BTreeMap::new();
    if m.minutes.is_none() {
        return Ok(out);
    }
    let seen = hub::decisions(node, &viewer.actor(), m.id).await?;
    let sorted = |refs: &[ProposalRef]| {
        let mut v = refs.to_vec();
        v.sort();
        v
    };
    for line in &m.agenda {
        let found = seen.iter().find(|o| match line.subject {
            Some(s) => o.subject == Some(s),
            None => o.subject.is_none() && sorted(&o.proposals) == sorted(&line.proposals),
        });
        if let Some(o) = found {
            out.insert(line.position, o.decision.clone());
        }
    }
    Ok(out)
}

/// Agenda entries a decision can be about (a subject or proposals).
fn decidable(line: &AgendaLine) -> bool {
    line.subject.is_some() || !line.proposals.is_empty()
}

async fn meeting_page(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<FieldError>,
    kept: Kept,
    flash: Option<String>,
) -> Result<MeetingPage, PageError> {
    let (loc, actor) = (viewer.locale, viewer.actor());
    let m = hub::meeting(node, &actor, id).await?;
    let t = now();
    let proposals = Proposals::load(node, &actor, loc).await?;
    let names: BTreeMap<String, String> = hub::services(node, &actor)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let decisions = recorded_decisions(node, viewer, &m).await?;
    let shared = hub::positions(node, &actor, m.id).await?;
    let position_line = |p: &SharedPosition, about: String| PositionLine {
        service: service_label(&p.service, names.get(&p.service).map(String::as_str)),
        stance: stance_label(p.stance, loc),
        about,
        comment: p.comment.clone().unwrap_or_default(),
    };
    let whole_positions = shared
        .iter()
        .filter(|p| p.meeting == Some(m.id) && p.point.is_none() && p.proposal.is_none())
        .map(|p| position_line(p, String::new()))
        .collect();
    let count = m.agenda.len();
    let agenda: Vec<Line> = m
        .agenda
        .iter()
        .enumerate()
        .map(|(i, line)| Line {
            position: line.position,
            title: line.title.clone(),
            description: line.description.clone(),
            origin: match (&line.proposed_by, line.subject) {
                (Some(service), _) => loc.t1(
                    "Proposé par {service}.",
                    "service",
                    service_label(service, names.get(service).map(String::as_str)),
                ),
                (None, Some(_)) => loc.t1(
                    "Sujet commun : {propositions}.",
                    "propositions",
                    loc.plural(
                        line.proposals.len() as i64,
                        "1 proposition",
                        "{n} propositions",
                    ),
                ),
                (None, None) => loc.t("Point ajouté par la coordination.").to_owned(),
            },
            proposals: line.proposals.iter().map(|r| proposals.label(r)).collect(),
            first: i == 0,
            last: i + 1 == count,
            decision: decisions.get(&line.position).cloned(),
            positions: shared
                .iter()
                .filter_map(|p| {
                    if p.point.is_some() && p.point == line.point {
                        return Some(position_line(p, String::new()));
                    }
                    let r = p.proposal.as_ref().filter(|r| line.proposals.contains(r))?;
                    (p.point.is_none()).then(|| position_line(p, proposals.label(r)))
                })
                .collect(),
        })
        .collect();

    let is_draft = m.status == DRAFT;
    let mut items = Vec::new();
    let mut subjects = Vec::new();
    if is_draft {
        for (i, item) in hub::agenda_items(node, &actor)
            .await?
            .into_iter()
            .enumerate()
        {
            let service = service_label(&item.service_id, item.service_name.as_deref());
            let mut hint = Vec::new();
            if let Some(d) = &item.description {
                hint.push(d.clone());
            }
            if let Some(r) = &item.proposal {
                hint.push(loc.t1("À propos de : {titre}.", "titre", proposals.label(r)));
            }
            if item.meeting == Some(m.id) {
                hint.push(loc.t("Proposé pour cette réunion.").to_owned());
            } else if item.meeting.is_some() {
                hint.push(loc.t("Proposé pour une autre réunion.").to_owned());
            }
            hint.push(loc.t1("Reçu {quand}.", "quand", loc.datetime(item.received_at)));
            let value = item.id.hyphenated().to_string();
            items.push(ItemChoice {
                id: format!("point-{i}"),
                checked: kept.item == value,
                value,
                label: format!("{service} — {}", item.title),
                hint: hint.join(" "),
            });
        }
        let on_agenda: Vec<Uuid> = m.agenda.iter().filter_map(|l| l.subject).collect();
        subjects = hub::subjects(node, &actor)
            .await?
            .into_iter()
            .filter(|s| !on_agenda.contains(&s.id))
            .map(|s| {
                let value = s.id.hyphenated().to_string();
                Choice {
                    selected: kept.subject == value,
                    label: format!(
                        "{} ({})",
                        s.title,
                        loc.plural(
                            s.proposals.len() as i64,
                            "1 proposition",
                            "{n} propositions"
                        )
                    ),
                    value,
                }
            })
            .collect();
    }

    let details = kept.details.clone().unwrap_or_else(|| DetailsForm::of(&m));
    let started = m.starts_at.unix() <= t;
    let minutes_value = kept
        .minutes
        .clone()
        .or_else(|| m.minutes.clone())
        .unwrap_or_default();
    let decision_fields = m
        .agenda
        .iter()
        .filter(|l| decidable(l))
        .map(|l| {
            let id = format!("decision-{}", l.position);
            let value = kept
                .decisions
                .get(&l.position)
                .cloned()
                .or_else(|| decisions.get(&l.position).cloned())
                .unwrap_or_default();
            Field::new(
                id.clone(),
                id,
                loc.t1("Décision sur « {titre} »", "titre", &l.title),
            )
            .kind("textarea")
            .optional()
            .hint(loc.t(
                "Ce qui a été décidé, en quelques phrases. Laissez vide si rien n'a été décidé.",
            ))
            .value(value)
            .errors(&errors)
        })
        .collect();
    Ok(MeetingPage {
        l: viewer.layout("/reunions-communes", flash),
        href: format!("/reunions-communes/{}", m.id),
        ics_href: format!("/reunions-communes/{}.ics", m.id),
        directions: m.directions.clone().unwrap_or_default(),
        whole_positions,
        title: m.title.clone(),
        when: when_words(&m, loc),
        place: m.place.clone(),
        format: m.format.clone(),
        stage: stage_words(&m, t, loc),
        notice: m.notice.clone(),
        is_draft,
        is_published: m.status == PUBLISHED,
        is_cancelled: m.status == CANCELLED,
        can_reorder: m.status == PUBLISHED && m.minutes.is_none(),
        is_over: m.minutes.is_some(),
        started,
        agenda,
        items,
        items_error: super::error_of(&errors, "point-0"),
        subjects,
        subject_error: super::error_of(&errors, "sujet"),
        free_fields: vec![
            Field::new("titre-point", "titre_point", loc.t("Titre du point"))
                .hint(loc.t("Par exemple : Accueil et café."))
                .value(kept.free_title)
                .errors(&errors),
            Field::new("description-point", "description_point", loc.t("Explication"))
                .kind("textarea")
                .optional()
                .value(kept.free_description)
                .errors(&errors),
        ],
        details: details.fields(&errors, loc),
        notice_field: Field::new("annonce", "annonce", loc.t("Ce qui change, pour les services"))
            .kind("textarea")
            .hint(loc.t("Une ou deux phrases simples. Par exemple : La réunion a lieu dans une autre salle, au 1er étage."))
            .value(details.annonce.clone())
            .errors(&errors),
        reason_field: Field::new("raison", "raison", loc.t("Pourquoi la réunion est annulée"))
            .kind("textarea")
            .hint(loc.t("Les services recevront ce message. Par exemple : Grève des bus ; une nouvelle date suivra."))
            .value(kept.reason)
            .errors(&errors),
        confirm_error: super::error_of(&errors, "confirmer"),
        minutes: m.minutes.clone(),
        minutes_field: Field::new("compte-rendu", "compte_rendu", loc.t("Compte rendu de la réunion"))
            .kind("textarea")
            .hint(loc.t("Qui était là (les services, pas les noms), ce qui a été dit, ce qui suit."))
            .value(minutes_value)
            .errors(&errors),
        decision_fields,
        errors,
    })
}

async fn page_with(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<FieldError>,
    kept: Kept,
) -> Result<Response, PageError> {
    let page = meeting_page(node, viewer, id, errors, kept, None).await?;
    render_with(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

/// `GET /reunions-communes/{id}` and `GET /reunions-communes/{id}.ics`.
pub async fn page(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    if let Some(raw) = id.strip_suffix(".ics") {
        return calendar(&node, &viewer, path_id(raw)?).await;
    }
    let id = path_id(&id)?;
    let page = meeting_page(&node, &viewer, id, Vec::new(), Kept::default(), flash.ok).await?;
    render_with(&page, StatusCode::OK)
}

/// The meeting as an iCalendar file.
async fn calendar(node: &Node, viewer: &Viewer, id: Uuid) -> Result<Response, PageError> {
    let loc = viewer.locale;
    let m = hub::meeting(node, &viewer.actor(), id).await?;
    let mut description = vec![loc.t1("Forme : {forme}.", "forme", &m.format)];
    if !m.agenda.is_empty() {
        description.push(loc.t("Ordre du jour :").to_owned());
        for (i, line) in m.agenda.iter().enumerate() {
            description.push(format!("{}. {}", i + 1, line.title));
        }
    }
    if let Some(n) = &m.notice {
        description.push(loc.t1("Message de la coordination : {message}", "message", n));
    }
    let cancelled = m.status == CANCELLED;
    let summary = if cancelled {
        crate::pages::ics::cancelled_title(loc, &m.title)
    } else {
        m.title.clone()
    };
    let body = crate::pages::ics::Event {
        uid: &format!("{}@passerelle", m.id),
        starts_at: m.starts_at.unix(),
        ends_at: m.ends_at.map(|e| e.unix()),
        summary: &summary,
        location: &m.place,
        description: &description.join("\n"),
        cancelled,
    }
    .calendar();
    let day = brussels(m.starts_at.unix()).map_or_else(String::new, |l| l.date().to_string());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                crate::pages::ics::CONTENT_TYPE.to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"reunion-commune-{day}.ics\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// After a change of a meeting: on to `success`, or back to the page with
/// the refusal next to `field` and what the person typed.
async fn after(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    field: &str,
    kept: Kept,
    success: (&str, &str),
    changed: Result<(), NodeError>,
) -> Result<Response, PageError> {
    match changed {
        Ok(()) => Ok(done(success.0, success.1)),
        Err(e) => {
            let error = refusal_on(field, e, viewer.locale)?;
            page_with(node, viewer, id, vec![error], kept).await
        }
    }
}

/// Checks the person; the meeting's id. Whether the meeting exists (and
/// is at the right stage) is the action's to say.
fn target(viewer: &Viewer, id: &str) -> Result<Uuid, PageError> {
    guard(viewer)?;
    path_id(id)
}

/// Checks the person; returns the meeting, for a change that starts from
/// what it holds (its agenda).
async fn open(node: &Node, viewer: &Viewer, id: &str) -> Result<MeetingView, PageError> {
    let id = target(viewer, id)?;
    Ok(hub::meeting(node, &viewer.actor(), id).await?)
}

/// `POST /reunions-communes/{id}/modifier` — a draft's details.
pub async fn edit(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DetailsForm>,
) -> Result<Response, PageError> {
    let id = target(&viewer, &id)?;
    let loc = viewer.locale;
    let kept = Kept {
        details: Some(form.clone()),
        ..Kept::default()
    };
    match form.details(viewer.locale) {
        Err(errors) => page_with(&node, &viewer, id, errors, kept).await,
        Ok(d) => {
            let href = format!("/reunions-communes/{id}");
            let changed = hub::edit_draft(&node, &viewer.actor(), id, &d).await;
            let success = (href.as_str(), loc.t("Le brouillon est modifié."));
            after(&node, &viewer, id, "titre", kept, success, changed).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    confirmer: String,
}

/// `POST /reunions-communes/{id}/supprimer` — a draft the services never saw.
pub async fn delete(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let id = target(&viewer, &id)?;
    let loc = viewer.locale;
    if form.confirmer != "oui" {
        let errors = vec![field_error(
            "confirmer",
            loc.t("Cochez la case pour confirmer que vous voulez supprimer ce brouillon."),
        )];
        return page_with(&node, &viewer, id, errors, Kept::default()).await;
    }
    let changed = hub::delete_draft(&node, &viewer.actor(), id).await;
    let success = ("/reunions-communes", loc.t("Le brouillon est supprimé."));
    after(
        &node,
        &viewer,
        id,
        "confirmer",
        Kept::default(),
        success,
        changed,
    )
    .await
}

#[cfg(test)]
mod tests;
