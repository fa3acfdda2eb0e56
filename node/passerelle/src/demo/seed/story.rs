//! The demo's story as data: seven committees (one file each), the
//! supports between them, the items proposed for the joint agenda, the
//! subjects and the joint breakfasts. `super` tells it through the actions.

use passerelle_protocol::body::{DelegateRole, Origin, ProposalStatus, Theme};

use passerelle_core::domain::members::MemberRole;

mod charleroi;
mod courcelles;
mod cpas;
mod gosselies;
mod guidance;
mod la_pioche;
mod montignies;

// ---------------------------------------------------------------------------
// The shape of the content.

/// Whether a member agrees to have their name shown to the other services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Consent {
    Yes,
    No,
    /// Given, then withdrawn once designated: the delegate list is sent
    /// again, with a neutral label.
    Withdrawn,
}

pub(super) struct MemberSeed {
    pub(super) name: &'static str,
    pub(super) role: MemberRole,
    pub(super) consent: Consent,
    /// Stays on the node, always.
    pub(super) contact: Option<&'static str>,
    pub(super) designation: Option<DelegateRole>,
}

pub(super) const fn member(name: &'static str, role: MemberRole, consent: Consent) -> MemberSeed {
    MemberSeed {
        name,
        role,
        consent,
        contact: None,
        designation: None,
    }
}

impl MemberSeed {
    pub(super) const fn designated(self, role: DelegateRole) -> Self {
        MemberSeed {
            designation: Some(role),
            ..self
        }
    }

    pub(super) const fn reachable(self, contact: &'static str) -> Self {
        MemberSeed {
            contact: Some(contact),
            ..self
        }
    }
}

/// One move of a proposal along its life cycle.
pub(super) struct Step {
    pub(super) to: ProposalStatus,
    pub(super) comment: Option<&'static str>,
    /// Management's words, for accepted / adapted / refused.
    pub(super) answer: Option<&'static str>,
}

pub(super) const fn step(to: ProposalStatus, comment: &'static str) -> Step {
    Step {
        to,
        comment: Some(comment),
        answer: None,
    }
}

pub(super) const fn answer(to: ProposalStatus, text: &'static str) -> Step {
    Step {
        to,
        comment: None,
        answer: Some(text),
    }
}

pub(super) use ProposalStatus::{
    Abandoned, Accepted, Adapted, Discussed, InProgress, Realised, Refused, SentToManagement,
};

pub(super) struct ProposalSeed {
    pub(super) title: &'static str,
    pub(super) description: &'static str,
    pub(super) theme: Theme,
    pub(super) origin: Origin,
    pub(super) tags: &'static [&'static str],
    pub(super) steps: &'static [Step],
    /// Shared with the inter-service committee after this many steps
    /// (the later steps then travel as updates).
    pub(super) shared_after: Option<usize>,
    /// Steps taken at the end of the story, once other services reacted.
    pub(super) later: &'static [Step],
}

pub(super) const P: ProposalSeed = ProposalSeed {
    title: "",
    description: "",
    theme: Theme::Other,
    origin: Origin::Committee,
    tags: &[],
    steps: &[],
    shared_after: None,
    later: &[],
};

/// An agenda item: title, description, index of the proposal it is about.
pub(super) type Item = (&'static str, Option<&'static str>, Option<usize>);

pub(super) struct MeetingsSeed {
    /// "Comité du mardi 3 juin", "Petit-déjeuner du comité du …".
    pub(super) title: &'static str,
    pub(super) place: &'static str,
    pub(super) format: &'static str,
    /// The committee's day of the week (0: Monday) and local time.
    pub(super) weekday: i64,
    pub(super) at: (i64, i64),
    /// The first meeting's agenda.
    pub(super) agenda: &'static [Item],
    /// Decisions of the first meeting: text, proposal index.
    pub(super) decisions: &'static [(&'static str, Option<usize>)],
    /// The first meeting's minutes, by the secretary.
    pub(super) minutes: &'static str,
    /// Index of the member (a user) who writes the minutes.
    pub(super) secretary: usize,
    /// At the first meeting: excused, and absent.
    pub(super) excused: usize,
    pub(super) absent: Option<usize>,
    /// The coming meeting's own items.
    pub(super) next: &'static [Item],
}

pub(super) struct ServiceSeed {
    pub(super) members: &'static [MemberSeed],
    pub(super) proposals: &'static [ProposalSeed],
    pub(super) meetings: MeetingsSeed,
}

pub(super) use Consent::{No, Withdrawn, Yes};
pub(super) use DelegateRole::{Delegate, Substitute};
pub(super) use MemberRole::{Autre, ProfessionnelDelegue, Usager};

pub(super) const COURCELLES: usize = 0;
pub(super) const CHARLEROI: usize = 1;
pub(super) const LA_PIOCHE: usize = 2;
pub(super) const GUIDANCE: usize = 3;
pub(super) const CPAS: usize = 4;
pub(super) const GOSSELIES: usize = 5;
pub(super) const MONTIGNIES: usize = 6;

// ---------------------------------------------------------------------------
// The seven committees.

pub(super) static CONTENT: [ServiceSeed; 7] = [
    courcelles::SEED,
    charleroi::SEED,
    la_pioche::SEED,
    guidance::SEED,
    cpas::SEED,
    gosselies::SEED,
    montignies::SEED,
];

// ---------------------------------------------------------------------------
// What travels between the services and the hub.

/// A committee supports another service's shared proposal.
pub(super) struct SupportSeed {
    pub(super) by: usize,
    /// (service, proposal index).
    pub(super) of: (usize, usize),
    pub(super) comment: Option<&'static str>,
}

pub(super) static SUPPORTS: [SupportSeed; 11] = [
    SupportSeed {
        by: MONTIGNIES,
        of: (COURCELLES, 0),
        comment: Some("Chez nous aussi, beaucoup de membres travaillent en journée."),
    },
    SupportSeed {
        by: COURCELLES,
        of: (MONTIGNIES, 0),
        comment: Some("Même demande chez nous : parlons-en ensemble."),
    },
    SupportSeed {
        by: LA_PIOCHE,
        of: (CPAS, 2),
        comment: Some("Le prix du bus empêche aussi des membres de venir chez nous."),
    },
    SupportSeed {
        by: GOSSELIES,
        of: (CPAS, 2),
        comment: Some("À Gosselies, le bus coûte cher pour venir au comité."),
    },
    SupportSeed {
        by: MONTIGNIES,
        of: (CPAS, 2),
        comment: Some("Pareil à Montignies."),
    },
    SupportSeed {
        by: CHARLEROI,
        of: (LA_PIOCHE, 0),
        comment: Some("Bravo ! On aimerait faire pareil."),
    },
    SupportSeed {
        by: GUIDANCE,
        of: (CHARLEROI, 3),
        comment: Some("Un livret facile à lire aiderait aussi les parents et les ados."),
    },
    SupportSeed {
        by: GOSSELIES,
        of: (CHARLEROI, 3),
        comment: Some("Des mots simples, c'est ce que nos membres demandent aussi."),
    },
    SupportSeed {
        by: CHARLEROI,
        of: (GOSSELIES, 0),
        comment: Some("Un questionnaire commun nous intéresse."),
    },
    SupportSeed {
        by: CPAS,
        of: (GUIDANCE, 0),
        comment: Some("Nous recevons aussi des jeunes : nous suivrons votre essai."),
    },
    SupportSeed {
        by: COURCELLES,
        of: (CHARLEROI, 0),
        comment: Some("Les rappels par SMS : on voudrait la même chose !"),
    },
];

/// A member suggests that their committee support another service's
/// proposal; it waits for the administrators (the demo leaves it pending).
pub(super) struct SuggestionSeed {
    pub(super) by: usize,
    /// The member who suggests (index in the service's members).
    pub(super) member: usize,
    pub(super) username: &'static str,
    /// (service, proposal index).
    pub(super) of: (usize, usize),
    pub(super) word: &'static str,
}

/// Ahmed, at Charleroi, suggests supporting Courcelles' evening meetings.
pub(super) static SUGGESTIONS: [SuggestionSeed; 1] = [SuggestionSeed {
    by: CHARLEROI,
    member: 4,
    username: "ahmed",
    of: (COURCELLES, 0),
    word: "Chez nous aussi, le soir ce serait plus facile pour venir.",
}];

/// An item a committee proposes for the next joint meeting.
pub(super) struct ItemSeed {
    pub(super) by: usize,
    pub(super) title: &'static str,
    pub(super) description: &'static str,
    /// One of its own shared proposals.
    pub(super) about: usize,
}

/// The first goes on the next joint agenda; the second stays in the
/// coordinator's list of proposed items.
pub(super) static ITEMS: [ItemSeed; 2] = [
    ItemSeed {
        by: GUIDANCE,
        title: "Faire une place aux ados dans nos comités",
        description: "Comment inviter les jeunes dans les comités ? Léna et Karim racontent le \
            groupe de parole qui démarre au Centre de Guidance.",
        about: 0,
    },
    ItemSeed {
        by: GOSSELIES,
        title: "Un questionnaire commun pour les sept services",
        description: "Et si les sept services distribuaient le même questionnaire, pour comparer \
            et avancer ensemble ?",
        about: 0,
    },
];

/// Similar proposals of two services, linked by the coordinator.
pub(super) struct SubjectSeed {
    pub(super) title: &'static str,
    pub(super) proposals: [(usize, usize); 2],
}

/// Discussed at the first joint breakfast (in the past).
pub(super) const PAST_SUBJECT: SubjectSeed = SubjectSeed {
    title: "Des salles d'attente plus accueillantes",
    proposals: [(LA_PIOCHE, 0), (CPAS, 0)],
};

/// On the next joint breakfast's agenda.
pub(super) const NEXT_SUBJECT: SubjectSeed = SubjectSeed {
    title: "Des consultations en soirée pour celles et ceux qui travaillent",
    proposals: [(COURCELLES, 0), (MONTIGNIES, 0)],
};

/// The first joint meeting's title.
pub const PAST_MEETING: &str = "Comité inter-SSM — premier petit-déjeuner";
/// The next joint meeting: title, place, format.
pub const NEXT_MEETING: (&str, &str, &str) = (
    "Comité inter-SSM — petit-déjeuner",
    "SSM « La Pioche », Marchienne-au-Pont",
    "petit-déjeuner",
);
/// The coordinator's welcome item, first on the next agenda.
pub const WELCOME: &str = "Accueil et petit-déjeuner";
