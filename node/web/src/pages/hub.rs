//! The pages of the hub: what the coordinator of the inter-service
//! committee uses. Only coordinators sign in on a hub; every page refuses
//! anyone else, and answers "page not found" on a service's node.
//!
//! Pages call the same actions as the API (`actions::hub`): the role
//! policy, the transactions and the rules are the core's; here are forms
//! and words.
//!
//! - `/` (home, shared with the service pages) — what needs attention;
//! - `/services` — member services, delegates, last contact;
//! - `/propositions` (shared), `/propositions.csv` — the aggregated proposals;
//! - `/sujets`, `/sujets/{id}` — proposals linked as one subject;
//! - `/reunions-communes`, `/reunions-communes/{id}` (and `{id}.ics`) —
//!   joint meetings, from draft to decisions.

mod meetings;
mod overview;
mod proposals;
mod subjects;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use passerelle_protocol::body::{ProposalRef, ProposalStatus, Theme};
use passerelle_protocol::NodeId;
use uuid::Uuid;

use super::{render, FieldError, Locale, PageError, Viewer};
use crate::pages::labels::{origin_label, status_label, theme_label, STATUSES, THEMES};
use crate::pages::path_id;
use crate::pages::rules::{rule_words, Reader};
use passerelle_core::actions::Who;
use passerelle_core::domain::federated::enum_text;
use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::node::Node;

pub use overview::home;
pub use proposals::proposals;

/// The hub's own routes. `/` and `/propositions` (GET) are registered by
/// the service pages, which call [`home`] and [`proposals`] on a hub.
pub fn routes() -> Router<Node> {
    Router::new()
        .route("/services", get(overview::services))
        .route("/propositions.csv", get(proposals::csv_download))
        .route("/sujets", get(subjects::list).post(subjects::create))
        .route("/sujets/{id}", get(subjects::detail))
        .route("/sujets/{id}/ajouter", post(subjects::link))
        .route("/sujets/{id}/retirer", post(subjects::unlink))
        .route(
            "/reunions-communes",
            get(meetings::list).post(meetings::create),
        )
        // `{id}` or `{id}.ics`: one route (a path segment cannot hold a
        // parameter and a suffix in every router version).
        .route("/reunions-communes/{id}", get(meetings::page))
        .route("/reunions-communes/{id}/modifier", post(meetings::edit))
        .route("/reunions-communes/{id}/supprimer", post(meetings::delete))
        .route("/reunions-communes/{id}/ajouter", post(meetings::add_entry))
        .route("/reunions-communes/{id}/monter", post(meetings::move_up))
        .route(
            "/reunions-communes/{id}/descendre",
            post(meetings::move_down),
        )
        .route(
            "/reunions-communes/{id}/retirer",
            post(meetings::remove_entry),
        )
        .route("/reunions-communes/{id}/publier", post(meetings::publish))
        .route("/reunions-communes/{id}/changer", post(meetings::update))
        .route("/reunions-communes/{id}/annuler", post(meetings::cancel))
        .route(
            "/reunions-communes/{id}/decisions",
            post(meetings::outcomes),
        )
}

/// Every hub page starts here: a hub, and a coordinator.
fn guard(viewer: &Viewer) -> Result<(), PageError> {
    viewer.require(Who::Coordinators)
}

/// A page rendered with a status other than 200 (422 for a form to correct).
fn render_with<T: askama::Template>(page: &T, status: StatusCode) -> Result<Response, PageError> {
    let mut response = render(page)?;
    *response.status_mut() = status;
    Ok(response)
}

// ---------------------------------------------------------------------------
// Words.

/// A theme from its stored or query form (`well_being`).
fn theme_from(key: &str) -> Option<Theme> {
    THEMES.into_iter().find(|t| enum_text(t) == key)
}

fn status_from(key: &str) -> Option<ProposalStatus> {
    STATUSES.into_iter().find(|s| enum_text(s) == key)
}

/// "soutenue par 3 services" (the proposal's own service included).
fn support_words(support: i64, loc: Locale) -> String {
    if support <= 1 {
        loc.t("soutenue par son service seulement").to_owned()
    } else {
        loc.t1("soutenue par {n} services", "n", support)
    }
}

/// A service's name, or its id when its name is not known here.
fn service_label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => n.to_owned(),
        _ => id.to_owned(),
    }
}

/// A proposal reference in a form: `service/uuid`.
fn ref_value(r: &ProposalRef) -> String {
    format!("{}/{}", r.service.as_str(), r.proposal.hyphenated())
}

fn ref_from_value(value: &str) -> Option<ProposalRef> {
    let (service, proposal) = value.split_once('/')?;
    Some(ProposalRef {
        service: NodeId::parse(service).ok()?,
        proposal: Uuid::parse_str(proposal).ok()?,
    })
}

/// A domain refusal in plain words: a rule as the coordinator reads it
/// (see [`rule_words`]), a refused field with the domain's own detail; any
/// other refusal keeps its own words.
fn refusal_words(e: &NodeError, loc: Locale) -> String {
    match e.refusal() {
        Some(Refusal::DomainRule(rule) | Refusal::InvalidField(Some(rule))) => {
            rule_words(rule, e.title(), Reader::Coordinator, loc)
        }
        Some(Refusal::InvalidField(None)) => loc.t1(
            "Une information ne va pas ({detail}).",
            "detail",
            e.public_message(),
        ),
        _ => e.public_message(),
    }
}

/// Turns a domain error into a message on the form (`field`), or into an
/// error page when it is not the person's to correct.
fn refusal_on(field: &str, e: NodeError, loc: Locale) -> Result<FieldError, PageError> {
    match e.refusal() {
        Some(Refusal::NotFound) => Err(PageError::NotFound),
        Some(Refusal::Forbidden) => Err(PageError::Forbidden),
        _ if e.is_internal() || e.storage_problem().is_some() => Err(PageError::from(e)),
        _ => Ok(FieldError {
            field: field.to_owned(),
            message: refusal_words(&e, loc),
        }),
    }
}

// ---------------------------------------------------------------------------
// Form fields.

/// One field of a form, with everything its markup needs (see
/// `hub_field.html`): label, hint, error, kept value.
#[derive(Debug, Clone)]
struct Field {
    /// The element's id (also the error summary's link target).
    id: String,
    name: String,
    label: String,
    /// `text`, `datetime-local`, `time`, `search` or `textarea`.
    kind: &'static str,
    value: String,
    hint: Option<String>,
    error: Option<String>,
    required: bool,
}

impl Field {
    fn new(id: impl Into<String>, name: impl Into<String>, label: impl Into<String>) -> Field {
        Field {
            id: id.into(),
            name: name.into(),
            label: label.into(),
            kind: "text",
            value: String::new(),
            hint: None,
            error: None,
            required: true,
        }
    }

    fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    fn value(mut self, value: impl Into<String>) -> Field {
        self.value = value.into();
        self
    }

    fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }

    fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    /// Takes this field's error from a list (by id).
    fn errors(mut self, errors: &[FieldError]) -> Field {
        self.error = error_of(errors, &self.id);
        self
    }

    /// The ids of the hint and the error, for `aria-describedby`.
    fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

fn error_of(errors: &[FieldError], id: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == id)
        .map(|e| e.message.clone())
}

fn field_error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// A choice of a `<select>` or of radio buttons.
#[derive(Debug, Clone)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_core::error::Rule;

    #[test]
    fn every_theme_and_status_has_a_key_and_a_label() {
        for t in THEMES {
            assert_eq!(theme_from(&enum_text(&t)), Some(t));
            assert!(!theme_label(t, Locale::En).is_empty());
        }
        for s in STATUSES {
            assert_eq!(status_from(&enum_text(&s)), Some(s));
        }
        assert_eq!(theme_from("nope"), None);
    }

    #[test]
    fn proposal_refs_survive_a_form() {
        let r = ProposalRef {
            service: NodeId::parse("ssm-a").unwrap(),
            proposal: Uuid::now_v7(),
        };
        assert_eq!(ref_from_value(&ref_value(&r)), Some(r));
        assert_eq!(ref_from_value("ssm-a"), None);
        assert_eq!(ref_from_value("SSM/x"), None);
    }

    #[test]
    fn refusals_in_french() {
        let e = passerelle_core::validate::rule(
            Rule::InAnotherSubject,
            "this proposal already belongs to the subject \u{ab} Accès \u{bb}",
        )
        .naming("Accès");
        assert_eq!(
            refusal_words(&e, Locale::Fr),
            "Cette proposition fait déjà partie du sujet « Accès »."
        );
        assert_eq!(
            refusal_words(&e, Locale::En),
            "This proposal is already part of the topic “Accès”."
        );
        // The words follow the rule, not the sentence.
        let e = passerelle_core::validate::rule(Rule::MeetingTookPlace, "reworded");
        assert_eq!(
            refusal_words(&e, Locale::Fr),
            "Les décisions de cette réunion sont enregistrées : elle a eu lieu."
        );
        let e = passerelle_core::validate::invalid_by(
            Rule::SubjectTwiceOnAgenda,
            "agenda",
            "each subject once",
        );
        assert_eq!(
            refusal_words(&e, Locale::Fr),
            "Ce sujet est déjà à l'ordre du jour."
        );
        let e = passerelle_core::validate::invalid("proposals", "each proposal once");
        assert_eq!(
            refusal_words(&e, Locale::Fr),
            "Une information ne va pas (proposals: each proposal once)."
        );
        assert_eq!(
            support_words(1, Locale::Fr),
            "soutenue par son service seulement"
        );
        assert_eq!(support_words(3, Locale::Fr), "soutenue par 3 services");
        assert_eq!(support_words(3, Locale::En), "supported by 3 services");
    }
}
