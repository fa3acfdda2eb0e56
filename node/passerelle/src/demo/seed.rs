//! The demo's content: seven local committees and their inter-service
//! committee, told as one story.
//!
//! Everything people do goes through the same actions as their pages,
//! one transaction each: a service's people as its administrator
//! (`actions::committee`, `meetings`, `proposals`, `joint`), the
//! coordinator as the hub's (`actions::hub`). Every shared change is a
//! real signed message that travels through the hub.
//! A step that needs something from another node (supporting a proposal,
//! linking proposals, putting a proposed item on an agenda) first waits,
//! a bounded time, until that node's database has received it.
//!
//! The story: each committee has members (pseudonyms or first names, a
//! name shown to the other services only with consent), a delegate and a
//! substitute, proposals at every step of their life, and three meetings
//! (the minutes of the first, written by a user, were adopted at the second
//! and sent to management; the third is coming). Some proposals are shared;
//! other services support them; one committee proposes an item for the joint
//! agenda. The coordinator links similar proposals as subjects, holds a
//! first joint breakfast whose decisions come back to the services, and
//! publishes the next one.

use std::future::Future;
use std::time::{Duration, Instant};

use passerelle_protocol::body::{DelegateRole, Origin, ProposalRef, ProposalStatus, Theme};
use passerelle_protocol::{Date, NodeId, Timestamp};
use uuid::Uuid;

use super::{Running, HUB, SERVICES};
use passerelle_core::accounts;
use passerelle_core::actions::{self, Actor};
use passerelle_core::domain::federated;
use passerelle_core::domain::hub::{self, AgendaEntryInput, MeetingDetails, OutcomeInput};
use passerelle_core::domain::meetings::{AttendanceStatus, NewAgendaItem, NewMeeting};
use passerelle_core::domain::members::{MemberRole, NewMember};
use passerelle_core::domain::proposals::NewProposal;
use passerelle_core::error::NodeError;
use passerelle_core::node::Node;
use passerelle_core::{log, sync_state};

/// How long a step waits for another node's message before giving up.
const PATIENCE: Duration = Duration::from_secs(10);
/// The account that acts on every node (the demo's administrator).
const ACTOR: &str = "admin";

// ---------------------------------------------------------------------------
// The shape of the content.

/// Whether a member agrees to have their name shown to the other services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Consent {
    Yes,
    No,
    /// Given, then withdrawn once designated: the delegate list is sent
    /// again, with a neutral label.
    Withdrawn,
}

struct MemberSeed {
    name: &'static str,
    role: MemberRole,
    consent: Consent,
    /// Stays on the node, always.
    contact: Option<&'static str>,
    designation: Option<DelegateRole>,
}

const fn member(name: &'static str, role: MemberRole, consent: Consent) -> MemberSeed {
    MemberSeed {
        name,
        role,
        consent,
        contact: None,
        designation: None,
    }
}

impl MemberSeed {
    const fn designated(self, role: DelegateRole) -> Self {
        MemberSeed {
            designation: Some(role),
            ..self
        }
    }

    const fn reachable(self, contact: &'static str) -> Self {
        MemberSeed {
            contact: Some(contact),
            ..self
        }
    }
}

/// One move of a proposal along its life cycle.
struct Step {
    to: ProposalStatus,
    comment: Option<&'static str>,
    /// Management's words, for accepted / adapted / refused.
    answer: Option<&'static str>,
}

const fn step(to: ProposalStatus, comment: &'static str) -> Step {
    Step {
        to,
        comment: Some(comment),
        answer: None,
    }
}

const fn answer(to: ProposalStatus, text: &'static str) -> Step {
    Step {
        to,
        comment: None,
        answer: Some(text),
    }
}

use ProposalStatus::{
    Abandoned, Accepted, Adapted, Discussed, InProgress, Realised, Refused, SentToManagement,
};

struct ProposalSeed {
    title: &'static str,
    description: &'static str,
    theme: Theme,
    origin: Origin,
    tags: &'static [&'static str],
    steps: &'static [Step],
    /// Shared with the inter-service committee after this many steps
    /// (the later steps then travel as updates).
    shared_after: Option<usize>,
    /// Steps taken at the end of the story, once other services reacted.
    later: &'static [Step],
}

const P: ProposalSeed = ProposalSeed {
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
type Item = (&'static str, Option<&'static str>, Option<usize>);

struct MeetingsSeed {
    /// "Comité du mardi 3 juin", "Petit-déjeuner du comité du …".
    title: &'static str,
    place: &'static str,
    format: &'static str,
    /// The committee's day of the week (0: Monday) and local time.
    weekday: i64,
    at: (i64, i64),
    /// The first meeting's agenda.
    agenda: &'static [Item],
    /// Decisions of the first meeting: text, proposal index.
    decisions: &'static [(&'static str, Option<usize>)],
    /// The first meeting's minutes, by the secretary.
    minutes: &'static str,
    /// Index of the member (a user) who writes the minutes.
    secretary: usize,
    /// At the first meeting: excused, and absent.
    excused: usize,
    absent: Option<usize>,
    /// The coming meeting's own items.
    next: &'static [Item],
}

struct ServiceSeed {
    members: &'static [MemberSeed],
    proposals: &'static [ProposalSeed],
    meetings: MeetingsSeed,
}

use Consent::{No, Withdrawn, Yes};
use DelegateRole::{Delegate, Substitute};
use MemberRole::{Autre, ProfessionnelDelegue, Usager};

const COURCELLES: usize = 0;
const CHARLEROI: usize = 1;
const LA_PIOCHE: usize = 2;
const GUIDANCE: usize = 3;
const CPAS: usize = 4;
const GOSSELIES: usize = 5;
const MONTIGNIES: usize = 6;

// ---------------------------------------------------------------------------
// The seven committees.

static CONTENT: [ServiceSeed; 7] = [
    // SSM provincial de Courcelles
    ServiceSeed {
        members: &[
            member("Martine", Usager, Yes).designated(Delegate),
            member("Papillon", Usager, No).designated(Substitute),
            member("Jean-Luc", Usager, Yes).reachable("0470 11 22 33, plutôt le matin"),
            member("Nadia", ProfessionnelDelegue, Yes),
            member("Rose", Autre, No),
            member("Thierry", Usager, No),
        ],
        proposals: &[
            ProposalSeed {
                title: "Des consultations en soirée",
                description: "Beaucoup d'entre nous travaillent ou suivent une formation en journée. \
                    Nous demandons qu'au moins un soir par semaine, des rendez-vous soient possibles jusqu'à 20 h.",
                theme: Theme::Accessibility,
                tags: &["horaires", "travail"],
                steps: &[
                    step(Discussed, "Tout le comité est d'accord."),
                    step(SentToManagement, "Envoyée à la direction avec le procès-verbal."),
                ],
                shared_after: Some(2),
                later: &[answer(
                    Adapted,
                    "La direction propose d'essayer un soir par mois, le jeudi jusqu'à 19 h 30, \
                     pendant six mois, puis de faire le point avec le comité.",
                )],
                ..P
            },
            ProposalSeed {
                title: "Un tableau d'affichage clair à l'entrée",
                description: "Un grand tableau à l'entrée avec les prénoms et les photos de l'équipe, \
                    et les horaires de l'accueil, écrits en grand.",
                theme: Theme::Communication,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Nadia propose d'y mettre aussi les photos."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Accepted,
                        "Oui. L'accueil le prépare avec deux membres du comité ; il sera écrit en grands caractères.",
                    ),
                    step(InProgress, "Les photos sont prises, le tableau est commandé."),
                ],
                ..P
            },
            ProposalSeed {
                title: "Un coin café dans la salle d'attente",
                description: "Un papier de l'urne : « Une tasse de café ou de thé, ça aide à attendre \
                    quand on est stressé. »",
                theme: Theme::Reception,
                origin: Origin::Anonymous,
                steps: &[
                    step(Discussed, "Lu en comité : l'idée plaît."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Refused,
                        "Pas possible pour l'instant : le règlement du bâtiment provincial interdit \
                         les appareils électriques dans la salle d'attente. La direction installe \
                         une fontaine d'eau fraîche à la place.",
                    ),
                ],
                shared_after: Some(3),
                ..P
            },
            ProposalSeed {
                title: "Une sortie ensemble au printemps",
                description: "Une balade ou une visite, un après-midi, pour se connaître autrement \
                    qu'en réunion.",
                theme: Theme::Activities,
                ..P
            },
            ProposalSeed {
                title: "Expliquer les tarifs simplement",
                description: "Une feuille simple qui dit combien coûte une consultation et ce que \
                    rembourse la mutuelle.",
                theme: Theme::Communication,
                origin: Origin::Member,
                steps: &[step(Discussed, "À préparer avec l'assistante sociale.")],
                ..P
            },
        ],
        meetings: MeetingsSeed {
            title: "Comité d'usager·ères",
            place: "Salle du rez-de-chaussée, SSM de Courcelles",
            format: "réunion",
            weekday: 1,
            at: (14, 0),
            agenda: &[
                ("Accueil et nouvelles de chacun·e", None, None),
                (
                    "Des consultations en soirée",
                    Some("Plusieurs membres travaillent et ne peuvent venir qu'après 17 h."),
                    Some(0),
                ),
                ("Le tableau d'affichage de l'entrée", None, Some(1)),
                ("Des idées pour le printemps", None, Some(3)),
            ],
            decisions: &[
                (
                    "La proposition « Des consultations en soirée » est envoyée à la direction, \
                     avec l'accord de tout le comité.",
                    Some(0),
                ),
                (
                    "Nadia et Martine préparent un modèle de tableau d'affichage pour la prochaine fois.",
                    Some(1),
                ),
                ("On garde l'idée de sortie au printemps pour plus tard.", Some(3)),
            ],
            minutes: "Présent·es : Martine, Papillon, Jean-Luc, Nadia, Thierry. Excusée : Rose.\n\n\
                Martine ouvre la réunion avec un café. Chacun·e donne des nouvelles.\n\n\
                Consultations en soirée : plusieurs personnes travaillent en journée et doivent \
                prendre congé pour venir. Le comité demande à la direction s'il est possible \
                d'ouvrir un soir par semaine.\n\n\
                Tableau d'affichage : on ne sait pas toujours qui est qui à l'accueil. Nadia \
                propose un tableau avec les prénoms et les photos de l'équipe, en grand.\n\n\
                Printemps : l'idée d'une sortie ensemble plaît à tout le monde ; on en reparle \
                quand il fera beau.\n\n\
                Procès-verbal écrit par Jean-Luc.",
            secretary: 2,
            excused: 4,
            absent: None,
            next: &[
                ("La réponse de la direction pour les soirées", None, Some(0)),
                ("Le modèle de tableau d'affichage", None, Some(1)),
            ],
        },
    },
    // SSM provincial de Charleroi
    ServiceSeed {
        members: &[
            member("Fabrice", Usager, No).designated(Delegate),
            member("Sylvie", Usager, Yes).designated(Substitute),
            member("Lulu", Usager, No),
            member("Christine", ProfessionnelDelegue, Yes)
                .reachable("Poste 214, le lundi et le jeudi"),
            member("Ahmed", Usager, Yes),
            member("Josiane", Autre, No),
        ],
        proposals: &[
            ProposalSeed {
                title: "Un rappel par SMS la veille du rendez-vous",
                description: "Quand on ne va pas bien, on oublie facilement une date. Un petit \
                    message la veille éviterait des rendez-vous manqués et de longues attentes.",
                theme: Theme::Accessibility,
                tags: &["rendez-vous"],
                steps: &[
                    step(Discussed, "Plusieurs membres ont déjà raté un rendez-vous."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Accepted,
                        "Accepté : le logiciel de rendez-vous le permet. Il suffit de donner son \
                         numéro à l'accueil, si on le souhaite.",
                    ),
                    step(InProgress, "Essai avec les personnes volontaires."),
                    step(Realised, "Les rappels fonctionnent depuis le mois dernier."),
                ],
                shared_after: Some(5),
                ..P
            },
            ProposalSeed {
                title: "Une boîte à idées dans la salle d'attente",
                description: "Une boîte où chacun·e peut glisser une idée ou une remarque, même \
                    sans venir au comité.",
                theme: Theme::Functioning,
                steps: &[
                    step(Discussed, "Bonne idée pour celles et ceux qui n'osent pas parler."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(Accepted, "D'accord. Le comité relèvera la boîte une fois par mois."),
                ],
                ..P
            },
            ProposalSeed {
                title: "Un groupe de parole sur le sommeil",
                description: "Beaucoup d'entre nous dorment mal. Un groupe pour en parler \
                    ensemble, avec un·e professionnel·le, ferait du bien.",
                theme: Theme::WellBeing,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Six membres seraient intéressé·es."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Refused,
                        "Refusée pour cette année : aucun·e professionnel·le n'est disponible pour \
                         l'animer. La direction propose d'en reparler en septembre.",
                    ),
                ],
                ..P
            },
            ProposalSeed {
                title: "Un livret d'accueil facile à lire",
                description: "Un livret court, avec des images et des phrases simples, qui explique \
                    comment se passe un premier rendez-vous, qui fait quoi et combien ça coûte.",
                theme: Theme::Communication,
                tags: &["FALC"],
                steps: &[step(Discussed, "Sylvie et Christine commencent à l'écrire.")],
                shared_after: Some(1),
                ..P
            },
            ProposalSeed {
                title: "Une fontaine à eau",
                description: "Un papier de l'urne demande de l'eau dans la salle d'attente.",
                theme: Theme::Reception,
                origin: Origin::Anonymous,
                steps: &[step(
                    Abandoned,
                    "Une fontaine a été installée dans le hall du bâtiment : plus besoin.",
                )],
                ..P
            },
        ],
        meetings: MeetingsSeed {
            title: "Comité d'usager·ères",
            place: "Salle de réunion du 1er étage",
            format: "réunion",
            weekday: 3,
            at: (10, 0),
            agenda: &[
                ("Tour de table", None, None),
                (
                    "Les rendez-vous oubliés",
                    Some("Plusieurs personnes ont raté un rendez-vous et ont dû attendre des semaines."),
                    Some(0),
                ),
                ("Un livret d'accueil facile à lire", None, Some(3)),
                ("Un groupe sur le sommeil", None, Some(2)),
            ],
            decisions: &[
                ("Demander à la direction un rappel par SMS la veille des rendez-vous.", Some(0)),
                (
                    "Sylvie et Christine commencent à écrire le livret d'accueil avec des mots simples.",
                    Some(3),
                ),
                ("Le groupe sur le sommeil est proposé à la direction.", Some(2)),
            ],
            minutes: "Présent·es : Fabrice, Sylvie, Christine, Ahmed. Excusée : Josiane. \
                Absente : Lulu.\n\n\
                Tour de table : Ahmed fête ses six mois au comité.\n\n\
                Rendez-vous oubliés : quand on va mal, on oublie facilement une date. Un petit \
                message la veille aiderait beaucoup. On le demande à la direction.\n\n\
                Livret d'accueil : le livret actuel est long et difficile. On voudrait un livret \
                court, avec des images et des phrases simples (FALC).\n\n\
                Sommeil : beaucoup d'entre nous dorment mal. Un groupe pour en parler ensemble \
                ferait du bien.\n\n\
                Procès-verbal écrit par Sylvie.",
            secretary: 1,
            excused: 5,
            absent: Some(2),
            next: &[
                ("Les premières pages du livret d'accueil", None, Some(3)),
                ("Bilan des rappels par SMS", None, Some(0)),
            ],
        },
    },
    // SSM « La Pioche » (Marchienne-au-Pont)
    ServiceSeed {
        members: &[
            member("Gigi", Usager, Yes).designated(Delegate),
            member("Bernard", Usager, Yes).reachable("0485 44 55 66"),
            member("Coquelicot", Usager, No).designated(Substitute),
            member("Mélanie", ProfessionnelDelegue, Yes),
            member("Patrick", Usager, No),
            member("Aïcha", Autre, Yes),
            member("Dédé", Usager, No),
        ],
        proposals: &[
            ProposalSeed {
                title: "Une salle d'attente plus chaleureuse",
                description: "Notre salle d'attente est froide et triste. Des plantes, des coussins, \
                    une étagère avec des livres : de petites choses qui aident à se sentir attendu·e.",
                theme: Theme::Reception,
                tags: &["salle d'attente"],
                steps: &[
                    step(Discussed, "Tout le monde la trouve froide."),
                    step(SentToManagement, "Mélanie porte la demande à la direction."),
                    answer(
                        Accepted,
                        "Accepté : un budget de 300 € est prévu pour les plantes, les coussins et une étagère.",
                    ),
                    step(InProgress, "Les plantes sont là, l'étagère arrive."),
                ],
                shared_after: Some(2),
                ..P
            },
            ProposalSeed {
                title: "Un petit-déjeuner du comité chaque mois",
                description: "Commencer nos réunions autour d'un petit-déjeuner : on parle plus \
                    facilement avec un café.",
                theme: Theme::Activities,
                steps: &[
                    step(Discussed, "Idée née au premier comité."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(Accepted, "Oui, le service offre le café et les croissants."),
                    step(Realised, "Chaque premier mardi du mois."),
                ],
                ..P
            },
            ProposalSeed {
                title: "Un accompagnement pour les démarches administratives",
                description: "Une aide, une fois par semaine, pour comprendre et remplir les papiers \
                    (CPAS, mutuelle, logement).",
                theme: Theme::Care,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Plusieurs membres se sentent perdus devant les courriers."),
                    step(SentToManagement, "Envoyée à la direction ; on attend sa réponse."),
                ],
                shared_after: Some(2),
                ..P
            },
            ProposalSeed {
                title: "Une affiche sur les droits du patient",
                description: "Un papier de l'urne : « Je ne savais pas que je pouvais demander à voir \
                    mon dossier. »",
                theme: Theme::Communication,
                origin: Origin::Anonymous,
                ..P
            },
            ProposalSeed {
                title: "Des ateliers cuisine",
                description: "Cuisiner ensemble un plat simple et pas cher, puis le manger ensemble.",
                theme: Theme::Activities,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Beaucoup d'envie autour de la table."),
                    step(Abandoned, "La cuisine du service est en travaux pour un an ; on en reparlera."),
                ],
                ..P
            },
        ],
        meetings: MeetingsSeed {
            title: "Petit-déjeuner du comité",
            place: "La cuisine de La Pioche",
            format: "petit-déjeuner",
            weekday: 1,
            at: (9, 0),
            agenda: &[
                ("Café, croissants et nouvelles", None, None),
                (
                    "La salle d'attente",
                    Some("Elle est froide et triste : qu'est-ce qu'on pourrait changer ?"),
                    Some(0),
                ),
                ("De l'aide pour les papiers", None, Some(2)),
                ("Les ateliers cuisine", None, Some(4)),
            ],
            decisions: &[
                (
                    "Le comité fait une liste d'achats pour la salle d'attente : plantes, coussins, \
                     une étagère à livres.",
                    Some(0),
                ),
                ("La demande d'aide pour les démarches administratives part à la direction.", Some(2)),
                ("Les ateliers cuisine sont mis de côté pendant les travaux.", Some(4)),
            ],
            minutes: "Présent·es : Gigi, Bernard, Coquelicot, Mélanie, Aïcha, Dédé. \
                Excusé : Patrick.\n\n\
                On commence par le petit-déjeuner, comme d'habitude.\n\n\
                Salle d'attente : tout le monde la trouve froide. On propose des plantes, des \
                coussins, une étagère avec des livres et des magazines. Mélanie demande un budget \
                à la direction.\n\n\
                Papiers : plusieurs membres se sentent perdus devant les courriers du CPAS ou de \
                la mutuelle. On demande un accompagnement, une fois par semaine.\n\n\
                Ateliers cuisine : la cuisine sera en travaux toute l'année ; on met l'idée de côté.\n\n\
                Procès-verbal écrit par Bernard.",
            secretary: 1,
            excused: 4,
            absent: None,
            next: &[
                ("Les nouvelles plantes : qui les arrose ?", None, Some(0)),
                (
                    "Accueillir le comité inter-SSM chez nous",
                    Some("Le prochain petit-déjeuner inter-SSM a lieu à La Pioche."),
                    None,
                ),
            ],
        },
    },
    // Centre de Guidance de Charleroi (enfants, ados, parents)
    ServiceSeed {
        members: &[
            member("Léna", Usager, Yes).designated(Delegate),
            member("Yanis", Usager, No),
            member("Hirondelle", Autre, No).designated(Substitute),
            member("Karim", ProfessionnelDelegue, Yes)
                .reachable("Éducateur, joignable au secrétariat le mercredi"),
            member("Sophie", Autre, Yes),
            member("Dylan", Usager, No),
        ],
        proposals: &[
            ProposalSeed {
                title: "Un groupe de parole pour les ados",
                description: "Un groupe entre jeunes de 13 à 17 ans, avec un·e professionnel·le, \
                    pour parler de ce qu'on vit sans avoir peur d'être jugé·e.",
                theme: Theme::Care,
                tags: &["jeunes"],
                steps: &[
                    step(Discussed, "Léna et Karim écrivent la demande."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Adapted,
                        "Adapté : pour commencer, un groupe le mercredi après-midi pendant les \
                         vacances scolaires, animé par deux professionnel·les.",
                    ),
                    step(InProgress, "Première rencontre aux prochaines vacances."),
                ],
                shared_after: Some(3),
                ..P
            },
            ProposalSeed {
                title: "Des jeux et des livres pour les petits",
                description: "Des jeux, des livres et des crayons dans la salle d'attente, pour que \
                    les enfants attendent plus tranquillement.",
                theme: Theme::Reception,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Sophie propose d'apporter des jeux en bon état."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Accepted,
                        "Bien sûr. Le Centre ajoute une caisse de jeux et un petit budget pour des livres.",
                    ),
                    step(Realised, "La caisse de jeux est dans la salle d'attente."),
                ],
                ..P
            },
            ProposalSeed {
                title: "Des rendez-vous après l'école",
                description: "Beaucoup de rendez-vous sont à 14 h : il faut rater les cours. Nous \
                    demandons des rendez-vous après 16 h.",
                theme: Theme::Accessibility,
                steps: &[
                    step(Discussed, "Les ados et les parents sont d'accord."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Refused,
                        "Pas possible pour le moment : l'équipe est au complet après 16 h et les \
                         listes d'attente sont longues. La direction garde deux plages le mercredi \
                         après-midi pour les élèves.",
                    ),
                ],
                ..P
            },
            ProposalSeed {
                title: "Un site internet lisible sur téléphone",
                description: "Un papier de l'urne : « Sur mon téléphone, je ne trouve pas les horaires. »",
                theme: Theme::Communication,
                origin: Origin::Anonymous,
                ..P
            },
        ],
        meetings: MeetingsSeed {
            title: "Goûter du comité",
            place: "Salle de jeux du Centre",
            format: "goûter",
            weekday: 2,
            at: (16, 30),
            agenda: &[
                ("Goûter et présentation des nouveaux", None, None),
                (
                    "Un groupe pour les ados",
                    Some("Les ados disent qu'ils se sentent seuls avec leurs questions."),
                    Some(0),
                ),
                ("La salle d'attente des petits", None, Some(1)),
                ("Des rendez-vous après l'école", None, Some(2)),
            ],
            decisions: &[
                ("Karim et Léna écrivent la demande d'un groupe de parole pour les ados.", Some(0)),
                ("Sophie apporte des livres et des jeux en bon état pour la salle d'attente.", Some(1)),
                ("La demande de rendez-vous après 16 h part à la direction.", Some(2)),
            ],
            minutes: "Présent·es : Léna, Hirondelle, Karim, Sophie. Excusé : Dylan. \
                Absent : Yanis.\n\n\
                On a pris le goûter ensemble et Sophie s'est présentée : elle vient avec son fils.\n\n\
                Groupe pour les ados : entre 13 et 17 ans, on a des questions qu'on n'ose pas \
                poser aux adultes. Un groupe entre jeunes, avec un·e professionnel·le, ce serait bien.\n\n\
                Salle d'attente des petits : il n'y a presque rien pour jouer. Sophie propose \
                d'apporter des livres et des jeux.\n\n\
                Après l'école : beaucoup de rendez-vous sont à 14 h, il faut rater les cours. \
                On demande des rendez-vous après 16 h.\n\n\
                Procès-verbal écrit par Léna.",
            secretary: 0,
            excused: 5,
            absent: Some(1),
            next: &[
                ("Le groupe des ados : les premières dates", None, Some(0)),
                ("Que dire au comité inter-SSM ?", None, None),
            ],
        },
    },
    // SSM du CPAS de Charleroi
    ServiceSeed {
        members: &[
            member("Michel", Usager, Yes).designated(Delegate),
            member("Tournesol", Usager, No),
            member("Brigitte", Usager, Yes).reachable("0496 77 88 99, pas le week-end"),
            member("Samir", ProfessionnelDelegue, Yes),
            member("Colette", Autre, No),
            member("Kevin", Usager, No).designated(Substitute),
        ],
        proposals: &[
            ProposalSeed {
                title: "Des plantes et de la lecture dans la salle d'attente",
                description: "Quelques plantes, des magazines et des livres faciles à lire : la salle \
                    d'attente serait plus douce.",
                theme: Theme::Reception,
                tags: &["salle d'attente"],
                steps: &[
                    step(Discussed, "Idée reprise de plusieurs papiers de l'urne."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Accepted,
                        "D'accord : le CPAS fournit les plantes et une étagère, la bibliothèque \
                         communale prête des livres.",
                    ),
                    step(InProgress, "Commande passée."),
                    step(Realised, "Les plantes et les livres sont en place."),
                ],
                shared_after: Some(1),
                ..P
            },
            ProposalSeed {
                title: "Une permanence sans rendez-vous",
                description: "Une matinée par semaine où l'on peut venir sans rendez-vous quand ça \
                    ne va vraiment pas.",
                theme: Theme::Accessibility,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Attendre trois semaines quand ça va très mal, c'est trop long."),
                    step(SentToManagement, "En attente de la réponse de la direction."),
                ],
                ..P
            },
            ProposalSeed {
                title: "Le trajet en bus remboursé les jours de comité",
                description: "Un aller-retour en bus, c'est cher quand on vit avec peu. Nous \
                    demandons que le trajet soit remboursé aux membres les jours de réunion du comité.",
                theme: Theme::Functioning,
                tags: &["mobilité"],
                steps: &[
                    step(Discussed, "Deux membres ne viennent plus pour cette raison."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Refused,
                        "La direction ne peut pas le payer sur le budget du service. Elle a demandé \
                         au CPAS si une aide est possible autrement et nous tiendra au courant.",
                    ),
                ],
                shared_after: Some(3),
                ..P
            },
            ProposalSeed {
                title: "Un atelier de relaxation",
                description: "Apprendre à respirer et à se détendre, en groupe, une fois par mois.",
                theme: Theme::WellBeing,
                origin: Origin::Member,
                ..P
            },
            ProposalSeed {
                title: "Traduire l'affiche d'accueil",
                description: "L'affiche de l'accueil en arabe, en turc et en italien, pour les \
                    personnes qui lisent mal le français.",
                theme: Theme::Communication,
                steps: &[step(Discussed, "Kevin connaît quelqu'un qui peut aider pour le turc.")],
                ..P
            },
        ],
        meetings: MeetingsSeed {
            title: "Comité d'usager·ères",
            place: "Salle Renaissance, CPAS de Charleroi",
            format: "réunion",
            weekday: 0,
            at: (13, 30),
            agenda: &[
                ("Accueil", None, None),
                ("Les plantes et les livres de la salle d'attente", None, Some(0)),
                (
                    "Le prix du bus pour venir au comité",
                    Some("Le trajet coûte cher : certain·es ne viennent plus."),
                    Some(2),
                ),
                ("Une permanence sans rendez-vous", None, Some(1)),
            ],
            decisions: &[
                (
                    "Samir demande à la direction où en est la commande des plantes et des livres.",
                    Some(0),
                ),
                ("La demande de remboursement des tickets de bus part à la direction.", Some(2)),
                ("La permanence sans rendez-vous est proposée à la direction.", Some(1)),
            ],
            minutes: "Présent·es : Michel, Tournesol, Brigitte, Samir, Kevin. Excusée : Colette.\n\n\
                Salle d'attente : les plantes sont commandées, les livres arrivent la semaine \
                prochaine.\n\n\
                Bus : un aller-retour en bus, c'est beaucoup quand on vit avec peu. Deux membres \
                ne viennent plus pour cette raison. On demande que le trajet soit remboursé les \
                jours de comité.\n\n\
                Sans rendez-vous : quand ça va très mal, attendre trois semaines, c'est trop long. \
                Une permanence une matinée par semaine aiderait.\n\n\
                Procès-verbal écrit par Brigitte.",
            secretary: 2,
            excused: 4,
            absent: None,
            next: &[
                ("Ce que la direction a répondu pour le bus", None, Some(2)),
                ("Traduire l'affiche d'accueil", None, Some(4)),
            ],
        },
    },
    // SSM du CPAS de Charleroi à Gosselies
    ServiceSeed {
        members: &[
            member("Nicole", Usager, No).designated(Delegate),
            member("Pinson", Usager, No).designated(Substitute),
            member("Didier", Usager, Yes).reachable("didier@exemple.be"),
            member("Laura", ProfessionnelDelegue, Yes),
            member("Mehmet", Usager, Yes),
            member("Ginette", Autre, No),
        ],
        proposals: &[
            ProposalSeed {
                title: "Un questionnaire de satisfaction chaque année",
                description: "Distribuer chaque année le questionnaire de satisfaction, avec l'urne \
                    à l'accueil, et en parler ensemble au comité.",
                theme: Theme::Functioning,
                tags: &["questionnaire", "urne"],
                steps: &[
                    step(Discussed, "Les réponses de cette année nous ont beaucoup appris."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Accepted,
                        "Accepté : le questionnaire sera distribué chaque printemps et l'urne \
                         restera à l'accueil.",
                    ),
                    step(InProgress, "Le questionnaire de cette année est à l'impression."),
                ],
                shared_after: Some(4),
                ..P
            },
            ProposalSeed {
                title: "Un banc devant l'entrée",
                description: "Certaines personnes attendent dehors et ne peuvent pas rester debout \
                    longtemps.",
                theme: Theme::Accessibility,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Important pour les personnes âgées."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Adapted,
                        "La Ville n'autorise pas de banc sur le trottoir : deux chaises sont \
                         installées dans le hall, près de la porte.",
                    ),
                    step(Realised, "Les chaises sont là."),
                ],
                ..P
            },
            ProposalSeed {
                title: "Des séances d'information sur les médicaments",
                description: "Un papier de l'urne : « J'aimerais comprendre à quoi servent mes \
                    médicaments, et leurs effets. »",
                theme: Theme::Care,
                origin: Origin::Anonymous,
                steps: &[step(Discussed, "À proposer à l'équipe médicale.")],
                ..P
            },
            ProposalSeed {
                title: "Un jardin partagé derrière le service",
                description: "Le terrain derrière le service est à l'abandon : un jardin partagé \
                    serait une belle chose.",
                theme: Theme::Activities,
                steps: &[
                    step(Discussed, "Laura se renseigne auprès de la Ville."),
                    step(
                        Abandoned,
                        "Le terrain appartient à la Ville, qui a d'autres projets. On cherchera \
                         un autre endroit.",
                    ),
                ],
                ..P
            },
        ],
        meetings: MeetingsSeed {
            title: "Comité d'usager·ères",
            place: "Salle d'attente, après la fermeture",
            format: "réunion",
            weekday: 3,
            at: (17, 0),
            agenda: &[
                ("Accueil et café", None, None),
                (
                    "Le questionnaire de satisfaction",
                    Some("Les réponses de l'urne ont été dépouillées : on les regarde ensemble."),
                    Some(0),
                ),
                ("Un banc devant l'entrée", None, Some(1)),
                ("Le jardin derrière le service", None, Some(3)),
            ],
            decisions: &[
                ("On demande que le questionnaire soit distribué chaque année.", Some(0)),
                ("La demande d'un banc part à la direction.", Some(1)),
                ("Laura se renseigne auprès de la Ville pour le terrain.", Some(3)),
            ],
            minutes: "Présent·es : Nicole, Pinson, Didier, Laura, Mehmet. Excusée : Ginette.\n\n\
                Questionnaire : 31 questionnaires ont été retrouvés dans l'urne. La plupart des \
                personnes se sentent bien accueillies, mais l'attente au téléphone est trop \
                longue. Huit personnes veulent rejoindre le comité !\n\n\
                Banc : certaines personnes attendent dehors et ne peuvent pas rester debout \
                longtemps. On demande un banc.\n\n\
                Jardin : le terrain derrière le service est à l'abandon. Un jardin partagé serait \
                une belle chose.\n\n\
                Procès-verbal écrit par Didier.",
            secretary: 2,
            excused: 5,
            absent: None,
            next: &[
                (
                    "Accueillir les nouveaux membres",
                    Some("Huit personnes ont répondu oui sur le questionnaire."),
                    None,
                ),
                ("Un questionnaire commun aux sept services ?", None, Some(0)),
            ],
        },
    },
    // SSM de Montignies-sur-Sambre
    ServiceSeed {
        members: &[
            member("Christian", Usager, Withdrawn).designated(Delegate),
            member("Lavande", Usager, No),
            member("Marie-Claire", Usager, Yes).designated(Substitute),
            member("Olivier", ProfessionnelDelegue, Yes),
            member("Fatima", Usager, Yes).reachable("0477 12 12 12, le soir après 18 h"),
            member("Jordan", Usager, No),
            member("Monique", Autre, No),
        ],
        proposals: &[
            ProposalSeed {
                title: "Ouvrir le jeudi jusqu'à 20 h",
                description: "Pour les personnes qui travaillent ou étudient : un soir par semaine, \
                    le jeudi, des rendez-vous possibles jusqu'à 20 h.",
                theme: Theme::Accessibility,
                tags: &["horaires", "travail"],
                steps: &[
                    step(Discussed, "Fatima en parle depuis des mois."),
                    step(SentToManagement, "Envoyée à la direction."),
                ],
                shared_after: Some(2),
                ..P
            },
            ProposalSeed {
                title: "Un accueil téléphonique plus humain",
                description: "On tombe souvent sur un répondeur sans savoir quand rappeler.",
                theme: Theme::Reception,
                origin: Origin::Member,
                steps: &[
                    step(Discussed, "Beaucoup de membres l'ont vécu."),
                    step(SentToManagement, "Olivier transmet."),
                    answer(
                        Adapted,
                        "Il n'y aura pas de standard sur le temps de midi, mais un message clair \
                         dira quand rappeler, et l'accueil promet de rappeler le jour même.",
                    ),
                    step(InProgress, "Le nouveau message est enregistré."),
                ],
                ..P
            },
            ProposalSeed {
                title: "Des balades le long de la Sambre",
                description: "Marcher ensemble une heure, le long de la Sambre, une fois par mois.",
                theme: Theme::WellBeing,
                steps: &[
                    step(Discussed, "Bouger ensemble, ça fait du bien."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(Accepted, "Avec plaisir : Olivier accompagne la première balade."),
                    step(Realised, "Première balade faite, douze participant·es !"),
                ],
                ..P
            },
            ProposalSeed {
                title: "Une carte des aides du quartier",
                description: "Une carte simple avec les adresses utiles du quartier : épicerie \
                    sociale, maison médicale, CPAS, associations.",
                theme: Theme::Communication,
                origin: Origin::Member,
                ..P
            },
            ProposalSeed {
                title: "Une salle d'attente pour les enfants",
                description: "Les enfants attendent avec les adultes, parfois dans des moments \
                    difficiles. Nous demandons une salle à part.",
                theme: Theme::Reception,
                steps: &[
                    step(Discussed, "Les parents du comité y tiennent."),
                    step(SentToManagement, "Envoyée à la direction."),
                    answer(
                        Refused,
                        "Le bâtiment n'a pas de pièce libre. La direction propose un coin enfants, \
                         séparé par des meubles, dans la salle actuelle.",
                    ),
                ],
                shared_after: Some(3),
                ..P
            },
        ],
        meetings: MeetingsSeed {
            title: "Comité d'usager·ères",
            place: "Salle du premier, SSM de Montignies",
            format: "réunion",
            weekday: 1,
            at: (18, 0),
            agenda: &[
                ("Accueil", None, None),
                (
                    "Ouvrir le jeudi soir",
                    Some("Plusieurs membres travaillent et ne peuvent venir qu'après 17 h."),
                    Some(0),
                ),
                ("Le téléphone qui sonne dans le vide", None, Some(1)),
                ("Une salle pour les enfants", None, Some(4)),
            ],
            decisions: &[
                ("La proposition d'ouvrir le jeudi jusqu'à 20 h part à la direction.", Some(0)),
                ("Olivier transmet les remarques sur l'accueil téléphonique.", Some(1)),
                ("La demande d'une salle d'attente pour les enfants part à la direction.", Some(4)),
            ],
            minutes: "Présent·es : Christian, Lavande, Marie-Claire, Olivier, Fatima. \
                Excusée : Monique. Absent : Jordan.\n\n\
                Jeudi soir : Fatima et Christian travaillent ; venir en journée, c'est perdre des \
                heures. On propose d'ouvrir le jeudi jusqu'à 20 h.\n\n\
                Téléphone : on tombe souvent sur un répondeur sans savoir quand rappeler. On \
                voudrait un accueil plus humain.\n\n\
                Enfants : les enfants attendent avec les adultes, parfois dans des moments \
                difficiles. On demande une salle à part.\n\n\
                Procès-verbal écrit par Fatima.",
            secretary: 4,
            excused: 6,
            absent: Some(5),
            next: &[
                ("Le jeudi soir : la réponse de la direction", None, Some(0)),
                ("Une carte des aides du quartier", None, Some(3)),
            ],
        },
    },
];

// ---------------------------------------------------------------------------
// What travels between the services and the hub.

/// A committee supports another service's shared proposal.
struct SupportSeed {
    by: usize,
    /// (service, proposal index).
    of: (usize, usize),
    comment: Option<&'static str>,
}

static SUPPORTS: [SupportSeed; 11] = [
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
        comment: None,
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
        comment: None,
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

/// An item a committee proposes for the next joint meeting.
struct ItemSeed {
    by: usize,
    title: &'static str,
    description: &'static str,
    /// One of its own shared proposals.
    about: usize,
}

/// The first goes on the next joint agenda; the second stays in the
/// coordinator's list of proposed items.
static ITEMS: [ItemSeed; 2] = [
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
struct SubjectSeed {
    title: &'static str,
    proposals: [(usize, usize); 2],
}

/// Discussed at the first joint breakfast (in the past).
const PAST_SUBJECT: SubjectSeed = SubjectSeed {
    title: "Des salles d'attente plus accueillantes",
    proposals: [(LA_PIOCHE, 0), (CPAS, 0)],
};

/// On the next joint breakfast's agenda.
const NEXT_SUBJECT: SubjectSeed = SubjectSeed {
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

// ---------------------------------------------------------------------------
// What was created, for the demo's banner and the test.

/// What the seeding created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub members: usize,
    pub proposals: usize,
    pub shared: usize,
    pub supports: usize,
    pub items: usize,
    pub subjects: usize,
    /// The next joint meeting: its id and when it starts (Unix seconds).
    pub next_meeting: Option<(Uuid, i64)>,
    /// Titles of the next joint meeting's agenda, in order.
    pub next_agenda: Vec<String>,
}

impl Summary {
    /// The summary in plain French, a few lines.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![
            "Déjà dans la démonstration :".to_owned(),
            format!(
                "  • 7 comités locaux, {} membres (prénoms ou pseudonymes ; un nom ne sort du \
                 service qu'avec l'accord de la personne), un·e délégué·e et un·e suppléant·e par comité ;",
                self.members
            ),
            "  • dans chaque comité, 3 réunions : la première avec son procès-verbal écrit par \
             un·e usager·ère, adopté à la deuxième et envoyé à la direction ; la troisième est à venir ;"
                .to_owned(),
            format!(
                "  • {} propositions à toutes les étapes (idée, discutée, envoyée à la direction, \
                 acceptée, adaptée, refusée, en cours, réalisée, abandonnée), dont {} partagées \
                 avec le comité inter-SSM ;",
                self.proposals, self.shared
            ),
            format!(
                "  • {} soutiens entre services, {} points proposés pour l'ordre du jour commun, \
                 {} sujets communs reliés par la coordination ;",
                self.supports, self.items, self.subjects
            ),
        ];
        if let Some((_, starts_at)) = self.next_meeting {
            out.push(format!(
                "  • un premier petit-déjeuner inter-SSM passé, avec ses décisions, et le \
                 prochain : « {} », {}, {}.",
                NEXT_MEETING.0,
                when_fr(starts_at),
                NEXT_MEETING.1
            ));
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Dates.

/// Midnight UTC, `days` from today, plus a Belgian local time (UTC+1,
/// close enough for a demo).
fn day_at(days: i64, (hour, minute): (i64, i64)) -> i64 {
    let midnight = time::OffsetDateTime::now_utc()
        .date()
        .midnight()
        .assume_utc()
        .unix_timestamp();
    midnight + days * 86_400 + (hour - 1) * 3600 + minute * 60
}

/// `days` from today, moved forward to the next `weekday` (0: Monday),
/// a week later while that is a fixed Belgian public holiday, at a local time.
fn on_weekday(days: i64, weekday: i64, at: (i64, i64)) -> i64 {
    const HOLIDAYS: [(u8, u8); 7] = [
        (1, 1),
        (5, 1),
        (7, 21),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
    ];
    let today = time::OffsetDateTime::now_utc().date();
    let date = today + time::Duration::days(days);
    let mut days =
        days + (weekday - i64::from(date.weekday().number_days_from_monday())).rem_euclid(7);
    let holiday = |d: time::Date| HOLIDAYS.contains(&(u8::from(d.month()), d.day()));
    // Christmas and New Year's Day fall on the same weekday: look again.
    while holiday(today + time::Duration::days(days)) {
        days += 7;
    }
    day_at(days, at)
}

fn today_plus(days: i64) -> Date {
    Date::from_inner(time::OffsetDateTime::now_utc().date() + time::Duration::days(days))
}

/// "jeudi 4 décembre", in Belgian local time.
pub fn date_fr(unix: i64) -> String {
    const DAYS: [&str; 7] = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(utc) => {
            let t = utc.to_offset(passerelle_core::clock::brussels_offset(utc));
            format!(
                "{} {} {}",
                DAYS[usize::from(t.weekday().number_days_from_monday())],
                t.day(),
                passerelle_web::pages::FRENCH_MONTHS[usize::from(u8::from(t.month())) - 1]
            )
        }
        Err(_) => unix.to_string(),
    }
}

/// "jeudi 4 décembre à 9 h 30".
fn when_fr(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix + 3600) {
        Ok(t) if t.minute() == 0 => format!("{} à {} h", date_fr(unix), t.hour()),
        Ok(t) => format!("{} à {} h {:02}", date_fr(unix), t.hour(), t.minute()),
        Err(_) => date_fr(unix),
    }
}

// ---------------------------------------------------------------------------
// Waiting for the other nodes.

/// Polls `ready` until it holds, at most [`PATIENCE`].
async fn eventually<F, Fut>(what: &str, mut ready: F) -> Result<(), NodeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, NodeError>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if ready().await? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(NodeError::remote(format!(
                "démonstration : {what}, toujours pas arrivé après {} s",
                PATIENCE.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether `node` received the shared proposal `r` through the federation.
async fn has_received(node: &Node, r: &ProposalRef) -> Result<bool, NodeError> {
    let mut conn = node.db.pool().acquire().await?;
    let id = r.proposal.hyphenated().to_string();
    Ok(federated::list(&mut conn)
        .await?
        .iter()
        .any(|p| p.service_id == r.service.as_str() && p.proposal_id == id))
}

/// Whether the hub received the proposed agenda item `item`.
async fn hub_has_item(hub: &Node, item: Uuid) -> Result<bool, NodeError> {
    let mut conn = hub.db.pool().acquire().await?;
    Ok(hub::proposed_agenda_items(&mut conn)
        .await?
        .iter()
        .any(|i| i.id == item))
}

/// Whether `service` sent everything it has and received everything the
/// hub holds from the others.
async fn settled(hub: &Node, service: &Node) -> Result<bool, NodeError> {
    let me = service.id().as_str();
    let mut conn = service.db.pool().acquire().await?;
    let head = log::head(&mut conn, me).await?.map_or(0, |h| h.seq);
    let state = sync_state::get(&mut conn, HUB.0).await?;
    drop(conn);
    if u64::try_from(state.acked_seq).unwrap_or(0) < head {
        return Ok(false);
    }
    let mut conn = hub.db.pool().acquire().await?;
    Ok(log::feed_after(&mut conn, state.feed_cursor, me, 1)
        .await?
        .is_empty())
}

// ---------------------------------------------------------------------------
// Seeding.

fn proposal_ref(ids: &[Vec<Uuid>], (service, n): (usize, usize)) -> Result<ProposalRef, NodeError> {
    let proposal = ids
        .get(service)
        .and_then(|list| list.get(n))
        .copied()
        .ok_or_else(|| NodeError::config(format!("demo: no proposal {n} of service {service}")))?;
    Ok(ProposalRef {
        service: NodeId::parse(SERVICES[service].0)?,
        proposal,
    })
}

/// Seeds the seven services and the hub, in causal order, and returns once
/// every node has sent and received everything.
pub(super) async fn seed(hub: &Running, services: &[Running]) -> Result<Summary, NodeError> {
    let mut summary = Summary::default();

    // 1. Each committee's own life; what it shares leaves as it happens.
    let mut ids: Vec<Vec<Uuid>> = Vec::with_capacity(services.len());
    for (n, (service, content)) in services.iter().zip(CONTENT.iter()).enumerate() {
        let members = seed_members(&service.node, content).await?;
        let mut proposals = Vec::with_capacity(content.proposals.len());
        for p in content.proposals {
            proposals.push(seed_proposal(&service.node, p).await?);
        }
        seed_meetings(&service.node, content, n as i64, &members, &proposals).await?;
        summary.members += members.len();
        summary.proposals += proposals.len();
        summary.shared += content
            .proposals
            .iter()
            .filter(|p| p.shared_after.is_some())
            .count();
        ids.push(proposals);
    }

    // 2. Items proposed for the next joint meeting.
    let mut items = Vec::with_capacity(ITEMS.len());
    for item in &ITEMS {
        let about = proposal_ref(&ids, (item.by, item.about))?;
        let node = &services[item.by].node;
        let id = actions::joint::propose_item(
            node,
            &admin(node).await?,
            item.title,
            Some(item.description),
            Some(about),
            None,
        )
        .await?;
        items.push(id);
    }
    summary.items = items.len();

    // 3. Committees support other services' proposals, once received.
    for s in &SUPPORTS {
        let r = proposal_ref(&ids, s.of)?;
        let node = &services[s.by].node;
        eventually(
            &format!(
                "la proposition {} de {} chez {}",
                r.proposal, r.service, SERVICES[s.by].0
            ),
            || has_received(node, &r),
        )
        .await?;
        let comment = s.comment.map(str::to_owned);
        actions::joint::support(node, &admin(node).await?, r, comment).await?;
        summary.supports += 1;
    }

    // 4. Management answers a shared proposal: the update travels too.
    for ((service, content), proposals) in services.iter().zip(CONTENT.iter()).zip(&ids) {
        for (p, id) in content.proposals.iter().zip(proposals) {
            if !p.later.is_empty() {
                move_along(&service.node, *id, p.later).await?;
            }
        }
    }

    // 5. The coordinator: subjects, the first joint breakfast and its
    //    decisions, the next one with its agenda.
    seed_hub(&hub.node, &ids, &items, &mut summary).await?;

    // 6. Everyone has sent and received everything.
    for service in services {
        eventually(
            &format!("la synchronisation de {}", service.node.id()),
            || settled(&hub.node, &service.node),
        )
        .await?;
    }
    Ok(summary)
}

/// The demo's administrator of `node`: the one who acts in the story.
async fn admin(node: &Node) -> Result<Actor, NodeError> {
    accounts::list(&node.db)
        .await?
        .into_iter()
        .find(|a| a.username == ACTOR)
        .map(Actor::new)
        .ok_or_else(|| NodeError::config(format!("{} has no account {ACTOR:?}", node.id())))
}

/// Members, their consent, contact details, and the delegate and substitute.
async fn seed_members(node: &Node, content: &'static ServiceSeed) -> Result<Vec<Uuid>, NodeError> {
    let admin = admin(node).await?;
    let term_start = today_plus(-120);
    let mut ids = Vec::with_capacity(content.members.len());
    for m in content.members {
        let new = NewMember {
            display_name: m.name.to_owned(),
            role: m.role,
            contact: m.contact.map(str::to_owned),
            consent: m.consent != No,
        };
        let id = actions::committee::add_member(node, &admin, &new).await?;
        if let Some(role) = m.designation {
            actions::committee::designate(node, &admin, id, role, term_start, None).await?;
        }
        if m.consent == Withdrawn {
            actions::committee::set_consent(node, &admin, id, false).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A proposal, moved along its steps, shared at its moment.
async fn seed_proposal(node: &Node, p: &'static ProposalSeed) -> Result<Uuid, NodeError> {
    let admin = admin(node).await?;
    let new = NewProposal {
        title: p.title.to_owned(),
        description: p.description.to_owned(),
        theme: p.theme,
        tags: p.tags.iter().map(|t| (*t).to_owned()).collect(),
        origin: p.origin,
    };
    let id = actions::proposals::create(node, &admin, &new).await?;
    for (done, s) in p.steps.iter().enumerate() {
        if p.shared_after == Some(done) {
            actions::proposals::share(node, &admin, id).await?;
        }
        take_step(node, &admin, id, s).await?;
    }
    if p.shared_after == Some(p.steps.len()) {
        actions::proposals::share(node, &admin, id).await?;
    }
    Ok(id)
}

/// Moves an existing proposal along `steps`.
async fn move_along(node: &Node, id: Uuid, steps: &'static [Step]) -> Result<(), NodeError> {
    let admin = admin(node).await?;
    for s in steps {
        take_step(node, &admin, id, s).await?;
    }
    Ok(())
}

async fn take_step(node: &Node, admin: &Actor, id: Uuid, s: &Step) -> Result<(), NodeError> {
    let (comment, answer) = (s.comment.map(str::to_owned), s.answer.map(str::to_owned));
    actions::proposals::change_status(node, admin, id, s.to, comment, answer).await
}

fn agenda_item(item: &Item, proposals: &[Uuid]) -> NewAgendaItem {
    let (title, description, proposal) = item;
    NewAgendaItem {
        title: (*title).to_owned(),
        description: description.map(str::to_owned),
        proposal: proposal.and_then(|n| proposals.get(n).copied()),
    }
}

/// Three meetings: the first (past) with its agenda, attendance,
/// decisions and minutes; the second (past) adopted them, and they went to
/// management; the third is coming.
async fn seed_meetings(
    node: &Node,
    content: &'static ServiceSeed,
    n: i64,
    members: &[Uuid],
    proposals: &[Uuid],
) -> Result<(), NodeError> {
    let admin = admin(node).await?;
    let a = &admin;
    let m = &content.meetings;
    // Before the first joint breakfast, after it, and before the next one.
    let times = [
        on_weekday(-42 - n, m.weekday, m.at),
        on_weekday(-21 - n, m.weekday, m.at),
        on_weekday(4 + n, m.weekday, m.at),
    ];
    let new = |starts_at: i64| NewMeeting {
        title: format!("{} du {}", m.title, date_fr(starts_at)),
        starts_at,
        place: m.place.to_owned(),
        format: m.format.to_owned(),
    };
    let secretary = members.get(m.secretary).copied();

    // The first meeting.
    let first = actions::meetings::create(node, a, &new(times[0])).await?;
    for item in m.agenda {
        actions::meetings::add_agenda_item(node, a, first, &agenda_item(item, proposals)).await?;
    }
    for (i, member) in members.iter().enumerate() {
        let status = if i == m.excused {
            AttendanceStatus::Excused
        } else if Some(i) == m.absent {
            AttendanceStatus::Absent
        } else {
            AttendanceStatus::Present
        };
        actions::meetings::record_attendance(node, a, first, *member, status).await?;
    }
    for (text, p) in m.decisions {
        let p = p.and_then(|n| proposals.get(n).copied());
        actions::meetings::record_decision(node, a, first, text, p).await?;
    }
    actions::meetings::draft_minutes(node, a, first, m.minutes, secretary).await?;

    // The second: the first one's minutes are adopted, then sent.
    let second = actions::meetings::create(node, a, &new(times[1])).await?;
    let first_day = date_fr(times[0]);
    let second_items = [
        format!("Adoption du procès-verbal du {first_day}"),
        "Les réponses de la direction".to_owned(),
        "Nouvelles du premier petit-déjeuner inter-SSM".to_owned(),
    ];
    for title in second_items {
        let item = NewAgendaItem {
            title,
            description: None,
            proposal: None,
        };
        actions::meetings::add_agenda_item(node, a, second, &item).await?;
    }
    let excused = (m.excused + 1) % members.len().max(1);
    for (i, member) in members.iter().enumerate() {
        let status = if i == excused {
            AttendanceStatus::Excused
        } else {
            AttendanceStatus::Present
        };
        actions::meetings::record_attendance(node, a, second, *member, status).await?;
    }
    actions::meetings::adopt_minutes(node, a, first, second).await?;
    actions::meetings::send_minutes(node, a, first).await?;
    actions::meetings::record_decision(
        node,
        a,
        second,
        &format!(
            "Le procès-verbal du {first_day} est adopté sans changement et envoyé à la direction."
        ),
        None,
    )
    .await?;
    let present = members.len().saturating_sub(1);
    actions::meetings::draft_minutes(
        node,
        a,
        second,
        &format!(
            "{present} membres présent·es, une personne excusée.\n\n\
             Le procès-verbal du {first_day} est adopté sans changement ; il part à la \
             direction.\n\n\
             Nos délégué·es racontent le premier petit-déjeuner inter-SSM : les sept \
             services étaient là, et les salles d'attente étaient au cœur des échanges.\n\n\
             Procès-verbal à adopter à la prochaine réunion."
        ),
        secretary,
    )
    .await?;

    // The third is coming.
    let third = actions::meetings::create(node, a, &new(times[2])).await?;
    let adopt = NewAgendaItem {
        title: format!("Adoption du procès-verbal du {}", date_fr(times[1])),
        description: None,
        proposal: None,
    };
    actions::meetings::add_agenda_item(node, a, third, &adopt).await?;
    for item in m.next {
        actions::meetings::add_agenda_item(node, a, third, &agenda_item(item, proposals)).await?;
    }
    let joint = NewAgendaItem {
        title: "Préparer le prochain petit-déjeuner inter-SSM".to_owned(),
        description: Some(
            "Qu'est-ce que nos délégué·es y porteront ? Quelles propositions des autres \
             services voulons-nous soutenir ?"
                .to_owned(),
        ),
        proposal: None,
    };
    actions::meetings::add_agenda_item(node, a, third, &joint).await?;
    Ok(())
}

/// Joint breakfasts take place on Thursdays.
const THURSDAY: i64 = 3;

/// The coordinator's side of the story.
async fn seed_hub(
    hub: &Node,
    ids: &[Vec<Uuid>],
    items: &[Uuid],
    summary: &mut Summary,
) -> Result<(), NodeError> {
    let refs = |s: &SubjectSeed| -> Result<Vec<ProposalRef>, NodeError> {
        s.proposals.iter().map(|&p| proposal_ref(ids, p)).collect()
    };
    let coordinator = &coordinator(hub).await?;
    let past_refs = refs(&PAST_SUBJECT)?;
    let next_refs = refs(&NEXT_SUBJECT)?;
    for r in past_refs.iter().chain(&next_refs) {
        eventually(
            &format!("la proposition {} de {} au hub", r.proposal, r.service),
            || has_received(hub, r),
        )
        .await?;
    }

    // The first joint breakfast, about five weeks ago, and what it decided.
    let past_subject =
        actions::hub::create_subject(hub, coordinator, PAST_SUBJECT.title, &past_refs).await?;
    let past = create_meeting(
        hub,
        coordinator,
        MeetingDetails {
            title: PAST_MEETING.to_owned(),
            starts_at: Timestamp::from_unix(on_weekday(-36, THURSDAY, (9, 0)))?,
            ends_at: Some(Timestamp::from_unix(on_weekday(-36, THURSDAY, (11, 30)))?),
            place: "SSM provincial de Courcelles".to_owned(),
            format: "petit-déjeuner".to_owned(),
        },
        vec![
            AgendaEntryInput::Free {
                title: "Tour de table : comment vont nos comités ?".to_owned(),
                description: Some(
                    "Chaque service présente son comité en quelques mots.".to_owned(),
                ),
            },
            AgendaEntryInput::Subject {
                subject: past_subject,
            },
        ],
    )
    .await?;
    actions::hub::publish(hub, coordinator, past).await?;
    let outcomes = vec![OutcomeInput {
        subject: Some(past_subject),
        proposals: Vec::new(),
        decision: "Chaque comité fait le tour de sa salle d'attente avec deux usager·ères et note \
                   trois changements simples. La Pioche et le CPAS de Charleroi partagent leurs \
                   listes d'achats et leurs photos."
            .to_owned(),
    }];
    actions::hub::record_outcomes(
        hub,
        coordinator,
        past,
        "Vingt personnes présentes, des sept services, autour d'un petit-déjeuner préparé \
         par le comité de Courcelles.\n\n\
         Tour de table : les comités ont démarré à des rythmes différents ; tous ont \
         distribué le questionnaire de satisfaction et installé une urne.\n\n\
         Salles d'attente : La Pioche et le CPAS de Charleroi racontent ce qu'ils ont \
         changé. Tout le monde a envie de faire pareil.\n\n\
         Prochain petit-déjeuner : à La Pioche, à Marchienne-au-Pont.",
        &outcomes,
    )
    .await?;

    // The next joint breakfast: welcome, the subject, the proposed item.
    let next_subject =
        actions::hub::create_subject(hub, coordinator, NEXT_SUBJECT.title, &next_refs).await?;
    let item = items
        .first()
        .copied()
        .ok_or_else(|| NodeError::config("demo: no proposed agenda item"))?;
    eventually(
        "le point proposé par le Centre de Guidance, au hub",
        || hub_has_item(hub, item),
    )
    .await?;
    let starts_at = on_weekday(22, THURSDAY, (9, 30));
    let next = create_meeting(
        hub,
        coordinator,
        MeetingDetails {
            title: NEXT_MEETING.0.to_owned(),
            starts_at: Timestamp::from_unix(starts_at)?,
            ends_at: Some(Timestamp::from_unix(on_weekday(22, THURSDAY, (12, 0)))?),
            place: NEXT_MEETING.1.to_owned(),
            format: NEXT_MEETING.2.to_owned(),
        },
        vec![
            AgendaEntryInput::Free {
                title: WELCOME.to_owned(),
                description: Some(
                    "Café, thé, jus et croissants ; on fait connaissance avec les nouveaux délégué·es."
                        .to_owned(),
                ),
            },
            AgendaEntryInput::Subject {
                subject: next_subject,
            },
            AgendaEntryInput::Item { item },
        ],
    )
    .await?;
    actions::hub::publish(hub, coordinator, next).await?;

    summary.subjects = 2;
    summary.next_meeting = Some((next, starts_at));
    summary.next_agenda = vec![
        WELCOME.to_owned(),
        NEXT_SUBJECT.title.to_owned(),
        ITEMS[0].title.to_owned(),
    ];
    Ok(())
}

/// The hub's coordinator: the demo's account on the hub.
async fn coordinator(hub: &Node) -> Result<Actor, NodeError> {
    accounts::list(&hub.db)
        .await?
        .into_iter()
        .find(|a| a.username == ACTOR)
        .map(Actor::new)
        .ok_or_else(|| NodeError::config("demo: the hub has no coordinator account"))
}

/// A draft with its agenda (nothing announced yet).
async fn create_meeting(
    hub: &Node,
    coordinator: &Actor,
    details: MeetingDetails,
    agenda: Vec<AgendaEntryInput>,
) -> Result<Uuid, NodeError> {
    let id = actions::hub::create_draft(hub, coordinator, &details).await?;
    actions::hub::set_agenda(hub, coordinator, id, &agenda).await?;
    Ok(id)
}

#[cfg(test)]
pub(super) mod content {
    //! The seed data, for the demo's test.
    use super::*;

    /// (service id, member name, consent now, contact) for every member.
    pub fn members() -> Vec<(&'static str, &'static str, bool, Option<&'static str>)> {
        CONTENT
            .iter()
            .zip(SERVICES.iter())
            .flat_map(|(c, (id, _))| {
                c.members
                    .iter()
                    .map(move |m| (*id, m.name, m.consent == Yes, m.contact))
            })
            .collect()
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn french_dates_in_belgian_time() {
        let t = time::macros::datetime!(2026-12-17 08:30 UTC).unix_timestamp();
        assert_eq!(date_fr(t), "jeudi 17 décembre");
        assert_eq!(when_fr(t), "jeudi 17 décembre à 9 h 30");
        let t = time::macros::datetime!(2026-11-02 13:00 UTC).unix_timestamp();
        assert_eq!(when_fr(t), "lundi 2 novembre à 14 h");
    }

    #[test]
    fn meetings_fall_on_their_day_and_not_on_a_holiday() {
        for days in -60..60 {
            for weekday in 0..5 {
                let t = on_weekday(days, weekday, (10, 0));
                let local = time::OffsetDateTime::from_unix_timestamp(t + 3600).unwrap();
                assert_eq!(
                    i64::from(local.weekday().number_days_from_monday()),
                    weekday
                );
                assert_eq!((local.hour(), local.minute()), (10, 0));
                assert!(!matches!(
                    (u8::from(local.month()), local.day()),
                    (11, 11) | (11, 1) | (12, 25) | (1, 1)
                ));
                let earliest = day_at(days, (10, 0));
                assert!(t >= earliest && t <= earliest + 20 * 86_400);
            }
        }
    }
}
