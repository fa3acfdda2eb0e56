//! `passerelle demo`: a whole federation on one machine.
//!
//! A hub and the seven Charleroi services, each a separate node with its own
//! key, SQLite file and HTTP port, enrolled through the real invitation flow
//! and talking real HTTP over loopback. The demo content (`seed`) is
//! created through the same domain functions people's actions use, so the
//! traffic between the nodes is real signed messages too.

mod seed;

use std::path::{Path, PathBuf};

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::NodeId;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use passerelle_core::error::NodeError;
use passerelle_core::node::{InitOptions, Node};

pub use seed::Summary;

/// The demo's hub.
pub const HUB: (&str, &str) = ("hub-carolo", "Comité d'usager·ères inter-SSM carolo");

/// The seven services of the inter-SSM committee around Charleroi.
pub const SERVICES: [(&str, &str); 7] = [
    ("ssm-courcelles", "SSM provincial de Courcelles"),
    ("ssm-charleroi", "SSM provincial de Charleroi"),
    ("ssm-la-pioche", "SSM « La Pioche » (Marchienne-au-Pont)"),
    ("cg-charleroi", "Centre de Guidance de Charleroi"),
    ("ssm-cpas-charleroi", "SSM du CPAS de Charleroi"),
    ("ssm-cpas-gosselies", "SSM du CPAS de Charleroi à Gosselies"),
    ("ssm-montignies", "SSM de Montignies-sur-Sambre"),
];

/// The demo administrators' password (demo only!).
pub const DEMO_PASSWORD: &str = "demo-passerelle";

/// A node started in this process.
#[derive(Debug)]
pub struct Running {
    pub node: Node,
    pub url: String,
    pub task: JoinHandle<Result<(), NodeError>>,
}

/// Creates a node in `dir` and starts it on `port` (0: any free port).
pub async fn start_new(
    dir: &Path,
    role: NodeRole,
    id: &str,
    name: &str,
    port: u16,
) -> Result<Running, NodeError> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| NodeError::io(format!("listening on port {port}"), e))?;
    let address = listener
        .local_addr()
        .map_err(|e| NodeError::io("reading the bound address", e))?;
    let (node, _) = Node::init(InitOptions {
        data_dir: dir.to_path_buf(),
        role,
        id: NodeId::parse(id)?,
        name: name.to_owned(),
        listen: address.to_string(),
        database_url: None,
        admin_password: Some(DEMO_PASSWORD.to_owned()),
    })
    .await?;
    // A demo password is known to everyone: no need to make people change it.
    passerelle_core::accounts::password_was_chosen(&node.db, "admin").await?;
    Ok(start(node, listener))
}

/// Starts an existing node on an already-bound listener.
pub fn start(node: Node, listener: TcpListener) -> Running {
    let url = format!(
        "http://{}",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    );
    let task = tokio::spawn(passerelle_web::run(node.clone(), listener));
    Running { node, url, task }
}

/// The demo's nodes, running in this process.
#[derive(Debug)]
pub struct DemoFederation {
    /// Where the nodes keep their data (one folder per node id).
    pub root: PathBuf,
    pub hub: Running,
    /// In the order of [`SERVICES`].
    pub services: Vec<Running>,
    /// What the seeding created (empty before seeding).
    pub summary: Summary,
}

impl DemoFederation {
    /// The running service whose id is `id`.
    pub fn service(&self, id: &str) -> Option<&Running> {
        self.services.iter().find(|s| s.node.id().as_str() == id)
    }

    /// Stops every node and waits for each to finish. Returns the first
    /// error a node ended with, if any.
    pub async fn stop(self) -> Result<(), NodeError> {
        for r in self.services.iter().chain(std::iter::once(&self.hub)) {
            r.node.stop();
        }
        let mut first_error = None;
        for r in self.services.into_iter().chain(std::iter::once(self.hub)) {
            let ended = match r.task.await {
                Ok(result) => result,
                Err(e) => Err(NodeError::config(format!("a node's task failed: {e}"))),
            };
            if let Err(e) = ended {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// Starts the hub and the seven services under `root` (ports from
/// `base_port`, or free ports if 0), enrols every service through a real
/// invitation, then fills the federation with believable content through
/// the domain functions, waiting for each exchange a step depends on.
/// Returns once every node has sent and received everything.
pub async fn start_seeded(base_port: u16, root: &Path) -> Result<DemoFederation, NodeError> {
    let mut fed = start_federation(base_port, root).await?;
    match seed::seed(&fed.hub, &fed.services).await {
        Ok(summary) => {
            fed.summary = summary;
            Ok(fed)
        }
        Err(e) => {
            let _ = fed.stop().await;
            Err(e)
        }
    }
}

async fn start_federation(base_port: u16, root: &Path) -> Result<DemoFederation, NodeError> {
    let port = |n: u16| {
        if base_port == 0 {
            Ok(0)
        } else {
            base_port
                .checked_add(n)
                .ok_or_else(|| NodeError::config(format!("port {base_port} + {n} is too high")))
        }
    };
    let hub = start_new(&root.join(HUB.0), NodeRole::Hub, HUB.0, HUB.1, port(0)?).await?;
    let mut fed = DemoFederation {
        root: root.to_path_buf(),
        hub,
        services: Vec::with_capacity(SERVICES.len()),
        summary: Summary::default(),
    };
    for (n, (id, name)) in (1u16..).zip(SERVICES.iter()) {
        let started = async {
            let service = start_new(&root.join(id), NodeRole::Service, id, name, port(n)?).await?;
            let joined = async {
                let code =
                    passerelle_core::fed::hub::invite(&fed.hub.node, &NodeId::parse(id)?, name, 1)
                        .await?;
                passerelle_core::fed::service::join(&service.node, &fed.hub.url, &code).await
            }
            .await;
            match joined {
                Ok(_) => Ok(service),
                Err(e) => {
                    service.node.stop();
                    let _ = service.task.await;
                    Err(e)
                }
            }
        }
        .await;
        match started {
            Ok(service) => fed.services.push(service),
            Err(e) => {
                let _ = fed.stop().await;
                return Err(e);
            }
        }
    }
    Ok(fed)
}

/// Runs the demo until Ctrl-C.
pub async fn run(base_port: u16, dir: Option<PathBuf>) -> Result<(), NodeError> {
    let (root, _temp) = match dir {
        Some(d) => (d, None),
        None => {
            let t = std::env::temp_dir().join(format!("passerelle-demo-{}", std::process::id()));
            (t.clone(), Some(TempDir(t)))
        }
    };
    println!("Passerelle — démarrage de la démonstration…");
    let started = std::time::Instant::now();
    let fed = start_seeded(base_port, &root).await?;
    println!(
        "Passerelle — démonstration prête en {:.1} s (données dans {})",
        started.elapsed().as_secs_f64(),
        root.display()
    );
    println!();
    println!("  {:<40} {}", HUB.1, fed.hub.url);
    for (s, (_, name)) in fed.services.iter().zip(SERVICES.iter()) {
        println!("  {:<40} {}", name, s.url);
    }
    println!();
    println!("Ouvrez une de ces adresses dans votre navigateur.");
    println!(
        "Connexion : utilisateur « admin », mot de passe « {DEMO_PASSWORD} » (sur chaque nœud)."
    );
    println!(
        "État des échanges : passerelle status --data {}/<id>",
        root.display()
    );
    println!();
    for line in fed.summary.lines() {
        println!("{line}");
    }
    println!();
    print_try_this(&fed);
    println!();
    println!("Ctrl-C pour tout arrêter.");
    crate::wait_for_signal().await;
    println!("Arrêt des nœuds…");
    fed.stop().await?;
    println!("Tous les nœuds sont arrêtés.");
    Ok(())
}

/// The "what you can try" section: curl commands against one service and the hub.
fn print_try_this(fed: &DemoFederation) {
    let service = &fed.services[0];
    let service_name = SERVICES[0].1;
    let hub = &fed.hub.url;
    let token = |url: &str| {
        format!(
            "curl -s -X POST {url}/api/v1/tokens -H 'content-type: application/json' \
             -d '{{\"username\":\"admin\",\"password\":\"{DEMO_PASSWORD}\"}}' \
             | sed 's/.*\"token\":\"\\([^\"]*\\)\".*/\\1/'"
        )
    };
    println!("Ce que vous pouvez essayer");
    println!();
    println!("  1. Demander un jeton au {service_name} (il est affiché une seule fois) :");
    println!("       JETON=$({})", token(&service.url));
    println!();
    println!("  2. Le coin inter-SSM de ce service : les propositions des autres services,");
    println!("     les réunions inter-SSM à venir avec leur ordre du jour, les décisions");
    println!("     qui concernent ses propres propositions :");
    for path in ["joint/proposals", "joint/meetings", "joint/outcomes"] {
        println!(
            "       curl -s -H \"Authorization: Bearer $JETON\" {}/api/v1/{path}",
            service.url
        );
    }
    println!("     Et sa vie locale : membres, délégué·es, réunions, propositions :");
    for path in ["members", "delegates", "meetings", "proposals"] {
        println!(
            "       curl -s -H \"Authorization: Bearer $JETON\" {}/api/v1/{path}",
            service.url
        );
    }
    println!();
    println!("  3. Côté coordination (le hub) : un jeton, puis les propositions partagées,");
    println!("     les plus soutenues d'abord, les sujets communs et les réunions :");
    println!("       JETON_HUB=$({})", token(hub));
    println!(
        "       curl -s -H \"Authorization: Bearer $JETON_HUB\" '{hub}/api/v1/hub/proposals?sort=support'"
    );
    for path in [
        "hub/subjects",
        "hub/meetings",
        "hub/agenda-items",
        "hub/services",
    ] {
        println!("       curl -s -H \"Authorization: Bearer $JETON_HUB\" {hub}/api/v1/{path}");
    }
    println!();
    println!("  4. La description complète de l'API (OpenAPI), sur chaque nœud :");
    println!("       {}/api/v1/openapi.json", service.url);
    println!("       {hub}/api/v1/openapi.json");
}

/// Removes the demo's temporary directory when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use passerelle_protocol::body::ProposalStatus;
    use sqlx::Row;

    use super::*;
    use passerelle_core::domain::{hub, joint, members, proposals};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_tells_the_whole_story() {
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let fed = start_seeded(0, dir.path()).await.unwrap();
        let took = started.elapsed();
        eprintln!("demo seeded in {took:?}");
        assert!(took.as_secs() < 30, "seeding took {took:?}");
        assert_eq!(fed.services.len(), SERVICES.len());
        let summary = fed.summary.clone();
        assert!(!summary.lines().is_empty());

        // Every life-cycle state appears across the federation, each
        // committee has 4 to 6 proposals in several states, and its
        // shared proposals are 1 to 3.
        let mut states = BTreeSet::new();
        for s in &fed.services {
            let mut c = s.node.db.pool().acquire().await.unwrap();
            let list = proposals::list(&mut c).await.unwrap();
            assert!(
                (4..=6).contains(&list.len()),
                "{}: {}",
                s.node.id(),
                list.len()
            );
            let mine: BTreeSet<ProposalStatus> = list.iter().map(|p| p.status).collect();
            assert!(mine.len() >= 3, "{}: {mine:?}", s.node.id());
            let shared = list
                .iter()
                .filter(|p| p.shared == proposals::SHARED)
                .count();
            assert!(
                (1..=3).contains(&shared),
                "{}: {shared} shared",
                s.node.id()
            );
            for p in &list {
                // Every change is in the history, and every answer has its text.
                let history = proposals::history(&mut c, p.id).await.unwrap();
                assert_eq!(history.last().unwrap().to_status, p.status);
                if p.status.has_answer() {
                    assert!(p.answer.as_ref().is_some_and(|a| !a.text.is_empty()));
                }
            }
            states.extend(mine);
        }
        use ProposalStatus::*;
        let all = [
            Idea,
            Discussed,
            SentToManagement,
            Accepted,
            Adapted,
            Refused,
            InProgress,
            Realised,
            Abandoned,
        ];
        assert_eq!(states, all.into_iter().collect::<BTreeSet<_>>());

        // The hub's aggregated view: proposals of all seven services, some
        // backed by more than their own service; an update made after
        // sharing arrived (management's adapted answer).
        let hub_node = &fed.hub.node;
        let mut h = hub_node.db.pool().acquire().await.unwrap();
        let aggregated = hub::aggregated(&mut h, &hub::ProposalFilter::default())
            .await
            .unwrap();
        let origins: BTreeSet<&str> = aggregated.iter().map(|p| p.service_id.as_str()).collect();
        assert_eq!(origins, SERVICES.iter().map(|(id, _)| *id).collect());
        assert!(
            aggregated[0].support > 1,
            "sorted by support: {aggregated:?}"
        );
        assert!(aggregated.iter().filter(|p| p.support > 1).count() >= 4);
        let evenings = aggregated
            .iter()
            .find(|p| p.title == "Des consultations en soirée")
            .unwrap();
        assert_eq!(evenings.status, Adapted);
        assert!(evenings
            .answer
            .as_ref()
            .unwrap()
            .text
            .contains("un soir par mois"));
        assert!(evenings.subject.is_some());
        // Every support carries its committee's word, shown at the hub.
        let supporters: Vec<_> = aggregated.iter().flat_map(|p| &p.supporters).collect();
        assert_eq!(supporters.len(), summary.supports);
        assert!(
            supporters.iter().all(|s| s.comment.is_some()),
            "{supporters:?}"
        );
        // One support a member suggested waits for Charleroi's administrators.
        let charleroi = fed.service("ssm-charleroi").unwrap();
        let mut c = charleroi.node.db.pool().acquire().await.unwrap();
        let pending = passerelle_core::domain::joint::suggestions::pending(&mut c, None)
            .await
            .unwrap();
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert_eq!(pending[0].by, "Ahmed");
        assert_eq!(pending[0].proposal.service.as_str(), "ssm-courcelles");
        drop(c);
        assert!(aggregated
            .iter()
            .any(|p| p.status == Refused && p.answer.is_some()));
        assert_eq!(hub::subjects(&mut h).await.unwrap().len(), 2);
        let pending = hub::proposed_agenda_items(&mut h).await.unwrap();
        assert_eq!(
            pending.len(),
            1,
            "one proposed item is left for later: {pending:?}"
        );

        // The next joint breakfast, at every service, its agenda in order.
        let (next_id, _) = summary.next_meeting.unwrap();
        for s in &fed.services {
            let mut c = s.node.db.pool().acquire().await.unwrap();
            let upcoming = joint::upcoming_meetings(&mut c, passerelle_core::clock::now())
                .await
                .unwrap();
            assert_eq!(upcoming.len(), 1, "{}: {upcoming:?}", s.node.id());
            let m = &upcoming[0];
            assert_eq!(m.id, next_id);
            assert_eq!(m.title, "Comité inter-SSM — petit-déjeuner");
            assert_eq!(m.format, "petit-déjeuner");
            assert!(m.place.contains("La Pioche"));
            let titles: Vec<&str> = m.agenda.iter().map(|a| a.title.as_str()).collect();
            assert_eq!(titles, summary.next_agenda, "{}", s.node.id());
            assert!(m.agenda[0].subject.is_none() && m.agenda[0].proposed_by.is_none());
            assert!(m.agenda[1].subject.is_some());
            assert_eq!(m.agenda[1].proposals.len(), 2);
            assert_eq!(m.agenda[2].proposed_by.as_deref(), Some("cg-charleroi"));
            // Other services' proposals are there to prepare, with supports.
            let others = joint::other_services_proposals(&mut c, s.node.id().as_str())
                .await
                .unwrap();
            assert!(!others.is_empty());
        }

        // The first joint breakfast's decision reaches the services whose
        // proposals it was about, and only them.
        for (id, expected) in [
            ("ssm-la-pioche", 1),
            ("ssm-cpas-charleroi", 1),
            ("ssm-courcelles", 0),
        ] {
            let s = fed.service(id).unwrap();
            let mut c = s.node.db.pool().acquire().await.unwrap();
            let outcomes = joint::outcomes_concerning(&mut c, id).await.unwrap();
            assert_eq!(outcomes.len(), expected, "{id}: {outcomes:?}");
            if expected > 0 {
                assert!(outcomes[0].decision.contains("salle d'attente"));
                assert_eq!(
                    outcomes[0].subject_title.as_deref(),
                    Some("Des salles d'attente plus accueillantes")
                );
            }
        }

        // Delegate lists at the hub: a name only with consent, otherwise a
        // neutral label; contact details never leave a service.
        let seeded = seed::content::members();
        let mut neutral = 0;
        for s in &fed.services {
            let id = s.node.id().as_str();
            let delegates = joint::delegates_of(&mut h, id).await.unwrap();
            assert_eq!(delegates.len(), 2, "{id}: a delegate and a substitute");
            let mut c = s.node.db.pool().acquire().await.unwrap();
            let local = members::list(&mut c, false).await.unwrap();
            assert!((5..=8).contains(&local.len()));
            assert!(local.iter().any(|m| m.contact.is_some()));
            for m in local.iter().filter(|m| !m.consent) {
                for d in &delegates {
                    assert!(
                        !d.label.contains(&m.display_name),
                        "{id}: {} shown without consent",
                        m.display_name
                    );
                }
            }
            neutral += delegates
                .iter()
                .filter(|d| {
                    d.label.starts_with("Délégué·e ") || d.label.starts_with("Suppléant·e ")
                })
                .count();
        }
        assert!(neutral >= 5, "{neutral} neutral labels");
        let envelopes: Vec<String> = sqlx::query("SELECT envelope FROM messages")
            .fetch_all(&mut *h)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("envelope"))
            .collect();
        assert!(envelopes.len() > 50, "{} messages", envelopes.len());
        for (service, name, consent, contact) in &seeded {
            if let Some(contact) = contact {
                assert!(
                    envelopes.iter().all(|e| !e.contains(contact)),
                    "{service}: the contact of {name} left the service"
                );
            }
            if !consent && *name != "Christian" {
                // Christian consented when designated, then withdrew it.
                assert!(
                    envelopes
                        .iter()
                        .all(|e| !e.contains(&format!("\"{name}\""))),
                    "{service}: {name} was sent without consent"
                );
            }
        }
        drop(h);

        fed.stop().await.unwrap();
    }
}
