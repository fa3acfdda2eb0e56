//! `passerelle status`: how the exchanges with each peer are going, in plain
//! French (the report itself is `passerelle_core::status`), with, when the
//! node runs with `metrics_listen`, what it counted since it started
//! ([`Live`], read from its own `/metrics`).

use passerelle_core::fed::stuck::{Stuck, StuckReason};
pub use passerelle_core::status::{add_sizes, report, StatusReport};
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

/// What the running node counted since it started, as its `/metrics`
/// says it (the figures of `passerelle_core::metrics`).
#[derive(Debug, Clone, Default)]
pub struct Live {
    text: String,
}

impl Live {
    pub fn parse(text: &str) -> Live {
        Live {
            text: text.to_owned(),
        }
    }

    /// The value of the sample `name{labels}` (`labels` as written, e.g.
    /// `member="ssm-1"`; empty for none), 0 when absent.
    fn value(&self, name: &str, labels: &str) -> u64 {
        let key = if labels.is_empty() {
            format!("{name} ")
        } else {
            format!("{name}{{{labels}}} ")
        };
        self.text
            .lines()
            .find_map(|line| line.strip_prefix(key.as_str()))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// The samples of `name` whose labels start with `prefix`, as the
    /// value of `label` and the number.
    fn by(&self, name: &str, prefix: &str, label: &str) -> Vec<(String, u64)> {
        let start = format!("{name}{{{prefix}");
        let marker = format!("{label}=\"");
        self.text
            .lines()
            .filter(|line| line.starts_with(&start))
            .filter_map(|line| {
                let (labels, value) = line.rsplit_once(' ')?;
                let at = labels.find(&marker)? + marker.len();
                let rest = &labels[at..];
                let end = rest.find('"')?;
                Some((rest[..end].to_owned(), value.parse().ok()?))
            })
            .collect()
    }

    /// One member's figures since the start, in words.
    fn member_words(&self, member: &str) -> String {
        let m = format!("member=\"{member}\"");
        let refused = self.by("passerelle_hub_messages_refused_total", &m, "code");
        let refused_n: u64 = refused.iter().map(|(_, n)| n).sum();
        let codes = if refused.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = refused.iter().map(|(c, n)| format!("{c} : {n}")).collect();
            format!(" ({})", list.join(", "))
        };
        format!(
            "  Depuis le démarrage du serveur : {} envois ; messages acceptés : {} ; déjà reçus : {} ; refusés : {refused_n}{codes} ; {} lectures du fil ({} messages transmis)\n",
            self.value("passerelle_hub_pushes_total", &m),
            self.value(
                "passerelle_hub_messages_total",
                &format!("{m},outcome=\"accepted\"")
            ),
            self.value(
                "passerelle_hub_messages_total",
                &format!("{m},outcome=\"duplicate\"")
            ),
            self.value("passerelle_hub_feed_pulls_total", &m),
            self.value("passerelle_hub_feed_messages_total", &m),
        )
    }

    /// The hub's own figures since the start, in words.
    fn hub_words(&self) -> String {
        let groups = self.value("passerelle_hub_group_commit_pushes_count", "");
        let pushes = self.value("passerelle_hub_group_commit_pushes_sum", "");
        let mean = if groups == 0 {
            String::new()
        } else {
            let mean = format!("{:.1}", pushes as f64 / groups as f64).replace('.', ",");
            format!(", {mean} envois par écriture en moyenne")
        };
        let refused: Vec<String> = self
            .by("passerelle_hub_pushes_refused_total", "", "code")
            .iter()
            .map(|(c, n)| format!("{c} : {n}"))
            .collect();
        let db: u64 = self
            .by("passerelle_database_errors_total", "", "code")
            .iter()
            .map(|(_, n)| n)
            .sum();
        format!(
            "Depuis le démarrage du serveur : {groups} écritures groupées{mean} ; envois en attente maintenant : {} ; envois refusés en entier : {} ; erreurs de base de données : {db}\n",
            self.value("passerelle_hub_inbox_queue_length", ""),
            if refused.is_empty() {
                "0".to_owned()
            } else {
                refused.join(", ")
            },
        )
    }
}

/// Reads the running node's `/metrics`, if `metrics_listen` is set and
/// the node answers there within two seconds.
pub async fn live(node: &passerelle_core::Node) -> Option<Live> {
    let address = node.config.metrics_listen.as_ref()?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .ok()?;
    let answer = client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .ok()?;
    if !answer.status().is_success() {
        return None;
    }
    Some(Live::parse(&answer.text().await.ok()?))
}

/// "12 Ko", "3,4 Mo".
fn size_words(bytes: u64) -> String {
    match bytes {
        0..=1023 => format!("{bytes} octets"),
        1024..=1_048_575 => format!("{} Ko", bytes / 1024),
        _ => format!("{:.1} Mo", bytes as f64 / 1_048_576.0).replace('.', ","),
    }
}

/// The report in plain French, for people.
pub fn render(report: &StatusReport, now: i64) -> String {
    render_with(report, now, None)
}

/// [`render`], with what the running node counted since it started.
pub fn render_with(report: &StatusReport, now: i64, live: Option<&Live>) -> String {
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
    if let Some(live) = live.filter(|_| report.role == "hub") {
        s.push_str(&format!("\n{}", live.hub_words()));
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
            if let Some(bytes) = p.stored_bytes {
                s.push_str(&format!(
                    "  Place prise par ses messages : {}\n",
                    size_words(bytes)
                ));
            }
            if let Some(live) = live {
                s.push_str(&live.member_words(&p.id));
            }
        } else {
            s.push_str(&format!(
                "  Dernier échange réussi : {}\n",
                ago(p.last_success_at, now)
            ));
            s.push_str(&format!(
                "  Messages envoyés au comité inter-services : {} ; refusés : {} ; en attente d'envoi : {}\n",
                p.acked_seq,
                report.set_aside.len(),
                p.pending_outgoing
            ));
            s.push_str(&format!(
                "  Dernière tentative d'échange : {}\n",
                ago(p.last_attempt_at, now)
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

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_core::status::PeerStatus;

    fn peer(id: &str, role: &str) -> PeerStatus {
        PeerStatus {
            id: id.into(),
            name: format!("Service {id}"),
            role: role.into(),
            membership: "active".into(),
            last_success_at: Some(940),
            last_seen_at: Some(880),
            pending_outgoing: 3,
            last_error: None,
            next_retry_at: None,
            stream_seq: 42,
            acked_seq: 40,
            last_attempt_at: Some(995),
            stored_bytes: Some(5 * 1024),
        }
    }

    fn report(role: &str, peers: Vec<PeerStatus>) -> StatusReport {
        StatusReport {
            id: "n".into(),
            role: role.into(),
            peers,
            set_aside: Vec::new(),
            refused_incoming: 0,
            stuck: Vec::new(),
            storage: None,
        }
    }

    #[test]
    fn a_service_reads_what_it_sent_and_when() {
        let text = render(&report("service", vec![peer("hub-x", "hub")]), 1000);
        assert!(text.contains(
            "Messages envoyés au comité inter-services : 40 ; refusés : 0 ; en attente d'envoi : 3"
        ));
        assert!(text.contains("Dernier échange réussi : il y a 1 min"));
        assert!(text.contains("Dernière tentative d'échange : il y a 5 s"));
    }

    #[test]
    fn a_hub_says_each_members_figures_since_its_start() {
        let live = Live::parse(
            "# TYPE passerelle_hub_pushes_total counter\n\
             passerelle_hub_pushes_total{member=\"ssm-1\"} 7\n\
             passerelle_hub_messages_total{member=\"ssm-1\",outcome=\"accepted\"} 12\n\
             passerelle_hub_messages_total{member=\"ssm-1\",outcome=\"duplicate\"} 2\n\
             passerelle_hub_messages_refused_total{member=\"ssm-1\",code=\"bad_signature\"} 1\n\
             passerelle_hub_messages_total{member=\"ssm-2\",outcome=\"accepted\"} 99\n\
             passerelle_hub_feed_pulls_total{member=\"ssm-1\"} 30\n\
             passerelle_hub_feed_messages_total{member=\"ssm-1\"} 50\n\
             passerelle_hub_pushes_refused_total{code=\"quota_exceeded\"} 4\n\
             passerelle_hub_group_commit_pushes_sum 9\n\
             passerelle_hub_group_commit_pushes_count 6\n\
             passerelle_hub_inbox_queue_length 0\n\
             passerelle_database_errors_total{code=\"internal\"} 1\n",
        );
        let text = render_with(
            &report("hub", vec![peer("ssm-1", "service")]),
            1000,
            Some(&live),
        );
        assert!(text.contains("Dernier contact : il y a 2 min"), "{text}");
        assert!(
            text.contains("Place prise par ses messages : 5 Ko"),
            "{text}"
        );
        assert!(
            text.contains(
                "Depuis le démarrage du serveur : 7 envois ; messages acceptés : 12 ; déjà reçus : 2 ; \
                 refusés : 1 (bad_signature : 1) ; 30 lectures du fil (50 messages transmis)"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "6 écritures groupées, 1,5 envois par écriture en moyenne ; envois en attente \
                 maintenant : 0 ; envois refusés en entier : quota_exceeded : 4 ; erreurs de base de données : 1"
            ),
            "{text}"
        );
    }
}
