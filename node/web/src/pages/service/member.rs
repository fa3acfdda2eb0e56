//! One member, for administrators: changing their details (name, place in
//! the committee, contact), and noting that they left the committee after
//! a page that asks to confirm (leaving cannot be undone on the pages).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::{enum_text, field_error, invalid, parse_choice, path_id, refusal, Choice, FormErrors};
use crate::pages::confirm::Confirmation;
use crate::pages::labels::member_role_label;
use crate::pages::{done, render, CsrfForm, FieldError, Layout, PageError, Viewer};
use passerelle_core::actions::{committee, Who};
use passerelle_core::domain::members::{Member, MemberRole, MemberUpdate};
use passerelle_core::node::Node;

const ROLES: [MemberRole; 3] = [
    MemberRole::Usager,
    MemberRole::ProfessionnelDelegue,
    MemberRole::Autre,
];

/// A member still in the committee (a former member is not changed).
async fn active_member(node: &Node, viewer: &Viewer, id: &str) -> Result<Member, PageError> {
    viewer.require(Who::Admins)?;
    let id = path_id(id)?;
    let m = committee::member(node, &viewer.actor(), id).await?;
    if m.is_active() {
        Ok(m)
    } else {
        Err(PageError::NotFound)
    }
}

// ---------------------------------------------------------------------------
// Changing a member's details.

#[derive(askama::Template)]
#[template(path = "service_member_edit.html")]
struct EditPage {
    l: Layout,
    errors: Vec<FieldError>,
    id: Uuid,
    name: String,
    display_name: String,
    roles: Vec<Choice>,
    contact: String,
}

impl FormErrors for EditPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct EditForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    contact: String,
}

fn edit_page(viewer: &Viewer, m: &Member, f: EditForm, errors: Vec<FieldError>) -> EditPage {
    let loc = viewer.locale;
    EditPage {
        l: viewer.layout("/membres", None),
        errors,
        id: m.id,
        name: m.display_name.clone(),
        roles: ROLES
            .iter()
            .map(|r| {
                Choice::new(
                    enum_text(r),
                    member_role_label(*r, loc),
                    enum_text(r) == f.role,
                )
            })
            .collect(),
        display_name: f.display_name,
        contact: f.contact,
    }
}

/// `GET /membres/{id}/modifier`
pub(super) async fn edit_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = active_member(&node, &viewer, &id).await?;
    let f = EditForm {
        display_name: m.display_name.clone(),
        role: enum_text(&m.role),
        contact: m.contact.clone().unwrap_or_default(),
    };
    render(&edit_page(&viewer, &m, f, Vec::new()))
}

/// `POST /membres/{id}/modifier`
pub(super) async fn edit(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<EditForm>,
) -> Result<Response, PageError> {
    let m = active_member(&node, &viewer, &id).await?;
    let loc = viewer.locale;
    let mut errors = Vec::new();
    if f.display_name.trim().is_empty() {
        errors.push(field_error(
            "display_name",
            loc.t("Écrivez le nom de la personne (un prénom ou un pseudonyme suffit)."),
        ));
    }
    let role = parse_choice::<MemberRole>(&f.role);
    if role.is_none() {
        errors.push(field_error(
            "role",
            loc.t("Choisissez la place de la personne dans le comité."),
        ));
    }
    if let (true, Some(role)) = (errors.is_empty(), role) {
        let u = MemberUpdate {
            display_name: Some(f.display_name.trim().to_owned()),
            role: Some(role),
            contact: Some(f.contact.trim().to_owned()),
        };
        match committee::update_member(&node, &viewer.actor(), m.id, &u).await {
            Ok(()) => return Ok(done("/membres", loc.t("Les changements sont enregistrés."))),
            Err(e) => {
                errors = refusal(
                    e,
                    &[
                        (
                            "display_name",
                            "display_name",
                            loc.t("Le nom a de 1 à 80 caractères."),
                        ),
                        (
                            "contact",
                            "contact",
                            loc.t("Le contact a au plus 200 caractères."),
                        ),
                    ],
                    "display_name",
                    loc,
                )?
            }
        }
    }
    invalid(&edit_page(&viewer, &m, f, errors))
}

// ---------------------------------------------------------------------------
// Leaving the committee, confirmed first.

/// `GET /membres/{id}/depart` — asks to confirm.
pub(super) async fn leave_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = active_member(&node, &viewer, &id).await?;
    let l = viewer.layout("/membres", None);
    let name = m.display_name.as_str();
    Confirmation::new(
        l.t1("{nom} a quitté le comité ?", "nom", name),
        format!("/membres/{}/depart", m.id),
        l.t1("Oui, {nom} a quitté le comité", "nom", name),
        "/membres",
        l.t("Non, revenir aux membres"),
    )
    .lead(l.t("Vérifiez avant de confirmer : on ne peut pas revenir en arrière."))
    .consequence(l.t("Son nom passe dans la liste des anciens membres."))
    .consequence(l.t("Si cette personne représente le comité, son mandat se termine aujourd'hui."))
    .render(l)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Empty {}

/// `POST /membres/{id}/depart` — the member left the committee.
pub(super) async fn leave(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let m = active_member(&node, &viewer, &id).await?;
    committee::leave(&node, &viewer.actor(), m.id).await?;
    Ok(done(
        "/membres",
        viewer
            .locale
            .t("C'est noté : cette personne a quitté le comité."),
    ))
}
