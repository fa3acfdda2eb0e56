//! SSM du CPAS de Charleroi à Gosselies: its committee's members, proposals and meetings.

use super::*;

pub(super) const SEED: ServiceSeed = ServiceSeed {
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
                step(
                    Discussed,
                    "Les réponses de cette année nous ont beaucoup appris.",
                ),
                step(SentToManagement, "Envoyée à la direction."),
                answer(
                    Accepted,
                    "Accepté : le questionnaire sera distribué chaque printemps et l'urne \
                     restera à l'accueil.",
                ),
                step(
                    InProgress,
                    "Le questionnaire de cette année est à l'impression.",
                ),
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
            (
                "On demande que le questionnaire soit distribué chaque année.",
                Some(0),
            ),
            ("La demande d'un banc part à la direction.", Some(1)),
            (
                "Laura se renseigne auprès de la Ville pour le terrain.",
                Some(3),
            ),
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
};
