//! The pages of a service's node: the committee's home, its proposals,
//! meetings, members and delegates, and its corner of the inter-service
//! committee.
//!
//! Every page first checks that the node is a service (the hub has its own
//! pages). The paths `/` and `/propositions` are shared with the hub: they
//! are registered here only, and hand over to [`crate::pages::hub`] on a hub.
//! Pages call the same domain functions as the API, in the same way.

mod briefing;
mod corrections;
mod joint;
mod meetings;
mod member;
mod people;
mod proposals;
mod sharing;
mod supports;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use passerelle_protocol::body::{Origin, ProposalStatus};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{render, FieldError, Flash, Layout, Locale, PageError, Viewer};
use crate::pages::labels::{origin_label, status_label, theme_label, THEMES};
use crate::pages::path_id;
use crate::pages::rules::{not_possible_now, rule_words, Reader};
use passerelle_core::accounts::Role;
use passerelle_core::domain::federated::enum_text;
use passerelle_core::domain::{
    joint as joint_domain, meetings as meetings_domain, proposals as proposals_domain,
};
use passerelle_core::error::{NodeError, Refusal};
use passerelle_core::node::Node;

pub fn routes() -> Router<Node> {
    Router::new()
        .route("/", get(home))
        .route("/propositions", get(proposals::list))
        .route(
            "/propositions/nouvelle",
            get(proposals::new_form).post(proposals::create),
        )
        .route("/propositions/formulaire", get(proposals::ballot_form))
        .route("/propositions/{id}", get(proposals::detail))
        .route("/propositions/{id}/etape", post(proposals::change_status))
        .route(
            "/propositions/{id}/corriger",
            get(corrections::correct_form).post(corrections::correct),
        )
        .route(
            "/propositions/{id}/rouvrir",
            get(corrections::reopen_form).post(corrections::reopen),
        )
        .route("/propositions/{id}/partager", post(proposals::share))
        .route(
            "/propositions/{id}/ne-plus-partager",
            post(proposals::withdraw),
        )
        .route("/reunions", get(meetings::list))
        .route(
            "/reunions/nouvelle",
            get(meetings::new_form).post(meetings::create),
        )
        .route("/reunions/{id}", get(meetings::detail))
        .route(
            "/reunions/{id}/modifier",
            get(meetings::edit_form).post(meetings::edit),
        )
        .route(
            "/reunions/{id}/annuler",
            get(meetings::cancel_form).post(meetings::cancel),
        )
        .route(
            "/reunions/{id}/supprimer",
            get(meetings::delete_form).post(meetings::delete),
        )
        .route(
            "/reunions/{id}/decisions/{decision}",
            post(meetings::correct_decision),
        )
        .route(
            "/reunions/{id}/decisions/{decision}/retirer",
            get(meetings::remove_decision_form).post(meetings::remove_decision),
        )
        .route("/reunions/{id}/ordre-du-jour", post(meetings::add_item))
        .route(
            "/reunions/{id}/ordre-du-jour/{item}/retirer",
            post(meetings::remove_item),
        )
        .route("/reunions/{id}/presences", post(meetings::attendance))
        .route(
            "/reunions/{id}/proces-verbal",
            post(meetings::draft_minutes),
        )
        .route(
            "/reunions/{id}/proces-verbal/adopter",
            post(meetings::adopt_minutes),
        )
        .route(
            "/reunions/{id}/proces-verbal/envoyer",
            post(meetings::send_minutes),
        )
        .route("/reunions/{id}/decisions", post(meetings::decision))
        .route(
            "/reunions/{id}/ordre-du-jour/{item}/position",
            post(meetings::decide_position),
        )
        .route(
            "/reunions/{id}/positions/{position}/partager",
            post(meetings::share_position),
        )
        .route(
            "/reunions/{id}/positions/{position}/retirer",
            post(meetings::withdraw_position),
        )
        .route("/membres", get(people::members))
        .route(
            "/membres/nouveau",
            get(people::new_member_form).post(people::add_member),
        )
        .route("/membres/{id}/accord", post(people::consent))
        .route(
            "/membres/{id}/modifier",
            get(member::edit_form).post(member::edit),
        )
        .route(
            "/membres/{id}/depart",
            get(member::leave_form).post(member::leave),
        )
        .route("/delegues", get(people::delegates))
        .route(
            "/delegues/designer",
            get(people::designate_form).post(people::designate),
        )
        .route("/delegues/{id}/fin", post(people::end_term))
        .route(
            "/delegues/{id}/annuler",
            get(people::cancel_form).post(people::cancel),
        )
        .route("/inter-services", get(joint::corner))
        .route("/inter-services/soutien", post(supports::support))
        .route("/inter-services/suggerer", post(supports::suggest))
        .route(
            "/inter-services/retirer-suggestion",
            post(supports::take_back),
        )
        .route("/inter-services/mettre-de-cote", post(supports::set_aside))
        .route(
            "/inter-services/retirer-soutien",
            post(joint::withdraw_support),
        )
        .route("/inter-services/point", post(joint::propose_item))
        .route("/inter-services/reunions/{id}", get(joint::meeting))
        .route("/inter-services/reunions/{id}/dossier", get(briefing::pack))
        .route("/nouveautes", get(briefing::news))
        .route("/donnees", get(sharing::page))
        .route(
            "/donnees/{id}/effacer",
            get(sharing::erase_form).post(sharing::erase),
        )
}

// ---------------------------------------------------------------------------
// Shared helpers.

/// Whether the viewer administers this service's node.
fn is_admin(viewer: &Viewer) -> bool {
    viewer.account.role == Role::Admin
}

/// A read connection.
async fn read(node: &Node) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, PageError> {
    Ok(node.db.pool().acquire().await.map_err(NodeError::from)?)
}

/// A form page re-rendered with its errors: status 422.
fn invalid<T: askama::Template>(page: &T) -> Result<Response, PageError> {
    let mut response = render(page)?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// An error tied to the field whose id is `field`.
fn field_error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Pages with forms: the error of one field, for templates ("" if none).
trait FormErrors {
    fn errors(&self) -> &[FieldError];

    fn err(&self, field: &str) -> &str {
        self.errors()
            .iter()
            .find(|e| e.field == field)
            .map_or("", |e| e.message.as_str())
    }
}

/// How a domain field maps onto a form: (domain field, form field id, message).
type FieldMap<'a> = &'a [(&'a str, &'a str, &'a str)];

/// Turns a domain refusal into form errors: a refused field onto its form
/// field when the map knows it, anything else onto `fallback` (a field id
/// of the form, so the summary's link leads there). Internal errors stay
/// errors.
fn refusal(
    e: NodeError,
    map: FieldMap<'_>,
    fallback: &str,
    loc: Locale,
) -> Result<Vec<FieldError>, PageError> {
    if e.is_internal() || e.storage_problem().is_some() || matches!(e, NodeError::Remote { .. }) {
        return Err(PageError::from(e));
    }
    match e.refusal() {
        Some(Refusal::Forbidden) => Err(PageError::Forbidden),
        Some(Refusal::InvalidField(_)) => {
            let field = e.field().unwrap_or_default();
            Ok(vec![match map.iter().find(|(f, _, _)| *f == field) {
                Some((_, id, text)) => field_error(id, text),
                None => field_error(
                    fallback,
                    loc.t("Une information ne va pas. Vérifiez ce que vous avez écrit."),
                ),
            }])
        }
        Some(Refusal::NotFound) => Ok(vec![field_error(
            fallback,
            loc.t("Ce que vous avez choisi n'existe plus. Rechargez la page et recommencez."),
        )]),
        _ => Ok(vec![field_error(fallback, &in_words(&e, loc))]),
    }
}

/// A domain refusal in plain words: a rule as the committee reads it (see
/// [`rule_words`]); any other refusal (the sentences of programs) plainly,
/// without jargon.
fn in_words(e: &NodeError, loc: Locale) -> String {
    match e.refusal() {
        Some(Refusal::DomainRule(rule)) => rule_words(rule, e.title(), Reader::Committee, loc),
        _ => not_possible_now(loc).to_owned(),
    }
}

/// A choice of a select or of radio buttons.
#[derive(Debug, Clone)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

/// Reads a serde enum from its text (`"well_being"`).
fn parse_choice<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_owned())).ok()
}

/// An optional id from a select ("" for none). `Err` for a value that is
/// not an id (a tampered form).
fn optional_id(text: &str) -> Result<Option<Uuid>, ()> {
    match text.trim() {
        "" => Ok(None),
        t => Uuid::parse_str(t).map(Some).map_err(|_| ()),
    }
}

const ORIGINS: [Origin; 3] = [Origin::Member, Origin::Committee, Origin::Anonymous];

/// The badge's class: the text says it all, the colour only repeats it.
fn status_class(s: ProposalStatus) -> &'static str {
    match s {
        ProposalStatus::Accepted | ProposalStatus::Adapted | ProposalStatus::Realised => "done",
        ProposalStatus::SentToManagement | ProposalStatus::InProgress => "waiting",
        ProposalStatus::Refused | ProposalStatus::Abandoned => "service-closed",
        ProposalStatus::Idea | ProposalStatus::Discussed => "service-open",
    }
}

/// A status badge, ready for templates.
#[derive(Debug, Clone)]
struct Badge {
    label: &'static str,
    class: &'static str,
}

fn badge(s: ProposalStatus, loc: Locale) -> Badge {
    Badge {
        label: status_label(s, loc),
        class: status_class(s),
    }
}

/// A date and time typed in Belgian time ("2030-12-10", "09:30"), as Unix seconds.
fn parse_local(date: &str, time_of_day: &str) -> Option<i64> {
    let date = super::dates::parse_day(date)?;
    let t = super::dates::parse_time(time_of_day)?;
    Some(passerelle_core::clock::from_brussels(
        time::PrimitiveDateTime::new(date, t),
    ))
}

/// A protocol date typed as "2030-12-10" or « 10 décembre 2030 ».
fn parse_date(text: &str) -> Option<passerelle_protocol::Date> {
    passerelle_protocol::Date::parse(text.trim())
        .ok()
        .or_else(|| super::dates::parse_day(text).map(passerelle_protocol::Date::from_inner))
}

fn show_date(d: &passerelle_protocol::Date, loc: Locale) -> String {
    loc.date(d.inner())
}

/// Paragraphs of a long text, for display (blank lines separate them).
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The ICS answer of one meeting.
fn calendar(filename: &str, body: String) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, super::ics::CONTENT_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Home.

#[derive(askama::Template)]
#[template(path = "service_home.html")]
struct HomePage {
    l: Layout,
    summary: String,
    next_meeting: Option<MeetingLink>,
    waiting: Vec<ProposalLink>,
    ideas: usize,
    joined: bool,
    last_exchange: String,
    sync_problem: bool,
    /// Services whose messages wait behind one we refused.
    stuck: Vec<StuckNotice>,
    pending: i64,
    next_joint: Option<MeetingLink>,
}

/// A service whose messages are blocked, in words.
#[derive(Debug, Clone)]
struct StuckNotice {
    title: String,
    why: String,
}

#[derive(Debug, Clone)]
struct MeetingLink {
    href: String,
    title: String,
    when: String,
    place: String,
}

#[derive(Debug, Clone)]
struct ProposalLink {
    href: String,
    title: String,
}

/// `GET /` — what needs attention, in one sentence, then short sections.
async fn home(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    if viewer.is_hub {
        return crate::pages::hub::home(node, viewer, flash.ok).await;
    }
    let loc = viewer.locale;
    let now = passerelle_core::clock::now();
    let mut conn = read(&node).await?;
    let meetings = meetings_domain::list(&mut conn).await?;
    // A meeting counts as coming until two hours after it started.
    let next_meeting = meetings
        .iter()
        .filter(|m| m.starts_at + super::ics::DEFAULT_LENGTH_SECS >= now)
        .min_by_key(|m| m.starts_at)
        .map(|m| MeetingLink {
            href: format!("/reunions/{}", m.id),
            title: m.title.clone(),
            when: loc.datetime(m.starts_at),
            place: m.place.clone(),
        });
    let list = proposals_domain::list(&mut conn).await?;
    let waiting: Vec<ProposalLink> = list
        .iter()
        .filter(|p| p.status == ProposalStatus::SentToManagement)
        .map(|p| ProposalLink {
            href: format!("/propositions/{}", p.id),
            title: p.title.clone(),
        })
        .collect();
    let ideas = list
        .iter()
        .filter(|p| p.status == ProposalStatus::Idea)
        .count();
    let joined = node.federation().await?.is_some();
    let report = passerelle_core::status::report(&node).await?;
    let hub = report.peers.iter().find(|p| p.role == "hub");
    let never = hub.is_none_or(|h| h.last_success_at.is_none());
    let last_exchange = hub
        .map(|h| loc.ago(h.last_success_at, now))
        .unwrap_or_default();
    let sync_problem = hub.is_some_and(|h| h.last_error.is_some());
    let pending = hub.map_or(0, |h| h.pending_outgoing);
    let stuck = report
        .stuck
        .iter()
        .map(|s| {
            let mut why = loc.t2(
                "Son message n° {n} n'a pas pu être accepté, car {raison}.",
                "n",
                s.seq,
                "raison",
                super::labels::stuck_reason_label(s.reason, loc),
            );
            if s.waiting > 0 {
                why.push(' ');
                why.push_str(&loc.plural(
                    s.waiting,
                    "1 message suivant attend derrière lui.",
                    "{n} messages suivants attendent derrière lui.",
                ));
            }
            StuckNotice {
                title: loc.t1(
                    "Les messages de {service} sont bloqués.",
                    "service",
                    &s.name,
                ),
                why,
            }
        })
        .collect();
    let next_joint = if joined {
        joint_domain::upcoming_meetings(&mut conn, now)
            .await?
            .into_iter()
            .next()
            .map(|m| MeetingLink {
                href: format!("/inter-services/reunions/{}", m.id),
                title: m.title,
                when: loc.datetime(m.starts_at.unix()),
                place: m.place,
            })
    } else {
        None
    };

    let mut summary = Vec::new();
    summary.push(match &next_meeting {
        Some(m) => loc.t1("Prochaine réunion {quand}.", "quand", &m.when),
        None => loc.t("Aucune réunion du comité n'est prévue.").to_owned(),
    });
    summary.push(match waiting.len() {
        0 => loc
            .t("Aucune proposition n'attend la réponse de la direction.")
            .to_owned(),
        n => loc.plural(
            n as i64,
            "1 proposition attend la réponse de la direction.",
            "{n} propositions attendent la réponse de la direction.",
        ),
    });
    summary.push(if !joined {
        loc.t("Votre service n'a pas encore rejoint de comité inter-services.")
            .to_owned()
    } else if never {
        loc.t("Pas encore d'échange avec le comité inter-services.")
            .to_owned()
    } else {
        loc.t1(
            "Dernier échange avec le comité inter-services : {quand}.",
            "quand",
            &last_exchange,
        )
    });

    render(&HomePage {
        l: viewer.layout("/", flash.ok),
        summary: summary.join(" "),
        next_meeting,
        waiting,
        ideas,
        joined,
        last_exchange,
        sync_problem,
        stuck,
        pending,
        next_joint,
    })
}

#[cfg(test)]
mod tests;
