//! The accounts of the node, for its managers (a service's administrators,
//! the hub's coordinators): the list with each account's state, creating
//! one (for a member of the committee or free) with its **login card**, a
//! new first password (its card again), disabling and enabling, changing
//! the role, ending its sessions, unblocking it.
//!
//! A first password is shown only on the answer to the form that made it
//! (the card, printable on one page): never stored in clear, never shown
//! again. Every final or destructive step asks first ([`Confirmation`]).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::confirm::Confirmation;
use super::rules::{rule_words, Reader};
use super::{done, render, CsrfForm, FieldError, Flash, Layout, Locale, PageError, Viewer};
use passerelle_core::accounts::Role;
use passerelle_core::actions::accounts::{self, AccountEntry, FirstPassword, NewAccountRequest};
use passerelle_core::actions::{committee, Who};
use passerelle_core::error::Refusal;
use passerelle_core::node::Node;

pub fn routes() -> Router<Node> {
    Router::new()
        .route("/comptes", get(list))
        .route("/comptes/nouveau", get(new_form).post(create))
        .route("/comptes/{id}", get(detail))
        .route("/comptes/{id}/mot-de-passe", get(reset_form).post(reset))
        .route("/comptes/{id}/desactiver", get(disable_form).post(disable))
        .route("/comptes/{id}/activer", post(enable))
        .route("/comptes/{id}/role", get(role_form).post(set_role))
        .route(
            "/comptes/{id}/sessions",
            get(sessions_form).post(end_sessions),
        )
        .route("/comptes/{id}/debloquer", post(unblock))
}

fn role_label(role: Role, loc: Locale) -> &'static str {
    match role {
        Role::Admin => loc.t("Administrateur·rice"),
        Role::Member => loc.t("Membre du comité"),
        Role::Coordinator => loc.t("Coordination"),
    }
}

fn state_label(a: &AccountEntry, loc: Locale) -> &'static str {
    if a.account.disabled {
        loc.t("Désactivé")
    } else if a.blocked {
        loc.t("Bloqué par des essais ratés")
    } else if a.account.must_change_password {
        loc.t("Doit choisir son mot de passe")
    } else {
        loc.t("Actif")
    }
}

fn account_id(text: &str) -> Result<i64, PageError> {
    text.parse().map_err(|_| PageError::NotFound)
}

struct Row {
    id: i64,
    username: String,
    role: &'static str,
    member: Option<String>,
    state: &'static str,
}

#[derive(askama::Template)]
#[template(path = "accounts_list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
}

/// `GET /comptes`
async fn list(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Managers)?;
    let loc = viewer.locale;
    let rows = accounts::list(&node, &viewer.actor())
        .await?
        .into_iter()
        .map(|a| Row {
            id: a.account.id,
            role: role_label(a.account.role, loc),
            state: state_label(&a, loc),
            username: a.account.username.clone(),
            member: a.member_name.clone(),
        })
        .collect();
    render(&ListPage {
        l: viewer.layout("/comptes", flash.ok),
        rows,
    })
}

#[derive(askama::Template)]
#[template(path = "account_new.html")]
struct NewPage {
    l: Layout,
    errors: Vec<FieldError>,
    username_error: Option<String>,
    role_error: Option<String>,
    member_error: Option<String>,
    username: String,
    member_id: Option<uuid::Uuid>,
    member_name: Option<String>,
    /// (value, label, checked)
    roles: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    membre: String,
}

/// The member an account is asked for, if any (an active one).
async fn member_of(
    node: &Node,
    viewer: &Viewer,
    text: &str,
) -> Result<Option<(uuid::Uuid, String)>, PageError> {
    if text.trim().is_empty() || viewer.is_hub {
        return Ok(None);
    }
    let id = super::path_id(text.trim())?;
    let m = committee::member(node, &viewer.actor(), id).await?;
    if !m.is_active() {
        return Err(PageError::NotFound);
    }
    Ok(Some((m.id, m.display_name)))
}

/// What `errors` say of `field`, if anything.
fn error_of(errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

/// The form's field a refused creation is about: the member (who has an
/// account already, or left), the role, or else the user name.
fn refused_field(e: &passerelle_core::error::NodeError) -> &'static str {
    use passerelle_core::error::Rule;
    match e.refusal() {
        Some(Refusal::DomainRule(Rule::MemberHasAccount | Rule::MemberAlreadyLeft)) => "membre",
        _ if e.field() == Some("role") => "role",
        _ if e.field() == Some("member_id") => "membre",
        _ => "username",
    }
}

fn new_page(
    node: &Node,
    viewer: &Viewer,
    username: String,
    member: Option<(uuid::Uuid, String)>,
    role: Role,
    errors: Vec<FieldError>,
) -> NewPage {
    let loc = viewer.locale;
    NewPage {
        l: viewer.layout("/comptes", None),
        username_error: error_of(&errors, "username"),
        role_error: error_of(&errors, "role"),
        member_error: error_of(&errors, "membre"),
        errors,
        username,
        member_id: member.as_ref().map(|m| m.0),
        member_name: member.map(|m| m.1),
        roles: accounts::roles_of(node)
            .iter()
            .map(|r| (r.as_str(), role_label(*r, loc), *r == role))
            .collect(),
    }
}

/// `GET /comptes/nouveau[?membre=ID]` — the user name is suggested from
/// the member's name.
async fn new_form(
    State(node): State<Node>,
    viewer: Viewer,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    viewer.require(Who::Managers)?;
    let member = member_of(&node, &viewer, &q.membre).await?;
    let username = match &member {
        Some((_, name)) => accounts::suggest_username(&node, name).await?,
        None => String::new(),
    };
    let role = if viewer.is_hub {
        Role::Coordinator
    } else {
        Role::Member
    };
    render(&new_page(
        &node,
        &viewer,
        username,
        member,
        role,
        Vec::new(),
    ))
}

#[derive(Debug, Default, Deserialize)]
struct NewForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    membre: String,
}

#[derive(askama::Template)]
#[template(path = "account_card.html")]
struct CardPage {
    l: Layout,
    address: String,
    username: String,
    password: String,
}

/// The login card: the answer page of the form that made the password.
fn card(node: &Node, viewer: &Viewer, first: FirstPassword) -> Result<Response, PageError> {
    let address = if node.config.public_url.is_empty() {
        format!("http://{}", node.config.listen)
    } else {
        node.config.public_url.clone()
    };
    let mut response = render(&CardPage {
        l: viewer.layout("/comptes", None),
        address,
        username: first.account.username,
        password: first.password,
    })?;
    // The password is on this page only: no cache keeps it.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// What a page says of a refused account change.
fn refusal_words(e: &passerelle_core::error::NodeError, loc: Locale, hub: bool) -> Option<String> {
    let reader = if hub {
        Reader::Coordinator
    } else {
        Reader::Committee
    };
    match e.refusal() {
        Some(Refusal::DomainRule(rule) | Refusal::InvalidField(Some(rule))) => {
            Some(rule_words(rule, None, reader, loc))
        }
        Some(Refusal::InvalidField(None)) => Some(
            loc.t("Le nom d'utilisateur a de 1 à 60 caractères.")
                .to_owned(),
        ),
        _ => None,
    }
}

/// `POST /comptes/nouveau` — creates the account and answers its card.
async fn create(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Managers)?;
    let member = member_of(&node, &viewer, &f.membre).await?;
    let Some(role) = Role::parse(f.role.trim()).filter(|r| accounts::roles_of(&node).contains(r))
    else {
        let errors = vec![FieldError {
            field: "role".into(),
            message: viewer
                .locale
                .t("Choisissez un des rôles proposés.")
                .to_owned(),
        }];
        let fallback = accounts::roles_of(&node)[0];
        return refused_page(&node, &viewer, f.username, member, fallback, errors);
    };
    let request = NewAccountRequest {
        username: &f.username,
        role,
        member_id: member.as_ref().map(|m| m.0),
        password: None,
    };
    match accounts::create(&node, &viewer.actor(), request).await {
        Ok(first) => card(&node, &viewer, first),
        Err(e) => match refusal_words(&e, viewer.locale, viewer.is_hub) {
            Some(message) => {
                let errors = vec![FieldError {
                    field: refused_field(&e).into(),
                    message,
                }];
                refused_page(&node, &viewer, f.username, member, role, errors)
            }
            None => Err(e.into()),
        },
    }
}

/// The creation form again, with its refusals next to their fields.
fn refused_page(
    node: &Node,
    viewer: &Viewer,
    username: String,
    member: Option<(uuid::Uuid, String)>,
    role: Role,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let page = new_page(node, viewer, username, member, role, errors);
    let mut response = render(&page)?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

#[derive(askama::Template)]
#[template(path = "account_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    username: String,
    role: &'static str,
    member: Option<String>,
    state: &'static str,
    disabled: bool,
    blocked: bool,
    other_role: Option<&'static str>,
}

/// The other role an account may take here, and how the link says it.
fn other_role(node: &Node, role: Role, loc: Locale) -> Option<(Role, &'static str)> {
    match role {
        Role::Admin => Some((Role::Member, loc.t("En faire un simple membre du comité"))),
        Role::Member if !node.is_hub() => {
            Some((Role::Admin, loc.t("En faire un·e administrateur·rice")))
        }
        _ => None,
    }
}

/// `GET /comptes/{id}`
async fn detail(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Managers)?;
    let loc = viewer.locale;
    let a = accounts::account(&node, &viewer.actor(), account_id(&id)?).await?;
    render(&DetailPage {
        l: viewer.layout("/comptes", flash.ok),
        id: a.account.id,
        role: role_label(a.account.role, loc),
        state: state_label(&a, loc),
        disabled: a.account.disabled,
        blocked: a.blocked,
        other_role: other_role(&node, a.account.role, loc).map(|o| o.1),
        member: a.member_name.clone(),
        username: a.account.username,
    })
}

async fn entry(node: &Node, viewer: &Viewer, id: &str) -> Result<AccountEntry, PageError> {
    viewer.require(Who::Managers)?;
    Ok(accounts::account(node, &viewer.actor(), account_id(id)?).await?)
}

#[derive(Debug, Default, Deserialize)]
struct Empty {}

/// The account's page again with a refusal said in words, or the error.
fn refused(e: passerelle_core::error::NodeError, viewer: &Viewer) -> Result<Response, PageError> {
    match refusal_words(&e, viewer.locale, viewer.is_hub) {
        Some(message) => Err(PageError::Refused(message)),
        None => Err(e.into()),
    }
}

/// `GET /comptes/{id}/mot-de-passe` — asks to confirm.
async fn reset_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    let l = viewer.layout("/comptes", None);
    let name = a.account.username.as_str();
    Confirmation::new(
        l.t1("Donner un nouveau mot de passe à {nom} ?", "nom", name),
        format!("/comptes/{}/mot-de-passe", a.account.id),
        l.t("Oui, donner un nouveau mot de passe"),
        format!("/comptes/{}", a.account.id),
        l.t("Non, revenir au compte"),
    )
    .lead(l.t("Faites-le quand la personne a oublié son mot de passe, ou si quelqu'un d'autre a pu le voir."))
    .consequence(l.t("Son mot de passe actuel ne marchera plus."))
    .consequence(l.t("Toutes ses connexions se ferment, sur tous ses appareils."))
    .consequence(l.t("Vous verrez une carte à imprimer avec un premier mot de passe. La personne choisira ensuite le sien."))
    .render(l)
}

/// `POST /comptes/{id}/mot-de-passe` — answers the new card.
async fn reset(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    let first = accounts::reset_password(&node, &viewer.actor(), a.account.id).await?;
    card(&node, &viewer, first)
}

/// `GET /comptes/{id}/desactiver` — asks to confirm.
async fn disable_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    let l = viewer.layout("/comptes", None);
    let name = a.account.username.as_str();
    Confirmation::new(
        l.t1("Désactiver le compte {nom} ?", "nom", name),
        format!("/comptes/{}/desactiver", a.account.id),
        l.t("Oui, désactiver ce compte"),
        format!("/comptes/{}", a.account.id),
        l.t("Non, revenir au compte"),
    )
    .consequence(l.t("La personne ne pourra plus se connecter."))
    .consequence(l.t("Toutes ses connexions se ferment tout de suite."))
    .consequence(l.t("Vous pourrez réactiver le compte plus tard."))
    .render(l)
}

/// `POST /comptes/{id}/desactiver`
async fn disable(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    match accounts::disable(&node, &viewer.actor(), a.account.id).await {
        Ok(()) => Ok(done(
            "/comptes",
            viewer.locale.t("Le compte est désactivé."),
        )),
        Err(e) => refused(e, &viewer),
    }
}

/// `POST /comptes/{id}/activer`
async fn enable(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    accounts::enable(&node, &viewer.actor(), a.account.id).await?;
    Ok(done("/comptes", viewer.locale.t("Le compte est réactivé.")))
}

/// `GET /comptes/{id}/role` — asks to confirm the other role.
async fn role_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    let (role, _) = other_role(&node, a.account.role, viewer.locale).ok_or(PageError::NotFound)?;
    let l = viewer.layout("/comptes", None);
    let name = a.account.username.as_str();
    let (question, consequence) = match role {
        Role::Admin => (
            l.t1("Faire de {nom} un·e administrateur·rice ?", "nom", name),
            l.t("Cette personne pourra tout faire ici : les membres, les réunions, les comptes."),
        ),
        _ => (
            l.t1("Faire de {nom} un simple membre du comité ?", "nom", name),
            l.t("Cette personne ne pourra plus gérer les membres, les réunions ni les comptes."),
        ),
    };
    Confirmation::new(
        question,
        format!("/comptes/{}/role", a.account.id),
        l.t("Oui, changer son rôle"),
        format!("/comptes/{}", a.account.id),
        l.t("Non, revenir au compte"),
    )
    .consequence(consequence)
    .hidden("role", role.as_str())
    .render(l)
}

#[derive(Debug, Default, Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /comptes/{id}/role`
async fn set_role(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    let role = Role::parse(f.role.trim()).ok_or(PageError::BadForm)?;
    match accounts::set_role(&node, &viewer.actor(), a.account.id, role).await {
        Ok(()) => Ok(done("/comptes", viewer.locale.t("Son rôle est changé."))),
        Err(e) => refused(e, &viewer),
    }
}

/// `GET /comptes/{id}/sessions` — asks to confirm.
async fn sessions_form(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    let l = viewer.layout("/comptes", None);
    let name = a.account.username.as_str();
    Confirmation::new(
        l.t1("Fermer toutes les connexions de {nom} ?", "nom", name),
        format!("/comptes/{}/sessions", a.account.id),
        l.t("Oui, fermer ses connexions"),
        format!("/comptes/{}", a.account.id),
        l.t("Non, revenir au compte"),
    )
    .lead(l.t("Utile quand un appareil a été perdu ou oublié ouvert."))
    .consequence(l.t("La personne devra se reconnecter partout, avec son mot de passe."))
    .consequence(
        l.t("Les programmes qui utilisent un de ses jetons devront en demander un nouveau."),
    )
    .render(l)
}

/// `POST /comptes/{id}/sessions`
async fn end_sessions(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    accounts::end_sessions(&node, &viewer.actor(), a.account.id).await?;
    Ok(done(
        "/comptes",
        viewer.locale.t("Ses connexions sont fermées."),
    ))
}

/// `POST /comptes/{id}/debloquer`
async fn unblock(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let a = entry(&node, &viewer, &id).await?;
    accounts::unblock(&node, &viewer.actor(), a.account.id).await?;
    Ok(done(
        "/comptes",
        viewer
            .locale
            .t("Le compte est débloqué : la personne peut se connecter tout de suite."),
    ))
}
