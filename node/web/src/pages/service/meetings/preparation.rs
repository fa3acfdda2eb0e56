//! Preparing the inter-service committee at a meeting of the committee: an
//! agenda item about another service's proposal or a joint meeting (as a
//! whole, or one of its points); the committee's position on it, decided,
//! then shared with the inter-service committee or taken back; and "what
//! was said at the joint meeting" that concerns the committee.

use std::collections::BTreeMap;

use passerelle_core::domain::joint::{self, MyOutcome};
use passerelle_core::domain::meetings::AgendaItem;
use passerelle_core::domain::positions::{self, CommitteePosition, Sharing};
use passerelle_core::peers;
use passerelle_protocol::body::ProposalRef;
use passerelle_protocol::NodeId;

use super::*;
use crate::pages::labels::{concern_label, sharing_label, stance_label, STANCES};

/// What an agenda item can be about, for the form's select: the
/// committee's own proposals (their id), other services' shared proposals
/// (`autre:SERVICE/ID`), the next joint meetings as a whole
/// (`commune:ID`) and each of their points (`commune:ID/POINT`).
pub(super) async fn subject_choices(
    node: &Node,
    loc: Locale,
    selected: &str,
) -> Result<Vec<Choice>, PageError> {
    let mut conn = read(node).await?;
    let me = node.id().as_str().to_owned();
    let mut out = vec![Choice::new(
        "",
        loc.t("Rien de particulier"),
        selected.is_empty(),
    )];
    let mut push = |value: String, label: String| {
        let sel = value == selected;
        out.push(Choice::new(value, label, sel));
    };
    for p in proposals::list(&mut conn).await? {
        push(
            p.id.to_string(),
            loc.t1("Notre proposition : {titre}", "titre", &p.title),
        );
    }
    let names = service_names(node).await?;
    for p in joint::other_services_proposals(&mut conn, &me).await? {
        let service = names
            .get(&p.service_id)
            .cloned()
            .unwrap_or(p.service_id.clone());
        push(
            format!("autre:{}/{}", p.service_id, p.proposal_id),
            loc.t2(
                "Proposition de {service} : {titre}",
                "service",
                service,
                "titre",
                &p.title,
            ),
        );
    }
    for m in joint::upcoming_meetings(&mut conn, passerelle_core::clock::now()).await? {
        // « du 11 décembre 2026 »: the day, without its « le ».
        let day = crate::pages::brussels(m.starts_at.unix())
            .map(|l| loc.day(l.date()))
            .unwrap_or_default();
        push(
            format!("commune:{}", m.id),
            loc.t1("Préparer toute la réunion commune du {date}", "date", &day),
        );
        for line in m.agenda.iter().filter(|l| l.point.is_some()) {
            if let Some(point) = line.point {
                push(
                    format!("commune:{}/{point}", m.id),
                    loc.t2(
                        "Réunion commune du {date}, point : {titre}",
                        "date",
                        &day,
                        "titre",
                        &line.title,
                    ),
                );
            }
        }
    }
    Ok(out)
}

/// The services' names, by id.
pub(super) async fn service_names(node: &Node) -> Result<BTreeMap<String, String>, PageError> {
    Ok(peers::list(&mut *read(node).await?)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// Reads the select's value into the item's subject; `None` for a value
/// no form offers.
pub(super) fn parse_subject(value: &str, item: &mut NewAgendaItem) -> Option<()> {
    let value = value.trim();
    if value.is_empty() {
        return Some(());
    }
    if let Some(rest) = value.strip_prefix("autre:") {
        let (service, id) = rest.split_once('/')?;
        item.shared_proposal = Some(ProposalRef {
            service: NodeId::parse(service).ok()?,
            proposal: Uuid::parse_str(id).ok()?,
        });
    } else if let Some(rest) = value.strip_prefix("commune:") {
        let (meeting, point) = match rest.split_once('/') {
            Some((m, p)) => (m, Some(Uuid::parse_str(p).ok()?)),
            None => (rest, None),
        };
        item.joint_meeting = Some(Uuid::parse_str(meeting).ok()?);
        item.joint_point = point;
    } else {
        item.proposal = Some(Uuid::parse_str(value).ok()?);
    }
    Some(())
}

/// What an item is about, in words, with a link; the committee's position
/// on it, when it can take one.
pub(super) struct Preparation {
    pub topic: String,
    pub topic_href: String,
    /// The committee can take a position on this item.
    pub can_decide: bool,
    pub position: Option<PositionView>,
    /// The form's stance choices (the current one checked).
    pub stances: Vec<Choice>,
    pub comment: String,
}

pub(super) struct PositionView {
    pub id: Uuid,
    pub stance: &'static str,
    pub comment: Vec<String>,
    pub sharing: &'static str,
    pub can_share: bool,
    pub can_withdraw: bool,
}

/// The preparation of each item, in agenda order. `posted` is the position
/// form sent for one item, kept when the page comes back with an error.
pub(super) async fn preparations(
    node: &Node,
    loc: Locale,
    agenda: &[AgendaItem],
    posted: &Posted,
) -> Result<Vec<Preparation>, PageError> {
    let mut conn = read(node).await?;
    let names = service_names(node).await?;
    let all = positions::list(&mut conn).await?;
    let mut out = Vec::with_capacity(agenda.len());
    for a in agenda {
        let (topic, topic_href) = if let Some(m) = a.joint_meeting {
            let meeting = joint::meeting(&mut conn, &m).await.ok();
            let title = meeting
                .as_ref()
                .map(|x| x.title.clone())
                .or(a.joint_meeting_title.clone())
                .unwrap_or_default();
            let point = a.joint_point.and_then(|p| {
                meeting
                    .as_ref()
                    .and_then(|x| x.agenda.iter().find(|l| l.point == Some(p)))
                    .map(|l| l.title.clone())
            });
            let words = match point {
                Some(point) => loc.t2(
                    "Réunion commune « {reunion} », point : {point}",
                    "reunion",
                    &title,
                    "point",
                    &point,
                ),
                None => loc.t1("Toute la réunion commune « {reunion} »", "reunion", &title),
            };
            (words, format!("/inter-services/reunions/{m}"))
        } else if let Some(r) = &a.shared_proposal {
            let service = names
                .get(r.service.as_str())
                .cloned()
                .unwrap_or_else(|| r.service.as_str().to_owned());
            (
                loc.t2(
                    "Proposition de {service} : {titre}",
                    "service",
                    service,
                    "titre",
                    a.shared_proposal_title.as_deref().unwrap_or_default(),
                ),
                format!("/inter-services#p-{}", r.proposal),
            )
        } else {
            (String::new(), String::new())
        };
        let topic_of = positions::topic_of(a);
        let position = topic_of
            .as_ref()
            .and_then(|t| all.iter().find(|p| &p.topic == t));
        let mine = posted.position_item == a.id.to_string();
        let current = if mine {
            posted.position_stance.clone()
        } else {
            position
                .map(|p| passerelle_core::domain::federated::enum_text(&p.stance))
                .unwrap_or_default()
        };
        out.push(Preparation {
            topic,
            topic_href,
            can_decide: topic_of.is_some(),
            position: position.map(|p| position_view(p, loc)),
            stances: STANCES
                .iter()
                .map(|s| {
                    let v = passerelle_core::domain::federated::enum_text(s);
                    let sel = v == current;
                    Choice::new(v, stance_label(*s, loc), sel)
                })
                .collect(),
            comment: if mine {
                posted.position_comment.clone()
            } else {
                position.and_then(|p| p.comment.clone()).unwrap_or_default()
            },
        });
    }
    Ok(out)
}

fn position_view(p: &CommitteePosition, loc: Locale) -> PositionView {
    PositionView {
        id: p.id,
        stance: stance_label(p.stance, loc),
        comment: paragraphs(p.comment.as_deref().unwrap_or_default()),
        sharing: sharing_label(p.sharing, loc),
        can_share: p.sharing != Sharing::Shared,
        can_withdraw: p.sharing != Sharing::NotShared,
    }
}

/// A joint decision that concerns the committee, as the meeting reviews it.
pub(super) struct JointDecisionView {
    pub meeting_href: String,
    pub meeting_title: String,
    pub when: String,
    pub subject: String,
    pub decision: Vec<String>,
    pub why: &'static str,
}

pub(super) fn joint_decision_views(list: Vec<MyOutcome>, loc: Locale) -> Vec<JointDecisionView> {
    list.into_iter()
        .map(|o| JointDecisionView {
            meeting_href: format!("/inter-services/reunions/{}", o.meeting),
            meeting_title: o.meeting_title,
            when: loc.datetime(o.starts_at.unix()),
            subject: o.subject_title.unwrap_or_default(),
            decision: paragraphs(&o.decision),
            why: concern_label(o.concern, loc),
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub(in crate::pages::service) struct PositionForm {
    #[serde(default)]
    stance: String,
    #[serde(default)]
    comment: String,
}

/// `POST /reunions/{id}/ordre-du-jour/{item}/position`
pub(in crate::pages::service) async fn decide_position(
    State(node): State<Node>,
    viewer: Viewer,
    Path((id, item)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<PositionForm>,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let item = path_id(&item)?;
    let loc = viewer.locale;
    let field = format!("position-{item}");
    let posted = Posted {
        position_item: item.to_string(),
        position_stance: f.stance.clone(),
        position_comment: f.comment.clone(),
        ..Posted::default()
    };
    let Some(stance) = STANCES
        .into_iter()
        .find(|s| passerelle_core::domain::federated::enum_text(s) == f.stance.trim())
    else {
        let errors = vec![field_error(
            &field,
            loc.t("Choisissez la position du comité : pour, contre, à discuter ou une question."),
        )];
        return refuse(&node, &viewer, id, errors, posted).await;
    };
    let comment = Some(f.comment.as_str()).filter(|c| !c.trim().is_empty());
    let outcome = actions::positions::decide(&node, &viewer.actor(), id, item, stance, comment)
        .await
        .map(|_| ());
    let comment_field = format!("position-comment-{item}");
    change(
        &node,
        &viewer,
        id,
        posted,
        &[(
            "comment",
            &comment_field,
            loc.t("Les mots du comité ont au plus 2000 caractères."),
        )],
        &field,
        loc.t(
            "La position du comité est notée. Elle reste au comité tant que vous ne l'envoyez pas.",
        ),
        outcome,
    )
    .await
}

/// Sends a position to the inter-service committee, or takes it back: the
/// meeting's page again, with what happened.
async fn sharing_step(
    node: Node,
    viewer: Viewer,
    (id, position): (String, String),
    send: bool,
) -> Result<Response, PageError> {
    let id = meeting_for_change(&node, &viewer, &id).await?;
    let position = path_id(&position)?;
    let (loc, actor) = (viewer.locale, viewer.actor());
    let (outcome, said) = if send {
        (
            actions::positions::share(&node, &actor, position).await,
            loc.t("La position est envoyée au comité inter-services. La coordination la verra avec l'ordre du jour."),
        )
    } else {
        (
            actions::positions::withdraw(&node, &actor, position).await,
            loc.t("La position est retirée du comité inter-services. Votre comité la garde."),
        )
    };
    change(
        &node,
        &viewer,
        id,
        Posted::default(),
        &[],
        "ordre-du-jour",
        said,
        outcome,
    )
    .await
}

/// `POST /reunions/{id}/positions/{position}/partager`
pub(in crate::pages::service) async fn share_position(
    State(node): State<Node>,
    viewer: Viewer,
    Path(ids): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    sharing_step(node, viewer, ids, true).await
}

/// `POST /reunions/{id}/positions/{position}/retirer`
pub(in crate::pages::service) async fn withdraw_position(
    State(node): State<Node>,
    viewer: Viewer,
    Path(ids): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    sharing_step(node, viewer, ids, false).await
}
