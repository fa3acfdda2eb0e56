//! The committee's proposals: the list, a new one, one proposal with its
//! life cycle, sharing with the inter-service committee, and the blank form
//! printed for the ballot box.

use axum::extract::{Path, Query, RawQuery, State};
use axum::response::Response;
use passerelle_protocol::body::{Origin, ProposalStatus, Theme};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    badge, enum_text, field_error, invalid, is_admin, origin_label, paragraphs, parse_choice,
    path_id, refusal, theme_label, Badge, Choice, FormErrors, ORIGINS, THEMES,
};
use crate::pages::Locale;
use crate::pages::{done, render, CsrfForm, FieldError, Flash, Layout, PageError, Viewer};
use passerelle_core::actions::{self, Who};
use passerelle_core::domain::proposals::{self as domain, NewProposal, SHARED, WITHDRAWN};
use passerelle_core::domain::validate;
use passerelle_core::node::Node;

// ---------------------------------------------------------------------------
// The list.

#[derive(askama::Template)]
#[template(path = "service_proposals.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
}

struct Row {
    href: String,
    title: String,
    theme: &'static str,
    badge: Badge,
    shared: &'static str,
}

fn shared_label(shared: i64, loc: Locale) -> &'static str {
    match shared {
        SHARED => loc.t("Oui"),
        WITHDRAWN => loc.t("Plus maintenant"),
        _ => loc.t("Non"),
    }
}

/// `GET /propositions` (the hub has its own page at this path).
pub(super) async fn list(
    State(node): State<Node>,
    viewer: Viewer,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    if viewer.is_hub {
        return crate::pages::hub::proposals(node, viewer, query).await;
    }
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let flash: Flash =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let rows = actions::proposals::list(&node, &viewer.actor())
        .await?
        .into_iter()
        .map(|p| Row {
            href: format!("/propositions/{}", p.id),
            title: p.title,
            theme: theme_label(p.theme, loc),
            badge: badge(p.status, loc),
            shared: shared_label(p.shared, loc),
        })
        .collect();
    render(&ListPage {
        l: viewer.layout("/propositions", flash.ok),
        rows,
    })
}

// ---------------------------------------------------------------------------
// A new proposal.

#[derive(askama::Template)]
#[template(path = "service_proposal_new.html")]
struct NewPage {
    l: Layout,
    errors: Vec<FieldError>,
    title: String,
    description: String,
    themes: Vec<Choice>,
    origins: Vec<Choice>,
    tags: String,
}

impl FormErrors for NewPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    tags: String,
}

fn new_page(viewer: &Viewer, f: NewForm, errors: Vec<FieldError>) -> NewPage {
    let loc = viewer.locale;
    NewPage {
        l: viewer.layout("/propositions", None),
        errors,
        themes: THEMES
            .iter()
            .map(|t| Choice::new(enum_text(t), theme_label(*t, loc), enum_text(t) == f.theme))
            .collect(),
        origins: ORIGINS
            .iter()
            .map(|o| {
                Choice::new(
                    enum_text(o),
                    origin_label(*o, loc),
                    enum_text(o) == f.origin,
                )
            })
            .collect(),
        title: f.title,
        description: f.description,
        tags: f.tags,
    }
}

/// `GET /propositions/nouvelle`
pub(super) async fn new_form(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    render(&new_page(&viewer, NewForm::default(), Vec::new()))
}

/// Free tags: comma-separated, trimmed, without duplicates.
fn tags(text: &str, loc: Locale) -> Result<Vec<String>, &'static str> {
    let mut out: Vec<String> = Vec::new();
    for t in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if t.chars().count() > 40 {
            return Err(loc.t("Un mot-clé a au plus 40 caractères."));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_owned());
        }
    }
    if out.len() > 10 {
        return Err(loc.t("Mettez au plus 10 mots-clés."));
    }
    Ok(out)
}

/// A proposal's title, text and theme as typed, trimmed and checked, each
/// refusal in words next to its field: the new-proposal form and its
/// correction ask for them alike.
pub(super) fn written<'a>(
    title: &'a str,
    description: &'a str,
    theme: &str,
    loc: Locale,
    errors: &mut Vec<FieldError>,
) -> (&'a str, &'a str, Option<Theme>) {
    let title = title.trim();
    if title.is_empty() {
        errors.push(field_error(
            "title",
            loc.t("Écrivez le titre de la proposition."),
        ));
    } else if title.chars().count() > 200 {
        errors.push(field_error(
            "title",
            loc.t("Le titre a au plus 200 caractères."),
        ));
    }
    let description = description.trim();
    if description.is_empty() {
        errors.push(field_error(
            "description",
            loc.t("Expliquez la proposition en quelques phrases."),
        ));
    } else if description.chars().count() > 8000 {
        errors.push(field_error(
            "description",
            loc.t("L'explication est trop longue : 8000 caractères au plus."),
        ));
    }
    let theme = parse_choice::<Theme>(theme);
    if theme.is_none() {
        errors.push(field_error(
            "theme",
            loc.t("Choisissez le thème de la proposition."),
        ));
    }
    (title, description, theme)
}

/// `POST /propositions/nouvelle`
pub(super) async fn create(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let mut errors = Vec::new();
    let (title, description, theme) = written(&f.title, &f.description, &f.theme, loc, &mut errors);
    let origin = parse_choice::<Origin>(&f.origin);
    if origin.is_none() {
        errors.push(field_error(
            "origin",
            loc.t("Dites d'où vient la proposition."),
        ));
    }
    let tag_list = match tags(&f.tags, loc) {
        Ok(t) => t,
        Err(message) => {
            errors.push(field_error("tags", message));
            Vec::new()
        }
    };
    if let (true, Some(theme), Some(origin)) = (errors.is_empty(), theme, origin) {
        let p = NewProposal {
            title: title.to_owned(),
            description: description.to_owned(),
            theme,
            tags: tag_list,
            origin,
        };
        match actions::proposals::create(&node, &viewer.actor(), &p).await {
            Ok(id) => {
                return Ok(done(
                    &format!("/propositions/{id}"),
                    loc.t("La proposition est enregistrée. Elle reste dans votre service."),
                ))
            }
            Err(e) => {
                errors = refusal(
                    e,
                    &[
                        (
                            "title",
                            "title",
                            loc.t("Le titre doit avoir de 1 à 200 caractères."),
                        ),
                        (
                            "description",
                            "description",
                            loc.t("L'explication doit avoir de 1 à 8000 caractères."),
                        ),
                    ],
                    "title",
                    loc,
                )?
            }
        }
    }
    invalid(&new_page(&viewer, f, errors))
}

// ---------------------------------------------------------------------------
// One proposal.

#[derive(askama::Template)]
#[template(path = "service_proposal.html")]
struct DetailPage {
    l: Layout,
    errors: Vec<FieldError>,
    id: Uuid,
    title: String,
    description: Vec<String>,
    theme: &'static str,
    origin: &'static str,
    tags: String,
    badge: Badge,
    answer_text: Vec<String>,
    answer_date: String,
    history: Vec<Step>,
    is_admin: bool,
    /// Abandoned or realised: it may be reopened.
    closed: bool,
    joined: bool,
    shared: i64,
    steps: Vec<StepForm>,
    /// The one form for management's answer (accepted, adapted or
    /// refused), when that step is allowed.
    answer_form: bool,
    answer_choices: Vec<Choice>,
    answer_value: String,
    outcomes: Vec<Outcome>,
    reason: String,
    /// The other services that support it: (name, their word).
    supporters: Vec<(String, String)>,
}

impl FormErrors for DetailPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl DetailPage {
    fn is_shared(&self) -> bool {
        self.shared == SHARED
    }

    fn was_withdrawn(&self) -> bool {
        self.shared == WITHDRAWN
    }
}

struct Step {
    label: String,
    when: String,
    actor: String,
    comment: String,
    /// What a correction changed, in words (« Titre : « A » → « B » »).
    changes: Vec<String>,
}

/// One form per allowed next step (except management's answer).
struct StepForm {
    target: String,
    heading: &'static str,
    explain: &'static str,
    button: &'static str,
    secondary: bool,
    comment_id: String,
    comment: String,
}

struct Outcome {
    meeting_href: String,
    meeting_title: String,
    when: String,
    decision: String,
}

/// What was posted, kept when the page comes back with an error.
#[derive(Debug, Default)]
struct Posted {
    status: String,
    comment: String,
    answer: String,
    reason: String,
}

fn step_words(to: ProposalStatus, loc: Locale) -> (&'static str, &'static str, &'static str) {
    match to {
        ProposalStatus::Discussed => (
            loc.t("Le comité en a parlé"),
            loc.t("Le comité a discuté de cette proposition en réunion."),
            loc.t("Discutée en comité"),
        ),
        ProposalStatus::SentToManagement => (
            loc.t("Envoyer à la direction"),
            loc.t("Le comité envoie cette proposition à la direction du service. Ensuite, on attend sa réponse."),
            loc.t("Envoyer à la direction"),
        ),
        ProposalStatus::InProgress => (
            loc.t("C'est en cours"),
            loc.t("Le service a commencé à faire ce que la proposition demande."),
            loc.t("C'est en cours"),
        ),
        ProposalStatus::Realised => (
            loc.t("C'est réalisé"),
            loc.t("Ce que la proposition demandait est fait."),
            loc.t("C'est réalisé"),
        ),
        ProposalStatus::Abandoned => (
            loc.t("Abandonner"),
            loc.t("Le comité arrête de suivre cette proposition. Vous pouvez dire pourquoi dans le commentaire."),
            loc.t("Abandonner cette proposition"),
        ),
        // Answers have their own form.
        _ => ("", "", ""),
    }
}

const NEXT_STEPS: [ProposalStatus; 5] = [
    ProposalStatus::Discussed,
    ProposalStatus::SentToManagement,
    ProposalStatus::InProgress,
    ProposalStatus::Realised,
    ProposalStatus::Abandoned,
];

const ANSWERS: [ProposalStatus; 3] = [
    ProposalStatus::Accepted,
    ProposalStatus::Adapted,
    ProposalStatus::Refused,
];

fn answer_label(s: ProposalStatus, loc: Locale) -> &'static str {
    match s {
        ProposalStatus::Accepted => loc.t("La direction accepte."),
        ProposalStatus::Adapted => loc.t("La direction accepte, avec des changements."),
        _ => loc.t("La direction refuse."),
    }
}

async fn detail_page(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<FieldError>,
    posted: Posted,
    flash: Option<String>,
) -> Result<DetailPage, PageError> {
    let loc = viewer.locale;
    let actions::proposals::Detail {
        proposal: p,
        history,
        supporters,
    } = actions::proposals::detail(node, &viewer.actor(), id).await?;
    let supporters = supporters
        .into_iter()
        .map(|s| {
            let name = s.service_name.unwrap_or(s.service_id);
            (name, s.comment.unwrap_or_default())
        })
        .collect();
    let history = history
        .into_iter()
        .map(|h| {
            let (label, changes) = super::corrections::step_in_words(&h, loc);
            Step {
                label,
                changes,
                when: loc.datetime(h.at),
                actor: h.actor,
                comment: h.comment.unwrap_or_default(),
            }
        })
        .collect();
    let closed = domain::is_closed(p.status);
    let me = node.id().as_str();
    let outcomes = actions::joint::outcomes(node, &viewer.actor())
        .await?
        .into_iter()
        .filter(|o| {
            o.proposals
                .iter()
                .any(|r| r.proposal == id && r.service.as_str() == me)
        })
        .map(|o| Outcome {
            meeting_href: format!("/inter-services/reunions/{}", o.meeting),
            meeting_title: o.meeting_title,
            when: loc.datetime(o.starts_at.unix()),
            decision: o.decision,
        })
        .collect();
    let admin = is_admin(viewer);
    // A closed proposal takes no step but reopening (its own page).
    let steps = if admin && !closed {
        NEXT_STEPS
            .iter()
            .filter(|to| domain::transition_allowed(p.status, **to))
            .map(|to| {
                let target = enum_text(to);
                let (heading, explain, button) = step_words(*to, loc);
                let heading =
                    if *to == ProposalStatus::Discussed && p.status == ProposalStatus::Refused {
                        loc.t("En reparler en comité")
                    } else {
                        heading
                    };
                StepForm {
                    comment_id: format!("comment-{target}"),
                    comment: if posted.status == target {
                        posted.comment.clone()
                    } else {
                        String::new()
                    },
                    secondary: *to == ProposalStatus::Abandoned,
                    target,
                    heading,
                    explain,
                    button,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let answer_form = admin
        && !closed
        && ANSWERS
            .iter()
            .any(|to| domain::transition_allowed(p.status, *to));
    let answer_choices = ANSWERS
        .iter()
        .map(|s| {
            Choice::new(
                enum_text(s),
                answer_label(*s, loc),
                enum_text(s) == posted.status,
            )
        })
        .collect();
    let (answer_text, answer_date) = match &p.answer {
        Some(a) => (paragraphs(a.text.or_empty()), loc.date(a.date.inner())),
        None => (Vec::new(), String::new()),
    };
    Ok(DetailPage {
        l: viewer.layout("/propositions", flash),
        errors,
        id,
        description: paragraphs(&p.description),
        theme: theme_label(p.theme, loc),
        origin: origin_label(p.origin, loc),
        tags: p.tags.join(", "),
        badge: badge(p.status, loc),
        answer_text,
        answer_date,
        history,
        is_admin: admin,
        closed,
        joined: node.federation().await?.is_some(),
        shared: p.shared,
        steps,
        answer_form,
        answer_choices,
        answer_value: posted.answer,
        outcomes,
        reason: posted.reason,
        supporters,
        title: p.title,
    })
}

/// `GET /propositions/{id}`
pub(super) async fn detail(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let id = path_id(&id)?;
    render(&detail_page(&node, &viewer, id, Vec::new(), Posted::default(), flash.ok).await?)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct StatusForm {
    /// "answer" for management's answer, anything else for a plain step.
    #[serde(default)]
    form: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    answer: String,
    /// `1` once the person confirmed a final step (abandon, realised).
    #[serde(default)]
    confirmed: String,
}

/// `POST /propositions/{id}/etape` — one step of the life cycle. A final
/// step (abandon, realised) is first asked about on its own page.
pub(super) async fn change_status(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let id = path_id(&id)?;
    let current = actions::proposals::get(&node, &viewer.actor(), id).await?;
    let is_answer = f.form == "answer";
    let to = parse_choice::<ProposalStatus>(&f.status);
    let mut errors = Vec::new();
    let comment_id = format!("comment-{}", f.status.trim());
    match to {
        None if is_answer => errors.push(field_error(
            "answer-choice",
            loc.t("Choisissez ce que la direction a répondu."),
        )),
        None => return Err(PageError::BadForm),
        Some(to) if to.has_answer() != is_answer => return Err(PageError::BadForm),
        Some(to)
            if domain::is_closed(current.status)
                || !domain::transition_allowed(current.status, to) =>
        {
            errors.push(field_error(
                "etapes",
                loc.t(
                    "Cette étape n'est pas possible maintenant. Regardez où en est la proposition.",
                ),
            ))
        }
        Some(_) => {}
    }
    if is_answer && f.answer.trim().is_empty() {
        errors.push(field_error(
            "answer-text",
            loc.t("Écrivez ce que la direction a répondu. Pour un refus, écrivez la raison."),
        ));
    }
    if f.comment.chars().count() > 2000 {
        errors.push(field_error(
            &comment_id,
            loc.t("Le commentaire a au plus 2000 caractères."),
        ));
    }
    if let (true, Some(to)) = (errors.is_empty(), to) {
        if domain::is_closed(to) && f.confirmed != "1" {
            return super::corrections::confirm_closing(
                &viewer,
                id,
                &current.title,
                to,
                &f.comment,
                current.shared == SHARED,
            );
        }
        let comment = validate::optional_text("comment", Some(&f.comment), 2000)
            .ok()
            .flatten();
        let answer = is_answer.then(|| f.answer.trim().to_owned());
        match actions::proposals::change_status(&node, &viewer.actor(), id, to, comment, answer)
            .await
        {
            Ok(()) => {
                let message = match to {
                    ProposalStatus::Discussed => loc.t("C'est noté : le comité en a discuté."),
                    ProposalStatus::SentToManagement => {
                        loc.t("C'est noté : la proposition est envoyée à la direction.")
                    }
                    ProposalStatus::InProgress => loc.t("C'est noté : c'est en cours."),
                    ProposalStatus::Realised => loc.t("C'est noté : c'est réalisé. Bravo !"),
                    ProposalStatus::Abandoned => {
                        loc.t("C'est noté : la proposition est abandonnée.")
                    }
                    _ => loc.t("La réponse de la direction est notée."),
                };
                return Ok(done(&format!("/propositions/{id}"), message));
            }
            Err(e) => {
                let fallback = if is_answer { "answer-choice" } else { "etapes" };
                errors = refusal(
                    e,
                    &[
                        (
                            "answer",
                            "answer-text",
                            loc.t("La réponse a au plus 4000 caractères."),
                        ),
                        (
                            "comment",
                            &comment_id,
                            loc.t("Le commentaire a au plus 2000 caractères."),
                        ),
                    ],
                    fallback,
                    loc,
                )?
            }
        }
    }
    let posted = Posted {
        status: f.status,
        comment: f.comment,
        answer: f.answer,
        reason: String::new(),
    };
    invalid(&detail_page(&node, &viewer, id, errors, posted, None).await?)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ShareForm {
    #[serde(default)]
    reason: String,
    /// `1` once the person confirmed (no longer sharing).
    #[serde(default)]
    confirmed: String,
}

/// `POST /propositions/{id}/partager`
pub(super) async fn share(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<ShareForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let id = path_id(&id)?;
    let actor = viewer.actor();
    actions::proposals::get(&node, &actor, id).await?;
    match actions::proposals::share(&node, &actor, id).await {
        Ok(()) => Ok(done(
            &format!("/propositions/{id}"),
            viewer
                .locale
                .t("La proposition est partagée avec le comité inter-services."),
        )),
        Err(e) => {
            let errors = refusal(e, &[], "partage", viewer.locale)?;
            invalid(&detail_page(&node, &viewer, id, errors, Posted::default(), None).await?)
        }
    }
}

/// `POST /propositions/{id}/ne-plus-partager`
pub(super) async fn withdraw(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ShareForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let id = path_id(&id)?;
    let actor = viewer.actor();
    let p = actions::proposals::get(&node, &actor, id).await?;
    // The reason is checked before the question, next to its field.
    let checked = validate::optional_text("reason", Some(&f.reason), 2000);
    if checked.is_ok() && p.shared == SHARED && f.confirmed != "1" {
        return super::corrections::confirm_withdrawal(&viewer, id, &p.title, &f.reason);
    }
    match actions::proposals::withdraw(&node, &actor, id, Some(&f.reason)).await {
        Ok(()) => Ok(done(
            &format!("/propositions/{id}"),
            viewer
                .locale
                .t("La proposition n'est plus partagée. Les autres services sont prévenus."),
        )),
        Err(e) => {
            let errors = refusal(
                e,
                &[(
                    "reason",
                    "withdraw-reason",
                    viewer.locale.t("La raison a au plus 2000 caractères."),
                )],
                "withdraw-reason",
                viewer.locale,
            )?;
            let posted = Posted {
                reason: f.reason,
                ..Posted::default()
            };
            invalid(&detail_page(&node, &viewer, id, errors, posted, None).await?)
        }
    }
}

// ---------------------------------------------------------------------------
// The blank form for the ballot box.

#[derive(askama::Template)]
#[template(path = "service_ballot_form.html")]
struct BallotPage {
    l: Layout,
    themes: Vec<&'static str>,
}

/// `GET /propositions/formulaire` — to print and put by the ballot box.
pub(super) async fn ballot_form(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    render(&BallotPage {
        l: viewer.layout("/propositions", None),
        themes: THEMES
            .iter()
            .map(|t| theme_label(*t, viewer.locale))
            .collect(),
    })
}
