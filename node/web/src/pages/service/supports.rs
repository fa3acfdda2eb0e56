//! Support is the committee's, on the inter-services corner: a member
//! suggests supporting a proposal (with a word), changes the word, or takes
//! the suggestion back; nothing leaves the service. The administrators see
//! the pending suggestions, and give the committee's support (asked first,
//! on the confirmation page, with the word they may edit and, if they wish,
//! the local meeting that decided it) or set the suggestions aside.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use passerelle_protocol::body::ProposalRef;
use passerelle_protocol::NodeId;
use serde::Deserialize;
use uuid::Uuid;

use super::{field_error, is_admin, optional_id, refusal, Choice};
use crate::pages::confirm::Confirmation;
use crate::pages::{done, CsrfForm, FieldError, Locale, PageError, Viewer};
use passerelle_core::actions::{self, Who};
use passerelle_core::domain::joint::suggestions::WORD_MAX;
use passerelle_core::node::Node;

type Key = (String, Uuid);

fn key(r: &ProposalRef) -> Key {
    (r.service.as_str().to_owned(), r.proposal)
}

/// What the corner shows of suggestions: for a member, their own pending
/// ones; for an administrator, every pending one, by proposal.
pub(super) struct CornerSupports {
    admin: bool,
    /// The member's own pending suggestions: their word.
    mine: BTreeMap<Key, String>,
    /// How many members suggest each proposal.
    counts: BTreeMap<Key, i64>,
    /// The local meetings that took place (for "decided at").
    meetings: Vec<(Uuid, String)>,
    /// What was posted, when the page comes back with an error: the
    /// proposal's anchor, the word, the meeting.
    posted: (String, String, String),
    /// The administrators' list of pending suggestions.
    pub(super) pending: Vec<PendingView>,
}

/// A proposal some members suggest supporting (administrators' list).
pub(super) struct PendingView {
    pub(super) anchor: String,
    pub(super) service_id: String,
    pub(super) proposal_id: Uuid,
    pub(super) title: String,
    pub(super) service: String,
    pub(super) suggestions: Vec<SuggestionView>,
    pub(super) comment_id: String,
    pub(super) comment: String,
    pub(super) meeting_id: String,
    pub(super) meetings: Vec<Choice>,
}

pub(super) struct SuggestionView {
    pub(super) by: String,
    pub(super) when: String,
    pub(super) word: String,
}

/// The support part of one proposal's card on the corner.
pub(super) struct Card {
    pub(super) admin: bool,
    /// The member suggested it (pending).
    pub(super) suggested: bool,
    pub(super) word_id: String,
    pub(super) word: String,
    /// Administrators: how many members suggest it, and where to see them.
    pub(super) pending: i64,
    pub(super) pending_href: String,
    pub(super) meeting_id: String,
    pub(super) meetings: Vec<Choice>,
}

fn meeting_choices(meetings: &[(Uuid, String)], selected: &str, loc: Locale) -> Vec<Choice> {
    let mut out = vec![Choice::new(
        "",
        loc.t("Je ne précise pas"),
        selected.trim().is_empty(),
    )];
    out.extend(meetings.iter().map(|(id, label)| {
        let v = id.to_string();
        let sel = v == selected.trim();
        Choice::new(v, label.clone(), sel)
    }));
    out
}

impl CornerSupports {
    /// The support part of the card of `service`'s `proposal`.
    pub(super) fn card(&self, service: &str, proposal: Uuid, loc: Locale) -> Card {
        let k = (service.to_owned(), proposal);
        let anchor = format!("p-{proposal}");
        let posted = self.posted.0 == anchor;
        let mine = self.mine.get(&k);
        Card {
            admin: self.admin,
            suggested: mine.is_some(),
            word_id: format!("word-{proposal}"),
            word: if posted {
                self.posted.1.clone()
            } else {
                mine.cloned().unwrap_or_default()
            },
            pending: self.counts.get(&k).copied().unwrap_or(0),
            pending_href: format!("#s-{proposal}"),
            meeting_id: format!("meeting-{proposal}"),
            meetings: meeting_choices(
                &self.meetings,
                if posted { &self.posted.2 } else { "" },
                loc,
            ),
        }
    }
}

/// What the corner needs of suggestions. `title_of` names a proposal
/// (title, service); `posted` is what an erroneous form sent (anchor,
/// word or comment, meeting).
pub(super) async fn corner(
    node: &Node,
    viewer: &Viewer,
    title_of: impl Fn(&ProposalRef) -> (String, String),
    posted: (String, String, String),
) -> Result<CornerSupports, PageError> {
    let loc = viewer.locale;
    let actor = viewer.actor();
    let admin = is_admin(viewer);
    let pending = actions::joint::suggestions(node, &actor).await?;
    let now = passerelle_core::clock::now();
    let meetings = if admin {
        actions::meetings::list(node, &actor)
            .await?
            .into_iter()
            .filter(|m| m.cancelled_at.is_none() && m.starts_at <= now)
            .map(|m| {
                let label = format!("{}, {}", m.title, loc.datetime(m.starts_at));
                (m.id, label)
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut mine = BTreeMap::new();
    let mut counts: BTreeMap<Key, i64> = BTreeMap::new();
    let mut by_proposal: Vec<PendingView> = Vec::new();
    for s in &pending {
        let k = key(&s.proposal);
        if s.account_id == actor.account.id {
            mine.insert(k.clone(), s.word.clone().unwrap_or_default());
        }
        *counts.entry(k).or_default() += 1;
        if !admin {
            continue;
        }
        let view = SuggestionView {
            by: s.by.clone(),
            when: loc.datetime(s.suggested_at),
            word: s.word.clone().unwrap_or_default(),
        };
        match by_proposal.iter_mut().find(|p| {
            p.service_id == s.proposal.service.as_str() && p.proposal_id == s.proposal.proposal
        }) {
            Some(p) => p.suggestions.push(view),
            None => {
                let (title, service) = title_of(&s.proposal);
                let anchor = format!("s-{}", s.proposal.proposal);
                by_proposal.push(PendingView {
                    comment_id: format!("confirm-comment-{}", s.proposal.proposal),
                    comment: String::new(),
                    meeting_id: format!("confirm-meeting-{}", s.proposal.proposal),
                    meetings: Vec::new(),
                    anchor,
                    service_id: s.proposal.service.as_str().to_owned(),
                    proposal_id: s.proposal.proposal,
                    title,
                    service,
                    suggestions: vec![view],
                })
            }
        }
    }
    for p in &mut by_proposal {
        let posted_here = posted.0 == p.anchor;
        // The members' words, as a first draft of the committee's.
        let words: Vec<&str> = p
            .suggestions
            .iter()
            .map(|s| s.word.as_str())
            .filter(|w| !w.is_empty())
            .collect();
        p.comment = if posted_here {
            posted.1.clone()
        } else {
            words.join(" ")
        };
        p.meetings = meeting_choices(&meetings, if posted_here { &posted.2 } else { "" }, loc);
    }
    Ok(CornerSupports {
        admin,
        mine,
        counts,
        meetings,
        posted,
        pending: by_proposal,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SupportForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    proposal: String,
    /// The member's word, or the committee's comment.
    #[serde(default)]
    comment: String,
    /// The local meeting that decided the support ("" for none said).
    #[serde(default)]
    meeting: String,
    /// Which form sent it: "pending" (the administrators' list) or the card.
    #[serde(default)]
    from: String,
    /// `1` once the administrator confirmed.
    #[serde(default)]
    confirmed: String,
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

/// The anchor and field ids of the form that sent `f`.
fn ids(f: &SupportForm, r: &ProposalRef) -> (String, String, String) {
    if f.from == "pending" {
        (
            format!("s-{}", r.proposal),
            format!("confirm-comment-{}", r.proposal),
            format!("confirm-meeting-{}", r.proposal),
        )
    } else {
        (
            format!("p-{}", r.proposal),
            format!("comment-{}", r.proposal),
            format!("meeting-{}", r.proposal),
        )
    }
}

/// The corner again, with `errors` and what the form sent.
async fn again(
    node: &Node,
    viewer: &Viewer,
    errors: Vec<FieldError>,
    anchor: String,
    f: SupportForm,
) -> Result<Response, PageError> {
    super::joint::corner_again(node, viewer, errors, (anchor, f.comment, f.meeting)).await
}

/// `POST /inter-services/suggerer` — a member suggests that the committee
/// support a proposal (or changes their word).
pub(super) async fn suggest(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<SupportForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let proposal = target(&f)?;
    let anchor = format!("p-{}", proposal.proposal);
    let word_id = format!("word-{}", proposal.proposal);
    let word = Some(f.comment.clone());
    match actions::joint::suggest_support(&node, &viewer.actor(), proposal, word).await {
        Ok(()) => Ok(done(
            &format!("/inter-services#{anchor}"),
            loc.t("C'est noté. Les administrateurs et administratrices de votre comité verront votre proposition de soutien."),
        )),
        Err(e) => {
            let errors = refusal(
                e,
                &[(
                    "word",
                    &word_id,
                    loc.t("Le mot d'accompagnement a au plus 1000 caractères."),
                )],
                &anchor,
                loc,
            )?;
            again(&node, &viewer, errors, anchor, f).await
        }
    }
}

/// `POST /inter-services/retirer-suggestion` — a member takes their
/// suggestion back.
pub(super) async fn take_back(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<SupportForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Committee)?;
    let loc = viewer.locale;
    let proposal = target(&f)?;
    let anchor = format!("p-{}", proposal.proposal);
    match actions::joint::take_back_suggestion(&node, &viewer.actor(), proposal).await {
        Ok(()) => Ok(done(
            &format!("/inter-services#{anchor}"),
            loc.t("Votre proposition de soutien est retirée."),
        )),
        Err(e) => {
            let errors = refusal(e, &[], &anchor, loc)?;
            again(&node, &viewer, errors, anchor, SupportForm::default()).await
        }
    }
}

/// `POST /inter-services/mettre-de-cote` — the administrators do not
/// follow the members' suggestions about a proposal.
pub(super) async fn set_aside(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<SupportForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let proposal = target(&f)?;
    let anchor = format!("s-{}", proposal.proposal);
    match actions::joint::set_aside_suggestions(&node, &viewer.actor(), proposal).await {
        Ok(()) => Ok(done(
            "/inter-services#propositions-de-soutien",
            loc.t("C'est noté : votre comité ne donne pas son soutien. Rien n'est envoyé."),
        )),
        Err(e) => {
            let errors = refusal(e, &[], &anchor, loc)?;
            again(&node, &viewer, errors, anchor, SupportForm::default()).await
        }
    }
}

/// `POST /inter-services/soutien` — an administrator gives the committee's
/// support, after a question on the confirmation page.
pub(super) async fn support(
    State(node): State<Node>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<SupportForm>,
) -> Result<Response, PageError> {
    viewer.require(Who::Admins)?;
    let loc = viewer.locale;
    let proposal = target(&f)?;
    let meeting = optional_id(&f.meeting).map_err(|_| PageError::BadForm)?;
    let (anchor, comment_id, _) = ids(&f, &proposal);
    let too_long = loc.t("Le mot d'accompagnement a au plus 1000 caractères.");
    if f.confirmed != "1" {
        if f.comment.trim().chars().count() > WORD_MAX {
            let errors = vec![field_error(&comment_id, too_long)];
            return again(&node, &viewer, errors, anchor, f).await;
        }
        return confirm_support(&node, &viewer, &proposal, meeting, f).await;
    }
    let actor = viewer.actor();
    let comment = Some(f.comment.clone());
    match actions::joint::support(&node, &actor, proposal, comment, meeting).await {
        Ok(()) => Ok(done(
            &format!("/inter-services#{anchor}"),
            loc.t("Votre comité soutient cette proposition. Le comité inter-services est prévenu."),
        )),
        Err(e) => {
            let (_, _, meeting_id) = ids(&f, &target(&f)?);
            let errors = refusal(
                e,
                &[
                    ("comment", &comment_id, too_long),
                    (
                        "meeting",
                        &meeting_id,
                        loc.t("Choisissez une réunion de votre comité qui a eu lieu."),
                    ),
                ],
                &anchor,
                loc,
            )?;
            again(&node, &viewer, errors, anchor, f).await
        }
    }
}

/// The question before giving the committee's support.
async fn confirm_support(
    node: &Node,
    viewer: &Viewer,
    r: &ProposalRef,
    meeting: Option<Uuid>,
    f: SupportForm,
) -> Result<Response, PageError> {
    let actor = viewer.actor();
    let title = if r.service == *node.id() {
        actions::proposals::get(node, &actor, r.proposal)
            .await?
            .title
    } else {
        actions::joint::other_proposals(node, &actor)
            .await?
            .into_iter()
            .find(|p| p.service_id == r.service.as_str() && p.proposal_id == r.proposal)
            .map(|p| p.title)
            .ok_or(PageError::NotFound)?
    };
    let pending = actions::joint::suggestions(node, &actor)
        .await?
        .iter()
        .filter(|s| s.proposal == *r)
        .count();
    let (anchor, ..) = ids(&f, r);
    let l = viewer.layout("/inter-services", None);
    let comment = f.comment.trim();
    let mut c = Confirmation::new(
        l.t1(
            "Donner le soutien de votre comité à « {titre} » ?",
            "titre",
            &title,
        ),
        "/inter-services/soutien",
        l.t("Oui, soutenir au nom du comité"),
        format!("/inter-services#{anchor}"),
        l.t("Non, revenir au comité inter-services"),
    )
    .lead(l.t(
        "Le comité inter-services et les autres services verront que votre comité soutient cette proposition.",
    ))
    .consequence(if comment.is_empty() {
        l.t("Sans mot pour accompagner le soutien.")
    } else {
        l.t1("Avec ce mot : « {mot} »", "mot", comment)
    });
    if let Some(m) = meeting {
        let m = actions::meetings::get(node, &actor, m).await?;
        c = c.consequence(l.t2(
            "Votre comité l'a décidé à sa réunion « {titre} », {date}. Cela reste dans votre service.",
            "titre",
            &m.meeting.title,
            "date",
            viewer.locale.datetime(m.meeting.starts_at),
        ));
    }
    if pending > 0 {
        c = c.consequence(
            l.t("Les propositions de soutien des membres sont réglées : elles quittent la liste."),
        );
    }
    c.consequence(l.t("Vous pourrez retirer ce soutien plus tard."))
        .hidden("service", r.service.as_str())
        .hidden("proposal", r.proposal.to_string())
        .hidden("comment", comment)
        .hidden(
            "meeting",
            meeting.map(|m| m.to_string()).unwrap_or_default(),
        )
        .hidden("from", f.from)
        .hidden("confirmed", "1")
        .render(l)
}
