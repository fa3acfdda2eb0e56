//! The words people read for the protocol's values: one place, so that the
//! service's pages, the hub's pages and the exports always say the same thing.

use passerelle_protocol::body::{Origin, ProposalStatus, Theme};

/// Every theme, in the order of the lists.
pub const THEMES: [Theme; 8] = [
    Theme::Accessibility,
    Theme::Reception,
    Theme::Care,
    Theme::WellBeing,
    Theme::Functioning,
    Theme::Activities,
    Theme::Communication,
    Theme::Other,
];

/// Every status, in the order of a proposal's life.
pub const STATUSES: [ProposalStatus; 9] = [
    ProposalStatus::Idea,
    ProposalStatus::Discussed,
    ProposalStatus::SentToManagement,
    ProposalStatus::Accepted,
    ProposalStatus::Adapted,
    ProposalStatus::Refused,
    ProposalStatus::InProgress,
    ProposalStatus::Realised,
    ProposalStatus::Abandoned,
];

pub fn theme_label(theme: Theme) -> &'static str {
    match theme {
        Theme::Accessibility => "Accessibilité",
        Theme::Reception => "Accueil",
        Theme::Care => "Soins",
        Theme::WellBeing => "Bien-être",
        Theme::Functioning => "Fonctionnement du service",
        Theme::Activities => "Activités",
        Theme::Communication => "Communication",
        Theme::Other => "Autre",
    }
}

pub fn status_label(status: ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::Idea => "Idée",
        ProposalStatus::Discussed => "Discutée en comité",
        ProposalStatus::SentToManagement => "Envoyée à la direction",
        ProposalStatus::Accepted => "Acceptée par la direction",
        ProposalStatus::Adapted => "Acceptée avec des changements",
        ProposalStatus::Refused => "Refusée par la direction",
        ProposalStatus::InProgress => "En cours",
        ProposalStatus::Realised => "Réalisée",
        ProposalStatus::Abandoned => "Abandonnée",
    }
}

pub fn origin_label(origin: Origin) -> &'static str {
    match origin {
        Origin::Member => "Un·e membre du comité",
        Origin::Committee => "Le comité",
        Origin::Anonymous => "Anonyme (papier de l'urne)",
    }
}
