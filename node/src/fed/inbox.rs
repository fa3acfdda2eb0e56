//! Group commit for the hub's inbox.
//!
//! **Why.** Every push must be durable before it is acknowledged (SQLite in
//! WAL mode with `synchronous = FULL`, or PostgreSQL), and a durable commit
//! costs a disk flush: a few milliseconds, far more than verifying and
//! inserting a message. One commit per request caps the hub at a few hundred
//! requests per second whatever the processor. So concurrent pushes share a
//! transaction: each request queues a [`Job`]; one committer task takes every
//! job waiting, runs them one after the other in one write transaction, each
//! inside its own savepoint, commits once, and only then answers each of
//! them. While it commits, new requests queue up and form the next group: no
//! timer, no added wait when the hub is idle.
//!
//! **What stays true.** A job that fails (a replayed request, a database
//! error) is rolled back to its savepoint: it writes nothing and the others
//! are untouched. A refused *message* stops its own job as before (the
//! accepted prefix is kept, as with a lone push). Nothing is answered before
//! the commit that holds it is durable; if that commit fails, every job of
//! the group is answered with an error and none was stored. The batching is
//! only an optimisation inside one process: with several hub processes on
//! one PostgreSQL, each group takes the database's write lock
//! (`Db::begin_write`), and the database remains the arbiter of sequence,
//! duplicates and replay.

use std::sync::Mutex;

use axum::http::StatusCode;
use tokio::sync::oneshot;

use crate::error::{ErrorDetail, NodeError};
use crate::fed::auth;
use crate::fed::ingest::{self, Accepted, Prechecked, Source};
use crate::fed::log;
use crate::fed::peers::Peer;
use crate::fed::wire::{Head, PushRequest, PushResponse, PushResult};
use crate::node::Node;

/// Most pushes in one group: bounds how long the first of them waits.
const MAX_GROUP_JOBS: usize = 128;
/// Most messages in one group.
const MAX_GROUP_MESSAGES: usize = 2_000;

/// What a push is answered with.
pub type Outcome = Result<(StatusCode, PushResponse), NodeError>;

/// One authenticated push, waiting for its group.
pub struct Job {
    pub peer: Peer,
    /// The request signature, recorded against replay in the group's transaction.
    pub request_sig: String,
    pub req: PushRequest,
    /// `req.messages[i]` parsed and verified ahead of the transaction.
    pub pre: Vec<Option<Prechecked>>,
    answer: oneshot::Sender<Outcome>,
}

/// The pushes waiting for the committer, and whether it runs.
#[derive(Debug, Default)]
pub struct Queue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    jobs: Vec<Job>,
    running: bool,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("jobs", &self.jobs.len())
            .field("running", &self.running)
            .finish()
    }
}

fn internal(why: String) -> NodeError {
    NodeError::Database(sqlx::Error::Protocol(why))
}

/// Queues a push and waits for the answer, given after its group committed.
pub async fn submit(
    node: &Node,
    peer: Peer,
    request_sig: String,
    req: PushRequest,
    pre: Vec<Option<Prechecked>>,
) -> Outcome {
    let (answer, answered) = oneshot::channel();
    let job = Job {
        peer,
        request_sig,
        req,
        pre,
        answer,
    };
    let start = {
        let mut state = node
            .inbox
            .state
            .lock()
            .map_err(|_| internal("inbox queue poisoned".into()))?;
        state.jobs.push(job);
        !std::mem::replace(&mut state.running, true)
    };
    if start {
        tokio::spawn(run(node.clone()));
    }
    answered
        .await
        .map_err(|_| internal("the inbox committer stopped".into()))?
}

/// Clears `running` however the committer ends (a panic included), and
/// drops the jobs it left, so that their requests are answered with an error
/// instead of waiting forever; the next push starts a new committer.
struct Running {
    node: Node,
    finished: bool,
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Ok(mut state) = self.node.inbox.state.lock() {
            state.running = false;
            state.jobs.clear();
        }
    }
}

/// The committer: takes groups until the queue is empty.
async fn run(node: Node) {
    let mut guard = Running {
        node: node.clone(),
        finished: false,
    };
    loop {
        let group = {
            let Ok(mut state) = node.inbox.state.lock() else {
                return;
            };
            if state.jobs.is_empty() {
                // Under the lock: a push queued after this starts a new committer.
                state.running = false;
                guard.finished = true;
                return;
            }
            take_group(&mut state.jobs)
        };
        commit_group(&node, group).await;
    }
}

/// The oldest waiting jobs, within the group limits (always at least one).
fn take_group(jobs: &mut Vec<Job>) -> Vec<Job> {
    let mut messages = 0;
    let mut n = 0;
    for job in jobs.iter() {
        if n > 0 && (n == MAX_GROUP_JOBS || messages + job.req.messages.len() > MAX_GROUP_MESSAGES)
        {
            break;
        }
        messages += job.req.messages.len();
        n += 1;
    }
    jobs.drain(..n).collect()
}

async fn commit_group(node: &Node, group: Vec<Job>) {
    let mut w = match node.db.begin_write().await {
        Ok(w) => w,
        Err(e) => {
            tracing::error!(error = %e, "inbox: cannot start a write transaction");
            for job in group {
                let _ = job.answer.send(Err(internal(format!("begin: {e}"))));
            }
            return;
        }
    };
    let mut outcomes = Vec::with_capacity(group.len());
    let mut stored_any = false;
    let mut broken = None;
    for mut job in group {
        let pre = std::mem::take(&mut job.pre);
        let outcome = match in_savepoint(node, w.conn(), &job, pre).await {
            Ok((outcome, stored)) => {
                stored_any |= stored;
                outcome
            }
            Err(e) => {
                // The savepoint could not be rolled back or released: the
                // transaction is unusable, so the whole group fails.
                broken = Some(e.to_string());
                Err(e)
            }
        };
        outcomes.push((job.answer, outcome));
        if broken.is_some() {
            break;
        }
    }
    let committed = match broken {
        Some(why) => Err(why),
        None => w.commit().await.map_err(|e| e.to_string()),
    };
    match committed {
        Ok(()) => {
            if stored_any {
                node.log_changed.notify_waiters();
            }
            for (answer, outcome) in outcomes {
                let _ = answer.send(outcome);
            }
        }
        Err(why) => {
            tracing::error!(error = %why, "inbox: group commit failed; nothing of it was stored");
            for (answer, _) in outcomes {
                let _ = answer.send(Err(internal(format!("group commit failed: {why}"))));
            }
        }
    }
}

/// Runs one job in its own savepoint. The outer `Err` means the transaction
/// itself failed; a job's own failure is the inner `Err`, rolled back.
async fn in_savepoint(
    node: &Node,
    conn: &mut sqlx::AnyConnection,
    job: &Job,
    pre: Vec<Option<Prechecked>>,
) -> Result<(Outcome, bool), NodeError> {
    use sqlx::Acquire;
    let mut savepoint = conn.begin().await?;
    match push_one(node, &mut savepoint, job, pre).await {
        Ok((status, response, stored)) => {
            savepoint.commit().await?;
            Ok((Ok((status, response)), stored))
        }
        Err(e) => {
            savepoint.rollback().await?;
            Ok((Err(e), false))
        }
    }
}

/// One push: the replay record, then the messages in order, stopping at the
/// first refused. Returns the answer and whether anything new was stored.
async fn push_one(
    node: &Node,
    conn: &mut sqlx::AnyConnection,
    job: &Job,
    pre: Vec<Option<Prechecked>>,
) -> Result<(StatusCode, PushResponse, bool), NodeError> {
    let peer = &job.peer;
    auth::remember(conn, &job.request_sig).await?;
    // Revoked while the request waited: refuse like the authentication would.
    auth::active_peer(conn, &peer.id).await?;
    if auth::stale_contact(peer) {
        auth::touch(conn, &peer.id).await?;
    }
    let mut results = Vec::with_capacity(job.req.messages.len());
    let mut failure: Option<NodeError> = None;
    let mut stored_any = false;
    let mut pre = pre.into_iter();
    for (index, raw) in job.req.messages.iter().enumerate() {
        let checked = pre.next().flatten();
        match ingest::ingest_prechecked(
            conn,
            node.id(),
            node.id(),
            Source::Inbox {
                requester: &peer.id,
            },
            raw.get(),
            checked,
        )
        .await
        {
            Ok((_, accepted)) => {
                stored_any |= accepted != Accepted::Duplicate;
                results.push(PushResult {
                    index,
                    status: if accepted == Accepted::Duplicate {
                        "duplicate"
                    } else {
                        "accepted"
                    }
                    .into(),
                    code: None,
                    message: None,
                });
            }
            Err(e @ (NodeError::Database(_) | NodeError::Io { .. })) => return Err(e),
            Err(e) => {
                tracing::info!(peer = %peer.id, index, code = e.code(), error = %e, "message refused");
                results.push(PushResult {
                    index,
                    status: "rejected".into(),
                    code: Some(e.code().into()),
                    message: Some(e.public_message()),
                });
                failure = Some(e);
                break;
            }
        }
    }
    let head = log::head(conn, &peer.id).await?.map(|h| Head {
        seq: h.seq,
        hash: h.hash.to_string(),
    });
    let (status, error) = match failure {
        Some(e) => (
            e.status(),
            Some(ErrorDetail {
                code: e.code().into(),
                message: e.public_message(),
            }),
        ),
        None => (StatusCode::OK, None),
    };
    Ok((
        status,
        PushResponse {
            results,
            head,
            error,
        },
        stored_any,
    ))
}
