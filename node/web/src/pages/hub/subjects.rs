//! Subjects: proposals of several services that speak of the same thing,
//! linked under one title. The proposals themselves are never changed.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use passerelle_protocol::body::ProposalRef;
use uuid::Uuid;

use super::{
    field_error, guard, path_id, ref_from_value, ref_value, refusal_on, render_with, service_label,
    status_label, support_words, theme_label, Choice, Field,
};
use crate::pages::Locale;
use crate::pages::{done, CsrfForm, FieldError, Flash, Layout, PageError, Viewer};
use passerelle_core::actions::{hub, Actor};
use passerelle_core::domain::hub::{AggregatedProposal, ProposalFilter, ProposalSort, SubjectView};
use passerelle_core::node::Node;

/// A proposal that may join a subject (shared, and in no subject yet).
struct Candidate {
    value: String,
    label: String,
    checked: bool,
}

/// A proposal of a subject, in words.
struct Linked {
    value: String,
    label: String,
    details: String,
    withdrawn: bool,
}

/// A subject, in words, with its forms.
struct SubjectCard {
    href: String,
    title: String,
    support: String,
    proposals: Vec<Linked>,
    /// The id of its "add a proposal" select.
    add_id: String,
    add_error: Option<String>,
    /// The id of its "remove" buttons' error.
    remove_id: String,
    remove_error: Option<String>,
    updated: String,
}

/// What the coordinator typed in the "new subject" form.
#[derive(Debug, Default)]
struct NewSubject {
    title: String,
    ticked: Vec<ProposalRef>,
}

#[derive(askama::Template)]
#[template(path = "hub_subjects.html")]
struct SubjectsPage {
    l: Layout,
    errors: Vec<FieldError>,
    subjects: Vec<SubjectCard>,
    candidates: Vec<Candidate>,
    /// Choices for the "add a proposal" selects.
    addable: Vec<Choice>,
    title: Field,
    proposals_error: Option<String>,
}

/// One line of a subject's log.
struct LogLine {
    at: String,
    actor: String,
    action: &'static str,
    proposal: String,
}

#[derive(askama::Template)]
#[template(path = "hub_subject.html")]
struct SubjectPage {
    l: Layout,
    errors: Vec<FieldError>,
    /// `None` when the subject was dissolved (its log remains).
    subject: Option<SubjectCard>,
    title: String,
    addable: Vec<Choice>,
    log: Vec<LogLine>,
}

/// Every shared proposal, by reference (withdrawn ones included, for the
/// titles of the log), in the order of the lists: by service, then title.
pub(super) struct Proposals {
    all: Vec<AggregatedProposal>,
    loc: Locale,
}

impl Proposals {
    pub(super) async fn load(
        node: &Node,
        actor: &Actor,
        loc: Locale,
    ) -> Result<Proposals, PageError> {
        let mut all = hub::proposals(
            node,
            actor,
            &ProposalFilter {
                include_withdrawn: true,
                sort: ProposalSort::Title,
                ..ProposalFilter::default()
            },
        )
        .await?;
        all.sort_by(|a, b| {
            let la = service_label(&a.service_id, a.service_name.as_deref()).to_lowercase();
            let lb = service_label(&b.service_id, b.service_name.as_deref()).to_lowercase();
            la.cmp(&lb)
                .then(a.title.to_lowercase().cmp(&b.title.to_lowercase()))
        });
        Ok(Proposals { all, loc })
    }

    fn find(&self, r: &ProposalRef) -> Option<&AggregatedProposal> {
        self.all
            .iter()
            .find(|p| p.service_id == r.service.as_str() && p.proposal_id == r.proposal)
    }

    /// "Service — titre".
    pub(super) fn label(&self, r: &ProposalRef) -> String {
        match self.find(r) {
            Some(p) => format!(
                "{} — {}",
                service_label(&p.service_id, p.service_name.as_deref()),
                p.title
            ),
            None => self.loc.t1(
                "{service} — proposition inconnue ici",
                "service",
                r.service.as_str(),
            ),
        }
    }

    /// Proposals that may join a subject.
    fn free(&self) -> impl Iterator<Item = &AggregatedProposal> {
        self.all
            .iter()
            .filter(|p| !p.withdrawn && p.subject.is_none())
    }
}

fn reference(p: &AggregatedProposal) -> Option<ProposalRef> {
    Some(ProposalRef {
        service: passerelle_protocol::NodeId::parse(&p.service_id).ok()?,
        proposal: p.proposal_id,
    })
}

fn support_sentence(n: i64, loc: Locale) -> String {
    loc.plural(
        n,
        "1 service soutient ce sujet.",
        "{n} services différents soutiennent ce sujet.",
    )
}

fn card(s: &SubjectView, proposals: &Proposals, errors: &[FieldError]) -> SubjectCard {
    let loc = proposals.loc;
    let add_id = format!("ajouter-{}", s.id);
    let remove_id = format!("retirer-{}", s.id);
    SubjectCard {
        href: format!("/sujets/{}", s.id),
        title: s.title.clone(),
        support: support_sentence(s.support, loc),
        proposals: s
            .proposals
            .iter()
            .filter_map(|p| {
                let r = ProposalRef {
                    service: passerelle_protocol::NodeId::parse(&p.service_id).ok()?,
                    proposal: p.proposal_id,
                };
                let found = proposals.find(&r);
                Some(Linked {
                    value: ref_value(&r),
                    label: proposals.label(&r),
                    details: match found {
                        Some(f) => format!(
                            "{} — {} — {}.",
                            theme_label(f.theme, loc),
                            status_label(f.status, loc),
                            support_words(p.support, loc)
                        ),
                        None => String::new(),
                    },
                    withdrawn: p.withdrawn,
                })
            })
            .collect(),
        add_error: super::error_of(errors, &add_id),
        remove_error: super::error_of(errors, &remove_id),
        remove_id,
        add_id,
        updated: loc.datetime(s.updated_at),
    }
}

fn addable(proposals: &Proposals) -> Vec<Choice> {
    proposals
        .free()
        .filter_map(|p| {
            let r = reference(p)?;
            Some(Choice {
                value: ref_value(&r),
                label: proposals.label(&r),
                selected: false,
            })
        })
        .collect()
}

async fn list_page(
    node: &Node,
    viewer: &Viewer,
    errors: Vec<FieldError>,
    kept: NewSubject,
    flash: Option<String>,
) -> Result<SubjectsPage, PageError> {
    let (loc, actor) = (viewer.locale, viewer.actor());
    let subjects = hub::subjects(node, &actor).await?;
    let proposals = Proposals::load(node, &actor, loc).await?;
    let candidates = proposals
        .free()
        .filter_map(|p| {
            let r = reference(p)?;
            Some(Candidate {
                value: ref_value(&r),
                label: proposals.label(&r),
                checked: kept.ticked.contains(&r),
            })
        })
        .collect();
    Ok(SubjectsPage {
        l: viewer.layout("/sujets", flash),
        subjects: subjects
            .iter()
            .map(|s| card(s, &proposals, &errors))
            .collect(),
        candidates,
        addable: addable(&proposals),
        title: Field::new("titre", "titre", loc.t("Titre du sujet commun"))
            .hint(loc.t("Quelques mots que tout le monde comprend. Par exemple : Ouvrir le soir."))
            .value(kept.title)
            .errors(&errors),
        proposals_error: super::error_of(&errors, "choix-0"),
        errors,
    })
}

/// `GET /sujets`
pub async fn list(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let page = list_page(&node, &viewer, Vec::new(), NewSubject::default(), flash.ok).await?;
    render_with(&page, StatusCode::OK)
}

/// `POST /sujets` — links the ticked proposals under a title. The boxes
/// are named `choix-0`, `choix-1`… (one name each: a form library need not
/// know repeated names), their values `service/proposal`.
pub async fn create(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let loc = viewer.locale;
    let title = form.get("titre").cloned().unwrap_or_default();
    let mut ticked: Vec<ProposalRef> = Vec::new();
    let mut unreadable = false;
    for (key, value) in &form {
        if key.starts_with("choix-") {
            match ref_from_value(value) {
                Some(r) if !ticked.contains(&r) => ticked.push(r),
                Some(_) => {}
                None => unreadable = true,
            }
        }
    }
    if unreadable {
        return Err(PageError::BadForm);
    }
    let mut errors = Vec::new();
    if ticked.is_empty() {
        errors.push(field_error(
            "choix-0",
            loc.t("Cochez au moins une proposition à relier."),
        ));
    }
    if title.trim().is_empty() {
        errors.push(field_error(
            "titre",
            loc.t("Écrivez un titre pour ce sujet."),
        ));
    } else if title.trim().chars().count() > 200 {
        errors.push(field_error(
            "titre",
            loc.t("Le titre est trop long : 200 caractères au plus."),
        ));
    }
    if errors.is_empty() {
        match hub::create_subject(&node, &viewer.actor(), &title, &ticked).await {
            Ok(id) => {
                return Ok(done(
                    &format!("/sujets/{id}"),
                    loc.t("Le sujet commun est créé. Les services le verront."),
                ))
            }
            Err(e) => errors.push(refusal_on("choix-0", e, loc)?),
        }
    }
    let page = list_page(&node, &viewer, errors, NewSubject { title, ticked }, None).await?;
    render_with(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

async fn detail_page(
    node: &Node,
    viewer: &Viewer,
    id: Uuid,
    errors: Vec<FieldError>,
    flash: Option<String>,
) -> Result<SubjectPage, PageError> {
    let (loc, actor) = (viewer.locale, viewer.actor());
    let subjects = hub::subjects(node, &actor).await?;
    let proposals = Proposals::load(node, &actor, loc).await?;
    let log = hub::subject_log(node, &actor, id).await?;
    let subject = subjects.iter().find(|s| s.id == id);
    if subject.is_none() && log.is_empty() {
        return Err(PageError::NotFound);
    }
    let card = subject.map(|s| card(s, &proposals, &errors));
    Ok(SubjectPage {
        l: viewer.layout("/sujets", flash),
        title: card
            .as_ref()
            .map_or_else(|| loc.t("Sujet dissous").to_owned(), |c| c.title.clone()),
        subject: card,
        addable: addable(&proposals),
        log: log
            .iter()
            .map(|e| LogLine {
                at: loc.datetime(e.at),
                actor: e.actor.clone(),
                action: if e.action == "link" {
                    loc.t("Reliée au sujet")
                } else {
                    loc.t("Retirée du sujet")
                },
                proposal: proposals.label(&e.proposal),
            })
            .collect(),
        errors,
    })
}

/// `GET /sujets/{id}`
pub async fn detail(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let id = path_id(&id)?;
    let page = detail_page(&node, &viewer, id, Vec::new(), flash.ok).await?;
    render_with(&page, StatusCode::OK)
}

#[derive(Debug, serde::Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    proposition: String,
    /// Which page the form was on: `liste` or `sujet`.
    #[serde(default)]
    retour: String,
}

async fn change(
    node: Node,
    viewer: Viewer,
    id: String,
    form: ChangeForm,
    link: bool,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let loc = viewer.locale;
    let id = path_id(&id)?;
    let back = if form.retour == "sujet" {
        format!("/sujets/{id}")
    } else {
        "/sujets".to_owned()
    };
    let field = if link {
        format!("ajouter-{id}")
    } else {
        format!("retirer-{id}")
    };
    let error = match ref_from_value(&form.proposition) {
        None if link => field_error(&field, loc.t("Choisissez la proposition à ajouter.")),
        None => return Err(PageError::BadForm),
        Some(r) => {
            let actor = viewer.actor();
            let result = if link {
                hub::link(&node, &actor, id, r).await
            } else {
                hub::unlink(&node, &actor, id, r).await
            };
            match result {
                Ok(()) => {
                    let still_there = hub::subjects(&node, &actor)
                        .await?
                        .iter()
                        .any(|s| s.id == id);
                    return Ok(if link {
                        done(&back, loc.t("La proposition est ajoutée au sujet."))
                    } else if still_there {
                        done(&back, loc.t("La proposition est retirée du sujet."))
                    } else {
                        done(
                            "/sujets",
                            loc.t("La proposition est retirée. Le sujet n'avait plus de proposition : il est dissous."),
                        )
                    });
                }
                Err(e) => refusal_on(&field, e, loc)?,
            }
        }
    };
    let errors = vec![error];
    if form.retour == "sujet" {
        let page = detail_page(&node, &viewer, id, errors, None).await?;
        render_with(&page, StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        let page = list_page(&node, &viewer, errors, NewSubject::default(), None).await?;
        render_with(&page, StatusCode::UNPROCESSABLE_ENTITY)
    }
}

/// `POST /sujets/{id}/ajouter`
pub async fn link(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> Result<Response, PageError> {
    change(node, viewer, id, form, true).await
}

/// `POST /sujets/{id}/retirer`
pub async fn unlink(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> Result<Response, PageError> {
    change(node, viewer, id, form, false).await
}
