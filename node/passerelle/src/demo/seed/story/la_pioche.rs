//! SSM « La Pioche » (Marchienne-au-Pont): its committee's members, proposals and meetings.

use super::*;

pub(super) const SEED: ServiceSeed = ServiceSeed {
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
};
