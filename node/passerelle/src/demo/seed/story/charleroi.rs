//! SSM provincial de Charleroi: its committee's members, proposals and meetings.

use super::*;

pub(super) const SEED: ServiceSeed = ServiceSeed {
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
};
