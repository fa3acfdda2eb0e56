//! The domain's rules in a page's words.
//!
//! A refusal names its [`Rule`] (and, where a page quotes it, the title of
//! what stands in the way): pages say it through the one exhaustive `match`
//! below, never by reading the domain's sentence, which the API keeps for
//! programs. Rewording that sentence cannot change a page, and a new rule
//! without words does not compile (no `_` arm here). French is written
//! here; English comes from `locales/en.toml`, keyed by the French text.

use passerelle_core::error::Rule;

use super::Locale;

/// Who reads the words: two rules are said differently to a service's
/// committee and to the hub's coordinator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The people of a service (the service's pages).
    Committee,
    /// The hub's coordinator (the hub's pages).
    Coordinator,
}

/// What a page says when `rule` refused; `title` is the one the refusal
/// names, if any.
pub fn rule_words(rule: Rule, title: Option<&str>, reader: Reader, loc: Locale) -> String {
    let title = title.unwrap_or_default();
    let words = match rule {
        Rule::NotJoined => loc.t("Votre service n'a pas encore rejoint de comité inter-services."),
        Rule::NoFederation => loc.t("Ce hub n'est pas encore prêt à envoyer des messages."),
        Rule::AlreadyShared => loc.t("Cette proposition est déjà partagée avec le comité inter-services."),
        Rule::NotShared => loc.t("Cette proposition n'est pas partagée."),
        Rule::NoLongerShared => loc.t("Cette proposition n'est plus partagée par son service."),
        Rule::TransitionNotAllowed => loc.t("Cette étape n'est pas possible maintenant. Rechargez la page pour voir où en est la proposition."),
        Rule::AnswerNeedsText => loc.t("Écrivez la réponse de la direction."),
        Rule::AlreadySupported => loc.t("Votre comité soutient déjà cette proposition."),
        Rule::NotSupported => loc.t("Votre comité ne soutient pas cette proposition."),
        Rule::NoSuggestion => loc.t("Personne ne propose (ou plus) de soutenir cette proposition."),
        Rule::DecisionAtAMeetingHeld => loc.t("Cette réunion n'a pas encore eu lieu : choisissez une réunion passée."),
        Rule::AlreadyInThisSubject => loc.t("Cette proposition est déjà dans ce sujet."),
        // Received from the hub, the other subject is known by its id only.
        Rule::InAnotherSubject if title.is_empty() => loc.t("Cette proposition fait déjà partie d'un autre sujet."),
        Rule::InAnotherSubject => return loc.t1("Cette proposition fait déjà partie du sujet « {titre} ».", "titre", title),
        Rule::NotInThisSubject => loc.t("Cette proposition n'est pas (ou plus) dans ce sujet."),
        Rule::SubjectDissolved => loc.t("Ce sujet n'a plus aucune proposition. Créez plutôt un nouveau sujet."),
        Rule::AlreadyOnAgenda => return loc.t1("Ce point est déjà à l'ordre du jour de la réunion « {titre} ».", "titre", title),
        Rule::ItemTwiceOnAgenda => loc.t("Ce point est déjà à l'ordre du jour."),
        Rule::SubjectTwiceOnAgenda => loc.t("Ce sujet est déjà à l'ordre du jour."),
        Rule::NotOnAgenda => loc.t("Une décision parle d'un point qui n'était pas à l'ordre du jour."),
        Rule::JointMeetingCancelled => match reader {
            Reader::Committee => loc.t("Cette réunion commune a été annulée."),
            Reader::Coordinator => loc.t("Cette réunion est annulée."),
        },
        Rule::MeetingAlreadyPublished => loc.t("Cette réunion est déjà publiée : changez-la avec « Changer la réunion »."),
        Rule::MeetingStillDraft => loc.t("Cette réunion est encore un brouillon : publiez-la d'abord."),
        Rule::MeetingTookPlace => loc.t("Les décisions de cette réunion sont enregistrées : elle a eu lieu."),
        Rule::UnreadableMessage => match reader {
            Reader::Committee => loc.t("Ce message est trop long pour être envoyé. Raccourcissez le texte."),
            Reader::Coordinator => loc.t("Ce message serait trop long pour les services. Raccourcissez les textes."),
        },
        Rule::MemberLeftBeforeMeeting => loc.t("Ce membre avait quitté le comité avant cette réunion."),
        Rule::AdoptedMinutesAreFinal => loc.t("Ce procès-verbal est déjà adopté : il ne peut plus être modifié."),
        Rule::NoMinutesToAdopt => loc.t("Il n'y a pas encore de procès-verbal à adopter."),
        Rule::MinutesAlreadyAdopted => loc.t("Ce procès-verbal est déjà adopté."),
        Rule::AdoptionAtALaterMeeting => loc.t("Un procès-verbal s'adopte lors d'une réunion suivante, pas pendant la réunion elle-même ni avant."),
        Rule::MinutesAlreadySent => loc.t("Ce procès-verbal a déjà été envoyé à la direction."),
        Rule::OnlyAdoptedMinutesAreSent => loc.t("Seul un procès-verbal adopté par le comité peut être envoyé à la direction."),
        Rule::PastMeetingNeedsConfirmation => loc.t("Cette date est passée : confirmez que la réunion a déjà eu lieu."),
        Rule::MeetingCancelled => loc.t("Cette réunion est annulée : on n'y note plus de présences, de procès-verbal ni de décisions."),
        Rule::AdoptedRecordIsFinal => loc.t("Le procès-verbal de cette réunion est adopté : ce qu'il note ne change plus."),
        Rule::AdoptionAtAMeetingHeld => loc.t("Un procès-verbal s'adopte à une réunion qui a déjà eu lieu : attendez cette réunion."),
        Rule::SentAfterAdoptionMeeting => loc.t("Un procès-verbal s'envoie à la direction après la réunion qui l'adopte."),
        Rule::RecordedMeetingIsKept => loc.t("Des présences, un procès-verbal ou des décisions sont notés à cette réunion : annulez-la plutôt que de la supprimer."),
        Rule::AdoptionMeetingStays => loc.t("Un procès-verbal a été adopté à cette réunion : elle ne peut plus être déplacée ni annulée."),
        Rule::MemberAlreadyLeft => loc.t("Ce membre a déjà quitté le comité."),
        Rule::FormerMemberNotDesignated => loc.t("Ce membre a quitté le comité : il ne peut plus être désigné."),
        Rule::OverlappingDesignation => loc.t("Ce membre est déjà désigné pour une partie de cette période."),
        Rule::TermAlreadyEnded => loc.t("Ce mandat est déjà terminé."),
        Rule::TermStarted => loc.t("Ce mandat a commencé : terminez-le plutôt que de l'annuler."),
        Rule::NothingToErase => loc.t("Ce message n'a plus de texte à effacer."),
        Rule::NoPositionOnThisItem => loc.t("Le comité donne sa position sur une réunion commune, un de ses points ou la proposition d'un autre service. Ce point ne parle d'aucun des trois."),
        Rule::PositionAlreadyShared => loc.t("Le comité inter-services a déjà cette position."),
        Rule::PositionNotShared => loc.t("Cette position n'a pas été envoyée au comité inter-services."),
        Rule::LastManager => match reader {
            Reader::Committee => loc.t("C'est le dernier compte administrateur actif : il ne peut pas être désactivé ni devenir simple membre. Donnez d'abord ce rôle à quelqu'un d'autre."),
            Reader::Coordinator => loc.t("C'est le dernier compte de coordination actif : il ne peut pas être désactivé. Créez d'abord un autre compte de coordination."),
        },
        Rule::MemberHasAccount => loc.t("Ce membre a déjà un accès à Passerelle. Vous pouvez lui donner un nouveau mot de passe depuis la page des comptes."),
        Rule::UsernameTaken => loc.t("Ce nom d'utilisateur est déjà pris. Choisissez-en un autre."),
        Rule::UsernameCharacters => loc.t("Un nom d'utilisateur s'écrit avec des lettres, des chiffres, des espaces et de la ponctuation, sans caractère invisible ni caractère qui change le sens de l'écriture."),
        Rule::PasswordTooEasy => loc.t("Ce mot de passe se devine trop vite. Une phrase de quatre ou cinq mots que vous retenez facilement convient bien."),
        Rule::PasswordRepeats => loc.t("Ce mot de passe se devine trop vite : il répète les mêmes caractères. Une phrase de quatre ou cinq mots que vous retenez facilement convient bien."),
        Rule::PasswordSequence => loc.t("Ce mot de passe se devine trop vite : ce sont des lettres ou des chiffres qui se suivent. Une phrase de quatre ou cinq mots que vous retenez facilement convient bien."),
        Rule::PasswordCommon => loc.t("Ce mot de passe est trop courant : il est dans les listes que les pirates essaient d'abord. Une phrase de quatre ou cinq mots que vous retenez facilement convient bien."),
        Rule::PasswordPersonal => loc.t("Ce mot de passe contient votre nom d'utilisateur ou le nom du service : il se devine trop vite. Une phrase de quatre ou cinq mots que vous retenez facilement convient bien."),
        Rule::PasswordTooLong => loc.t("Ce mot de passe est trop long : 200 caractères au plus."),
        Rule::FirstPasswordKept => loc.t("Choisissez un autre mot de passe que celui de la carte : la personne qui vous l'a donnée le connaît."),
        // No page leads to these: they refuse messages between nodes or
        // calls of the API, or a page's own checks come first. Should one
        // reach a page, it says what any other unexpected refusal says.
        Rule::KindNotForSender
        | Rule::KeyAlreadyOwned
        | Rule::RotationRefused
        | Rule::NotAMemberService
        | Rule::NeverShared
        | Rule::ItemAlreadyProposed
        | Rule::UnknownJointMeeting
        | Rule::MeetingNotPublished
        | Rule::ErasureTargetUnknown
        | Rule::ErasureSealUnknown => not_possible_now(loc),
    };
    words.to_owned()
}

/// What a page says of a refusal it has no words of its own for.
pub fn not_possible_now(loc: Locale) -> &'static str {
    loc.t("Ce n'est pas possible pour le moment. Rechargez la page et recommencez.")
}

#[cfg(test)]
mod tests {
    use super::*;

    const READERS: [Reader; 2] = [Reader::Committee, Reader::Coordinator];

    /// Every rule has words in French and in English, for both readers: a
    /// French text missing from `locales/en.toml` shows in French, and
    /// fails here.
    #[test]
    fn every_rule_is_said_in_both_languages() {
        for rule in Rule::ALL {
            for reader in READERS {
                for title in [None, Some("Accès")] {
                    let french = rule_words(rule, title, reader, Locale::Fr);
                    let english = rule_words(rule, title, reader, Locale::En);
                    assert!(
                        french.ends_with('.')
                            && french.chars().next().is_some_and(char::is_uppercase),
                        "{rule:?}: {french}"
                    );
                    assert_ne!(
                        english, french,
                        "no English for {rule:?} (add its French words to node/web/locales/en.toml)"
                    );
                }
            }
        }
    }

    /// The words pages show today, pinned: a changed sentence or a rule
    /// put in the wrong arm fails here.
    #[test]
    fn the_words_of_a_few_rules() {
        let say = |rule, title, reader, loc| rule_words(rule, title, reader, loc);
        let (c, h) = (Reader::Committee, Reader::Coordinator);
        assert_eq!(
            say(Rule::MinutesAlreadyAdopted, None, c, Locale::Fr),
            "Ce procès-verbal est déjà adopté."
        );
        assert_eq!(
            say(Rule::MinutesAlreadyAdopted, None, c, Locale::En),
            "These minutes are already adopted."
        );
        assert_eq!(
            say(Rule::AdoptedMinutesAreFinal, None, c, Locale::Fr),
            "Ce procès-verbal est déjà adopté : il ne peut plus être modifié."
        );
        assert_eq!(
            say(Rule::NotJoined, None, c, Locale::Fr),
            "Votre service n'a pas encore rejoint de comité inter-services."
        );
        assert_eq!(
            say(Rule::AlreadyOnAgenda, Some("Mars"), h, Locale::Fr),
            "Ce point est déjà à l'ordre du jour de la réunion « Mars »."
        );
        assert_eq!(
            say(Rule::InAnotherSubject, Some("Accès"), h, Locale::En),
            "This proposal is already part of the topic “Accès”."
        );
        assert_eq!(
            say(Rule::InAnotherSubject, None, h, Locale::Fr),
            "Cette proposition fait déjà partie d'un autre sujet."
        );
        assert_eq!(
            say(Rule::JointMeetingCancelled, None, c, Locale::Fr),
            "Cette réunion commune a été annulée."
        );
        assert_eq!(
            say(Rule::JointMeetingCancelled, None, h, Locale::Fr),
            "Cette réunion est annulée."
        );
        assert_eq!(
            say(Rule::UnreadableMessage, None, h, Locale::En),
            "This message would be too long for the services. Make the texts shorter."
        );
        assert_eq!(
            say(Rule::ItemAlreadyProposed, None, c, Locale::Fr),
            "Ce n'est pas possible pour le moment. Rechargez la page et recommencez."
        );
    }
}
