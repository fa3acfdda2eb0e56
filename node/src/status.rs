//! `passerelle status`: how the exchanges with each peer are going, in plain
//! words, read straight from the database (the server need not be running).

use serde::Serialize;
use sqlx::Row;

use crate::error::NodeError;
use crate::fed::{outbox, peers, sync_state};
use crate::node::Node;

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub id: String,
    pub role: String,
    pub peers: Vec<PeerStatus>,
    /// Our messages the hub refused for good, with the reason.
    pub set_aside: Vec<SetAside>,
    /// Relayed messages this service refused.
    pub refused_incoming: i64,
    /// Why this node cannot store anything right now (full disk, read-only
    /// database), checked live; `None` when it can.
    pub storage: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PeerStatus {
    pub id: String,
    pub name: String,
    pub role: String,
    pub membership: String,
    pub last_success_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub pending_outgoing: i64,
    pub last_error: Option<String>,
    pub next_retry_at: Option<i64>,
    /// The last sequence number of the peer's stream we hold.
    pub stream_seq: i64,
}

#[derive(Debug, Serialize)]
pub struct SetAside {
    pub id: String,
    pub kind: String,
    pub code: String,
    pub reason: String,
}

pub async fn report(node: &Node) -> Result<StatusReport, NodeError> {
    let mut conn = node.db.pool().acquire().await?;
    let mut out = Vec::new();
    for p in peers::list(&mut conn).await? {
        // A service's peers other than its hub are known only through the hub.
        if !node.is_hub() && p.role != "hub" {
            continue;
        }
        let state = sync_state::get(&mut conn, &p.id).await?;
        let pending = if node.is_hub() {
            0
        } else {
            outbox::pending_count(&mut conn, node, state.acked_seq as u64).await?
        };
        let seq = crate::fed::log::head(&mut conn, &p.id)
            .await?
            .map_or(0, |h| h.seq as i64);
        out.push(PeerStatus {
            id: p.id,
            name: p.name,
            role: p.role,
            membership: p.status,
            last_success_at: state.last_success_at,
            last_seen_at: p.last_seen_at,
            pending_outgoing: pending,
            last_error: state.last_error,
            next_retry_at: state.next_retry_at,
            stream_seq: seq,
        });
    }
    let set_aside =
        sqlx::query("SELECT id, kind, code, reason FROM set_aside ORDER BY set_aside_at")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(SetAside {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    code: r.try_get("code")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect::<Result<_, NodeError>>()?;
    let refused: i64 = sqlx::query("SELECT COUNT(*) AS n FROM refused_incoming")
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    drop(conn);
    let storage = node.db.storage_check(&database_dir(node)).await;
    Ok(StatusReport {
        id: node.id().to_string(),
        role: if node.is_hub() { "hub" } else { "service" }.into(),
        peers: out,
        set_aside,
        refused_incoming: refused,
        storage,
    })
}

/// The folder that holds a SQLite database file (the data directory,
/// unless the configuration names another file).
fn database_dir(node: &Node) -> std::path::PathBuf {
    let url = &node.config.database_url;
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .and_then(|path| {
            std::path::Path::new(path)
                .parent()
                .map(std::path::Path::to_path_buf)
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| node.data_dir.clone())
}

/// A failed exchange in plain French, for `status` and the home page; the
/// machine code stays at the end, in brackets, for whoever helps.
pub fn plain_words(error: &crate::error::NodeError) -> String {
    use crate::error::NodeError;
    let text = error.to_string();
    match error.storage_problem() {
        Some(crate::error::StorageProblem::Full) => {
            return "Le disque de cet ordinateur est plein : Passerelle ne peut plus rien enregistrer. Libérez de la place ; les échanges reprendront d'eux-mêmes. [storage_full]".into()
        }
        Some(crate::error::StorageProblem::ReadOnly) => {
            return "La base de données de ce nœud n'accepte plus d'écritures : Passerelle ne peut plus rien enregistrer. Les échanges reprendront d'eux-mêmes. [storage_read_only]".into()
        }
        None => {}
    }
    match error {
        NodeError::Remote(_) if text.contains("cannot reach") => {
            "Impossible de joindre le comité inter-services : il est peut-être éteint, ou la connexion internet est coupée. Passerelle réessaiera toute seule. [unreachable]".into()
        }
        NodeError::Remote(_) if text.contains("[storage_full]") => {
            "Le comité inter-services ne peut plus rien enregistrer pour le moment : son disque est plein. Nos messages attendent ici, rien n'est perdu ; Passerelle réessaiera toute seule. [storage_full]".into()
        }
        NodeError::Remote(_) if text.contains("[storage_read_only]") => {
            "La base de données du comité inter-services n'accepte plus d'écritures pour le moment. Nos messages attendent ici, rien n'est perdu ; Passerelle réessaiera toute seule. [storage_read_only]".into()
        }
        NodeError::Remote(_) if text.contains("fork") => {
            "Le comité inter-services garde une version de nos messages différente de la nôtre. Il faut l'aide de la personne qui s'occupe de Passerelle. [fork]".into()
        }
        NodeError::Remote(_) => match text.rsplit_once('[') {
            Some((_, code)) if text.contains("revoked") => format!(
                "Le comité inter-services a retiré ce service de ses membres : nos messages sont refusés. [{code}"
            ),
            Some((_, code)) => format!("Le comité inter-services a refusé nos messages. [{code}"),
            None => format!("Le comité inter-services a répondu de façon inattendue. [{}]", error.code()),
        },
        NodeError::Database(_) | NodeError::Io { .. } => {
            "Problème sur cet ordinateur (base de données ou disque). [internal]".into()
        }
        other => format!("Problème pendant l'échange. [{}]", other.code()),
    }
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
            "Aucun service n'a encore rejoint ce comité. Créez une invitation : passerelle invite --service ID\n"
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
                    s.push_str(&format!("  Dernier problème : {e}\n"));
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
