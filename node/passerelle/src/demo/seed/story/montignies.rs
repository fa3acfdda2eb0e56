//! SSM de Montignies-sur-Sambre: its committee's members, proposals and meetings.

use super::*;

pub(super) const SEED: ServiceSeed = ServiceSeed {
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
                answer(
                    Accepted,
                    "Avec plaisir : Olivier accompagne la première balade.",
                ),
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
            (
                "La proposition d'ouvrir le jeudi jusqu'à 20 h part à la direction.",
                Some(0),
            ),
            (
                "Olivier transmet les remarques sur l'accueil téléphonique.",
                Some(1),
            ),
            (
                "La demande d'une salle d'attente pour les enfants part à la direction.",
                Some(4),
            ),
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
};
