//! The hub's home page and the member services.

use axum::extract::{Query, State};
use axum::response::Response;
use passerelle_protocol::body::DelegateRole;

use super::{guard, plural, read};
use crate::domain::hub::{self, ProposalFilter};
use crate::domain::joint::{DRAFT, PUBLISHED};
use crate::fed::log::now;
use crate::fed::peers::REVOKED;
use crate::node::Node;
use crate::web::{french_date, french_datetime, render, Flash, Layout, PageError, Viewer};

/// A week: a service silent for longer deserves a word.
const QUIET_SECS: i64 = 7 * 86_400;

/// A link of the home page, with one sentence saying what is behind it.
struct Destination {
    href: &'static str,
    label: &'static str,
    text: String,
}

#[derive(askama::Template)]
#[template(path = "hub_home.html")]
struct HomePage {
    l: Layout,
    /// What needs attention, one short sentence each.
    attention: Vec<String>,
    /// A link to the next joint meeting, if any.
    next_meeting: Option<(String, String)>,
    destinations: Vec<Destination>,
}

/// `GET /` on a hub (the route belongs to the service pages, which call this).
pub async fn home(
    node: Node,
    viewer: Viewer,
    flash: Option<String>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let mut conn = read(&node).await?;
    let t = now();
    let meetings = hub::meetings(&mut conn).await?;
    let services = hub::member_services(&mut conn).await?;
    let waiting_items = hub::proposed_agenda_items(&mut conn).await?.len() as i64;
    let counts = hub::counts(&mut conn, &ProposalFilter::default()).await?;
    let subjects = hub::subjects(&mut conn).await?.len() as i64;

    let mut attention = Vec::new();
    let next = meetings
        .iter()
        .find(|m| m.status == PUBLISHED && m.ends_at.unwrap_or(m.starts_at).unix() >= t);
    let mut next_meeting = None;
    match next {
        Some(m) => {
            attention.push(format!(
                "Prochaine réunion commune {} : « {} ».",
                french_datetime(m.starts_at.unix()),
                m.title
            ));
            next_meeting = Some((format!("/reunions-communes/{}", m.id), m.title.clone()));
        }
        None => attention.push("Aucune réunion commune n'est annoncée.".to_owned()),
    }
    let drafts = meetings.iter().filter(|m| m.status == DRAFT).count() as i64;
    if drafts > 0 {
        attention.push(if drafts == 1 {
            "1 réunion est en brouillon : les services ne la voient pas encore.".to_owned()
        } else {
            format!("{drafts} réunions sont en brouillon : les services ne les voient pas encore.")
        });
    }
    let unwritten = meetings
        .iter()
        .filter(|m| m.status == PUBLISHED && m.starts_at.unix() < t && m.minutes.is_none())
        .count() as i64;
    if unwritten > 0 {
        attention.push(if unwritten == 1 {
            "1 réunion passée attend son compte rendu.".to_owned()
        } else {
            format!("{unwritten} réunions passées attendent leur compte rendu.")
        });
    }
    let active: Vec<&hub::MemberService> =
        services.iter().filter(|s| s.status != REVOKED).collect();
    let quiet = active
        .iter()
        .filter(|s| s.last_seen_at.is_none_or(|seen| t - seen > QUIET_SECS))
        .count() as i64;
    if active.is_empty() {
        attention.push("Aucun service n'a encore rejoint le comité inter-services.".to_owned());
    } else if quiet == 0 {
        attention.push("Tous les services ont donné des nouvelles cette semaine.".to_owned());
    } else if quiet == 1 {
        attention.push("1 service n'a rien envoyé depuis plus d'une semaine.".to_owned());
    } else {
        attention.push(format!(
            "{quiet} services n'ont rien envoyé depuis plus d'une semaine."
        ));
    }
    attention.push(match waiting_items {
        0 => "Aucun point proposé par les services n'attend l'ordre du jour.".to_owned(),
        1 => "1 point proposé par un service attend une place à l'ordre du jour.".to_owned(),
        n => format!("{n} points proposés par les services attendent une place à l'ordre du jour."),
    });

    let destinations = vec![
        Destination {
            href: "/services",
            label: "Voir les services",
            text: format!(
                "{} : leurs délégué·es et leur dernier contact.",
                plural(active.len() as i64, "service membre", "services membres")
            ),
        },
        Destination {
            href: "/propositions",
            label: "Voir les propositions",
            text: format!(
                "{} par les services. Chercher, compter, imprimer, télécharger.",
                plural(
                    counts.total,
                    "proposition partagée",
                    "propositions partagées"
                )
            ),
        },
        Destination {
            href: "/sujets",
            label: "Voir les sujets communs",
            text: format!(
                "{}. Relier des propositions de plusieurs services qui parlent de la même chose.",
                plural(subjects, "sujet commun", "sujets communs")
            ),
        },
        Destination {
            href: "/reunions-communes",
            label: "Préparer une réunion commune",
            text: "Date, lieu, ordre du jour, publication, décisions.".to_owned(),
        },
    ];
    render(&HomePage {
        l: viewer.layout("/", flash),
        attention,
        next_meeting,
        destinations,
    })
}

/// A member service, in words.
struct ServiceRow {
    name: String,
    id: String,
    revoked: bool,
    delegates: Vec<String>,
    last_contact: String,
    health: String,
    fresh: bool,
    shared: String,
}

#[derive(askama::Template)]
#[template(path = "hub_services.html")]
struct ServicesPage {
    l: Layout,
    services: Vec<ServiceRow>,
    active: i64,
}

fn delegate_words(d: &passerelle_protocol::body::Delegate) -> String {
    let role = match d.role {
        DelegateRole::Delegate => "délégué·e",
        DelegateRole::Substitute => "suppléant·e",
    };
    let start = format!(", depuis {}", french_date(d.term_start.inner()));
    let end = d
        .term_end
        .map(|e| {
            format!(
                ", jusqu'{}",
                french_date(e.inner()).replacen("le ", "au ", 1)
            )
        })
        .unwrap_or_default();
    format!("{} ({role}{start}{end})", d.label)
}

/// `GET /services`
pub async fn services(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let mut conn = read(&node).await?;
    let list = hub::member_services(&mut conn).await?;
    let active = list.iter().filter(|s| s.status != REVOKED).count() as i64;
    let services = list
        .into_iter()
        .map(|s| ServiceRow {
            revoked: s.status == REVOKED,
            delegates: s.delegates.iter().map(delegate_words).collect(),
            last_contact: match s.last_seen_at {
                Some(at) => {
                    let words = french_datetime(at);
                    let mut chars = words.chars();
                    chars.next().map_or(words.clone(), |c| {
                        c.to_uppercase().collect::<String>() + chars.as_str()
                    })
                }
                None => "Jamais".to_owned(),
            },
            fresh: s.sync_health == "à jour",
            health: s.sync_health,
            shared: plural(s.shared_proposals, "proposition", "propositions"),
            name: s.name,
            id: s.id,
        })
        .collect();
    render(&ServicesPage {
        l: viewer.layout("/services", flash.ok),
        services,
        active,
    })
}
