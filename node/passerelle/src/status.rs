//! `passerelle status`: how the exchanges with each peer are going, in plain
//! French (the report itself is `passerelle_core::status`).

use passerelle_core::fed::stuck::{Stuck, StuckReason};
pub use passerelle_core::status::{report, StatusReport};
use passerelle_core::sync_state::SyncProblem;

/// A failed exchange in plain French, for `status`; the machine code stays
/// at the end, in brackets, for whoever helps.
pub fn problem_words(problem: &SyncProblem) -> String {
    let words = match problem {
        SyncProblem::Unreachable => "Impossible de joindre le comité inter-services : il est peut-être éteint, ou la connexion internet est coupée. Passerelle réessaiera toute seule.".to_owned(),
        SyncProblem::StorageFull => "Le disque de cet ordinateur est plein : Passerelle ne peut plus rien enregistrer. Libérez de la place ; les échanges reprendront d'eux-mêmes.".to_owned(),
        SyncProblem::StorageReadOnly => "La base de données de ce nœud n'accepte plus d'écritures : Passerelle ne peut plus rien enregistrer. Les échanges reprendront d'eux-mêmes.".to_owned(),
        SyncProblem::HubStorageFull => "Le comité inter-services ne peut plus rien enregistrer pour le moment : son disque est plein. Nos messages attendent ici, rien n'est perdu ; Passerelle réessaiera toute seule.".to_owned(),
        SyncProblem::HubStorageReadOnly => "La base de données du comité inter-services n'accepte plus d'écritures pour le moment. Nos messages attendent ici, rien n'est perdu ; Passerelle réessaiera toute seule.".to_owned(),
        SyncProblem::Fork => "Le comité inter-services garde une version de nos messages différente de la nôtre. Il faut l'aide de la personne qui s'occupe de Passerelle.".to_owned(),
        SyncProblem::Revoked => "Le comité inter-services a retiré ce service de ses membres : nos messages sont refusés.".to_owned(),
        SyncProblem::HubRefused(_) => "Le comité inter-services a refusé nos messages.".to_owned(),
        SyncProblem::HubUnexpected => "Le comité inter-services a répondu de façon inattendue.".to_owned(),
        SyncProblem::Local => "Problème sur cet ordinateur (base de données ou disque).".to_owned(),
        SyncProblem::Other(_) => "Problème pendant l'échange.".to_owned(),
    };
    let code = match problem {
        SyncProblem::HubRefused(code) | SyncProblem::Other(code) => code.clone(),
        SyncProblem::HubStorageFull => "storage_full".into(),
        SyncProblem::HubStorageReadOnly => "storage_read_only".into(),
        SyncProblem::HubUnexpected => "remote".into(),
        other => other.code(),
    };
    format!("{words} [{code}]")
}

/// Why the awaited message of a stuck stream was refused, in plain French.
pub fn stuck_reason_words(reason: StuckReason) -> &'static str {
    match reason {
        StuckReason::Altered => "la copie reçue ne porte pas une signature valide de ce service (elle a été modifiée en route ou chez le comité inter-services)",
        StuckReason::Key => "il est signé par une clé que nous ne reconnaissons pas pour ce service à cet endroit",
        StuckReason::Missing => "il ne nous est jamais parvenu lisible (seuls les suivants sont arrivés)",
        StuckReason::Conflict => "il ne suit pas les messages de ce service que nous avons déjà",
        StuckReason::Other => "il n'a pas passé nos vérifications",
    }
}

/// A stuck stream in plain French: which service, from which message, why,
/// and how many wait behind it; the machine code in brackets.
pub fn stuck_words(s: &Stuck, now: i64) -> String {
    let behind = match s.waiting {
        0 => String::new(),
        1 => " 1 message suivant de ce service attend derrière lui.".to_owned(),
        n => format!(" {n} messages suivants de ce service attendent derrière lui."),
    };
    format!(
        "Les messages de {} ({}) sont bloqués au message n° {} (premier refus {}), car {} [{}].{behind}",
        s.name,
        s.origin,
        s.seq,
        ago(Some(s.since), now),
        stuck_reason_words(s.reason),
        s.code
    )
}

/// "il y a 3 minutes", "jamais".
pub fn ago(then: Option<i64>, now: i64) -> String {
    match then {
        None => "jamais".into(),
        Some(t) => {
            let d = (now - t).max(0);
            match d {
                0..=59 => format!("il y a {d} s"),
                60..=3599 => format!("il y a {} min", d / 60),
                3600..=86_399 => format!("il y a {} h", d / 3600),
                _ => format!("il y a {} jours", d / 86_400),
            }
        }
    }
}

/// The report in plain French, for people.
pub fn render(report: &StatusReport, now: i64) -> String {
    let mut s = format!(
        "Nœud {} ({})\n",
        report.id,
        if report.role == "hub" {
            "comité inter-services"
        } else {
            "service"
        }
    );
    if let Some(problem) = &report.storage {
        s.push_str(&format!("\nATTENTION — {problem}\n\n"));
    }
    if !report.stuck.is_empty() {
        s.push_str("\nATTENTION — Des messages reçus sont bloqués :\n");
        for stuck in &report.stuck {
            s.push_str(&format!("  {}\n", stuck_words(stuck, now)));
        }
        s.push_str("  Rien n'est sauté ni perdu : Passerelle redemande régulièrement ces messages au comité inter-services et reprendra toute seule dès qu'il en aura une copie intacte. Si cela dure, prévenez la personne qui s'occupe du comité inter-services : sa copie de ces messages est peut-être abîmée.\n");
    }
    if report.peers.is_empty() {
        s.push_str(if report.role == "hub" {
            "Aucun service n'a encore rejoint ce comité. Créez une invitation : passerelle invite --service ID --name \"NOM\"\n"
        } else {
            "Ce service n'a pas encore rejoint de comité inter-services. Utilisez : passerelle join URL CODE\n"
        });
    }
    for p in &report.peers {
        s.push_str(&format!("\n{} — {}\n", p.name, p.id));
        if p.membership == "revoked" {
            s.push_str("  Membre révoqué : ses messages sont refusés.\n");
        }
        if report.role == "hub" {
            s.push_str(&format!(
                "  Dernier contact : {}\n",
                ago(p.last_seen_at, now)
            ));
            s.push_str(&format!(
                "  Messages reçus de ce service : {}\n",
                p.stream_seq
            ));
        } else {
            s.push_str(&format!(
                "  Dernier échange réussi : {}\n",
                ago(p.last_success_at, now)
            ));
            s.push_str(&format!(
                "  Messages en attente d'envoi : {}\n",
                p.pending_outgoing
            ));
            match &p.last_error {
                None if report.stuck.is_empty() => s.push_str("  Tout va bien.\n"),
                None => s.push_str(
                    "  Les échanges marchent, mais des messages reçus sont bloqués (voir plus haut).\n",
                ),
                Some(e) => {
                    let words = problem_words(&SyncProblem::parse(e));
                    s.push_str(&format!("  Dernier problème : {words}\n"));
                    if let Some(t) = p.next_retry_at {
                        s.push_str(&format!("  Prochain essai : dans {} s\n", (t - now).max(0)));
                    }
                }
            }
        }
    }
    if !report.set_aside.is_empty() {
        s.push_str("\nMessages mis de côté (le comité inter-services les a refusés) :\n");
        for m in &report.set_aside {
            s.push_str(&format!(
                "  {} ({}) : {} [{}]\n",
                m.id, m.kind, m.reason, m.code
            ));
        }
    }
    if report.refused_incoming > 0 {
        s.push_str(&format!(
            "\nMessages reçus refusés (signature ou ordre invalide) : {}\n",
            report.refused_incoming
        ));
    }
    s
}
