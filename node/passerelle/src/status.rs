//! `passerelle status`: how the exchanges with each peer are going, in plain
//! French (the report itself is `passerelle_core::status`).

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
                None => s.push_str("  Tout va bien.\n"),
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
