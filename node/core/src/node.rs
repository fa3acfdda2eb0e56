//! A running node: its configuration, key, database and wake-up signals.
//!
//! [`Node`] is cheap to clone and shared by the HTTP handlers and the sync
//! engine. Several nodes can live in one process (the demo and the tests do
//! that): nothing here is global.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::signed_object::NodeDescriptor;
use passerelle_protocol::{CanonicalValue, KeyPair, NodeId};
use tokio::sync::{watch, Notify};

use crate::accounts;
use crate::config::{self, Config, Overrides};
use crate::db::Db;
use crate::error::{NodeError, Rule};
use crate::log::OwnStream;
use crate::peers;

/// A node, ready to serve.
#[derive(Clone, Debug)]
pub struct Node(Arc<NodeInner>);

#[derive(Debug)]
pub struct NodeInner {
    pub config: Config,
    pub data_dir: PathBuf,
    /// The current key (`node-key.pem`).
    pub keys: KeyPair,
    /// The key a rotation replaced, until the hub holds the rotation (see `keys`).
    pub previous_key: Option<KeyPair>,
    /// Earlier public keys, published so that old messages stay verifiable.
    pub earlier_keys: Vec<passerelle_protocol::PublicKey>,
    pub db: Db,
    /// Woken when a message is added to the log (the hub's feed waiters listen).
    pub log_changed: Notify,
    /// Woken when this node appends to its own stream (the pusher listens).
    pub outbox_changed: Notify,
    /// Pushes waiting for the hub's group commit (`fed::inbox`).
    pub inbox: crate::pushes::Queue,
    /// What each member pushed lately (the hub's quotas, `quota`).
    pub quotas: crate::quota::Quotas,
    /// What the node counted since it started (`metrics`), for its operator.
    pub metrics: crate::metrics::Metrics,
    /// Turns `true` when the node must stop.
    pub shutdown: watch::Sender<bool>,
    /// The date that decides what is current here (see [`crate::clock::Clock`]).
    clock: crate::clock::Clock,
}

impl std::ops::Deref for Node {
    type Target = NodeInner;
    fn deref(&self) -> &NodeInner {
        &self.0
    }
}

/// What `passerelle init` needs. Its `Debug` hides the password and the
/// database password.
#[derive(Clone)]
pub struct InitOptions {
    pub data_dir: PathBuf,
    pub role: NodeRole,
    pub id: NodeId,
    pub name: String,
    pub listen: String,
    pub database_url: Option<String>,
    /// The first administrator's password; generated when `None`.
    pub admin_password: Option<String>,
}

/// What `passerelle init` reports, once. Its `Debug` hides the password.
pub struct InitReport {
    pub admin_username: String,
    /// Shown once, then only its hash is kept.
    pub admin_password: String,
    pub key_id: String,
}

impl std::fmt::Debug for InitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitOptions")
            .field("data_dir", &self.data_dir)
            .field("role", &self.role)
            .field("id", &self.id)
            .field("name", &self.name)
            .field("listen", &self.listen)
            .field(
                "database_url",
                &self.database_url.as_deref().map(crate::db::redact_url),
            )
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl std::fmt::Debug for InitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitReport")
            .field("admin_username", &self.admin_username)
            .field("admin_password", &"[redacted]")
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl Node {
    /// Opens an initialised data directory.
    pub async fn open(data_dir: &Path, overrides: &Overrides) -> Result<Node, NodeError> {
        let config = Config::load(data_dir, overrides)?;
        config::protect_dir(data_dir)?;
        let db = Db::connect(&config.database_url(data_dir)).await?;
        accounts::fill_name_keys(&db).await?;
        let keys = crate::keys::load(data_dir, &db).await?;
        Ok(Self::assemble(config, data_dir.to_path_buf(), keys, db))
    }

    fn assemble(config: Config, data_dir: PathBuf, keys: crate::keys::OwnKeys, db: Db) -> Node {
        let (shutdown, _) = watch::channel(false);
        Node(Arc::new(NodeInner {
            config,
            data_dir,
            keys: keys.current,
            previous_key: keys.previous,
            earlier_keys: keys.earlier,
            db,
            log_changed: Notify::new(),
            outbox_changed: Notify::new(),
            inbox: Default::default(),
            quotas: Default::default(),
            metrics: Default::default(),
            shutdown,
            clock: Default::default(),
        }))
    }

    /// This node's clock: what is current (a delegate's term) is read
    /// against `node.clock().today()`. Tests and the demo may move it.
    pub fn clock(&self) -> &crate::clock::Clock {
        &self.clock
    }

    /// Creates a data directory: configuration, key (0600), database, first
    /// administrator. Refuses a directory that already holds a node.
    pub async fn init(options: InitOptions) -> Result<(Node, InitReport), NodeError> {
        let dir = &options.data_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| NodeError::io(format!("creating {}", dir.display()), e))?;
        if dir.join(config::CONFIG_FILE).exists() || dir.join(config::KEY_FILE).exists() {
            return Err(NodeError::config(format!(
                "{} already holds a node; choose another directory",
                dir.display()
            )));
        }
        config::protect_dir(dir)?;
        let config = Config {
            id: options.id.clone(),
            name: options.name.clone(),
            role: options.role,
            listen: options.listen.clone(),
            database_url: options.database_url.clone().unwrap_or_default(),
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            member_quota: Default::default(),
            metrics_listen: None,
        };
        let keys = KeyPair::generate()?;
        config::write_secret_key(&dir.join(config::KEY_FILE), &keys)?;
        let db = Db::connect(&config.database_url(dir)).await?;
        {
            let mut w = db.begin_write().await?;
            crate::keys::record_first(w.conn(), &keys.public_key()).await?;
            w.commit().await?;
        }
        let password = match options.admin_password {
            Some(p) => p,
            None => accounts::generate_password()?,
        };
        let admin_role = match options.role {
            NodeRole::Hub => accounts::Role::Coordinator,
            NodeRole::Service => accounts::Role::Admin,
        };
        accounts::create(
            &db,
            accounts::NewAccount {
                username: "admin",
                password: &password,
                role: admin_role,
                must_change: true,
                member_id: None,
                known: &[&config.name],
            },
        )
        .await?;
        // The config file is written last: its presence means "initialised".
        config.write_new(dir)?;
        config::protect_dir(dir)?;
        let key_id = keys.key_id().to_string();
        let keys = crate::keys::OwnKeys {
            current: keys,
            previous: None,
            earlier: Vec::new(),
        };
        let node = Self::assemble(config, dir.clone(), keys, db);
        Ok((
            node,
            InitReport {
                admin_username: "admin".into(),
                admin_password: password,
                key_id,
            },
        ))
    }

    pub fn id(&self) -> &NodeId {
        &self.config.id
    }

    pub fn is_hub(&self) -> bool {
        self.config.role == NodeRole::Hub
    }

    /// The signed descriptor published at `/.well-known/passerelle`.
    pub fn descriptor(&self) -> Result<CanonicalValue, NodeError> {
        Ok(NodeDescriptor::signed(
            self.config.id.clone(),
            self.config.name.clone(),
            self.config.role,
            self.earlier_keys.clone(),
            &self.keys,
        )?)
    }

    /// After a transaction that erased texts has committed: the old
    /// versions of the rewritten rows are made unreachable on disk
    /// ([`crate::db::Db::scrub_after_erasure`]). A failure is logged, not
    /// returned: the erasure itself is done; the next one retries.
    pub async fn scrub_after_erasure(&self) {
        let tables = crate::domain::erasure::tables();
        if let Err(e) = self.db.scrub_after_erasure(&tables).await {
            tracing::warn!(error = %e, "erasure: the database could not be scrubbed yet");
        }
    }

    /// Refuses (`not_a_hub`) on a service: for what only a hub does.
    pub fn require_hub(&self) -> Result<(), NodeError> {
        if self.is_hub() {
            Ok(())
        } else {
            Err(NodeError::refused(
                crate::error::Refusal::NotAHub,
                "this node is a service, not a hub",
            ))
        }
    }

    /// The federation this node belongs to: its own id for a hub, its hub's
    /// id for a service (`None` before joining).
    pub async fn federation(&self) -> Result<Option<NodeId>, NodeError> {
        if self.is_hub() {
            return Ok(Some(self.config.id.clone()));
        }
        let mut conn = self.db.pool().acquire().await?;
        match peers::hub(&mut conn).await? {
            Some(hub) => Ok(Some(NodeId::parse(&hub.id)?)),
            None => Ok(None),
        }
    }

    /// Opens a change to this node: one write transaction, with the node's
    /// own stream when it belongs to a federation. Dropped without
    /// [`Change::commit`], it changes nothing.
    pub async fn change(&self) -> Result<Change<'_>, NodeError> {
        let audience = self.federation().await?;
        self.open_change(audience).await
    }

    /// [`Node::change`] for a change that must be announced: refused
    /// before the node joined a federation.
    pub async fn change_announced(&self) -> Result<Change<'_>, NodeError> {
        let audience = self.federation().await?.ok_or_else(|| {
            crate::validate::rule(Rule::NotJoined, "this node has not joined a hub yet")
        })?;
        self.open_change(Some(audience)).await
    }

    async fn open_change(&self, audience: Option<NodeId>) -> Result<Change<'_>, NodeError> {
        let tx = self.db.begin_write().await?;
        Ok(Change {
            node: self,
            tx,
            audience,
        })
    }

    /// Runs `f` with this node's own stream inside one write transaction,
    /// then wakes the pusher (services) or the feed waiters (hub).
    pub async fn with_stream<T, F>(&self, f: F) -> Result<T, NodeError>
    where
        F: for<'c> FnOnce(
            &'c mut sqlx::AnyConnection,
            OwnStream<'c>,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, NodeError>> + Send + 'c>,
        >,
    {
        let mut change = self.change_announced().await?;
        let (conn, stream) = change.announced()?;
        let out = f(conn, stream).await?;
        change.commit().await?;
        Ok(out)
    }

    /// Asks every task of this node to stop. The flag is stored even when
    /// no task listens yet (`send` would drop it), so a node stopped right
    /// after it was started still stops.
    pub fn stop(&self) {
        self.shutdown.send_replace(true);
    }

    /// A receiver that turns `true` when the node must stop.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }
}

/// Waits until `rx` turns `true`.
pub async fn stopped(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// A change to a node under way (see [`Node::change`]): the write
/// transaction, and the node's own stream to announce it on.
pub struct Change<'n> {
    node: &'n Node,
    tx: crate::db::WriteTx,
    audience: Option<NodeId>,
}

impl Change<'_> {
    /// The connection of the transaction.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        self.tx.conn()
    }

    /// The connection and the node's own stream (`None` before a service
    /// joins a federation).
    pub fn parts(&mut self) -> (&mut sqlx::AnyConnection, Option<OwnStream<'_>>) {
        let node = self.node;
        let stream = self.audience.as_ref().map(|audience| OwnStream {
            me: &node.config.id,
            audience,
            keys: &node.keys,
        });
        (self.tx.conn(), stream)
    }

    /// The connection and the stream, for a change that must be announced
    /// (opened with [`Node::change_announced`]).
    pub fn announced(&mut self) -> Result<(&mut sqlx::AnyConnection, OwnStream<'_>), NodeError> {
        match self.parts() {
            (conn, Some(stream)) => Ok((conn, stream)),
            (_, None) => Err(crate::validate::rule(
                Rule::NotJoined,
                "this node has not joined a hub yet",
            )),
        }
    }

    /// Commits, then wakes the pusher (services) or the feed waiters (hub).
    pub async fn commit(self) -> Result<(), NodeError> {
        self.tx.commit().await?;
        self.node.log_changed.notify_waiters();
        self.node.outbox_changed.notify_one();
        Ok(())
    }
}
