//! The hub's queue of authenticated pushes waiting for the group commit
//! (`fed::inbox` drains it), and what each is answered with. It lives
//! below `node`, which holds one queue per node, so that the engine above
//! can use both.

use std::sync::Mutex;

use passerelle_protocol::{PublicKey, SignedEnvelope};
use tokio::sync::oneshot;

use crate::error::NodeError;
use crate::peers::Peer;
use crate::wire::{PushRequest, PushResponse};

/// An envelope parsed from its raw bytes ahead of the pipeline, with the
/// key its signature was found valid with, if any.
#[derive(Debug)]
pub struct Prechecked {
    pub env: SignedEnvelope,
    pub verified_with: Option<PublicKey>,
}

impl Prechecked {
    /// Parses `raw` and, when `key` is given, verifies the signature with
    /// it. `None` when `raw` does not parse: the pipeline will say why.
    pub fn new(raw: &str, key: Option<&PublicKey>) -> Option<Prechecked> {
        let env = SignedEnvelope::parse(raw.as_bytes()).ok()?;
        let verified_with = key.filter(|k| env.verify_signature(k).is_ok()).copied();
        Some(Prechecked { env, verified_with })
    }
}

/// What a push is answered with.
pub type Outcome = Result<Pushed, NodeError>;

/// A push's answer: what the hub says of each message, and the refusal
/// that stopped the push, if one did (its status is the web crate's to
/// choose).
#[derive(Debug)]
pub struct Pushed {
    pub response: PushResponse,
    pub stopped_by: Option<NodeError>,
}

/// One authenticated push, waiting for its group.
pub struct Job {
    pub peer: Peer,
    /// The request signature, recorded against replay in the group's transaction.
    pub request_sig: String,
    pub req: PushRequest,
    /// `req.messages[i]` parsed and verified ahead of the transaction.
    pub pre: Vec<Option<Prechecked>>,
    pub(crate) answer: oneshot::Sender<Outcome>,
}

/// The pushes waiting for the committer, and whether it runs.
#[derive(Debug, Default)]
pub struct Queue {
    pub(crate) state: Mutex<State>,
}

impl Queue {
    /// How many pushes wait for the committer now.
    pub fn len(&self) -> usize {
        self.state.lock().map_or(0, |s| s.jobs.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) jobs: Vec<Job>,
    pub(crate) running: bool,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("jobs", &self.jobs.len())
            .field("running", &self.running)
            .finish()
    }
}
