//! SSM provincial de Courcelles: its committee's members, proposals and meetings.

use super::*;

pub(super) const SEED: ServiceSeed = ServiceSeed {
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
};
