//! What the committee prints: the delegates' pack for a joint meeting, and
//! "what is new since our last meeting" for members who do not use a
//! screen. Each is one page made for A4, in plain French, with nothing on
//! it that only works on a screen.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::Response;

use super::{badge, paragraphs, path_id, read, Badge};
use crate::pages::labels::{concern_label, stance_label};
use crate::pages::{render, Layout, Locale, PageError, Viewer};
use passerelle_core::actions::{self, Who};
use passerelle_core::domain::briefing::ProposalNow;
use passerelle_core::domain::positions::CommitteePosition;
use passerelle_core::node::Node;
use passerelle_core::peers;

/// A proposal as the paper says it.
struct ProposalLine {
    title: String,
    service: String,
    badge: Badge,
    answer: Vec<String>,
    /// "Soutenue aussi par : …", or "".
    supporters: String,
    /// Our committee's position on it, in words, or "".
    our_position: String,
}

/// A position in words: « Pour. Nos mots. »
struct PositionWords {
    stance: &'static str,
    comment: Vec<String>,
}

fn position_words(p: &Option<CommitteePosition>, loc: Locale) -> Option<PositionWords> {
    p.as_ref().map(|p| PositionWords {
        stance: stance_label(p.stance, loc),
        comment: paragraphs(p.comment.as_deref().unwrap_or_default()),
    })
}

struct Names {
    me: String,
    services: BTreeMap<String, String>,
    loc: Locale,
}

impl Names {
    async fn of(node: &Node, loc: Locale) -> Result<Names, PageError> {
        let services = peers::list(&mut *read(node).await?)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        Ok(Names {
            me: node.id().as_str().to_owned(),
            services,
            loc,
        })
    }

    fn service(&self, id: &str) -> String {
        if id == self.me {
            return self.loc.t("notre service").to_owned();
        }
        self.services
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    fn line(&self, p: &ProposalNow) -> ProposalLine {
        let loc = self.loc;
        let supporters: Vec<String> = p.supporters.iter().map(|s| self.service(s)).collect();
        ProposalLine {
            title: p.title.clone(),
            service: self.service(p.proposal.service.as_str()),
            badge: badge(p.status, loc),
            answer: paragraphs(p.answer.as_deref().unwrap_or_default()),
            supporters: if supporters.is_empty() {
                String::new()
            } else {
                loc.t1(
                    "Soutenue aussi par : {services}.",
                    "services",
                    supporters.join(", "),
                )
            },
            our_position: p
                .our_position
                .as_ref()
                .map(|x| {
                    let mut words = loc.t1(
                        "Position de notre comité : {position}.",
                        "position",
                        stance_label(x.stance, loc),
                    );
                    if let Some(c) = &x.comment {
                        words.push(' ');
                        words.push_str(&loc.t1("« {mots} »", "mots", c));
                    }
                    words
                })
                .unwrap_or_default(),
        }
    }
}

// ---------------------------------------------------------------------------
// The delegates' pack.

#[derive(askama::Template)]
#[template(path = "service_pack.html")]
struct PackPage {
    l: Layout,
    title: String,
    back: String,
    when: String,
    place: String,
    directions: String,
    format: String,
    cancelled: bool,
    whole: Option<PositionWords>,
    points: Vec<PointView>,
    previous: Option<PreviousView>,
    prepared_on: String,
}

struct PointView {
    title: String,
    description: Vec<String>,
    position: Option<PositionWords>,
    proposals: Vec<ProposalLine>,
}

struct PreviousView {
    title: String,
    when: String,
    decisions: Vec<DecisionView>,
}

struct DecisionView {
    subject: String,
    decision: Vec<String>,
    proposals: Vec<ProposalLine>,
}

/// `GET /inter-services/reunions/{id}/dossier`
pub(super) async fn pack(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let id = path_id(&id)?;
    let loc = viewer.locale;
    let p = actions::positions::pack(&node, &viewer.actor(), id).await?;
    let names = Names::of(&node, loc).await?;
    let m = &p.meeting;
    let when = match &m.ends_at {
        Some(end) => loc.t2(
            "{debut}, jusqu'à {fin}",
            "debut",
            loc.datetime(m.starts_at.unix()),
            "fin",
            loc.time_of(end.unix()),
        ),
        None => loc.datetime(m.starts_at.unix()),
    };
    render(&PackPage {
        l: viewer.layout("/inter-services", None),
        title: m.title.clone(),
        back: format!("/inter-services/reunions/{}", m.id),
        when,
        place: m.place.clone(),
        directions: m.directions.clone().unwrap_or_default(),
        format: m.format.clone(),
        cancelled: m.status == passerelle_core::domain::joint::CANCELLED,
        whole: position_words(&p.our_position, loc),
        points: p
            .points
            .iter()
            .map(|x| PointView {
                title: x.line.title.clone(),
                description: paragraphs(x.line.description.as_deref().unwrap_or_default()),
                position: position_words(&x.our_position, loc),
                proposals: x.proposals.iter().map(|q| names.line(q)).collect(),
            })
            .collect(),
        previous: p.previous.as_ref().map(|prev| PreviousView {
            title: prev.meeting.title.clone(),
            when: loc.datetime(prev.meeting.starts_at.unix()),
            decisions: prev
                .decisions
                .iter()
                .map(|d| DecisionView {
                    subject: d.subject_title.clone().unwrap_or_default(),
                    decision: paragraphs(&d.decision),
                    proposals: d.proposals.iter().map(|q| names.line(q)).collect(),
                })
                .collect(),
        }),
        prepared_on: loc.datetime(passerelle_core::clock::now()),
    })
}

// ---------------------------------------------------------------------------
// What is new since our last meeting.

#[derive(askama::Template)]
#[template(path = "service_news.html")]
struct NewsPage {
    l: Layout,
    /// "Depuis notre réunion du …", or since the beginning.
    since: String,
    answers: Vec<AnswerLine>,
    decisions: Vec<JointDecisionLine>,
    proposals: Vec<NewProposalLine>,
    meetings: Vec<MeetingLine>,
    joint_meetings: Vec<MeetingLine>,
    printed_on: String,
}

struct AnswerLine {
    title: String,
    badge: Badge,
    text: Vec<String>,
}

struct JointDecisionLine {
    meeting: String,
    subject: String,
    decision: Vec<String>,
    why: &'static str,
}

struct NewProposalLine {
    title: String,
    service: String,
    description: Vec<String>,
}

struct MeetingLine {
    title: String,
    when: String,
    place: String,
}

/// `GET /nouveautes`
pub(super) async fn news(State(node): State<Node>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let n = actions::positions::news(&node, &viewer.actor()).await?;
    let names = Names::of(&node, loc).await?;
    render(&NewsPage {
        l: viewer.layout("/nouveautes", None),
        since: match &n.last_meeting {
            Some(m) => loc.t1(
                "Depuis notre dernière réunion, {date}.",
                "date",
                loc.datetime(m.starts_at),
            ),
            None => loc
                .t("Notre comité ne s'est pas encore réuni : voici tout ce qui est arrivé.")
                .to_owned(),
        },
        answers: n
            .answers
            .iter()
            .map(|a| AnswerLine {
                title: a.title.clone(),
                badge: badge(a.status, loc),
                text: paragraphs(a.answer_text.as_deref().unwrap_or_default()),
            })
            .collect(),
        decisions: n
            .decisions
            .iter()
            .map(|o| JointDecisionLine {
                meeting: loc.t2(
                    "{reunion}, {date}",
                    "reunion",
                    &o.meeting_title,
                    "date",
                    loc.datetime(o.starts_at.unix()),
                ),
                subject: o.subject_title.clone().unwrap_or_default(),
                decision: paragraphs(&o.decision),
                why: concern_label(o.concern, loc),
            })
            .collect(),
        proposals: n
            .new_proposals
            .iter()
            .map(|p| NewProposalLine {
                title: p.title.clone(),
                service: names.service(&p.service_id),
                description: paragraphs(&p.description),
            })
            .collect(),
        meetings: n
            .next_meetings
            .iter()
            .take(3)
            .map(|m| MeetingLine {
                title: m.title.clone(),
                when: loc.datetime(m.starts_at),
                place: m.place.clone(),
            })
            .collect(),
        joint_meetings: n
            .next_joint_meetings
            .iter()
            .take(3)
            .map(|m| MeetingLine {
                title: m.title.clone(),
                when: loc.datetime(m.starts_at.unix()),
                place: m.place.clone(),
            })
            .collect(),
        printed_on: loc.datetime(passerelle_core::clock::now()),
    })
}
