//! The hub's home page and the member services.

use axum::extract::{Query, State};
use axum::response::Response;
use passerelle_protocol::body::DelegateRole;

use super::guard;
use crate::pages::labels::delegate_label;
use crate::pages::{render, Flash, Layout, Locale, PageError, Viewer};
use passerelle_core::actions::hub;
use passerelle_core::clock::now;
use passerelle_core::domain::hub::{MemberService, ProposalFilter, FRESH_SECS};
use passerelle_core::domain::joint::{DRAFT, PUBLISHED};
use passerelle_core::node::Node;
use passerelle_core::peers::REVOKED;

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
    let (node, actor) = (&node, &viewer.actor());
    let t = now();
    let meetings = hub::meetings(node, actor).await?;
    let services = hub::services(node, actor).await?;
    let waiting_items = hub::agenda_items(node, actor).await?.len() as i64;
    let counts = hub::counts(node, actor, &ProposalFilter::default()).await?;
    let subjects = hub::subjects(node, actor).await?.len() as i64;

    let loc = viewer.locale;
    let mut attention = Vec::new();
    let next = meetings
        .iter()
        .find(|m| m.status == PUBLISHED && m.ends_at.unwrap_or(m.starts_at).unix() >= t);
    let mut next_meeting = None;
    match next {
        Some(m) => {
            attention.push(loc.t2(
                "Prochaine réunion commune {quand} : « {titre} ».",
                "quand",
                loc.datetime(m.starts_at.unix()),
                "titre",
                &m.title,
            ));
            next_meeting = Some((format!("/reunions-communes/{}", m.id), m.title.clone()));
        }
        None => attention.push(loc.t("Aucune réunion commune n'est annoncée.").to_owned()),
    }
    let drafts = meetings.iter().filter(|m| m.status == DRAFT).count() as i64;
    if drafts > 0 {
        attention.push(loc.plural(
            drafts,
            "1 réunion est en brouillon : les services ne la voient pas encore.",
            "{n} réunions sont en brouillon : les services ne les voient pas encore.",
        ));
    }
    let unwritten = meetings
        .iter()
        .filter(|m| m.status == PUBLISHED && m.starts_at.unix() < t && m.minutes.is_none())
        .count() as i64;
    if unwritten > 0 {
        attention.push(loc.plural(
            unwritten,
            "1 réunion passée attend son compte rendu.",
            "{n} réunions passées attendent leur compte rendu.",
        ));
    }
    let active: Vec<&MemberService> = services.iter().filter(|s| s.status != REVOKED).collect();
    let quiet = active
        .iter()
        .filter(|s| s.last_seen_at.is_none_or(|seen| t - seen > QUIET_SECS))
        .count() as i64;
    attention.push(if active.is_empty() {
        loc.t("Aucun service n'a encore rejoint le comité inter-services.")
            .to_owned()
    } else if quiet == 0 {
        loc.t("Tous les services ont donné des nouvelles cette semaine.")
            .to_owned()
    } else {
        loc.plural(
            quiet,
            "1 service n'a rien envoyé depuis plus d'une semaine.",
            "{n} services n'ont rien envoyé depuis plus d'une semaine.",
        )
    });
    attention.push(match waiting_items {
        0 => loc
            .t("Aucun point proposé par les services n'attend l'ordre du jour.")
            .to_owned(),
        n => loc.plural(
            n,
            "1 point proposé par un service attend une place à l'ordre du jour.",
            "{n} points proposés par les services attendent une place à l'ordre du jour.",
        ),
    });

    let destinations = vec![
        Destination {
            href: "/services",
            label: loc.t("Voir les services"),
            text: loc.t1(
                "{services} : leurs délégué·es et leur dernier contact.",
                "services",
                loc.plural(
                    active.len() as i64,
                    "1 service membre",
                    "{n} services membres",
                ),
            ),
        },
        Destination {
            href: "/propositions",
            label: loc.t("Voir les propositions"),
            text: loc.t1(
                "{propositions} par les services. Chercher, compter, imprimer, télécharger.",
                "propositions",
                loc.plural(
                    counts.total,
                    "1 proposition partagée",
                    "{n} propositions partagées",
                ),
            ),
        },
        Destination {
            href: "/sujets",
            label: loc.t("Voir les sujets communs"),
            text: loc.t1(
                "{sujets}. Relier des propositions de plusieurs services qui parlent de la même chose.",
                "sujets",
                loc.plural(subjects, "1 sujet commun", "{n} sujets communs"),
            ),
        },
        Destination {
            href: "/reunions-communes",
            label: loc.t("Préparer une réunion commune"),
            text: loc
                .t("Date, lieu, ordre du jour, publication, décisions.")
                .to_owned(),
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

/// A delegate in words: current ("depuis …") or to come ("à partir du …"),
/// read against the hub's own `today` (SPEC §8.3: nothing is re-sent on
/// the day a term starts).
fn delegate_words(
    d: &passerelle_protocol::body::Delegate,
    today: passerelle_protocol::Date,
    loc: Locale,
) -> String {
    let role = match d.role {
        DelegateRole::Delegate => loc.t("délégué·e"),
        DelegateRole::Substitute => loc.t("suppléant·e"),
    };
    let start = if d.term_start > today {
        loc.t1(
            ", à partir du {jour}",
            "jour",
            loc.day(d.term_start.inner()),
        )
    } else {
        loc.t1(", depuis {date}", "date", loc.date(d.term_start.inner()))
    };
    let end = d
        .term_end
        .map(|e| loc.t1(", jusqu'au {jour}", "jour", loc.day(e.inner())))
        .unwrap_or_default();
    format!(
        "{} ({role}{start}{end})",
        delegate_label(d.label.or_empty(), loc)
    )
}

/// How a member service's exchanges look (« à jour », « silencieux
/// depuis 3 jours »…), from the same facts as `hub::sync_health`.
fn health_words(s: &MemberService, t: i64, loc: Locale) -> (String, bool) {
    if s.status == REVOKED {
        return (loc.t("révoqué").to_owned(), false);
    }
    let Some(seen) = s.last_seen_at else {
        return (loc.t("jamais connecté").to_owned(), false);
    };
    let quiet = (t - seen).max(0);
    let words = match quiet {
        q if q <= FRESH_SECS => return (loc.t("à jour").to_owned(), true),
        q if q < 3600 => loc.plural(
            q / 60,
            "silencieux depuis 1 minute",
            "silencieux depuis {n} minutes",
        ),
        q if q < 86_400 => loc.plural(
            q / 3600,
            "silencieux depuis 1 heure",
            "silencieux depuis {n} heures",
        ),
        q => loc.plural(
            q / 86_400,
            "silencieux depuis 1 jour",
            "silencieux depuis {n} jours",
        ),
    };
    (words, false)
}

fn capitalized(words: &str) -> String {
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// `GET /services`
pub async fn services(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    guard(&viewer)?;
    let loc = viewer.locale;
    let t = now();
    let today = node.clock().today();
    let list = hub::services(&node, &viewer.actor()).await?;
    let active = list.iter().filter(|s| s.status != REVOKED).count() as i64;
    let services = list
        .into_iter()
        .map(|s| {
            let (health, fresh) = health_words(&s, t, loc);
            ServiceRow {
                revoked: s.status == REVOKED,
                delegates: s
                    .delegates
                    .iter()
                    .map(|d| delegate_words(d, today, loc))
                    .collect(),
                last_contact: match s.last_seen_at {
                    Some(at) => capitalized(&loc.datetime(at)),
                    None => loc.t("Jamais").to_owned(),
                },
                fresh,
                health,
                shared: loc.plural(s.shared_proposals, "1 proposition", "{n} propositions"),
                name: s.name,
                id: s.id,
            }
        })
        .collect();
    render(&ServicesPage {
        l: viewer.layout("/services", flash.ok),
        services,
        active,
    })
}
