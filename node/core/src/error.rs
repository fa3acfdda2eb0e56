//! The core's one error type, and the typed reasons of a refusal.
//!
//! Every error has a stable machine code and a sentence for programs.
//! Protocol errors keep their protocol code. A refusal carries a
//! [`Refusal`], never a bare string: the web crate alone turns it into an
//! HTTP status, and pages and `passerelle status` into words, each through
//! one exhaustive `match`. Internal details (SQL, I/O) are logged, never
//! sent: the outside world sees `internal` and a plain sentence.
//!
//! A domain rule's refusal names its [`Rule`], and a refused field travels
//! by name (`field`), the title of what stands in the way too (`title`):
//! pages choose their words from these, never from the sentence, so a
//! reworded message cannot silently change what a page says, and a new rule
//! without words does not compile.
//!
//! One kind of database failure is told apart: when the *storage* refuses
//! to take anything (the disk is full, or the database only accepts reads),
//! the request was fine and will succeed later, once an administrator made
//! room. Those answer `503 Service Unavailable` with `Retry-After` and the
//! code `storage_full` or `storage_read_only`, so that a service's sync
//! engine, a script or a person knows to wait rather than to give up.

use passerelle_protocol::ProtocolError;
use serde::{Deserialize, Serialize};

/// What went wrong, for people and for machines.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// A request refused for a reason the client can act on.
    #[error("{message}")]
    Refused {
        refusal: Refusal,
        message: String,
        /// The refused field (`InvalidField`), as `message` names it.
        field: Option<String>,
        /// The title of what stands in the way (the subject a proposal
        /// already belongs to, the meeting an item is already on).
        title: Option<String>,
    },
    /// Bad configuration or data directory (command line only).
    #[error("{0}")]
    Config(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The other node could not be reached or answered badly.
    #[error("{detail}")]
    Remote {
        failure: RemoteFailure,
        detail: String,
        /// How long the other node asked us to wait before trying again
        /// (its `Retry-After`), when it said.
        retry_after: Option<std::time::Duration>,
    },
}

/// The JSON body of every error answer: `{"error": {"code", "message"}}`,
/// with `field` and `rule` when the refusal names them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `invalid_field`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// The request member refused, when the refusal names one (`title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Which rule refused it ([`Rule::code`]), with `domain_rule` and with
    /// an `invalid_field` that breaks a named rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl ErrorDetail {
    /// What an error answer says of `e`.
    pub fn of(e: &NodeError) -> ErrorDetail {
        let rule = match e.refusal() {
            Some(Refusal::DomainRule(rule) | Refusal::InvalidField(Some(rule))) => {
                Some(rule.code().to_owned())
            }
            _ => None,
        };
        ErrorDetail {
            code: e.code().to_owned(),
            message: e.public_message(),
            field: e.field().map(str::to_owned),
            rule,
        }
    }
}

/// Why a request was refused. Each has a stable machine code, published
/// in the API and in `protocol/SPEC.md`; rewording a message never
/// changes what a program or a page recognises. Not `non_exhaustive`: the
/// web crate matches every variant, so a new one without a status or
/// words does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A field's value is not acceptable (the error names the field). A
    /// few name the rule the value breaks, so that a page can say it; the
    /// API has always answered them as refused fields.
    InvalidField(Option<Rule>),
    /// What the request names does not exist (here).
    NotFound,
    /// A rule of the committee or of the federation forbids it: code
    /// `domain_rule` whatever the rule.
    DomainRule(Rule),
    /// The person is known but may not do this.
    Forbidden,
    /// No valid session, token or request signature.
    Unauthenticated,
    /// Wrong account name or password.
    BadCredentials,
    /// The request itself cannot be read.
    BadRequest,
    /// The body is not JSON (code `bad_request`, status 415).
    UnsupportedMediaType,
    MethodNotAllowed,
    /// The request (its body and the answer) took longer than the node's limit.
    RequestTimeout,
    /// The body is larger than the limit.
    TooLarge,
    /// More messages in one push than allowed.
    BatchTooLarge,
    /// Too many failed logins: wait.
    TooManyAttempts,
    /// The account's password was given by someone else: nothing but
    /// changing it (or logging out) until it is changed.
    PasswordChangeRequired,
    /// A hub's route asked of a service.
    NotAHub,
    /// A service's route asked of a hub.
    NotAService,
    /// Another command holds the data directory.
    DirectoryBusy,
    /// The node is serving: stop it first.
    NodeRunning,
    /// A backup older than the node's key (restore).
    NewerKey,
    /// A backup of another node (restore).
    OtherNode,
    /// A message's signature does not verify.
    BadSignature,
    /// A request's signature header is missing or wrong.
    InvalidRequestSignature,
    /// A request already seen.
    ReplayedRequest,
    /// A message id already used by another message.
    ReplayedId,
    /// A sender relaying a message it did not write.
    NotOrigin,
    /// A member the hub revoked.
    Revoked,
    /// A sender the hub does not know.
    UnknownSender,
    InvalidInvitation,
    InvitationUsed,
    InvitationExpired,
    /// An invitation or a join for a service that is already an active
    /// member with a valid key: only an invitation made to replace it
    /// enrols a new key (SPEC §10.3).
    AlreadyMember,
    /// A write of the API authenticated by the session cookie alone,
    /// without the header a page of another site cannot send
    /// (`Content-Type: application/json`): refused as cross-site.
    CrossSite,
    /// The node is at one of its limits for now (request bodies held in
    /// memory, open connections): try again shortly.
    Busy,
    /// A member pushed more than its quota at the hub (messages or bytes
    /// lately, or bytes stored in all): it pushes again later (`quota`).
    QuotaExceeded,
}

impl Refusal {
    /// The stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::InvalidField(_) => "invalid_field",
            Refusal::NotFound => "not_found",
            Refusal::DomainRule(_) => "domain_rule",
            Refusal::Forbidden => "forbidden",
            Refusal::Unauthenticated => "unauthenticated",
            Refusal::BadCredentials => "bad_credentials",
            Refusal::BadRequest | Refusal::UnsupportedMediaType => "bad_request",
            Refusal::MethodNotAllowed => "method_not_allowed",
            Refusal::RequestTimeout => "request_timeout",
            Refusal::TooLarge => "too_large",
            Refusal::BatchTooLarge => "batch_too_large",
            Refusal::TooManyAttempts => "too_many_attempts",
            Refusal::PasswordChangeRequired => "password_change_required",
            Refusal::NotAHub => "not_a_hub",
            Refusal::NotAService => "not_a_service",
            Refusal::DirectoryBusy => "directory_busy",
            Refusal::NodeRunning => "node_running",
            Refusal::NewerKey => "newer_key",
            Refusal::OtherNode => "other_node",
            Refusal::BadSignature => "bad_signature",
            Refusal::InvalidRequestSignature => "invalid_request_signature",
            Refusal::ReplayedRequest => "replayed_request",
            Refusal::ReplayedId => "replayed_id",
            Refusal::NotOrigin => "not_origin",
            Refusal::Revoked => "revoked",
            Refusal::UnknownSender => "unknown_sender",
            Refusal::InvalidInvitation => "invalid_invitation",
            Refusal::InvitationUsed => "invitation_used",
            Refusal::InvitationExpired => "invitation_expired",
            Refusal::AlreadyMember => "already_member",
            Refusal::CrossSite => "cross_site",
            Refusal::Busy => "busy",
            Refusal::QuotaExceeded => "quota_exceeded",
        }
    }
}

/// Which rule of the committee or of the federation refused something:
/// what pages put in words (one exhaustive `match` in the web crate), while
/// the API answers code `domain_rule` and the call site's sentence. One
/// variant per rule, named after what the rule says, whatever the wording
/// or the number of places that enforce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    // The federation.
    /// A service that has not joined an inter-service committee (no hub).
    NotJoined,
    /// A hub whose federation is not set up yet.
    NoFederation,
    /// A member sent a kind of message only the other role may send.
    KindNotForSender,
    /// A key already belongs to another member.
    KeyAlreadyOwned,
    /// A key rotation the sender's key timeline refuses.
    RotationRefused,
    /// Only a member service's key is revoked that way.
    NotAMemberService,
    /// An account name already in use.
    UsernameTaken,
    /// An account name with control, direction or invisible characters.
    UsernameCharacters,

    // Accounts.
    /// Disabling or demoting the last active administrator (coordinator on
    /// a hub): nobody could manage the node any more.
    LastManager,
    /// A member of the committee who already has an account.
    MemberHasAccount,
    /// A password guessed too soon (blank, short, or without words).
    PasswordTooEasy,
    /// A password that repeats the same characters.
    PasswordRepeats,
    /// A password that is a sequence or a row of keys.
    PasswordSequence,
    /// A common password.
    PasswordCommon,
    /// A password made of the account's or the node's name.
    PasswordPersonal,
    /// A password longer than accepted.
    PasswordTooLong,
    /// A first password (someone else chose it) kept as one's own.
    FirstPasswordKept,

    // Proposals.
    /// Sharing a proposal already shared.
    AlreadyShared,
    /// Withdrawing a proposal that is not shared.
    NotShared,
    /// A step a proposal cannot take from where it stands.
    TransitionNotAllowed,
    /// Management's answer (or a refusal's reason) without its text.
    AnswerNeedsText,
    /// A shared proposal this node never received.
    NeverShared,
    /// A proposal its service no longer shares.
    NoLongerShared,
    /// Supporting a proposal the committee already supports.
    AlreadySupported,
    /// Withdrawing support that was not given.
    NotSupported,
    /// Taking back or setting aside a suggestion of support that is not
    /// pending (nobody suggested it, or it was settled).
    NoSuggestion,
    /// A support said to be decided at a local meeting that has not taken
    /// place yet.
    DecisionAtAMeetingHeld,

    // Subjects and joint meetings.
    /// A proposal linked again to the subject it is in.
    AlreadyInThisSubject,
    /// A proposal that belongs to another subject (its title in the error,
    /// when known).
    InAnotherSubject,
    /// Unlinking a proposal that is not in the subject.
    NotInThisSubject,
    /// A subject without proposals any more.
    SubjectDissolved,
    /// An agenda item proposed twice under the same id.
    ItemAlreadyProposed,
    /// An item already on another meeting's agenda (its title in the error).
    AlreadyOnAgenda,
    /// The same proposed item twice on one agenda (a refused `agenda` field).
    ItemTwiceOnAgenda,
    /// The same subject twice on one agenda (a refused `agenda` field).
    SubjectTwiceOnAgenda,
    /// A decision about something that was not on the agenda.
    NotOnAgenda,
    /// A joint meeting this node does not know.
    UnknownJointMeeting,
    /// A joint meeting that was cancelled.
    JointMeetingCancelled,
    /// What only a published meeting allows.
    MeetingNotPublished,
    /// Publishing again a meeting already published.
    MeetingAlreadyPublished,
    /// Changing a draft as if it were published.
    MeetingStillDraft,
    /// A meeting whose outcomes are recorded: it took place.
    MeetingTookPlace,

    // Messages.
    /// A message the other nodes could not read (too long, mostly).
    UnreadableMessage,

    // The committee's own rules (the domain words them in French).
    /// Attendance of a member who had left before the meeting.
    MemberLeftBeforeMeeting,
    /// Changing minutes once adopted.
    AdoptedMinutesAreFinal,
    /// Adopting minutes not yet written.
    NoMinutesToAdopt,
    /// Adopting minutes already adopted.
    MinutesAlreadyAdopted,
    /// Minutes are adopted at a later meeting.
    AdoptionAtALaterMeeting,
    /// Sending minutes already sent to management.
    MinutesAlreadySent,
    /// Only adopted minutes go to management.
    OnlyAdoptedMinutesAreSent,
    /// A meeting dated in the past, without saying it already took place.
    PastMeetingNeedsConfirmation,
    /// Recording anything at a cancelled meeting (or cancelling it again).
    MeetingCancelled,
    /// Changing what adopted minutes record (attendance, decisions, the
    /// meeting's date).
    AdoptedRecordIsFinal,
    /// Adopting minutes at a meeting that has not taken place yet.
    AdoptionAtAMeetingHeld,
    /// Sending minutes before the meeting that adopts them took place.
    SentAfterAdoptionMeeting,
    /// Deleting a meeting at which something was recorded (cancel it).
    RecordedMeetingIsKept,
    /// Moving or cancelling the meeting at which minutes were adopted.
    AdoptionMeetingStays,
    /// A member who already left the committee.
    MemberAlreadyLeft,
    /// Designating a member who left the committee.
    FormerMemberNotDesignated,
    /// A designation overlapping another of the same member.
    OverlappingDesignation,
    /// Ending a term already over.
    TermAlreadyEnded,
    /// Taking back a designation that has started (it is ended instead).
    TermStarted,

    // The committee's positions (its delegates' mandate).
    /// A position on an agenda item about nothing the inter-service
    /// committee discusses (a free item, the committee's own proposal).
    NoPositionOnThisItem,
    /// Sharing a position the inter-service committee already has.
    PositionAlreadyShared,
    /// Taking back a position that was not shared.
    PositionNotShared,

    // Erasure (SPEC §5.6).
    /// An erasure naming a message that is not an earlier one of its origin.
    ErasureTargetUnknown,
    /// An erasure naming a seal the message does not have.
    ErasureSealUnknown,
    /// Erasing the text of a message that has none left, or is not ours.
    NothingToErase,
}

impl Rule {
    /// The rule's stable name, given with the refusal in error answers
    /// (`"rule"`, beside code `domain_rule` or `invalid_field`) so that a
    /// program can tell one rule from another without reading the sentence.
    /// The variant's name in snake case; never renamed once published.
    pub fn code(self) -> &'static str {
        match self {
            Rule::NotJoined => "not_joined",
            Rule::NoFederation => "no_federation",
            Rule::KindNotForSender => "kind_not_for_sender",
            Rule::KeyAlreadyOwned => "key_already_owned",
            Rule::RotationRefused => "rotation_refused",
            Rule::NotAMemberService => "not_a_member_service",
            Rule::UsernameTaken => "username_taken",
            Rule::UsernameCharacters => "username_characters",
            Rule::LastManager => "last_manager",
            Rule::MemberHasAccount => "member_has_account",
            Rule::PasswordTooEasy => "password_too_easy",
            Rule::PasswordRepeats => "password_repeats",
            Rule::PasswordSequence => "password_sequence",
            Rule::PasswordCommon => "password_common",
            Rule::PasswordPersonal => "password_personal",
            Rule::PasswordTooLong => "password_too_long",
            Rule::FirstPasswordKept => "first_password_kept",
            Rule::AlreadyShared => "already_shared",
            Rule::NotShared => "not_shared",
            Rule::TransitionNotAllowed => "transition_not_allowed",
            Rule::AnswerNeedsText => "answer_needs_text",
            Rule::NeverShared => "never_shared",
            Rule::NoLongerShared => "no_longer_shared",
            Rule::AlreadySupported => "already_supported",
            Rule::NotSupported => "not_supported",
            Rule::NoSuggestion => "no_suggestion",
            Rule::DecisionAtAMeetingHeld => "decision_at_a_meeting_held",
            Rule::AlreadyInThisSubject => "already_in_this_subject",
            Rule::InAnotherSubject => "in_another_subject",
            Rule::NotInThisSubject => "not_in_this_subject",
            Rule::SubjectDissolved => "subject_dissolved",
            Rule::ItemAlreadyProposed => "item_already_proposed",
            Rule::AlreadyOnAgenda => "already_on_agenda",
            Rule::ItemTwiceOnAgenda => "item_twice_on_agenda",
            Rule::SubjectTwiceOnAgenda => "subject_twice_on_agenda",
            Rule::NotOnAgenda => "not_on_agenda",
            Rule::UnknownJointMeeting => "unknown_joint_meeting",
            Rule::JointMeetingCancelled => "joint_meeting_cancelled",
            Rule::MeetingNotPublished => "meeting_not_published",
            Rule::MeetingAlreadyPublished => "meeting_already_published",
            Rule::MeetingStillDraft => "meeting_still_draft",
            Rule::MeetingTookPlace => "meeting_took_place",
            Rule::UnreadableMessage => "unreadable_message",
            Rule::MemberLeftBeforeMeeting => "member_left_before_meeting",
            Rule::AdoptedMinutesAreFinal => "adopted_minutes_are_final",
            Rule::NoMinutesToAdopt => "no_minutes_to_adopt",
            Rule::MinutesAlreadyAdopted => "minutes_already_adopted",
            Rule::AdoptionAtALaterMeeting => "adoption_at_a_later_meeting",
            Rule::MinutesAlreadySent => "minutes_already_sent",
            Rule::OnlyAdoptedMinutesAreSent => "only_adopted_minutes_are_sent",
            Rule::PastMeetingNeedsConfirmation => "past_meeting_needs_confirmation",
            Rule::MeetingCancelled => "meeting_cancelled",
            Rule::AdoptedRecordIsFinal => "adopted_record_is_final",
            Rule::AdoptionAtAMeetingHeld => "adoption_at_a_meeting_held",
            Rule::SentAfterAdoptionMeeting => "sent_after_adoption_meeting",
            Rule::RecordedMeetingIsKept => "recorded_meeting_is_kept",
            Rule::AdoptionMeetingStays => "adoption_meeting_stays",
            Rule::MemberAlreadyLeft => "member_already_left",
            Rule::FormerMemberNotDesignated => "former_member_not_designated",
            Rule::OverlappingDesignation => "overlapping_designation",
            Rule::TermAlreadyEnded => "term_already_ended",
            Rule::TermStarted => "term_started",
            Rule::NoPositionOnThisItem => "no_position_on_this_item",
            Rule::PositionAlreadyShared => "position_already_shared",
            Rule::PositionNotShared => "position_not_shared",
            Rule::ErasureTargetUnknown => "erasure_target_unknown",
            Rule::ErasureSealUnknown => "erasure_seal_unknown",
            Rule::NothingToErase => "nothing_to_erase",
        }
    }

    /// Every rule, for tests that go through them all (a core test checks
    /// the list against the enum's declaration).
    pub const ALL: [Rule; 68] = [
        Rule::NotJoined,
        Rule::NoFederation,
        Rule::KindNotForSender,
        Rule::KeyAlreadyOwned,
        Rule::RotationRefused,
        Rule::NotAMemberService,
        Rule::UsernameTaken,
        Rule::UsernameCharacters,
        Rule::LastManager,
        Rule::MemberHasAccount,
        Rule::PasswordTooEasy,
        Rule::PasswordRepeats,
        Rule::PasswordSequence,
        Rule::PasswordCommon,
        Rule::PasswordPersonal,
        Rule::PasswordTooLong,
        Rule::FirstPasswordKept,
        Rule::AlreadyShared,
        Rule::NotShared,
        Rule::TransitionNotAllowed,
        Rule::AnswerNeedsText,
        Rule::NeverShared,
        Rule::NoLongerShared,
        Rule::AlreadySupported,
        Rule::NotSupported,
        Rule::NoSuggestion,
        Rule::DecisionAtAMeetingHeld,
        Rule::AlreadyInThisSubject,
        Rule::InAnotherSubject,
        Rule::NotInThisSubject,
        Rule::SubjectDissolved,
        Rule::ItemAlreadyProposed,
        Rule::AlreadyOnAgenda,
        Rule::ItemTwiceOnAgenda,
        Rule::SubjectTwiceOnAgenda,
        Rule::NotOnAgenda,
        Rule::UnknownJointMeeting,
        Rule::JointMeetingCancelled,
        Rule::MeetingNotPublished,
        Rule::MeetingAlreadyPublished,
        Rule::MeetingStillDraft,
        Rule::MeetingTookPlace,
        Rule::UnreadableMessage,
        Rule::MemberLeftBeforeMeeting,
        Rule::AdoptedMinutesAreFinal,
        Rule::NoMinutesToAdopt,
        Rule::MinutesAlreadyAdopted,
        Rule::AdoptionAtALaterMeeting,
        Rule::MinutesAlreadySent,
        Rule::OnlyAdoptedMinutesAreSent,
        Rule::PastMeetingNeedsConfirmation,
        Rule::MeetingCancelled,
        Rule::AdoptedRecordIsFinal,
        Rule::AdoptionAtAMeetingHeld,
        Rule::SentAfterAdoptionMeeting,
        Rule::RecordedMeetingIsKept,
        Rule::AdoptionMeetingStays,
        Rule::MemberAlreadyLeft,
        Rule::FormerMemberNotDesignated,
        Rule::OverlappingDesignation,
        Rule::TermAlreadyEnded,
        Rule::TermStarted,
        Rule::NoPositionOnThisItem,
        Rule::PositionAlreadyShared,
        Rule::PositionNotShared,
        Rule::ErasureTargetUnknown,
        Rule::ErasureSealUnknown,
        Rule::NothingToErase,
    ];
}

/// What went wrong with the other node, for whoever puts it in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteFailure {
    /// No answer at all: the other node is down or the network is cut.
    Unreachable,
    /// It refused, with this machine code.
    Refused(String),
    /// The hub holds a version of our stream that we do not.
    Fork,
    /// It answered something we cannot use.
    Unexpected,
}

/// The storage refusing to take anything, whatever the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageProblem {
    /// No space left (SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`).
    Full,
    /// The database only accepts reads (SQLite `SQLITE_READONLY`,
    /// PostgreSQL `25006`: `default_transaction_read_only`, a standby).
    ReadOnly,
}

impl StorageProblem {
    /// What `e` says about the storage, if it is a storage problem.
    pub fn of(e: &sqlx::Error) -> Option<StorageProblem> {
        let sqlx::Error::Database(db) = e else {
            return None;
        };
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            return match pg.code() {
                "53100" => Some(StorageProblem::Full),
                "25006" => Some(StorageProblem::ReadOnly),
                _ => None,
            };
        }
        if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
            // SQLite gives the extended result code; the primary one is its low byte.
            let extended: i64 = db.code()?.parse().ok()?;
            return match extended & 0xff {
                13 => Some(StorageProblem::Full),
                8 => Some(StorageProblem::ReadOnly),
                _ => None,
            };
        }
        None
    }

    pub fn code(self) -> &'static str {
        match self {
            StorageProblem::Full => "storage_full",
            StorageProblem::ReadOnly => "storage_read_only",
        }
    }
}

/// Seconds a client is asked to wait before retrying after a storage problem.
pub const STORAGE_RETRY_AFTER_SECS: u32 = 60;

impl NodeError {
    pub fn refused(refusal: Refusal, message: impl Into<String>) -> Self {
        NodeError::Refused {
            refusal,
            message: message.into(),
            field: None,
            title: None,
        }
    }

    /// The same refusal, naming the title of what stands in the way
    /// (other errors are left as they are).
    pub fn naming(self, what: &str) -> Self {
        match self {
            NodeError::Refused {
                refusal,
                message,
                field,
                ..
            } => NodeError::Refused {
                refusal,
                message,
                field,
                title: Some(what.to_owned()),
            },
            other => other,
        }
    }

    /// The reason of a refusal, if this is one.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            NodeError::Refused { refusal, .. } => Some(*refusal),
            _ => None,
        }
    }

    /// The refused field, if the refusal names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            NodeError::Refused { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The title of what stands in the way, if the refusal names one.
    pub fn title(&self) -> Option<&str> {
        match self {
            NodeError::Refused { title, .. } => title.as_deref(),
            _ => None,
        }
    }

    /// The other node answered something we cannot use.
    pub fn remote(detail: impl Into<String>) -> Self {
        NodeError::remote_failure(RemoteFailure::Unexpected, detail)
    }

    /// The other node failed us in the way `failure` says.
    pub fn remote_failure(failure: RemoteFailure, detail: impl Into<String>) -> Self {
        NodeError::Remote {
            failure,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// The same failure, with the wait the other node asked for.
    pub fn with_retry_after(self, wait: Option<std::time::Duration>) -> Self {
        match self {
            NodeError::Remote {
                failure,
                detail,
                retry_after,
            } => NodeError::Remote {
                failure,
                detail,
                retry_after: wait.or(retry_after),
            },
            other => other,
        }
    }

    /// How long the other node asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            NodeError::Remote { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether this failure says the hub is away (no answer from it), not
    /// that it refused: then trying again soon costs nothing.
    pub fn hub_away(&self) -> bool {
        matches!(
            self,
            NodeError::Remote {
                failure: RemoteFailure::Unreachable,
                ..
            }
        )
    }

    pub fn config(message: impl Into<String>) -> Self {
        NodeError::Config(message.into())
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        NodeError::Io {
            context: context.into(),
            source,
        }
    }

    /// Whether this is the node's own failure (configuration, database,
    /// disk), not something the request can correct; a full or read-only
    /// storage is not: see [`NodeError::storage_problem`].
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            NodeError::Config(_) | NodeError::Database(_) | NodeError::Io { .. }
        ) && self.storage_problem().is_none()
    }

    /// The storage problem behind this error, if that is what it is.
    pub fn storage_problem(&self) -> Option<StorageProblem> {
        match self {
            NodeError::Database(e) => StorageProblem::of(e),
            _ => None,
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            NodeError::Protocol(e) => e.code(),
            NodeError::Refused { refusal, .. } => refusal.code(),
            NodeError::Config(_) => "config",
            NodeError::Database(e) => {
                StorageProblem::of(e).map_or("internal", StorageProblem::code)
            }
            NodeError::Io { .. } => "internal",
            NodeError::Remote { .. } => "remote",
        }
    }

    /// The sentence shown to the other side (never internal details).
    pub fn public_message(&self) -> String {
        match self.storage_problem() {
            Some(StorageProblem::Full) => {
                return "the node's disk is full: nothing was stored; try again once its administrator has freed some space".into()
            }
            Some(StorageProblem::ReadOnly) => {
                return "the node's database accepts no changes right now: nothing was stored; try again later".into()
            }
            None => {}
        }
        match self {
            NodeError::Database(_) | NodeError::Io { .. } | NodeError::Config(_) => {
                "internal error; the administrator can read the node's log".into()
            }
            other => other.to_string(),
        }
    }

    /// Whether retrying the same message can never succeed (the sender sets it aside).
    pub fn is_permanent_for_message(code: &str) -> bool {
        matches!(
            code,
            "malformed_json"
                | "duplicate_key"
                | "not_canonical_number"
                | "too_large"
                | "too_deep"
                | "string_too_long"
                | "invalid_envelope"
                | "unsupported_version"
                | "unknown_kind"
                | "invalid_body"
                | "domain_rule"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// `Rule::ALL` holds every variant of `Rule`, as this file declares
    /// them (tests elsewhere go through the list: a rule missing from it
    /// would escape them).
    #[test]
    fn every_rule_is_listed() {
        let source = include_str!("error.rs");
        let body = source
            .split_once("pub enum Rule {")
            .and_then(|(_, rest)| rest.split_once("\n}"))
            .map(|(body, _)| body)
            .unwrap();
        let declared: Vec<&str> = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("//") && !l.is_empty())
            .map(|l| l.trim_end_matches(','))
            .collect();
        let listed: Vec<String> = Rule::ALL.iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(declared, listed);
        for rule in Rule::ALL {
            assert_eq!(Refusal::DomainRule(rule).code(), "domain_rule");
        }
    }

    /// Each rule's published name is its variant's name in snake case, and
    /// no two rules share one.
    #[test]
    fn every_rule_has_its_own_name() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in Rule::ALL {
            let mut snake = String::new();
            for (i, c) in format!("{rule:?}").chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            assert_eq!(rule.code(), snake);
            assert!(seen.insert(rule.code()), "{} twice", rule.code());
        }
    }

    /// An error answer names the rule and the field when the refusal does.
    #[test]
    fn an_error_answer_names_its_rule_and_field() {
        let e = crate::validate::invalid_by(Rule::PasswordRepeats, "new_password", "no repeats");
        let d = ErrorDetail::of(&e);
        assert_eq!(
            (d.code.as_str(), d.field.as_deref(), d.rule.as_deref()),
            (
                "invalid_field",
                Some("new_password"),
                Some("password_repeats")
            )
        );
        let d = ErrorDetail::of(&crate::validate::rule(Rule::MeetingCancelled, "cancelled"));
        assert_eq!(
            (d.code.as_str(), d.field, d.rule.as_deref()),
            ("domain_rule", None, Some("meeting_cancelled"))
        );
        let d = ErrorDetail::of(&crate::validate::not_found("this"));
        assert_eq!((d.field.as_deref(), d.rule.as_deref()), (None, None));
        let json = serde_json::to_string(&d).unwrap();
        assert!(!json.contains("rule") && !json.contains("field"), "{json}");
    }

    async fn failure(conn: &mut sqlx::AnyConnection, sql: &str) -> NodeError {
        NodeError::from(sqlx::query(sql).execute(conn).await.unwrap_err())
    }

    /// Real SQLite failures, not hand-made ones: a database that may not
    /// grow (what a full disk looks like to SQLite) and a read-only one.
    #[tokio::test]
    async fn storage_problems_are_told_apart_from_other_database_errors() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let url = crate::db::sqlite_url(&path);
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (x TEXT PRIMARY KEY)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES ('a')")
            .execute(&mut conn)
            .await
            .unwrap();

        let other = failure(&mut conn, "INSERT INTO t VALUES ('a')").await;
        assert_eq!(other.code(), "internal");

        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let full = failure(&mut conn, "INSERT INTO t VALUES (hex(zeroblob(100000)))").await;
        assert_eq!(full.storage_problem(), Some(StorageProblem::Full));
        assert_eq!(full.code(), "storage_full");
        assert!(!full.public_message().contains("database or disk"));
        conn.close().await.unwrap();

        let mut ro = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
            .await
            .unwrap();
        let read_only = failure(&mut ro, "INSERT INTO t VALUES ('b')").await;
        assert_eq!(read_only.storage_problem(), Some(StorageProblem::ReadOnly));
        assert_eq!(read_only.code(), "storage_read_only");
    }
}
