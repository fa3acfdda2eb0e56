//! Typed message bodies, one per `kind`.
//!
//! The envelope does not change when a body gains a field: receivers ignore
//! body fields they do not know (the signature still covers them, and relays
//! keep them). A `kind` they do not know is refused with `unknown_kind`.
//!
//! Data minimisation is part of the schema: no body has a place for a
//! member's contact details, and delegate names appear only as the label the
//! service chose to send (a name with recorded consent, or a neutral label).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::canonical::CanonicalValue;
use crate::error::ProtocolError;
use crate::ids::{Date, Hash, NodeId, Timestamp};
use crate::keys::PublicKey;

/// A message's kind: the one list of them (SPEC §8.2), with who may send
/// each. A kind added here must be added to every `match` over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    DelegatesList,
    ProposalShared,
    ProposalUpdated,
    ProposalWithdrawn,
    AgendaItemProposed,
    SupportGiven,
    SupportWithdrawn,
    FiguresShared,
    SubjectUpdated,
    MeetingPublished,
    MeetingUpdated,
    MeetingCancelled,
    MeetingOutcomes,
    MembersList,
    KeyRotated,
    KeyRevoked,
    ContentErased,
    PositionShared,
    PositionWithdrawn,
}

/// Which role may originate a kind of message (SPEC §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Senders {
    Services,
    Hub,
    Both,
}

impl Kind {
    /// Every kind, in the order of SPEC §8.2.
    pub const ALL: [Kind; 19] = [
        Kind::DelegatesList,
        Kind::ProposalShared,
        Kind::ProposalUpdated,
        Kind::ProposalWithdrawn,
        Kind::AgendaItemProposed,
        Kind::SupportGiven,
        Kind::SupportWithdrawn,
        Kind::FiguresShared,
        Kind::SubjectUpdated,
        Kind::MeetingPublished,
        Kind::MeetingUpdated,
        Kind::MeetingCancelled,
        Kind::MeetingOutcomes,
        Kind::MembersList,
        Kind::KeyRotated,
        Kind::KeyRevoked,
        Kind::ContentErased,
        Kind::PositionShared,
        Kind::PositionWithdrawn,
    ];

    /// The kind as on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::DelegatesList => "delegates.list",
            Kind::ProposalShared => "proposal.shared",
            Kind::ProposalUpdated => "proposal.updated",
            Kind::ProposalWithdrawn => "proposal.withdrawn",
            Kind::AgendaItemProposed => "agenda_item.proposed",
            Kind::SupportGiven => "support.given",
            Kind::SupportWithdrawn => "support.withdrawn",
            Kind::FiguresShared => "figures.shared",
            Kind::SubjectUpdated => "subject.updated",
            Kind::MeetingPublished => "meeting.published",
            Kind::MeetingUpdated => "meeting.updated",
            Kind::MeetingCancelled => "meeting.cancelled",
            Kind::MeetingOutcomes => "meeting.outcomes",
            Kind::MembersList => "members.list",
            Kind::KeyRotated => "key.rotated",
            Kind::KeyRevoked => "key.revoked",
            Kind::ContentErased => "content.erased",
            Kind::PositionShared => "position.shared",
            Kind::PositionWithdrawn => "position.withdrawn",
        }
    }

    /// The kind of a wire name, if this implementation knows it.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Who may originate messages of this kind.
    pub const fn senders(self) -> Senders {
        match self {
            Kind::DelegatesList
            | Kind::ProposalShared
            | Kind::ProposalUpdated
            | Kind::ProposalWithdrawn
            | Kind::AgendaItemProposed
            | Kind::SupportGiven
            | Kind::SupportWithdrawn
            | Kind::FiguresShared
            | Kind::PositionShared
            | Kind::PositionWithdrawn => Senders::Services,
            Kind::SubjectUpdated
            | Kind::MeetingPublished
            | Kind::MeetingUpdated
            | Kind::MeetingCancelled
            | Kind::MeetingOutcomes
            | Kind::MembersList
            | Kind::KeyRevoked => Senders::Hub,
            Kind::KeyRotated | Kind::ContentErased => Senders::Both,
        }
    }

    /// Whether a node of `role` may originate this kind.
    pub const fn may_be_sent_by(self, role: NodeRole) -> bool {
        matches!(
            (self.senders(), role),
            (Senders::Both, _)
                | (Senders::Services, NodeRole::Service)
                | (Senders::Hub, NodeRole::Hub)
        )
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every body the federation exchanges, tagged by its `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "body")]
#[non_exhaustive]
pub enum Body {
    /// Service → hub: the full list of the service's delegates (replaces the previous one).
    #[serde(rename = "delegates.list")]
    DelegatesList(DelegateList),
    /// Service → hub: a proposal the committee chose to share.
    #[serde(rename = "proposal.shared")]
    ProposalShared(SharedProposal),
    /// Service → hub: a later change of a shared proposal (status, answer…).
    #[serde(rename = "proposal.updated")]
    ProposalUpdated(ProposalUpdate),
    /// Service → hub: the committee stops sharing a proposal.
    #[serde(rename = "proposal.withdrawn")]
    ProposalWithdrawn(ProposalWithdrawal),
    /// Service → hub: an item proposed for a joint meeting's agenda.
    #[serde(rename = "agenda_item.proposed")]
    AgendaItemProposed(AgendaItemProposal),
    /// Service → hub: the committee supports a proposal (its own or another service's).
    #[serde(rename = "support.given")]
    SupportGiven(Support),
    /// Service → hub: the committee withdraws its support.
    #[serde(rename = "support.withdrawn")]
    SupportWithdrawn(Support),
    /// Service → hub: anonymous aggregate figures (e.g. questionnaire results).
    #[serde(rename = "figures.shared")]
    FiguresShared(AggregateFigures),
    /// Hub → services: proposals of several services linked as one subject.
    #[serde(rename = "subject.updated")]
    SubjectUpdated(Subject),
    /// Hub → services: a joint meeting is announced.
    #[serde(rename = "meeting.published")]
    MeetingPublished(JointMeeting),
    /// Hub → services: a joint meeting changed (date, place, agenda…).
    #[serde(rename = "meeting.updated")]
    MeetingUpdated(JointMeeting),
    /// Hub → services: a joint meeting is cancelled.
    #[serde(rename = "meeting.cancelled")]
    MeetingCancelled(MeetingCancellation),
    /// Hub → services: minutes, decisions and outcomes of a joint meeting.
    #[serde(rename = "meeting.outcomes")]
    MeetingOutcomes(MeetingOutcomes),
    /// Hub → services: the member services and their public keys.
    #[serde(rename = "members.list")]
    MembersList(MemberList),
    /// Any node: its signing key changes; signed by the old key.
    #[serde(rename = "key.rotated")]
    KeyRotated(KeyRotation),
    /// Hub → services: a member's key is compromised from a sequence number on.
    #[serde(rename = "key.revoked")]
    KeyRevoked(Box<KeyRevocation>),
    /// Any node: texts of its earlier messages are erased (SPEC §5.6).
    #[serde(rename = "content.erased")]
    ContentErased(Erasure),
    /// Service → hub: the committee's position on a joint meeting, one of
    /// its points, or a proposal (its delegates' mandate).
    #[serde(rename = "position.shared")]
    PositionShared(Position),
    /// Service → hub: the committee takes a position back.
    #[serde(rename = "position.withdrawn")]
    PositionWithdrawn(PositionWithdrawal),
}

impl Body {
    /// Every kind this implementation knows, as on the wire.
    pub const KINDS: [&'static str; Kind::ALL.len()] = {
        let mut out = [""; Kind::ALL.len()];
        let mut i = 0;
        while i < Kind::ALL.len() {
            out[i] = Kind::ALL[i].as_str();
            i += 1;
        }
        out
    };

    /// Reads a typed body from an envelope's `kind` and `body`.
    pub fn from_parts(kind: &str, body: &CanonicalValue) -> Result<Body, ProtocolError> {
        if Kind::parse(kind).is_none() {
            return Err(ProtocolError::UnknownKind(kind.to_owned()));
        }
        let tagged = serde_json::json!({ "kind": kind, "body": body.to_json_value() });
        let parsed: Body =
            serde_json::from_value(tagged).map_err(|e| ProtocolError::InvalidBody {
                kind: kind.to_owned(),
                reason: e.to_string(),
            })?;
        parsed.validate()?;
        Ok(parsed)
    }

    /// The `kind` string of this body.
    pub fn kind(&self) -> &'static str {
        self.kind_of().as_str()
    }

    /// The kind of this body.
    pub fn kind_of(&self) -> Kind {
        match self {
            Body::DelegatesList(_) => Kind::DelegatesList,
            Body::ProposalShared(_) => Kind::ProposalShared,
            Body::ProposalUpdated(_) => Kind::ProposalUpdated,
            Body::ProposalWithdrawn(_) => Kind::ProposalWithdrawn,
            Body::AgendaItemProposed(_) => Kind::AgendaItemProposed,
            Body::SupportGiven(_) => Kind::SupportGiven,
            Body::SupportWithdrawn(_) => Kind::SupportWithdrawn,
            Body::FiguresShared(_) => Kind::FiguresShared,
            Body::SubjectUpdated(_) => Kind::SubjectUpdated,
            Body::MeetingPublished(_) => Kind::MeetingPublished,
            Body::MeetingUpdated(_) => Kind::MeetingUpdated,
            Body::MeetingCancelled(_) => Kind::MeetingCancelled,
            Body::MeetingOutcomes(_) => Kind::MeetingOutcomes,
            Body::MembersList(_) => Kind::MembersList,
            Body::KeyRotated(_) => Kind::KeyRotated,
            Body::KeyRevoked(_) => Kind::KeyRevoked,
            Body::ContentErased(_) => Kind::ContentErased,
            Body::PositionShared(_) => Kind::PositionShared,
            Body::PositionWithdrawn(_) => Kind::PositionWithdrawn,
        }
    }

    /// The body alone, as the envelope's `body` object.
    pub fn to_value(&self) -> Result<CanonicalValue, ProtocolError> {
        let tagged = CanonicalValue::from_serialize(self)?;
        match tagged {
            CanonicalValue::Object(mut m) => Ok(m
                .remove("body")
                .unwrap_or(CanonicalValue::Object(BTreeMap::new()))),
            _ => Err(ProtocolError::InvalidBody {
                kind: self.kind().into(),
                reason: "did not serialise to an object".into(),
            }),
        }
    }

    /// Rules serde cannot express, each a rule on the body alone (SPEC
    /// §8.3, `invalid_body`): non-blank titles and labels of bounded
    /// length, a period of bounded length, counts that are not negative, a
    /// meeting that does not end before it starts, no proposal listed twice.
    /// Rules that depend on what the receiver already holds are the
    /// domain's (`domain_rule`, SPEC §8.2).
    fn validate(&self) -> Result<(), ProtocolError> {
        let fail = |reason: &str| {
            Err(ProtocolError::InvalidBody {
                kind: self.kind().into(),
                reason: reason.into(),
            })
        };
        let title_text_ok = |t: &str| !t.trim().is_empty() && t.chars().count() <= 200;
        let title_ok = |t: &Text| t.given().is_none_or(title_text_ok);
        let listed_twice = |refs: &[ProposalRef]| {
            let distinct: std::collections::BTreeSet<&ProposalRef> = refs.iter().collect();
            distinct.len() != refs.len()
        };
        let points_twice = |agenda: &[AgendaEntry]| {
            let points: Vec<&Uuid> = agenda.iter().filter_map(|e| e.point.as_ref()).collect();
            let distinct: std::collections::BTreeSet<&&Uuid> = points.iter().collect();
            distinct.len() != points.len()
        };
        match self {
            Body::ProposalShared(p) if !title_ok(&p.title) => {
                fail("title must have 1 to 200 characters")
            }
            Body::AgendaItemProposed(a) if !title_ok(&a.title) => {
                fail("title must have 1 to 200 characters")
            }
            Body::SubjectUpdated(s) if !title_ok(&s.title) => {
                fail("title must have 1 to 200 characters")
            }
            Body::MeetingPublished(m) | Body::MeetingUpdated(m) if !title_text_ok(&m.title) => {
                fail("title must have 1 to 200 characters")
            }
            Body::ProposalUpdated(u) if u.title.as_ref().is_some_and(|t| !title_ok(t)) => {
                fail("title must have 1 to 200 characters")
            }
            Body::MeetingPublished(m) | Body::MeetingUpdated(m)
                if m.agenda.iter().any(|e| !title_ok(&e.title)) =>
            {
                fail("every agenda entry needs a title of 1 to 200 characters")
            }
            Body::DelegatesList(d)
                if d.delegates
                    .iter()
                    .any(|x| x.label.given().is_some_and(|l| l.trim().is_empty())) =>
            {
                fail("every delegate needs a label")
            }
            Body::ProposalUpdated(u) if u.answer.is_some() && !u.status.has_answer() => {
                fail("a management answer goes with status accepted, adapted or refused")
            }
            Body::FiguresShared(f)
                if f.period.trim().is_empty() || f.period.chars().count() > 50 =>
            {
                fail("period must have 1 to 50 characters")
            }
            Body::FiguresShared(f) if f.figures.values().any(|v| *v < 0) => {
                fail("figures are counts: none is negative")
            }
            Body::MeetingPublished(m) | Body::MeetingUpdated(m)
                if m.ends_at.is_some_and(|end| end < m.starts_at) =>
            {
                fail("a meeting cannot end before it starts")
            }
            Body::SubjectUpdated(s) if listed_twice(&s.proposals) => {
                fail("a subject lists each proposal once")
            }
            Body::MeetingOutcomes(o) if o.outcomes.iter().any(|x| listed_twice(&x.proposals)) => {
                fail("an outcome lists each proposal once")
            }
            Body::KeyRevoked(r) if r.from_seq == 0 || r.from_seq > r.next_seq => {
                fail("from_seq must be at least 1 and at most next_seq")
            }
            Body::KeyRevoked(r) if r.new_key == Some(r.key) => {
                fail("the new key must differ from the revoked key")
            }
            Body::ContentErased(e) => e.validate().or_else(fail),
            Body::PositionShared(p) if p.point.is_some() && p.meeting.is_none() => {
                fail("a point belongs to a meeting: point needs meeting")
            }
            Body::PositionShared(p) if p.meeting.is_none() && p.proposal.is_none() => {
                fail("a position is about a meeting or a proposal")
            }
            Body::MeetingPublished(m) | Body::MeetingUpdated(m) if points_twice(&m.agenda) => {
                fail("each agenda entry has its own point")
            }
            _ => Ok(()),
        }
    }
}

/// A reference to one service's proposal, valid across the federation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProposalRef {
    pub service: NodeId,
    #[serde(with = "crate::ids::strict_uuid")]
    pub proposal: Uuid,
}

/// Themes of proposals (a fixed list; free tags complete it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Accessibility,
    Reception,
    Care,
    WellBeing,
    Functioning,
    Activities,
    Communication,
    Other,
}

/// Where a proposal comes from. Never a person's identity.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A committee member (not named in the federation).
    Member,
    /// The committee as a whole.
    Committee,
    /// Anonymous, e.g. a paper from the ballot box.
    Anonymous,
}

/// The life cycle of a proposal.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Idea,
    Discussed,
    SentToManagement,
    Accepted,
    Adapted,
    Refused,
    InProgress,
    Realised,
    Abandoned,
}

impl ProposalStatus {
    /// Statuses that carry management's answer.
    pub fn has_answer(&self) -> bool {
        matches!(
            self,
            ProposalStatus::Accepted | ProposalStatus::Adapted | ProposalStatus::Refused
        )
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegateList {
    pub delegates: Vec<Delegate>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegate {
    /// A name shown with the member's recorded consent, or a neutral label
    /// such as "Délégué·e 2".
    pub label: Text,
    pub role: DelegateRole,
    pub term_start: Date,
    pub term_end: Option<Date>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelegateRole {
    Delegate,
    Substitute,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedProposal {
    #[serde(with = "crate::ids::strict_uuid")]
    pub proposal: Uuid,
    pub title: Text,
    pub description: Text,
    pub theme: Theme,
    #[serde(default)]
    pub tags: Vec<String>,
    pub origin: Origin,
    pub status: ProposalStatus,
    /// Management's answer, when there is one.
    pub answer: Option<ManagementAnswer>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagementAnswer {
    /// What management answered, in its own words (the reason for a refusal).
    pub text: Text,
    pub date: Date,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalUpdate {
    #[serde(with = "crate::ids::strict_uuid")]
    pub proposal: Uuid,
    pub status: ProposalStatus,
    pub comment: Option<Text>,
    pub answer: Option<ManagementAnswer>,
    /// New title or description, when they changed.
    pub title: Option<Text>,
    pub description: Option<Text>,
    /// New theme, when it changed (added after the first version of this
    /// kind: absent in older messages, and ignored by older receivers).
    #[serde(default)]
    pub theme: Option<Theme>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalWithdrawal {
    #[serde(with = "crate::ids::strict_uuid")]
    pub proposal: Uuid,
    pub reason: Option<Text>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItemProposal {
    #[serde(with = "crate::ids::strict_uuid")]
    pub item: Uuid,
    pub title: Text,
    pub description: Option<Text>,
    /// The proposal this item is about, if any.
    pub proposal: Option<ProposalRef>,
    /// The joint meeting it is meant for, or the next one.
    #[serde(default, with = "crate::ids::strict_uuid::option")]
    pub meeting: Option<Uuid>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Support {
    pub proposal: ProposalRef,
    pub comment: Option<Text>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateFigures {
    /// A period label, e.g. `2026-Q3`.
    pub period: String,
    /// Counts only, never per person: e.g. `questionnaires_collected`.
    pub figures: BTreeMap<String, i64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(with = "crate::ids::strict_uuid")]
    pub subject: Uuid,
    pub title: Text,
    /// The linked proposals; an empty list dissolves the subject.
    pub proposals: Vec<ProposalRef>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointMeeting {
    #[serde(with = "crate::ids::strict_uuid")]
    pub meeting: Uuid,
    pub title: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub place: String,
    /// e.g. "petit-déjeuner", "réunion", "en ligne".
    pub format: String,
    pub agenda: Vec<AgendaEntry>,
    /// What changed, for an update.
    pub notice: Option<Text>,
    /// How to get there (added in version 2's second edition: absent in
    /// older messages, ignored by older receivers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directions: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaEntry {
    pub title: Text,
    pub description: Option<Text>,
    #[serde(default, with = "crate::ids::strict_uuid::option")]
    pub subject: Option<Uuid>,
    #[serde(default)]
    pub proposals: Vec<ProposalRef>,
    /// The service that proposed the item, if any.
    pub proposed_by: Option<NodeId>,
    /// The entry's own id, kept while the entry stays on the agenda, so
    /// that services can take a position on it (absent in older messages).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::ids::strict_uuid::option"
    )]
    pub point: Option<Uuid>,
}

/// Where a committee stands on a point (SPEC §8.4).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    /// The committee is for it.
    For,
    /// The committee is against it.
    Against,
    /// The committee wants it discussed, without a view yet.
    ToDiscuss,
    /// The committee has a question to ask about it.
    Question,
}

/// A committee's position, shared with the inter-service committee.
/// Sharing again with the same `position` replaces it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    #[serde(with = "crate::ids::strict_uuid")]
    pub position: Uuid,
    /// The joint meeting it prepares, if any.
    #[serde(default, with = "crate::ids::strict_uuid::option")]
    pub meeting: Option<Uuid>,
    /// The agenda entry (its `point`) of that meeting; absent = the
    /// meeting as a whole.
    #[serde(default, with = "crate::ids::strict_uuid::option")]
    pub point: Option<Uuid>,
    /// The proposal it is about, if any.
    pub proposal: Option<ProposalRef>,
    pub stance: Stance,
    /// The committee's words: the question, the reasons.
    pub comment: Option<Text>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionWithdrawal {
    #[serde(with = "crate::ids::strict_uuid")]
    pub position: Uuid,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingCancellation {
    #[serde(with = "crate::ids::strict_uuid")]
    pub meeting: Uuid,
    pub notice: Text,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingOutcomes {
    #[serde(with = "crate::ids::strict_uuid")]
    pub meeting: Uuid,
    pub minutes: Text,
    pub outcomes: Vec<Outcome>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    #[serde(default, with = "crate::ids::strict_uuid::option")]
    pub subject: Option<Uuid>,
    pub proposals: Vec<ProposalRef>,
    pub decision: Text,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    pub members: Vec<Member>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: NodeId,
    pub name: String,
    pub role: NodeRole,
    pub status: MemberStatus,
    /// Current key first, then previous keys still valid for old messages.
    pub keys: Vec<PublicKey>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    Service,
    Hub,
}

impl NodeRole {
    /// The role as on the wire and in storage (`service`, `hub`).
    pub const fn as_str(self) -> &'static str {
        match self {
            NodeRole::Service => "service",
            NodeRole::Hub => "hub",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Revoked,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRotation {
    pub new_key: PublicKey,
}

/// Hub → services: the hub's operator declares one member's key compromised.
///
/// Messages of `node` signed by `key` from `from_seq` on are void: refused
/// if they arrive, flagged if they were already accepted; so are keys that
/// a rotation at or after `from_seq` introduced (the thief may have made
/// them). `new_key`, handed over by the member out of band, signs the
/// member's messages from `next_seq` on (the hub's head of its stream + 1).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRevocation {
    /// The member whose key is revoked (a service).
    pub node: NodeId,
    /// The compromised key.
    pub key: PublicKey,
    /// First sequence number of `node`'s stream the key may no longer sign.
    pub from_seq: u64,
    /// The sequence number `node`'s stream continues at (the hub's head + 1).
    pub next_seq: u64,
    /// The replacement key, when the member already gave one.
    pub new_key: Option<PublicKey>,
    /// Why, in the operator's words.
    pub reason: Option<String>,
}

/// A text its origin may erase later (SPEC §5.6): a name or free text. On
/// the wire of version 2 it is sealed; read back, it is the text when its
/// opening is held, or the seal alone once erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Given(String),
    Erased(Hash),
}

impl Text {
    /// The text, unless it was erased.
    pub fn given(&self) -> Option<&str> {
        match self {
            Text::Given(t) => Some(t),
            Text::Erased(_) => None,
        }
    }

    /// The text, or `""` once erased (how projections keep an erased text).
    pub fn or_empty(&self) -> &str {
        self.given().unwrap_or("")
    }

    /// An optional text, `None` when absent or erased.
    pub fn opt(text: &Option<Text>) -> Option<&str> {
        text.as_ref().and_then(Text::given)
    }
}

/// A text reads as its words, or as `""` once erased (see [`Text::or_empty`]).
impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.or_empty()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.given() == Some(other)
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.given() == Some(*other)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::Given(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::Given(text.to_owned())
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Text::Given(t) => s.serialize_str(t),
            Text::Erased(seal) => {
                let mut m = BTreeMap::new();
                m.insert(crate::seal::SEAL_MEMBER, seal.as_str());
                m.serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Given(String),
            Sealed { sealed: Hash },
        }
        match Wire::deserialize(d) {
            Ok(Wire::Given(t)) => Ok(Text::Given(t)),
            Ok(Wire::Sealed { sealed }) => Ok(Text::Erased(sealed)),
            Err(_) => Err(serde::de::Error::custom("expected a string or a seal")),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Text {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        String::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Text {}

/// Any node → all: texts of the origin's own earlier messages are erased.
/// Each target names one message of the same stream and the seals of the
/// fields erased in it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub targets: Vec<ErasureTarget>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureTarget {
    /// The id of an earlier message of the same origin.
    #[serde(with = "crate::ids::strict_uuid")]
    pub message: Uuid,
    /// Seals of that message whose openings are erased.
    pub seals: Vec<Hash>,
}

/// How many messages one erasure may name (SPEC §8.3).
pub const MAX_ERASURE_TARGETS: usize = 100;

impl Erasure {
    fn validate(&self) -> Result<(), &'static str> {
        if self.targets.is_empty() || self.targets.len() > MAX_ERASURE_TARGETS {
            return Err("targets lists 1 to 100 messages");
        }
        let mut messages = std::collections::BTreeSet::new();
        let mut seals = std::collections::BTreeSet::new();
        for t in &self.targets {
            if !messages.insert(t.message) {
                return Err("a message appears once in targets");
            }
            if t.seals.is_empty() {
                return Err("every target names at least one seal");
            }
            if !t.seals.iter().all(|s| seals.insert(s.clone())) {
                return Err("a seal appears once in an erasure");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind round-trips through its wire name, once.
    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(Body::KINDS.iter().filter(|n| **n == k.as_str()).count(), 1);
        }
        assert_eq!(Kind::parse("meeting.moved"), None);
    }

    /// Reads `body` (JSON text) as a body of `kind`; the error's code.
    fn read(kind: &str, body: &str) -> Result<Body, &'static str> {
        let value =
            CanonicalValue::from_json_str(body, &crate::Limits::ENVELOPE).map_err(|e| e.code())?;
        Body::from_parts(kind, &value).map_err(|e| e.code())
    }

    const REF_A: &str = r#"{"service":"ssm-a","proposal":"01936b2a-7c00-7000-8000-0000000000a1"}"#;
    const REF_B: &str = r#"{"service":"ssm-b","proposal":"01936b2a-7c00-7000-8000-0000000000a1"}"#;

    /// SPEC §8.3: the rules on a body alone are `invalid_body` (they were
    /// `domain_rule` at the receiver's apply step, a code SPEC §8.2 did not
    /// give them).
    #[test]
    fn rules_on_the_body_alone_are_invalid_body() {
        let figures = |period: &str, count: i64| {
            read(
                "figures.shared",
                &format!(
                    r#"{{"period":{},"figures":{{"questionnaires_collected":{count}}}}}"#,
                    serde_json::Value::from(period)
                ),
            )
        };
        assert!(figures("2026-Q3", 0).is_ok());
        assert!(
            figures(&"é".repeat(50), 3).is_ok(),
            "50 characters, 100 bytes"
        );
        assert_eq!(figures(&"x".repeat(51), 3).unwrap_err(), "invalid_body");
        assert_eq!(figures("", 3).unwrap_err(), "invalid_body");
        assert_eq!(figures(" \u{a0}\t", 3).unwrap_err(), "invalid_body");
        assert_eq!(figures("2026-Q3", -1).unwrap_err(), "invalid_body");

        let meeting = |ends_at: &str| {
            read(
                "meeting.published",
                &format!(
                    r#"{{"meeting":"01936b2a-7c00-7000-8000-0000000000c1","title":"Réunion",
                    "starts_at":"2026-12-01T09:00:00Z","ends_at":{ends_at},"place":"Charleroi",
                    "format":"réunion","agenda":[],"notice":null}}"#
                ),
            )
        };
        assert!(meeting("null").is_ok());
        assert!(
            meeting(r#""2026-12-01T09:00:00Z""#).is_ok(),
            "ends as it starts"
        );
        assert_eq!(
            meeting(r#""2026-12-01T08:59:59Z""#).unwrap_err(),
            "invalid_body"
        );

        let subject = |refs: &str| {
            read(
                "subject.updated",
                &format!(
                    r#"{{"subject":"01936b2a-7c00-7000-8000-0000000000d1","title":"Accès","proposals":[{refs}]}}"#
                ),
            )
        };
        assert!(subject(&format!("{REF_A},{REF_B}")).is_ok());
        assert!(subject("").is_ok(), "an empty list dissolves the subject");
        assert_eq!(
            subject(&format!("{REF_A},{REF_A}")).unwrap_err(),
            "invalid_body"
        );
        let outcomes = |refs: &str| {
            read(
                "meeting.outcomes",
                &format!(
                    r#"{{"meeting":"01936b2a-7c00-7000-8000-0000000000c1","minutes":"",
                    "outcomes":[{{"proposals":[{REF_A}],"decision":"oui"}},
                    {{"proposals":[{refs}],"decision":"non"}}]}}"#
                ),
            )
        };
        assert!(outcomes(REF_A).is_ok(), "the same proposal in two outcomes");
        assert_eq!(
            outcomes(&format!("{REF_B},{REF_B}")).unwrap_err(),
            "invalid_body"
        );
    }

    /// SPEC §8.1: an *optional* field may be `null` or absent, alike; a
    /// list that "may be absent" may not be `null`; a required field may
    /// be neither.
    #[test]
    fn null_and_absent() {
        let shared = |extra: &str| {
            read(
                "proposal.shared",
                &format!(
                    r#"{{"proposal":"01936b2a-7c00-7000-8000-0000000000a1","title":"Banc",
                    "description":"","theme":"other","origin":"committee","status":"idea"{extra}}}"#
                ),
            )
        };
        let Ok(Body::ProposalShared(absent)) = shared("") else {
            panic!("answer and tags may be absent")
        };
        let Ok(Body::ProposalShared(null)) = shared(r#","answer":null,"tags":[]"#) else {
            panic!("an optional answer may be null")
        };
        assert_eq!(absent, null);
        assert_eq!(shared(r#","tags":null"#).unwrap_err(), "invalid_body");
        let item = |extra: &str| {
            read(
                "agenda_item.proposed",
                &format!(
                    r#"{{"item":"01936b2a-7c00-7000-8000-0000000000b1","title":"Point"{extra}}}"#
                ),
            )
        };
        assert_eq!(
            item(""),
            item(r#","description":null,"proposal":null,"meeting":null"#)
        );
        assert!(item("").is_ok());
        let entry = |proposals: &str| {
            read(
                "meeting.updated",
                &format!(
                    r#"{{"meeting":"01936b2a-7c00-7000-8000-0000000000c1","title":"Réunion",
                    "starts_at":"2026-12-01T09:00:00Z","place":"","format":"",
                    "agenda":[{{"title":"Point"{proposals}}}]}}"#
                ),
            )
        };
        assert!(entry("").is_ok());
        assert_eq!(entry(r#","proposals":null"#).unwrap_err(), "invalid_body");
        assert_eq!(
            read(
                "meeting.cancelled",
                r#"{"meeting":"01936b2a-7c00-7000-8000-0000000000c1","notice":null}"#
            )
            .unwrap_err(),
            "invalid_body",
            "a required string may not be null"
        );
    }

    /// SPEC §8.2's table lists exactly these kinds, each with its senders.
    #[test]
    fn the_spec_lists_every_kind_with_its_senders() {
        let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/SPEC.md"))
            .expect("SPEC.md");
        let start = spec.find("### 8.2 Kinds and senders").expect("§8.2");
        let table: Vec<(String, String)> = spec[start..]
            .lines()
            .skip_while(|l| !l.starts_with("| `"))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                Some((
                    cells.get(1)?.trim_matches('`').to_owned(),
                    cells.get(2)?.to_string(),
                ))
            })
            .collect();
        assert_eq!(table.len(), Kind::ALL.len(), "{table:?}");
        for (name, senders) in table {
            let kind = Kind::parse(&name).unwrap_or_else(|| panic!("{name} is not a kind"));
            let expected = match kind.senders() {
                Senders::Services => "service",
                Senders::Hub => "hub",
                Senders::Both => "service or hub",
            };
            assert_eq!(senders, expected, "{name}");
            assert_eq!(
                kind.may_be_sent_by(NodeRole::Service),
                senders.contains("service")
            );
            assert_eq!(kind.may_be_sent_by(NodeRole::Hub), senders.contains("hub"));
        }
    }
}
