//! The committee's corner of the inter-service committee: the next joint
//! meetings and their agendas, the other services' shared proposals (to
//! support them), items proposed for the next joint meeting, and what the
//! joint meetings decided about this service's proposals.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use passerelle_protocol::body::ProposalRef;
use passerelle_protocol::NodeId;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    badge, calendar, field_error, invalid, optional_id, paragraphs, path_id, read, refusal,
    theme_label, Badge, Choice, FormErrors,
};
use crate::pages::{
    done, ics, render, CsrfForm, FieldError, Flash, Layout, Locale, PageError, Viewer,
};
use passerelle_core::actions::{self, Who};
use passerelle_core::domain::joint::{self as domain, AgendaLine, MeetingView};
use passerelle_core::domain::proposals::{Proposal, SHARED};
use passerelle_core::node::Node;
use passerelle_core::peers;

/// Names of things the pages mention: services and shared proposals.
struct Names {
    loc: Locale,
    me: String,
    services: BTreeMap<String, String>,
    /// (service, proposal) → (title, link if it is ours).
    proposals: BTreeMap<(String, Uuid), (String, String)>,
}

impl Names {
    fn service(&self, id: &str) -> String {
        if id == self.me {
            return self.loc.t("Votre service").to_owned();
        }
        self.services
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_owned())
    }

    fn proposal(&self, r: &ProposalRef) -> ProposalName {
        let key = (r.service.as_str().to_owned(), r.proposal);
        let (title, href) = self
            .proposals
            .get(&key)
            .cloned()
            .unwrap_or_else(|| (self.loc.t("Une proposition").to_owned(), String::new()));
        ProposalName {
            title,
            href,
            service: self.service(r.service.as_str()),
        }
    }
}

/// The names, from the service's own proposals (`own`) and the others'.
async fn names(
    loc: Locale,
    node: &Node,
    own: &[Proposal],
    others: &[domain::OtherProposal],
) -> Result<Names, PageError> {
    let me = node.id().as_str().to_owned();
    let services = peers::list(&mut *read(node).await?)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut proposals_by_ref: BTreeMap<(String, Uuid), (String, String)> = others
        .iter()
        .map(|p| {
            (
                (p.service_id.clone(), p.proposal_id),
                (p.title.clone(), String::new()),
            )
        })
        .collect();
    for p in own {
        proposals_by_ref.insert(
            (me.clone(), p.id),
            (p.title.clone(), format!("/propositions/{}", p.id)),
        );
    }
    Ok(Names {
        loc,
        me,
        services,
        proposals: proposals_by_ref,
    })
}

struct ProposalName {
    title: String,
    href: String,
    service: String,
}

struct JointMeeting {
    href: String,
    ics_href: String,
    title: String,
    when: String,
    place: String,
    /// How to get there, or "".
    directions: String,
    format: String,
    cancelled: bool,
    notice: String,
    agenda: Vec<Line>,
    minutes: Vec<String>,
}

struct Line {
    title: String,
    description: Vec<String>,
    by: String,
    proposals: Vec<ProposalName>,
}

fn line(names: &Names, a: &AgendaLine) -> Line {
    Line {
        title: a.title.clone(),
        description: paragraphs(a.description.as_deref().unwrap_or_default()),
        by: a
            .proposed_by
            .as_deref()
            .map(|s| names.service(s))
            .unwrap_or_default(),
        proposals: a.proposals.iter().map(|r| names.proposal(r)).collect(),
    }
}

fn joint_meeting(names: &Names, m: &MeetingView) -> JointMeeting {
    let loc = names.loc;
    let starts = m.starts_at.unix();
    let when = match &m.ends_at {
        Some(end) => loc.t2(
            "{debut}, jusqu'à {fin}",
            "debut",
            loc.datetime(starts),
            "fin",
            loc.time_of(end.unix()),
        ),
        None => loc.datetime(starts),
    };
    JointMeeting {
        directions: m.directions.clone().unwrap_or_default(),
        href: format!("/inter-services/reunions/{}", m.id),
        ics_href: format!("/inter-services/reunions/{}.ics", m.id),
        title: m.title.clone(),
        when,
        place: m.place.clone(),
        format: m.format.clone(),
        cancelled: m.status == domain::CANCELLED,
        notice: m.notice.clone().unwrap_or_default(),
        agenda: m.agenda.iter().map(|a| line(names, a)).collect(),
        minutes: paragraphs(m.minutes.as_deref().unwrap_or_default()),
    }
}

// ---------------------------------------------------------------------------
// The corner.

#[derive(askama::Template)]
#[template(path = "service_joint.html")]
struct CornerPage {
    l: Layout,
    errors: Vec<FieldError>,
    joined: bool,
    meetings: Vec<JointMeeting>,
    others: Vec<Other>,
    item_title: String,
    item_description: String,
    item_proposals: Vec<Choice>,
    item_meetings: Vec<Choice>,
    outcomes: Vec<OutcomeView>,
    /// Members' suggestions of support (see `supports`).
    pending: Vec<super::supports::PendingView>,
}

impl FormErrors for CornerPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

struct Other {
    anchor: String,
    service_id: String,
    proposal_id: Uuid,
    title: String,
    service: String,
    theme: &'static str,
    badge: Badge,
    description: Vec<String>,
    answer: Vec<String>,
    support: String,
    supported: bool,
    comment_id: String,
    comment: String,
    /// Suggesting or giving the committee's support.
    s: super::supports::Card,
    /// The other services backing it: (name, their word).
    supporters: Vec<(String, String)>,
}

struct OutcomeView {
    meeting_href: String,
    meeting_title: String,
    when: String,
    subject: String,
    decision: Vec<String>,
    proposals: Vec<ProposalName>,
    /// Why it concerns the committee.
    why: &'static str,
}

/// What was posted, kept when the page comes back with an error.
#[derive(Debug, Default)]
struct Posted {
    item_title: String,
    item_description: String,
    item_proposal: String,
    item_meeting: String,
    support_for: String,
    comment: String,
    meeting: String,
}

fn support_text(n: i64, loc: Locale) -> String {
    match n {
        ..=1 => loc
            .t("Soutenue par 1 service : celui qui l'a proposée.")
            .to_owned(),
        n => loc.t1(
            "Soutenue par {n} services, en comptant celui qui l'a proposée.",
            "n",
            n,
        ),
    }
}

async fn corner_page(
    node: &Node,
    viewer: &Viewer,
    errors: Vec<FieldError>,
    posted: Posted,
    flash: Option<String>,
) -> Result<CornerPage, PageError> {
    let loc = viewer.locale;
    let l = viewer.layout("/inter-services", flash);
    if node.federation().await?.is_none() {
        return Ok(CornerPage {
            l,
            errors,
            joined: false,
            meetings: Vec::new(),
            others: Vec::new(),
            item_title: String::new(),
            item_description: String::new(),
            item_proposals: Vec::new(),
            item_meetings: Vec::new(),
            outcomes: Vec::new(),
            pending: Vec::new(),
        });
    }
    let actor = viewer.actor();
    let me = node.id().as_str().to_owned();
    let upcoming = actions::joint::meetings(node, &actor).await?;
    let others = actions::joint::other_proposals(node, &actor).await?;
    let own = actions::proposals::list(node, &actor).await?;
    let names = names(loc, node, &own, &others).await?;
    let own_shared: Vec<Proposal> = own.into_iter().filter(|p| p.shared == SHARED).collect();
    let title_of = |r: &ProposalRef| {
        let n = names.proposal(r);
        (n.title, n.service)
    };
    let posted_support = (
        posted.support_for.clone(),
        posted.comment.clone(),
        posted.meeting.clone(),
    );
    let supports = super::supports::corner(node, viewer, title_of, posted_support).await?;
    let outcomes = actions::joint::outcomes(node, &actor)
        .await?
        .into_iter()
        .map(|o| OutcomeView {
            meeting_href: format!("/inter-services/reunions/{}", o.meeting),
            meeting_title: o.meeting_title,
            when: loc.datetime(o.starts_at.unix()),
            subject: o.subject_title.unwrap_or_default(),
            decision: paragraphs(&o.decision),
            proposals: o.proposals.iter().map(|r| names.proposal(r)).collect(),
            why: crate::pages::labels::concern_label(o.concern, loc),
        })
        .collect();

    let mut item_proposals = vec![Choice::new(
        "",
        loc.t("Aucune proposition en particulier"),
        posted.item_proposal.is_empty(),
    )];
    for p in &own_shared {
        let v = format!("{me}/{}", p.id);
        let sel = v == posted.item_proposal;
        item_proposals.push(Choice::new(
            v,
            loc.t1("{titre} (votre service)", "titre", &p.title),
            sel,
        ));
    }
    for p in &others {
        let v = format!("{}/{}", p.service_id, p.proposal_id);
        let sel = v == posted.item_proposal;
        item_proposals.push(Choice::new(
            v,
            format!("{} ({})", p.title, names.service(&p.service_id)),
            sel,
        ));
    }
    let mut item_meetings = vec![Choice::new(
        "",
        loc.t("La prochaine réunion commune"),
        posted.item_meeting.is_empty(),
    )];
    for m in &upcoming {
        let v = m.id.to_string();
        let sel = v == posted.item_meeting;
        item_meetings.push(Choice::new(
            v,
            format!("{}, {}", m.title, loc.datetime(m.starts_at.unix())),
            sel,
        ));
    }

    let others = others
        .iter()
        .map(|p| {
            let anchor = format!("p-{}", p.proposal_id);
            let mine = posted.support_for == anchor;
            Other {
                comment_id: format!("comment-{}", p.proposal_id),
                comment: if mine {
                    posted.comment.clone()
                } else {
                    String::new()
                },
                anchor,
                service_id: p.service_id.clone(),
                proposal_id: p.proposal_id,
                title: p.title.clone(),
                service: names.service(&p.service_id),
                theme: theme_label(p.theme, loc),
                badge: badge(p.status, loc),
                description: paragraphs(&p.description),
                answer: p
                    .answer
                    .as_ref()
                    .map(|a| paragraphs(a.text.or_empty()))
                    .unwrap_or_default(),
                support: support_text(p.support, loc),
                supported: p.supported_by_me,
                s: supports.card(&p.service_id, p.proposal_id, loc),
                supporters: p
                    .supporters
                    .iter()
                    .map(|x| {
                        let name = names.service(&x.service_id);
                        (name, x.comment.clone().unwrap_or_default())
                    })
                    .collect(),
            }
        })
        .collect();

    Ok(CornerPage {
        l,
        errors,
        joined: true,
        meetings: upcoming.iter().map(|m| joint_meeting(&names, m)).collect(),
        others,
        item_title: posted.item_title,
        item_description: posted.item_description,
        item_proposals,
        item_meetings,
        outcomes,
        pending: supports.pending,
    })
}

/// The corner again after a refused support form, with its errors and
/// what it sent: (the proposal's anchor, the word, the meeting).
pub(super) async fn corner_again(
    node: &Node,
    viewer: &Viewer,
    errors: Vec<FieldError>,
    (anchor, comment, meeting): (String, String, String),
) -> Result<Response, PageError> {
    let posted = Posted {
        support_for: anchor,
        comment,
        meeting,
        ..Posted::default()
    };
    invalid(&corner_page(node, viewer, errors, posted, None).await?)
}

/// `GET /inter-services`
pub(super) async fn corner(
    State(node): State<Node>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    render(&corner_page(&node, &viewer, Vec::new(), Posted::default(), flash.ok).await?)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SupportForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    proposal: String,
}

fn target(f: &SupportForm) -> Result<ProposalRef, PageError> {
    Ok(ProposalRef {
        service: NodeId::parse(f.service.trim()).map_err(|_| PageError::BadForm)?,
        proposal: optional_id(&f.proposal)
            .ok()
            .flatten()
            .ok_or(PageError::BadForm)?,
    })
}

/// `POST /inter-services/retirer-soutien` — administrators.
pub(super) async fn withdraw_support(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<SupportForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let proposal = target(&f)?;
    let anchor = format!("p-{}", proposal.proposal);
    match actions::joint::withdraw_support(&node, &viewer.actor(), proposal).await {
        Ok(()) => Ok(done(
            "/inter-services",
            loc.t("Votre comité ne soutient plus cette proposition."),
        )),
        Err(e) => {
            let errors = refusal(e, &[], &anchor, loc)?;
            invalid(&corner_page(&node, &viewer, errors, Posted::default(), None).await?)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ItemForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    /// "service/proposal", or "" for none.
    #[serde(default)]
    proposal: String,
    #[serde(default)]
    meeting: String,
}

/// `POST /inter-services/point` — an item for a joint meeting's agenda.
pub(super) async fn propose_item(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<ItemForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let proposal = match f.proposal.trim() {
        "" => None,
        text => {
            let (service, id) = text.split_once('/').ok_or(PageError::BadForm)?;
            Some(ProposalRef {
                service: NodeId::parse(service).map_err(|_| PageError::BadForm)?,
                proposal: Uuid::parse_str(id).map_err(|_| PageError::BadForm)?,
            })
        }
    };
    let meeting = optional_id(&f.meeting).map_err(|_| PageError::BadForm)?;
    let mut errors = Vec::new();
    if f.title.trim().is_empty() {
        errors.push(field_error(
            "point-title",
            loc.t("Écrivez le sujet du point."),
        ));
    }
    if errors.is_empty() {
        let (title, description) = (f.title.as_str(), Some(f.description.as_str()));
        match actions::joint::propose_item(
            &node,
            &viewer.actor(),
            title,
            description,
            proposal,
            meeting,
        )
        .await
        {
            Ok(_) => {
                return Ok(done(
                    "/inter-services",
                    loc.t("Le point est proposé. Le coordinateur ou la coordinatrice le recevra."),
                ))
            }
            Err(e) => {
                errors = refusal(
                    e,
                    &[
                        (
                            "title",
                            "point-title",
                            loc.t("Le sujet a de 1 à 200 caractères."),
                        ),
                        (
                            "description",
                            "point-description",
                            loc.t("L'explication a au plus 4000 caractères."),
                        ),
                    ],
                    "point-title",
                    loc,
                )?
            }
        }
    }
    let posted = Posted {
        item_title: f.title,
        item_description: f.description,
        item_proposal: f.proposal,
        item_meeting: f.meeting,
        ..Posted::default()
    };
    invalid(&corner_page(&node, &viewer, errors, posted, None).await?)
}

// ---------------------------------------------------------------------------
// One joint meeting, as received.

#[derive(askama::Template)]
#[template(path = "service_joint_meeting.html")]
struct MeetingPage {
    l: Layout,
    m: JointMeeting,
}

/// `GET /inter-services/reunions/{id}`, or `{id}.ics` for the calendar file.
pub(super) async fn meeting(
    State(node): State<Node>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let (raw, ics_wanted) = match id.strip_suffix(".ics") {
        Some(raw) => (raw, true),
        None => (id.as_str(), false),
    };
    let id = path_id(raw)?;
    let actor = viewer.actor();
    let m = actions::joint::meeting(&node, &actor, id).await?;
    let loc = viewer.locale;
    if ics_wanted {
        let mut description = loc.t1("Forme : {forme}", "forme", &m.format);
        description.push('\n');
        if !m.agenda.is_empty() {
            description.push_str(loc.t("Ordre du jour :"));
            description.push('\n');
            for (i, a) in m.agenda.iter().enumerate() {
                description.push_str(&format!("{}. {}\n", i + 1, a.title));
            }
        }
        let cancelled = m.status == domain::CANCELLED;
        let title = if cancelled {
            ics::cancelled_title(loc, &m.title)
        } else {
            m.title.clone()
        };
        let body = ics::Event {
            uid: &format!("{id}@passerelle"),
            starts_at: m.starts_at.unix(),
            ends_at: m.ends_at.as_ref().map(|e| e.unix()),
            summary: &title,
            location: &m.place,
            description: description.trim_end(),
            cancelled,
        }
        .calendar();
        return Ok(calendar(&format!("reunion-commune-{id}.ics"), body));
    }
    let others = actions::joint::other_proposals(&node, &actor).await?;
    let own = actions::proposals::list(&node, &actor).await?;
    let names = names(loc, &node, &own, &others).await?;
    render(&MeetingPage {
        l: viewer.layout("/inter-services", None),
        m: joint_meeting(&names, &m),
    })
}
