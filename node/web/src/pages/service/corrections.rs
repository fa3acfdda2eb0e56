//! Going back on a proposal: correcting its title, text and theme, and
//! reopening it once abandoned or realised. Also the questions asked before
//! the final steps of its life (abandon, realised, stop sharing), on the
//! generic confirmation page. (The proposal's own page is `proposals`.)

use axum::extract::{Path, State};
use axum::response::Response;
use passerelle_protocol::body::ProposalStatus;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    enum_text, invalid, path_id, refusal, status_label, theme_label, Choice, FormErrors, THEMES,
};
use crate::pages::confirm::Confirmation;
use crate::pages::{done, render, CsrfForm, FieldError, Layout, Locale, PageError, Viewer};
use passerelle_core::actions::{self, Who};
use passerelle_core::domain::proposals::{Correction, HistoryEntry, HistoryStep, SHARED};
use passerelle_core::node::Node;

// ---------------------------------------------------------------------------
// Correcting.

#[derive(askama::Template)]
#[template(path = "service_proposal_correct.html")]
struct CorrectPage {
    l: Layout,
    errors: Vec<FieldError>,
    id: Uuid,
    title: String,
    description: String,
    themes: Vec<Choice>,
    shared: bool,
}

impl FormErrors for CorrectPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct CorrectForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    theme: String,
}

fn correct_page(
    viewer: &Viewer,
    id: Uuid,
    f: CorrectForm,
    shared: bool,
    errors: Vec<FieldError>,
) -> CorrectPage {
    let loc = viewer.locale;
    CorrectPage {
        l: viewer.layout("/propositions", None),
        errors,
        id,
        themes: THEMES
            .iter()
            .map(|t| Choice::new(enum_text(t), theme_label(*t, loc), enum_text(t) == f.theme))
            .collect(),
        title: f.title,
        description: f.description,
        shared,
    }
}

/// `GET /propositions/{id}/corriger`
pub(super) async fn correct_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let id = path_id(&id)?;
    let p = actions::proposals::get(&node, &viewer.actor(), id).await?;
    let f = CorrectForm {
        theme: enum_text(&p.theme),
        title: p.title,
        description: p.description,
    };
    render(&correct_page(
        &viewer,
        id,
        f,
        p.shared == SHARED,
        Vec::new(),
    ))
}

/// `POST /propositions/{id}/corriger`
pub(super) async fn correct(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CorrectForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let id = path_id(&id)?;
    let p = actions::proposals::get(&node, &viewer.actor(), id).await?;
    let mut errors = Vec::new();
    let (title, description, theme) =
        super::proposals::written(&f.title, &f.description, &f.theme, loc, &mut errors);
    if let (true, Some(theme)) = (errors.is_empty(), theme) {
        let c = Correction {
            title: title.to_owned(),
            description: description.to_owned(),
            theme,
        };
        match actions::proposals::correct(&node, &viewer.actor(), id, &c).await {
            Ok(changed) => {
                let message = match (changed, p.shared == SHARED) {
                    (false, _) => loc.t("Rien n'a changé."),
                    (true, true) => {
                        loc.t("La correction est notée. Le comité inter-services la reçoit aussi.")
                    }
                    (true, false) => loc.t("La correction est notée."),
                };
                return Ok(done(&format!("/propositions/{id}"), message));
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
    invalid(&correct_page(&viewer, id, f, p.shared == SHARED, errors))
}

/// A step of the history in words: its title, and what a correction changed.
pub(super) fn step_in_words(h: &HistoryEntry, loc: Locale) -> (String, Vec<String>) {
    match h.step {
        HistoryStep::Status => (status_label(h.to_status, loc).to_owned(), Vec::new()),
        HistoryStep::Reopened => (
            loc.t1(
                "Rouverte : retour à « {etape} »",
                "etape",
                status_label(h.to_status, loc),
            ),
            Vec::new(),
        ),
        HistoryStep::Corrected => {
            let mut changes = Vec::new();
            if let (Some(old), Some(new)) = (&h.old_title, &h.new_title) {
                changes.push(loc.t2(
                    "Titre : « {avant} » → « {apres} »",
                    "avant",
                    old,
                    "apres",
                    new,
                ));
            }
            if h.text_corrected {
                changes.push(loc.t("texte corrigé").to_owned());
            }
            if let (Some(old), Some(new)) = (h.old_theme, h.new_theme) {
                changes.push(loc.t2(
                    "Thème : {avant} → {apres}",
                    "avant",
                    theme_label(old, loc),
                    "apres",
                    theme_label(new, loc),
                ));
            }
            (loc.t("Corrigée").to_owned(), changes)
        }
    }
}

// ---------------------------------------------------------------------------
// Reopening.

/// `GET /propositions/{id}/rouvrir` — the question.
pub(super) async fn reopen_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let id = path_id(&id)?;
    let actor = viewer.actor();
    let p = actions::proposals::get(&node, &actor, id).await?;
    let back = format!("/propositions/{id}");
    let Some(to) = actions::proposals::reopen_target(&node, &actor, id).await? else {
        // Not closed (any more): nothing to ask.
        return Ok(done(
            &back,
            viewer.locale.t("Cette proposition est déjà en cours."),
        ));
    };
    let l = viewer.layout("/propositions", None);
    let mut c = Confirmation::new(
        l.t1("Rouvrir « {titre} » ?", "titre", &p.title),
        format!("/propositions/{id}/rouvrir"),
        l.t("Oui, rouvrir la proposition"),
        back,
        l.t("Non, revenir à la proposition"),
    )
    .consequence(l.t1(
        "Elle revient à l'étape « {etape} ».",
        "etape",
        status_label(to, viewer.locale),
    ))
    .consequence(l.t("Elle revient dans la liste des propositions en cours."))
    .consequence(l.t("L'historique le garde."));
    if p.shared == SHARED {
        c = c.consequence(l.t("Le comité inter-services est prévenu."));
    }
    c.render(l)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Empty {}

/// `POST /propositions/{id}/rouvrir`
pub(super) async fn reopen(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let id = path_id(&id)?;
    let to = actions::proposals::reopen(&node, &viewer.actor(), id, None).await?;
    Ok(done(
        &format!("/propositions/{id}"),
        &loc.t1(
            "C'est noté : la proposition est rouverte, à l'étape « {etape} ».",
            "etape",
            status_label(to, loc),
        ),
    ))
}

// ---------------------------------------------------------------------------
// Questions before the final steps.

/// The question before abandoning a proposal or saying it is realised; the
/// answer sends the step's form again, with `confirmed=1`.
pub(super) fn confirm_closing(
    viewer: &Viewer,
    id: Uuid,
    title: &str,
    to: ProposalStatus,
    comment: &str,
    shared: bool,
) -> Result<Response, PageError> {
    let l = viewer.layout("/propositions", None);
    let (question, yes) = if to == ProposalStatus::Abandoned {
        (
            l.t1("Abandonner « {titre} » ?", "titre", title),
            l.t("Oui, abandonner la proposition"),
        )
    } else {
        (
            l.t1("« {titre} » est réalisée ?", "titre", title),
            l.t("Oui, c'est réalisé"),
        )
    };
    let mut c = Confirmation::new(
        question,
        format!("/propositions/{id}/etape"),
        yes,
        format!("/propositions/{id}"),
        l.t("Non, revenir à la proposition"),
    )
    .consequence(l.t(
        "La proposition sort de la liste des propositions en cours. Vous pourrez la rouvrir plus tard.",
    ));
    if shared {
        c = c.consequence(l.t("Le comité inter-services est prévenu."));
    }
    c.hidden("form", "step")
        .hidden("status", enum_text(&to))
        .hidden("comment", comment)
        .hidden("confirmed", "1")
        .render(l)
}

/// The question before no longer sharing a proposal.
pub(super) fn confirm_withdrawal(
    viewer: &Viewer,
    id: Uuid,
    title: &str,
    reason: &str,
) -> Result<Response, PageError> {
    let l = viewer.layout("/propositions", None);
    Confirmation::new(
        l.t1("Ne plus partager « {titre} » ?", "titre", title),
        format!("/propositions/{id}/ne-plus-partager"),
        l.t("Oui, ne plus partager"),
        format!("/propositions/{id}"),
        l.t("Non, revenir à la proposition"),
    )
    .consequence(l.t(
        "Les autres services voient qu'elle n'est plus partagée, avec la raison si vous en donnez une.",
    ))
    .consequence(l.t("Vous pourrez la partager à nouveau plus tard."))
    .hidden("reason", reason)
    .hidden("confirmed", "1")
    .render(l)
}
