//! The command line. Each subcommand parses its flags and calls the library.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{KeyPair, NodeId};

use crate::{demo, protocol_tools, status};
use passerelle_core::config::{data_dir_or_default, Overrides};
use passerelle_core::error::NodeError;
use passerelle_core::fed;
use passerelle_core::node::{InitOptions, Node};

#[derive(Debug, Parser)]
#[command(
    name = "passerelle",
    version,
    about = "Passerelle : le lien entre les comités d'usager·ères des services de santé mentale."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Service,
    Hub,
}

#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// The node's data directory.
    #[arg(long = "data", env = "PASSERELLE_DATA")]
    pub data: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…), overriding the configuration.
    #[arg(long, env = "PASSERELLE_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a node: configuration, key, database, first administrator.
    Init {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Stable id, e.g. ssm-courcelles (a-z, 0-9, '-').
        #[arg(long)]
        id: String,
        /// Name shown to people.
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Read the first administrator's password from this file instead of generating one.
        #[arg(long)]
        admin_password_file: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Run the node's server (and, for a service, its synchronisation).
    Serve {
        #[arg(long, env = "PASSERELLE_LISTEN")]
        listen: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show how the exchanges with the other nodes are going.
    Status {
        #[arg(long)]
        json: bool,
        /// (Hub) Only this member service, e.g. ssm-courcelles.
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// (Hub) Create a single-use invitation for a service.
    Invite {
        /// The service's id, e.g. ssm-courcelles.
        #[arg(long)]
        service: String,
        /// The name the service is shown under, to everyone: chosen here,
        /// by the hub, not by the service (required, except with --replace:
        /// then the member keeps its name unless given a new one).
        #[arg(long, required_unless_present = "replace")]
        name: Option<String>,
        /// Hours before the invitation expires (1 to 720).
        #[arg(long, default_value_t = 72)]
        hours: u32,
        /// Replace an active member (its server was lost, or is in the
        /// wrong hands): its current key is revoked at once, and every node
        /// learns it; the new server joins with the code under the same id.
        #[arg(long)]
        replace: bool,
        /// With --replace: why, as every node will read it in the revocation.
        #[arg(long, requires = "replace")]
        reason: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// (Service) Join a hub with an invitation code.
    Join {
        hub_url: String,
        /// The code `passerelle invite` printed (it may begin with '-').
        #[arg(allow_hyphen_values = true)]
        code: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// (Hub) Member services.
    Members {
        #[command(subcommand)]
        action: MembersAction,
    },
    /// People's accounts: list them, give one a new first password.
    Account {
        #[command(subcommand)]
        action: AccountAction,
    },
    /// This node's signing key: rotation, replacement after a compromise.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Write a consistent snapshot of the node (running or not) to OUT_FILE,
    /// with its configuration and secret key (the file is mode 0600).
    Backup {
        out_file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Bring a stopped node back to a snapshot made by `backup`.
    Restore {
        snapshot_file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Tools for the signed-message protocol.
    Protocol {
        #[command(subcommand)]
        tool: ProtocolTool,
    },
    /// Start a hub and the seven Charleroi services on this machine, with demo data.
    Demo {
        /// Port of the hub; the services take the next seven. 0 picks free ports.
        #[arg(long, default_value_t = 8470)]
        base_port: u16,
        /// Where to keep the nodes' data (default: a temporary directory, removed at exit).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountAction {
    /// The node's accounts: name, role, state (active, must choose a
    /// password, blocked by failed logins, disabled), one per line.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Print a new first password for an account (e.g. the only
    /// administrator, who forgot theirs): its sessions end, it is
    /// unblocked, and the password must be changed at the next login.
    ResetPassword {
        /// The account's user name.
        #[arg(long)]
        user: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersAction {
    /// List the member services.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a member: its messages are refused from now on.
    Revoke {
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Declare a member's key compromised: its messages signed with it from
    /// --from-seq on are refused (or flagged, if already accepted).
    RevokeKey {
        id: String,
        /// The compromised key (key id or public key); default: its current key.
        /// A public key may begin with '-'.
        #[arg(long, allow_hyphen_values = true)]
        key: Option<String>,
        /// First message of its stream the key may no longer sign; default:
        /// its next message (nothing accepted so far is put in doubt).
        #[arg(long)]
        from_seq: Option<u64>,
        /// The replacement public key that the member's `key replace` printed
        /// (it may begin with '-').
        #[arg(long, allow_hyphen_values = true)]
        new_key: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// (Node stopped) New key; the old one signs the announcement, so every
    /// peer learns it. Old messages stay verifiable.
    Rotate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// (Service, node stopped) After a theft of the key: a new key that the
    /// hub's operator installs with `members revoke-key … --new-key`.
    Replace {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProtocolTool {
    /// JSON on stdin → canonical bytes on stdout.
    Canonicalize,
    /// Write a new PKCS#8 PEM secret key (mode 0600) and print its public key and key id.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Unsigned envelope on stdin → signed envelope on stdout.
    Sign {
        #[arg(long)]
        key: PathBuf,
    },
    /// Signed envelope on stdin → `ok`, or the error code and a non-zero exit.
    Verify {
        /// The signer's public key, base64url (it may begin with '-').
        #[arg(long, allow_hyphen_values = true)]
        public_key: String,
        /// Also check that the envelope is addressed to this hub.
        #[arg(long)]
        audience: Option<String>,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("erreur : impossible de démarrer : {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("erreur [{}] : {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PASSERELLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // No colours (journald and files want none), and every event on one
    // line whatever its values hold (`log_line`).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| crate::log_line::Escaping(std::io::stderr()))
        .try_init();
}

fn overrides(data: &DataArgs, listen: Option<String>) -> Overrides {
    Overrides {
        listen,
        database_url: data.database_url.clone(),
    }
}

async fn open(data: &DataArgs) -> Result<Node, NodeError> {
    Node::open(
        &data_dir_or_default(data.data.clone()),
        &overrides(data, None),
    )
    .await
}

fn read_stdin() -> Result<Vec<u8>, NodeError> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| NodeError::io("reading standard input", e))?;
    Ok(input)
}

fn write_stdout(bytes: &[u8]) -> Result<(), NodeError> {
    let mut out = std::io::stdout();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| NodeError::io("writing standard output", e))
}

async fn dispatch(command: Command) -> Result<ExitCode, NodeError> {
    match command {
        Command::Init {
            role,
            id,
            name,
            listen,
            admin_password_file,
            data,
        } => {
            let admin_password = match admin_password_file {
                Some(path) => Some(
                    std::fs::read_to_string(&path)
                        .map_err(|e| NodeError::io(format!("reading {}", path.display()), e))?
                        .trim()
                        .to_owned(),
                ),
                None => None,
            };
            let given = admin_password.is_some();
            let (node, report) = Node::init(InitOptions {
                data_dir: data_dir_or_default(data.data),
                role: match role {
                    RoleArg::Service => NodeRole::Service,
                    RoleArg::Hub => NodeRole::Hub,
                },
                id: NodeId::parse(&id)?,
                name,
                listen,
                database_url: data.database_url,
                admin_password,
            })
            .await?;
            println!("Nœud créé : {} ({})", node.id(), node.data_dir.display());
            println!("Clé publique : {}", node.keys.public_key());
            println!("Identifiant de clé : {}", report.key_id);
            if given {
                println!(
                    "Compte administrateur : {} (mot de passe lu dans le fichier)",
                    report.admin_username
                );
            } else {
                println!("Compte administrateur : {}", report.admin_username);
                println!(
                    "Mot de passe (affiché une seule fois, à changer à la première connexion) : {}",
                    report.admin_password
                );
            }
            node.db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { listen, data } => {
            let dir = data_dir_or_default(data.data.clone());
            let node = Node::open(&dir, &overrides(&data, listen)).await?;
            let listener = tokio::net::TcpListener::bind(&node.config.listen)
                .await
                .map_err(|e| NodeError::io(format!("listening on {}", node.config.listen), e))?;
            tracing::info!(id = %node.id(), address = %node.config.listen, "node started");
            let stopper = node.clone();
            tokio::spawn(async move {
                crate::wait_for_signal().await;
                tracing::info!("stopping: finishing requests in flight");
                stopper.stop();
            });
            passerelle_web::run(node, listener).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status {
            json,
            service,
            data,
        } => {
            let node = open(&data).await?;
            let mut report = status::report(&node).await?;
            if let Some(id) = &service {
                report.peers.retain(|p| &p.id == id);
                if report.peers.is_empty() {
                    return Err(NodeError::config(format!(
                        "aucun service {id:?} parmi les membres de ce nœud (no such member)"
                    )));
                }
            }
            status::add_sizes(&node, &mut report).await?;
            let live = status::live(&node).await;
            if json {
                let text = serde_json::to_string_pretty(&report)
                    .map_err(|e| NodeError::config(e.to_string()))?;
                println!("{text}");
            } else {
                let now = passerelle_core::clock::now();
                print!("{}", status::render_with(&report, now, live.as_ref()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Invite {
            service,
            name,
            hours,
            replace,
            reason,
            data,
        } => {
            let node = open(&data).await?;
            let id = NodeId::parse(&service)?;
            // The code is on the second line: scripts read it there.
            if replace {
                let r = fed::hub::invite_replacement(&node, &id, name.as_deref(), hours, reason)
                    .await?;
                println!(
                    "Invitation pour remplacer {service} (« {} »), valable {hours} h, à usage unique :",
                    r.name
                );
                println!("{}", r.code);
                println!(
                    "Sur le nouveau nœud du service (créé avec --id {service}) : \
                     passerelle join <adresse du hub> {}",
                    r.code
                );
                for k in &r.revoked {
                    println!(
                        "Clé {} de {service} révoquée dès maintenant (à partir de son message n° {}) : \
                         tous les nœuds l'apprennent, elle ne signe plus rien.",
                        k.key.key_id(),
                        k.from_seq
                    );
                }
                if r.revoked.is_empty() {
                    println!("{service} n'avait plus de clé valable : rien à révoquer.");
                }
                println!(
                    "Quand le nouveau nœud rejoindra le comité, sa clé sera installée à la place \
                     et il reprendra le fil des messages de {service}."
                );
            } else {
                let name = name.unwrap_or_default();
                let code = fed::hub::invite(&node, &id, &name, hours).await?;
                println!(
                    "Invitation pour {service} (« {} »), valable {hours} h, à usage unique :",
                    name.trim()
                );
                println!("{code}");
                println!("Sur le nœud du service : passerelle join <adresse du hub> {code}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Join {
            hub_url,
            code,
            data,
        } => {
            let node = open(&data).await?;
            let hub = fed::service::join(&node, &hub_url, &code).await?;
            println!("Ce service a rejoint le comité {hub}. La synchronisation démarre avec `passerelle serve`.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Account { action } => match action {
            AccountAction::List { data } => {
                let node = open(&data).await?;
                for a in passerelle_core::accounts::list(&node.db).await? {
                    let blocked = passerelle_core::throttle::is_slowed(&node.db, &a.username);
                    let state = if a.disabled {
                        "désactivé"
                    } else if blocked.await? {
                        "bloqué par des essais ratés"
                    } else if a.must_change_password {
                        "doit choisir son mot de passe"
                    } else {
                        "actif"
                    };
                    println!("{}\t{}\t{state}", a.username, a.role.as_str());
                }
                Ok(ExitCode::SUCCESS)
            }
            AccountAction::ResetPassword { user, data } => {
                let node = open(&data).await?;
                let reset = match passerelle_core::actions::accounts::reset_by_operator(
                    &node, &user,
                )
                .await
                {
                    Err(e) if e.refusal() == Some(passerelle_core::error::Refusal::NotFound) => {
                        eprintln!("erreur : il n'y a pas de compte « {user} » sur ce nœud. `passerelle account list` montre les comptes.");
                        return Ok(ExitCode::FAILURE);
                    }
                    other => other?,
                };
                println!("Nouveau mot de passe de {} (affiché une seule fois, à changer à la première connexion) :", reset.account.username);
                println!("{}", reset.password);
                println!("Ses connexions sont fermées et son compte est débloqué.");
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Members { action } => match action {
            MembersAction::List { data } => {
                let node = open(&data).await?;
                let report = status::report(&node).await?;
                for p in report.peers.iter().filter(|p| p.role == "service") {
                    println!("{}\t{}\t{}", p.id, p.membership, p.name);
                }
                Ok(ExitCode::SUCCESS)
            }
            MembersAction::Revoke { id, data } => {
                let node = open(&data).await?;
                fed::hub::revoke(&node, &id).await?;
                println!("{id} est révoqué : ses messages seront refusés.");
                Ok(ExitCode::SUCCESS)
            }
            MembersAction::RevokeKey {
                id,
                key,
                from_seq,
                new_key,
                reason,
                data,
            } => {
                let node = open(&data).await?;
                let new_key = new_key
                    .map(|k| passerelle_protocol::PublicKey::parse(k.trim()))
                    .transpose()?;
                let r = passerelle_core::rotation::revoke_member_key(
                    &node,
                    &id,
                    key.as_deref(),
                    from_seq,
                    new_key,
                    reason,
                )
                .await?;
                println!(
                    "Clé {} de {id} révoquée à partir de son message {} ; tous les services l'apprennent.",
                    r.key.key_id(),
                    r.from_seq
                );
                match r.new_key {
                    Some(k) => println!(
                        "Nouvelle clé {} : elle signe ses messages à partir du n° {}.",
                        k.key_id(),
                        r.next_seq
                    ),
                    None => println!(
                        "{id} n'a plus de clé valable : quand il aura donné sa nouvelle clé, recommencez avec --new-key."
                    ),
                }
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Key { action } => key_command(action).await,
        Command::Backup { out_file, data } => {
            let dir = data_dir_or_default(data.data.clone());
            let report = crate::backup::backup(&dir, &overrides(&data, None), &out_file).await?;
            println!(
                "Sauvegarde de {} : {} ({} octets, {} messages, {} ms).",
                report.node_id,
                report.path.display(),
                report.bytes,
                report.messages,
                report.millis
            );
            println!("Elle contient la clé secrète du nœud : gardez-la en lieu sûr.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore {
            snapshot_file,
            data,
        } => {
            let dir = data_dir_or_default(data.data.clone());
            let report =
                crate::backup::restore(&dir, &overrides(&data, None), &snapshot_file).await?;
            println!(
                "{} restauré ({} messages).",
                report.node_id, report.messages
            );
            for p in &report.moved_aside {
                println!("Ancien fichier gardé : {}", p.display());
            }
            match report.role {
                NodeRole::Service => println!(
                    "Au démarrage, le service demandera d'abord au hub ce qu'il a reçu de lui après cette sauvegarde."
                ),
                NodeRole::Hub => println!(
                    "Au démarrage, les services renverront ce que le hub a perdu."
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Protocol { tool } => protocol(tool),
        Command::Demo { base_port, dir } => {
            demo::run(base_port, dir).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn key_command(action: KeyAction) -> Result<ExitCode, NodeError> {
    let (data, doing) = match &action {
        KeyAction::Rotate { data } => (data, "changer sa clé"),
        KeyAction::Replace { data } => (data, "remplacer sa clé"),
    };
    let dir = data_dir_or_default(data.data.clone());
    let _lock = passerelle_core::config::DirLock::acquire(&dir, doing)?;
    let node = open(data).await?;
    match action {
        KeyAction::Rotate { .. } => {
            let r = passerelle_core::rotation::rotate(&node).await?;
            println!(
                "Nouvelle clé : {} ({}), annoncée par le message n° {} signé avec l'ancienne ({}).",
                r.new_key.key_id(),
                r.new_key,
                r.seq,
                r.old_key
            );
            println!("Faites maintenant une sauvegarde (passerelle backup) : les anciennes ne contiennent pas cette clé.");
        }
        KeyAction::Replace { .. } => {
            let r = passerelle_core::rotation::replace(&node).await?;
            println!("Nouvelle clé de ce service : {}", r.new_key);
            println!(
                "Donnez-la à l'opérateur du hub (par téléphone, pas par courriel) ; il lance :\n  \
                 passerelle members revoke-key {} --key {} --new-key {} [--from-seq N]",
                node.id(),
                r.old_key.key_id(),
                r.new_key
            );
            println!("D'ici là, le hub refuse ce service. Faites ensuite une sauvegarde.");
        }
    }
    node.db.close().await;
    Ok(ExitCode::SUCCESS)
}

fn protocol(tool: ProtocolTool) -> Result<ExitCode, NodeError> {
    let fail = |e: passerelle_protocol::ProtocolError| {
        eprintln!("{}: {e}", e.code());
        Ok(ExitCode::FAILURE)
    };
    match tool {
        ProtocolTool::Canonicalize => match protocol_tools::canonicalize_tool(&read_stdin()?) {
            Ok(bytes) => write_stdout(&bytes).map(|()| ExitCode::SUCCESS),
            Err(e) => fail(e),
        },
        ProtocolTool::Keygen { out } => {
            print!("{}", protocol_tools::keygen_tool(&out)?);
            Ok(ExitCode::SUCCESS)
        }
        ProtocolTool::Sign { key } => {
            let pem = std::fs::read_to_string(&key)
                .map_err(|e| NodeError::io(format!("reading {}", key.display()), e))?;
            let keys = KeyPair::from_pkcs8_pem(&pem)?;
            match protocol_tools::sign_tool(&read_stdin()?, &keys) {
                Ok(bytes) => write_stdout(&bytes).map(|()| ExitCode::SUCCESS),
                Err(e) => fail(e),
            }
        }
        ProtocolTool::Verify {
            public_key,
            audience,
        } => match protocol_tools::verify_tool(&read_stdin()?, &public_key, audience.as_deref()) {
            Ok(()) => {
                println!("ok");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                println!("{}", e.code());
                fail(e)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Invitation codes are base64url: one in 64 begins with '-', which
    /// must not be taken for an option.
    #[test]
    fn an_invitation_code_may_begin_with_a_hyphen() {
        let cli = Cli::try_parse_from([
            "passerelle",
            "join",
            "http://127.0.0.1:8080",
            "-Mx8Qv2bXy0a1b2c3d4e5f6",
            "--data",
            "/tmp/x",
        ])
        .unwrap();
        match cli.command {
            Command::Join { code, data, .. } => {
                assert_eq!(code, "-Mx8Qv2bXy0a1b2c3d4e5f6");
                assert_eq!(data.data, Some(PathBuf::from("/tmp/x")));
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    /// The hub names the service it invites: `--name` is required, except
    /// to replace a member (which keeps its name unless given one); a
    /// reason goes only with a replacement.
    #[test]
    fn an_invitation_names_the_service_unless_it_replaces_one() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["passerelle", "invite", "--service", "ssm-a"];
            args.extend_from_slice(extra);
            Cli::try_parse_from(args)
        };
        assert!(parse(&[]).is_err());
        assert!(parse(&["--reason", "serveur perdu", "--name", "SSM A"]).is_err());
        match parse(&["--name", "SSM A"]).unwrap().command {
            Command::Invite {
                name,
                replace,
                reason,
                ..
            } => assert_eq!(
                (name.as_deref(), replace, reason),
                (Some("SSM A"), false, None)
            ),
            other => panic!("parsed as {other:?}"),
        }
        match parse(&["--replace", "--reason", "serveur perdu"])
            .unwrap()
            .command
        {
            Command::Invite {
                name,
                replace,
                reason,
                ..
            } => assert_eq!(
                (name, replace, reason.as_deref()),
                (None, true, Some("serveur perdu"))
            ),
            other => panic!("parsed as {other:?}"),
        }
    }
}
