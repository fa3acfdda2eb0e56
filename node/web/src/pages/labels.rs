//! The words people read for the protocol's and the domain's values: one
//! place, so that the service's pages, the hub's pages and the exports
//! always say the same thing, in the page's language.

use passerelle_protocol::body::{DelegateRole, Origin, ProposalStatus, Stance, Theme};

use super::Locale;
use passerelle_core::domain::joint::Concern;
use passerelle_core::domain::meetings::{AttendanceStatus, MinutesStatus};
use passerelle_core::domain::members::MemberRole;
use passerelle_core::domain::positions::Sharing;
use passerelle_core::fed::stuck::StuckReason;

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

pub fn theme_label(theme: Theme, loc: Locale) -> &'static str {
    match theme {
        Theme::Accessibility => loc.t("Accessibilité"),
        // « Accueil » is also the home page: the theme has its own English.
        Theme::Reception => loc.tc("thème", "Accueil"),
        Theme::Care => loc.t("Soins"),
        Theme::WellBeing => loc.t("Bien-être"),
        Theme::Functioning => loc.t("Fonctionnement du service"),
        Theme::Activities => loc.t("Activités"),
        Theme::Communication => loc.t("Communication"),
        Theme::Other => loc.t("Autre"),
    }
}

pub fn status_label(status: ProposalStatus, loc: Locale) -> &'static str {
    match status {
        ProposalStatus::Idea => loc.t("Idée"),
        ProposalStatus::Discussed => loc.t("Discutée en comité"),
        ProposalStatus::SentToManagement => loc.t("Envoyée à la direction"),
        ProposalStatus::Accepted => loc.t("Acceptée par la direction"),
        ProposalStatus::Adapted => loc.t("Acceptée avec des changements"),
        ProposalStatus::Refused => loc.t("Refusée par la direction"),
        ProposalStatus::InProgress => loc.t("En cours"),
        ProposalStatus::Realised => loc.t("Réalisée"),
        ProposalStatus::Abandoned => loc.t("Abandonnée"),
    }
}

pub fn origin_label(origin: Origin, loc: Locale) -> &'static str {
    match origin {
        Origin::Member => loc.t("Un·e membre du comité"),
        Origin::Committee => loc.t("Le comité"),
        Origin::Anonymous => loc.t("Anonyme (papier de l'urne)"),
    }
}

pub fn member_role_label(role: MemberRole, loc: Locale) -> &'static str {
    match role {
        MemberRole::Usager => loc.t("Usager·ère"),
        MemberRole::ProfessionnelDelegue => loc.t("Professionnel·le délégué·e"),
        MemberRole::Autre => loc.t("Autre"),
    }
}

pub fn delegate_role_label(role: DelegateRole, loc: Locale) -> &'static str {
    match role {
        DelegateRole::Delegate => loc.t("Délégué·e"),
        DelegateRole::Substitute => loc.t("Suppléant·e"),
    }
}

pub fn attendance_label(status: AttendanceStatus, loc: Locale) -> &'static str {
    match status {
        AttendanceStatus::Present => loc.t("Présent·e"),
        AttendanceStatus::Excused => loc.t("Excusé·e"),
        AttendanceStatus::Absent => loc.t("Absent·e"),
    }
}

pub fn minutes_label(status: Option<MinutesStatus>, loc: Locale) -> &'static str {
    match status {
        None => loc.t("Pas encore écrit"),
        Some(MinutesStatus::Draft) => loc.t("Brouillon"),
        Some(MinutesStatus::Adopted) => loc.t("Adopté"),
        Some(MinutesStatus::SentToManagement) => loc.t("Adopté et envoyé à la direction"),
    }
}

/// Why a relayed message was refused, its origin's later messages
/// waiting behind it (the home page's warning).
pub fn stuck_reason_label(reason: StuckReason, loc: Locale) -> &'static str {
    match reason {
        StuckReason::Altered => loc.t("la copie reçue ne porte pas une signature valide de ce service (elle a été modifiée en route ou chez le comité inter-services)"),
        StuckReason::Key => loc.t("il est signé par une clé que nous ne reconnaissons pas pour ce service"),
        StuckReason::Missing => loc.t("il ne nous est jamais parvenu lisible"),
        StuckReason::Conflict => loc.t("il ne suit pas les messages de ce service que nous avons déjà"),
        StuckReason::Other => loc.t("il n'a pas passé nos vérifications"),
    }
}

/// A delegate's public label. Without consent it is « Délégué·e 2 » or
/// « Suppléant·e 1 », written in French by the service that sent it
/// (`domain::delegates::label`): said again in the page's language. A
/// name stays as it is.
pub fn delegate_label(label: &str, loc: Locale) -> String {
    let neutral = |prefix: &str| {
        label
            .strip_prefix(prefix)
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_owned)
    };
    if label.is_empty() {
        // Erased by the service (SPEC §5.6).
        loc.t("Nom effacé").to_owned()
    } else if let Some(n) = neutral("Délégué·e ") {
        loc.t1("Délégué·e {n}", "n", n)
    } else if let Some(n) = neutral("Suppléant·e ") {
        loc.t1("Suppléant·e {n}", "n", n)
    } else {
        label.to_owned()
    }
}

/// Every stance a committee can take, in the order of the forms.
pub const STANCES: [Stance; 4] = [
    Stance::For,
    Stance::Against,
    Stance::ToDiscuss,
    Stance::Question,
];

/// A committee's stance, as its delegates say it.
pub fn stance_label(stance: Stance, loc: Locale) -> &'static str {
    match stance {
        Stance::For => loc.t("Pour"),
        Stance::Against => loc.t("Contre"),
        Stance::ToDiscuss => loc.t("À discuter"),
        Stance::Question => loc.t("Une question à poser"),
    }
}

/// Whether the inter-service committee has the committee's position.
pub fn sharing_label(sharing: Sharing, loc: Locale) -> &'static str {
    match sharing {
        Sharing::NotShared => loc.t("Gardée par le comité (pas envoyée)."),
        Sharing::Shared => loc.t("Envoyée au comité inter-services."),
        Sharing::ChangedSinceShared => {
            loc.t("Changée depuis l'envoi : le comité inter-services a encore l'ancienne version.")
        }
    }
}

/// Why a joint decision concerns the committee.
pub fn concern_label(concern: Concern, loc: Locale) -> &'static str {
    match concern {
        Concern::OurProposal => loc.t("Elle parle d'une proposition de votre comité."),
        Concern::WeSupport => loc.t("Elle parle d'une proposition que votre comité soutient."),
        Concern::OurPosition => loc.t("Votre comité avait donné sa position sur ce point."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_labels_follow_the_page() {
        assert_eq!(delegate_label("Délégué·e 2", Locale::En), "Delegate 2");
        assert_eq!(delegate_label("Suppléant·e 1", Locale::En), "Substitute 1");
        assert_eq!(delegate_label("Délégué·e 2", Locale::Fr), "Délégué·e 2");
        assert_eq!(delegate_label("Awa", Locale::En), "Awa");
        assert_eq!(
            delegate_label("Délégué·e de Charleroi", Locale::En),
            "Délégué·e de Charleroi"
        );
    }
}
