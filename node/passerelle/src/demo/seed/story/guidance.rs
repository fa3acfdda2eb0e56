//! Centre de Guidance de Charleroi (enfants, ados, parents): its committee's members, proposals and meetings.

use super::*;

pub(super) const SEED: ServiceSeed = ServiceSeed {
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
};
