//! The committee's members (with their recorded consent) and its delegates
//! to the inter-service committee, with what that committee sees of them.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use passerelle_protocol::body::DelegateRole;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    enum_text, field_error, invalid, is_admin, optional_id, parse_choice, parse_date, path_id,
    refusal, show_date, Choice, FormErrors,
};
use crate::pages::confirm::Confirmation;
use crate::pages::labels::{delegate_label, delegate_role_label, member_role_label};
use crate::pages::{done, render, CsrfForm, FieldError, Flash, Layout, Locale, PageError, Viewer};
use passerelle_core::actions::{accounts, committee, Who};
use passerelle_core::domain::delegates;
use passerelle_core::domain::members::{MemberRole, NewMember};
use passerelle_core::node::Node;

const ROLES: [MemberRole; 3] = [
    MemberRole::Usager,
    MemberRole::ProfessionnelDelegue,
    MemberRole::Autre,
];

// ---------------------------------------------------------------------------
// Members.

#[derive(askama::Template)]
#[template(path = "service_members.html")]
struct MembersPage {
    l: Layout,
    is_admin: bool,
    active: Vec<MemberRow>,
    left: Vec<MemberRow>,
}

struct MemberRow {
    id: Uuid,
    name: String,
    role: &'static str,
    contact: String,
    consent: bool,
    consent_since: String,
    left_on: String,
    /// The member's account on this node, if they have one.
    account: Option<i64>,
}

/// `GET /membres` — administrators also see contact details and actions.
pub(super) async fn members(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let admin = is_admin(&viewer);
    let loc = viewer.locale;
    // Members see names and roles, never contact details: the action
    // leaves them out.
    let all = committee::members(&node, &viewer.actor(), true).await?;
    // Who already has an account: their row links to it instead of
    // offering a second one.
    let accounts: BTreeMap<Uuid, i64> = if admin {
        accounts::list(&node, &viewer.actor())
            .await?
            .into_iter()
            .filter_map(|a| a.account.member_id.map(|m| (m, a.account.id)))
            .collect()
    } else {
        BTreeMap::new()
    };
    let (mut active, mut left) = (Vec::new(), Vec::new());
    for m in all {
        let row = MemberRow {
            id: m.id,
            account: accounts.get(&m.id).copied(),
            role: member_role_label(m.role, loc),
            contact: m.contact.clone().unwrap_or_default(),
            consent: m.consent,
            consent_since: m
                .consent_given_at
                .filter(|_| m.consent)
                .map(|at| loc.datetime(at))
                .unwrap_or_default(),
            left_on: m.left_at.map(|at| loc.datetime(at)).unwrap_or_default(),
            name: m.display_name,
        };
        if m.left_at.is_some() {
            left.push(row);
        } else {
            active.push(row);
        }
    }
    render(&MembersPage {
        l: viewer.layout("/membres", flash.ok),
        is_admin: admin,
        active,
        left,
    })
}

#[derive(askama::Template)]
#[template(path = "service_member_new.html")]
struct NewMemberPage {
    l: Layout,
    errors: Vec<FieldError>,
    display_name: String,
    roles: Vec<Choice>,
    contact: String,
    consent: bool,
}

impl FormErrors for NewMemberPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewMemberForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    consent: String,
}

fn new_member_page(viewer: &Viewer, f: NewMemberForm, errors: Vec<FieldError>) -> NewMemberPage {
    let loc = viewer.locale;
    NewMemberPage {
        l: viewer.layout("/membres", None),
        errors,
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
        consent: f.consent == "oui",
    }
}

/// `GET /membres/nouveau`
pub(super) async fn new_member_form(viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    render(&new_member_page(
        &viewer,
        NewMemberForm::default(),
        Vec::new(),
    ))
}

/// `POST /membres/nouveau`
pub(super) async fn add_member(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<NewMemberForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
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
        let m = NewMember {
            display_name: f.display_name.trim().to_owned(),
            role,
            contact: Some(f.contact.trim().to_owned()).filter(|c| !c.is_empty()),
            consent: f.consent == "oui",
        };
        match committee::add_member(&node, &viewer.actor(), &m).await {
            Ok(_) => return Ok(done("/membres", loc.t("Le membre est ajouté."))),
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
    invalid(&new_member_page(&viewer, f, errors))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ConsentForm {
    #[serde(default)]
    consent: String,
}

/// `POST /membres/{id}/accord` — consent given ("oui") or withdrawn.
pub(super) async fn consent(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ConsentForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let id = path_id(&id)?;
    let consent = match f.consent.as_str() {
        "oui" => true,
        "non" => false,
        _ => return Err(PageError::BadForm),
    };
    committee::set_consent(&node, &viewer.actor(), id, consent).await?;
    Ok(done(
        "/membres",
        if consent {
            loc.t("C'est noté : son nom peut être montré au comité inter-services.")
        } else {
            loc.t("C'est noté : son nom ne sera plus montré au comité inter-services, et il est effacé de ce que le service avait déjà envoyé.")
        },
    ))
}

// ---------------------------------------------------------------------------
// Delegates.

#[derive(askama::Template)]
#[template(path = "service_delegates.html")]
struct DelegatesPage {
    l: Layout,
    errors: Vec<FieldError>,
    is_admin: bool,
    current: Vec<DesignationRow>,
    /// Designations whose term has not started yet: they become current
    /// on their first day, by themselves.
    upcoming: Vec<DesignationRow>,
    public: Vec<PublicRow>,
    joined: bool,
}

impl FormErrors for DelegatesPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

struct DesignationRow {
    id: Uuid,
    upcoming: bool,
    name: String,
    role: &'static str,
    start: String,
    end: String,
    consent: bool,
    /// The end-of-term field: its id, label and value.
    field: String,
    end_label: String,
    end_input: String,
}

struct PublicRow {
    label: String,
    role: &'static str,
    /// « le 1er janvier 2027 » (current) or « à partir du 1er janvier 2027 ».
    start: String,
    end: String,
}

/// When a term starts, in words: its date if it has started, « à partir
/// du … » if it is to come.
fn start_words(
    start: &passerelle_protocol::Date,
    today: passerelle_protocol::Date,
    loc: Locale,
) -> String {
    if *start > today {
        loc.t1("à partir du {jour}", "jour", loc.day(start.inner()))
    } else {
        show_date(start, loc)
    }
}

async fn delegates_page(
    node: &Node,
    viewer: &Viewer,
    errors: Vec<FieldError>,
    end_for: String,
    end_value: String,
    flash: Option<String>,
) -> Result<DelegatesPage, PageError> {
    let loc = viewer.locale;
    let today = node.clock().today();
    let (current, upcoming): (Vec<DesignationRow>, Vec<DesignationRow>) =
        committee::delegates(node, &viewer.actor())
            .await?
            .into_iter()
            .map(|d| DesignationRow {
                upcoming: !delegates::is_current_on(d.term_start, d.term_end, today),
                id: d.id,
                field: format!("end-{}", d.id),
                end_label: loc.t1("Dernier jour du mandat de {nom}", "nom", &d.display_name),
                end_input: if end_for == d.id.to_string() {
                    end_value.clone()
                } else {
                    today.to_string()
                },
                name: d.display_name,
                role: delegate_role_label(d.role, loc),
                start: start_words(&d.term_start, today, loc),
                end: d
                    .term_end
                    .as_ref()
                    .map(|e| show_date(e, loc))
                    .unwrap_or_default(),
                consent: d.consent,
            })
            .partition(|d| !d.upcoming);
    let public = committee::public_delegates(node, &viewer.actor())
        .await?
        .delegates
        .into_iter()
        .map(|d| PublicRow {
            label: delegate_label(d.label.or_empty(), loc),
            role: delegate_role_label(d.role, loc),
            start: start_words(&d.term_start, today, loc),
            end: d
                .term_end
                .as_ref()
                .map(|e| show_date(e, loc))
                .unwrap_or_default(),
        })
        .collect();
    Ok(DelegatesPage {
        l: viewer.layout("/delegues", flash),
        errors,
        is_admin: is_admin(viewer),
        current,
        upcoming,
        public,
        joined: node.federation().await?.is_some(),
    })
}

/// `GET /delegues`
pub(super) async fn delegates(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    render(
        &delegates_page(
            &node,
            &viewer,
            Vec::new(),
            String::new(),
            String::new(),
            flash.ok,
        )
        .await?,
    )
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct EndForm {
    #[serde(default)]
    end: String,
}

/// A designation to come, for its cancellation (a started one is ended
/// instead: it is not found here).
async fn to_come(
    node: &Node,
    viewer: &Viewer,
    id: &str,
) -> Result<delegates::Designation, PageError> {
    viewer.require(Who::Admins)?;
    let d = committee::designation(node, &viewer.actor(), path_id(id)?).await?;
    if d.term_start <= node.clock().today() {
        return Err(PageError::NotFound);
    }
    Ok(d)
}

/// `GET /delegues/{id}/annuler` — asks to confirm.
pub(super) async fn cancel_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let d = to_come(&node, &viewer, &id).await?;
    let l = viewer.layout("/delegues", None);
    let loc = viewer.locale;
    let today = node.clock().today();
    Confirmation::new(
        l.t1("Annuler la désignation de {nom} ?", "nom", &d.display_name),
        format!("/delegues/{}/annuler", d.id),
        l.t("Oui, annuler cette désignation"),
        "/delegues",
        l.t("Non, revenir aux délégué·es"),
    )
    .lead(l.t1(
        "Cette désignation vaut {debut}.",
        "debut",
        start_words(&d.term_start, today, loc),
    ))
    .consequence(l.t2(
        "{nom} ne sera pas {role} : la désignation est retirée.",
        "nom",
        &d.display_name,
        "role",
        delegate_role_label(d.role, loc).to_lowercase(),
    ))
    .consequence(l.t("La liste sans cette désignation est envoyée au comité inter-services."))
    .render(l)
}

/// `POST /delegues/{id}/annuler` — the designation to come is taken back.
pub(super) async fn cancel(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::member::Empty>,
) -> Result<Response, PageError> {
    let d = to_come(&node, &viewer, &id).await?;
    committee::cancel_designation(&node, &viewer.actor(), d.id).await?;
    Ok(done(
        "/delegues",
        viewer
            .locale
            .t("C'est noté : cette désignation est annulée."),
    ))
}

/// `POST /delegues/{id}/fin` — the last day of a term.
pub(super) async fn end_term(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<EndForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let id = path_id(&id)?;
    committee::designation(&node, &viewer.actor(), id).await?;
    let field = format!("end-{id}");
    let errors = match parse_date(&f.end) {
        None => vec![field_error(
            &field,
            loc.t("Écrivez le dernier jour du mandat. Par exemple : 31 décembre 2030."),
        )],
        Some(end) => match committee::end_term(&node, &viewer.actor(), id, end).await {
            Ok(()) => {
                return Ok(done(
                    "/delegues",
                    loc.t("C'est noté : le mandat se termine."),
                ))
            }
            Err(e) => refusal(
                e,
                &[(
                    "end",
                    &field,
                    loc.t("Le mandat ne peut pas finir avant d'avoir commencé."),
                )],
                &field,
                loc,
            )?,
        },
    };
    invalid(&delegates_page(&node, &viewer, errors, id.to_string(), f.end, None).await?)
}

#[derive(askama::Template)]
#[template(path = "service_designate.html")]
struct DesignatePage {
    l: Layout,
    errors: Vec<FieldError>,
    members: Vec<Choice>,
    roles: Vec<Choice>,
    start: String,
    end: String,
    no_members: bool,
}

impl FormErrors for DesignatePage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DesignateForm {
    #[serde(default)]
    member: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    term_start: String,
    #[serde(default)]
    term_end: String,
    /// `1` once the page asked about the terms left running.
    #[serde(default)]
    asked: String,
    /// The terms to end the day before (ids, separated by commas).
    #[serde(default)]
    end_before: String,
    /// `1`: designate without ending them.
    #[serde(default)]
    keep: String,
}

async fn designate_page(
    node: &Node,
    viewer: &Viewer,
    f: DesignateForm,
    errors: Vec<FieldError>,
) -> Result<DesignatePage, PageError> {
    let loc = viewer.locale;
    let list = committee::members(node, &viewer.actor(), false).await?;
    let mut choices = vec![Choice::new(
        "",
        loc.t("Choisissez un membre"),
        f.member.is_empty(),
    )];
    choices.extend(list.iter().map(|m| {
        let v = m.id.to_string();
        let sel = v == f.member;
        Choice::new(v, m.display_name.clone(), sel)
    }));
    let roles = [DelegateRole::Delegate, DelegateRole::Substitute]
        .iter()
        .map(|r| {
            Choice::new(
                enum_text(r),
                delegate_role_label(*r, loc),
                enum_text(r) == f.role,
            )
        })
        .collect();
    Ok(DesignatePage {
        l: viewer.layout("/delegues", None),
        errors,
        members: choices,
        roles,
        start: if f.term_start.is_empty() {
            delegates::today().to_string()
        } else {
            f.term_start
        },
        end: f.term_end,
        no_members: list.is_empty(),
    })
}

/// `GET /delegues/designer`
pub(super) async fn designate_form(
    State(node): State<Node>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    render(&designate_page(&node, &viewer, DesignateForm::default(), Vec::new()).await?)
}

/// `POST /delegues/designer`
pub(super) async fn designate(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<DesignateForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let mut errors = Vec::new();
    let member = optional_id(&f.member).map_err(|_| PageError::BadForm)?;
    if member.is_none() {
        errors.push(field_error("member", loc.t("Choisissez le membre.")));
    }
    let role = parse_choice::<DelegateRole>(&f.role);
    if role.is_none() {
        errors.push(field_error(
            "role",
            loc.t("Choisissez : délégué·e ou suppléant·e."),
        ));
    }
    let start = parse_date(&f.term_start);
    if start.is_none() {
        errors.push(field_error(
            "term_start",
            loc.t("Écrivez le premier jour du mandat. Exemple : 01/01/2031."),
        ));
    }
    let end = if f.term_end.trim().is_empty() {
        None
    } else {
        let end = parse_date(&f.term_end);
        if end.is_none() {
            errors.push(field_error(
                "term_end",
                loc.t("La date de fin ne va pas. Exemple : 31/12/2031."),
            ));
        }
        end
    };
    if let (true, Some(member), Some(role), Some(start)) = (errors.is_empty(), member, role, start)
    {
        let end_before = if f.asked.is_empty() {
            let running: Vec<_> = committee::open_ended_before(&node, &viewer.actor(), role, start)
                .await?
                .into_iter()
                .filter(|d| d.member_id != member)
                .collect();
            if !running.is_empty() {
                return ask_to_end(&node, &viewer, &f, member, role, start, &running).await;
            }
            Vec::new()
        } else if f.keep == "1" {
            Vec::new()
        } else {
            f.end_before
                .split(',')
                .filter(|s| !s.is_empty())
                .map(path_id)
                .collect::<Result<Vec<_>, _>>()?
        };
        match committee::designate(
            &node,
            &viewer.actor(),
            member,
            role,
            start,
            end,
            &end_before,
        )
        .await
        {
            Ok(_) => return Ok(done("/delegues", loc.t("La désignation est notée."))),
            Err(e) => {
                errors = refusal(
                    e,
                    &[(
                        "term_end",
                        "term_end",
                        loc.t("La fin du mandat ne peut pas être avant son début."),
                    )],
                    "member",
                    loc,
                )?
            }
        }
    }
    invalid(&designate_page(&node, &viewer, f, errors).await?)
}

/// The question asked before a designation that would leave someone
/// holding the same role without an end date: end their term the day
/// before (the default), or keep both.
async fn ask_to_end(
    node: &Node,
    viewer: &Viewer,
    f: &DesignateForm,
    member: Uuid,
    role: DelegateRole,
    start: passerelle_protocol::Date,
    running: &[delegates::Designation],
) -> Result<Response, PageError> {
    let l = viewer.layout("/delegues", None);
    let loc = viewer.locale;
    let newcomer = committee::member(node, &viewer.actor(), member).await?;
    let names = running
        .iter()
        .map(|d| d.display_name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let role_words = match role {
        DelegateRole::Delegate => loc.t("délégué·e"),
        DelegateRole::Substitute => loc.t("suppléant·e"),
    };
    let eve = start
        .inner()
        .previous_day()
        .map(|d| loc.day(d))
        .unwrap_or_default();
    let ids = running
        .iter()
        .map(|d| d.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    Confirmation::new(
        l.t2(
            "{nom} est encore {role} sans date de fin",
            "nom",
            &names,
            "role",
            role_words,
        ),
        "/delegues/designer",
        l.t1("Oui, terminer le mandat le {jour}", "jour", &eve),
        "/delegues",
        l.t("Annuler, ne rien changer"),
    )
    .lead(l.t1(
        "Voulez-vous terminer son mandat la veille, le {jour} ?",
        "jour",
        &eve,
    ))
    .consequence(l.t2(
        "{nom} sera désigné·e à partir du {jour}.",
        "nom",
        &newcomer.display_name,
        "jour",
        loc.day(start.inner()),
    ))
    .consequence(l.t2(
        "Le mandat de {nom} se termine le {jour}.",
        "nom",
        &names,
        "jour",
        &eve,
    ))
    .also("keep", "1", l.t("Non, garder les deux mandats"))
    .hidden("member", member.to_string())
    .hidden("role", f.role.clone())
    .hidden("term_start", f.term_start.clone())
    .hidden("term_end", f.term_end.clone())
    .hidden("asked", "1")
    .hidden("end_before", ids)
    .render(l)
}
