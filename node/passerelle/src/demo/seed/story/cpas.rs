//! SSM du CPAS de Charleroi: its committee's members, proposals and meetings.

use super::*;

pub(super) const SEED: ServiceSeed = ServiceSeed {
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
                step(
                    Discussed,
                    "Attendre trois semaines quand ça va très mal, c'est trop long.",
                ),
                step(
                    SentToManagement,
                    "En attente de la réponse de la direction.",
                ),
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
                step(
                    Discussed,
                    "Deux membres ne viennent plus pour cette raison.",
                ),
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
            steps: &[step(
                Discussed,
                "Kevin connaît quelqu'un qui peut aider pour le turc.",
            )],
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
            (
                "Les plantes et les livres de la salle d'attente",
                None,
                Some(0),
            ),
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
            (
                "La demande de remboursement des tickets de bus part à la direction.",
                Some(2),
            ),
            (
                "La permanence sans rendez-vous est proposée à la direction.",
                Some(1),
            ),
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
};
