//! `passerelle demo`: a whole federation on one machine.
//!
//! A hub and the seven Charleroi services, each a separate node with its own
//! key, SQLite file and HTTP port, enrolled through the real invitation flow
//! and talking real HTTP over loopback. The demo content is created through
//! the same functions people's actions use, so the traffic is real too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use passerelle_protocol::body::{NodeRole, Origin, ProposalStatus, Theme};
use passerelle_protocol::NodeId;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::domain::proposals::{self, NewProposal};
use crate::error::NodeError;
use crate::node::{InitOptions, Node};

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
    let task = tokio::spawn(crate::run(node.clone(), listener));
    Running { node, url, task }
}

/// Demo content for one service: believable proposals, one of them shared.
async fn seed(node: &Node, n: usize) -> Result<(), NodeError> {
    let ideas = [
        (
            "Une salle d'attente plus accueillante",
            "Des plantes, de la lecture et une lumière plus douce dans la salle d'attente.",
            Theme::Reception,
        ),
        (
            "Des horaires en soirée",
            "Ouvrir un soir par semaine pour les personnes qui travaillent.",
            Theme::Accessibility,
        ),
        (
            "Un petit-déjeuner mensuel du comité",
            "Se retrouver autour d'un petit-déjeuner pour parler de la vie du service.",
            Theme::Activities,
        ),
        (
            "Un panneau d'information clair",
            "Afficher les noms des professionnel·les et les horaires en grand.",
            Theme::Communication,
        ),
    ];
    let (title, description, theme) = ideas[n % ideas.len()];
    let mut w = node.db.begin_write().await?;
    let id = proposals::create(
        w.conn(),
        "admin",
        &NewProposal {
            title: title.into(),
            description: description.into(),
            theme,
            tags: vec!["demo".into()],
            origin: Origin::Committee,
        },
    )
    .await?;
    proposals::change_status(
        w.conn(),
        None,
        id,
        "admin",
        ProposalStatus::Discussed,
        Some("Discutée en comité".into()),
        None,
    )
    .await?;
    w.commit().await?;
    node.with_stream(|conn, stream| {
        Box::pin(async move { proposals::share(conn, &stream, id).await })
    })
    .await?;
    Ok(())
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
    let port = |n: u16| if base_port == 0 { 0 } else { base_port + n };
    let hub = start_new(&root.join(HUB.0), NodeRole::Hub, HUB.0, HUB.1, port(0)).await?;
    let mut services = Vec::new();
    for (n, (id, name)) in SERVICES.iter().enumerate() {
        let service = start_new(
            &root.join(id),
            NodeRole::Service,
            id,
            name,
            port(n as u16 + 1),
        )
        .await?;
        let code = crate::fed::hub::invite(&hub.node, &NodeId::parse(id)?, 1).await?;
        crate::fed::service::join(&service.node, &hub.url, &code).await?;
        seed(&service.node, n).await?;
        services.push(service);
    }
    // Let the first exchanges happen before printing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "Passerelle — démonstration (données dans {})",
        root.display()
    );
    println!();
    println!("  {:<40} {}", HUB.1, hub.url);
    for (s, (_, name)) in services.iter().zip(SERVICES.iter()) {
        println!("  {:<40} {}", name, s.url);
    }
    println!();
    println!(
        "Connexion : utilisateur « admin », mot de passe « {DEMO_PASSWORD} » (sur chaque nœud)."
    );
    println!(
        "État des échanges : passerelle status --data {}/<id>",
        root.display()
    );
    println!("Ctrl-C pour tout arrêter.");
    crate::cli::wait_for_signal().await;
    println!("Arrêt des nœuds…");
    for r in services.iter().chain(std::iter::once(&hub)) {
        r.node.stop();
    }
    for r in services.into_iter().chain(std::iter::once(hub)) {
        let _ = r.task.await;
    }
    Ok(())
}

/// Removes the demo's temporary directory when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
