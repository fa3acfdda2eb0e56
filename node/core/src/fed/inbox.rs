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
//! **Few statements per group.** The committer is the hub's one serial
//! part, so it asks the database little. A group is first run in *batched*
//! mode ([`run_batched`], `fed::known`): the group's lookups in three
//! queries, every replay record in one statement, per message only what its
//! body writes, and the messages and heads in multi-row statements at the
//! end. If anything in the group is refused, that attempt is rolled back and
//! the group runs push by push, each in its own savepoint ([`one_by_one`]):
//! refusals are rare, and that path gives each one its own answer. The
//! committer runs on a thread of its own ([`committer_thread`]).
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

use std::collections::BTreeSet;
use std::sync::OnceLock;

use tokio::sync::oneshot;

use passerelle_protocol::body::Kind;

use crate::db::WriteTx;
use crate::domain::erasure;
use crate::error::{ErrorDetail, NodeError};
use crate::fed::auth;
use crate::fed::ingest::{self, Accepted, Source};
use crate::fed::known::{self, Known};
use crate::log::{self, OwnStream};
use crate::node::Node;
use crate::peers::{self, Peer};
use crate::pushes::{Job, Outcome, Prechecked, Pushed};
use crate::wire::{Head, PushRequest, PushResponse, PushResult};

/// Most pushes in one group: bounds how long the first of them waits.
const MAX_GROUP_JOBS: usize = 128;
/// Most messages in one group.
const MAX_GROUP_MESSAGES: usize = 2_000;

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
        match committer_thread() {
            Some(thread) => thread.spawn(run(node.clone())),
            None => tokio::spawn(run(node.clone())),
        };
    }
    answered
        .await
        .map_err(|_| internal("the inbox committer stopped".into()))?
}

/// The committer's own thread (one per process, shared by its nodes), or
/// `None` if it could not be started (the committer then runs with the
/// request handlers).
///
/// **Why.** The committer is the hub's one serial part and waits on the
/// database a dozen times per group. Run among the request handlers, each
/// of those waits ended in the runtime's queue behind signature checks
/// (about 50 µs each, dozens queued): the group took several times its
/// database time, and every push waited for it. On a thread of its own it
/// is woken as soon as the database answers, the operating system sharing
/// the cores between it and the handlers.
fn committer_thread() -> Option<&'static tokio::runtime::Handle> {
    static THREAD: OnceLock<Option<tokio::runtime::Handle>> = OnceLock::new();
    THREAD
        .get_or_init(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            let handle = runtime.handle().clone();
            std::thread::Builder::new()
                .name("inbox-committer".into())
                .spawn(move || runtime.block_on(std::future::pending::<()>()))
                .ok()?;
            Some(handle)
        })
        .as_ref()
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

async fn commit_group(node: &Node, mut group: Vec<Job>) {
    let messages = group.iter().map(|job| job.req.messages.len()).sum();
    node.metrics.group(group.len(), messages);
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
    let batched = if batchable(&group) {
        run_batched(node, w.conn(), &mut group).await
    } else {
        Ok(None)
    };
    // A member's erasure may have erased copies in the hub's own messages:
    // the hub announces that in the same transaction (domain::erasure).
    let erasing = group.iter().any(|job| {
        job.pre
            .iter()
            .flatten()
            .any(|p| p.env.envelope().kind == Kind::ContentErased.as_str())
    });
    let ran = match batched {
        Ok(Some(outcomes)) => Ok(outcomes),
        // Something was refused and rolled back: job by job.
        Ok(None) => one_by_one(node, &mut w, &mut group).await,
        Err(e) => Err(e),
    };
    let ran = match ran {
        Ok(outcomes) if erasing => {
            let stream = OwnStream {
                me: node.id(),
                audience: node.id(),
                keys: &node.keys,
            };
            erasure::announce_pending(w.conn(), &stream)
                .await
                .map(|()| outcomes)
        }
        other => other,
    };
    let answers = group.into_iter().map(|job| job.answer);
    let committed = match ran {
        Ok(outcomes) => w.commit().await.map(|()| outcomes),
        Err(e) => Err(e),
    }
    .map_err(|e| e.to_string());
    match committed {
        Ok(outcomes) => {
            if outcomes.iter().any(|(_, stored)| *stored) {
                node.log_changed.notify_waiters();
            }
            if erasing {
                node.scrub_after_erasure().await;
            }
            for (answer, (outcome, _)) in answers.zip(outcomes) {
                let _ = answer.send(outcome);
            }
        }
        Err(why) => {
            tracing::error!(error = %why, "inbox: group commit failed; nothing of it was stored");
            for answer in answers {
                let _ = answer.send(Err(internal(format!("group commit failed: {why}"))));
            }
        }
    }
}

/// Runs each push of the group in its own savepoint: a refused push writes
/// nothing and leaves the others alone. `Err` when a savepoint could not be
/// rolled back or released: the transaction is unusable, the group fails.
async fn one_by_one(
    node: &Node,
    w: &mut WriteTx,
    group: &mut [Job],
) -> Result<Vec<(Outcome, bool)>, NodeError> {
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group.iter_mut() {
        let pre = std::mem::take(&mut job.pre);
        outcomes.push(in_savepoint(node, w.conn(), job, pre).await?);
    }
    Ok(outcomes)
}

/// Whether every message of the group was parsed and verified ahead, comes
/// from its requester, and is of a kind `fed::known` may take in batched mode.
fn batchable(group: &[Job]) -> bool {
    group.iter().all(|job| {
        job.pre.len() == job.req.messages.len()
            && job.pre.iter().all(|p| {
                p.as_ref().is_some_and(|p| {
                    let e = p.env.envelope();
                    p.verified_with.is_some()
                        && e.from.as_str() == job.peer.id
                        && known::batchable(e.kind.as_str())
                })
            })
    })
}

/// The common case, in few statements: the group's lookups read at once
/// (`fed::known`), every replay record in one statement, the messages and
/// heads written together at the end, all inside one savepoint. `Ok(None)`
/// when anything at all is refused (a replayed request, a revoked member, a
/// refused message): the savepoint is rolled back, nothing of the attempt
/// remains, and the caller runs the group job by job, where each refusal
/// gets its own answer. `group`'s prechecked envelopes are used up either
/// way (job by job, they are parsed and verified again).
async fn run_batched(
    node: &Node,
    conn: &mut sqlx::AnyConnection,
    group: &mut [Job],
) -> Result<Option<Vec<(Outcome, bool)>>, NodeError> {
    use sqlx::Acquire;
    let mut savepoint = conn.begin().await?;
    let origins = group.iter().map(|job| job.peer.id.clone()).collect();
    let ids = group
        .iter()
        .flat_map(|job| job.pre.iter().flatten())
        .map(|p| p.env.envelope().id.hyphenated().to_string())
        .collect();
    let mut known = Known::prefetch(&mut savepoint, &origins, &ids).await?;
    let sigs: BTreeSet<&str> = group.iter().map(|job| job.request_sig.as_str()).collect();
    let sigs: Vec<&str> = sigs.into_iter().collect();
    let fresh = auth::remember_all(&mut savepoint, &sigs).await? == group.len();
    let mut outcomes = Vec::with_capacity(group.len());
    let mut refused = !fresh;
    for job in group.iter_mut() {
        if refused {
            break;
        }
        let pre = std::mem::take(&mut job.pre);
        match batched_push(node, &mut savepoint, &mut known, job, pre).await? {
            Some(done) => outcomes.push(done),
            None => refused = true,
        }
    }
    if refused {
        savepoint.rollback().await?;
        return Ok(None);
    }
    known.flush(&mut savepoint).await?;
    savepoint.commit().await?;
    Ok(Some(outcomes))
}

/// One push of a batched group; `None` if anything in it is refused.
async fn batched_push(
    node: &Node,
    conn: &mut sqlx::AnyConnection,
    known: &mut Known,
    job: &Job,
    pre: Vec<Option<Prechecked>>,
) -> Result<Option<(Outcome, bool)>, NodeError> {
    let peer = &job.peer;
    // Revoked while the request waited: refused, job by job.
    match known.member(conn, &peer.id).await? {
        Some((p, _)) if p.status != peers::REVOKED => {}
        _ => return Ok(None),
    }
    if auth::stale_contact(peer) {
        auth::touch(conn, &peer.id).await?;
    }
    let mut results = Vec::with_capacity(pre.len());
    let mut stored_any = false;
    for (index, (raw, checked)) in job.req.messages.iter().zip(pre).enumerate() {
        let requester = Source::Inbox {
            requester: &peer.id,
        };
        let me = node.id();
        match ingest::ingest_known(conn, known, me, me, requester, raw.get(), checked).await {
            Ok((_, accepted)) => {
                stored_any |= accepted != Accepted::Duplicate;
                results.push(accepted_result(index, accepted));
            }
            Err(e @ (NodeError::Database(_) | NodeError::Io { .. })) => return Err(e),
            Err(_) => return Ok(None),
        }
    }
    let head = known.head(conn, &peer.id).await?.map(|h| Head {
        seq: h.seq,
        hash: h.hash.to_string(),
    });
    let response = PushResponse {
        results,
        head,
        error: None,
    };
    Ok(Some((
        Ok(Pushed {
            response,
            stopped_by: None,
        }),
        stored_any,
    )))
}

/// How an accepted message is reported.
fn accepted_result(index: usize, accepted: Accepted) -> PushResult {
    PushResult {
        index,
        status: if accepted == Accepted::Duplicate {
            "duplicate"
        } else {
            "accepted"
        }
        .into(),
        code: None,
        message: None,
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
        Ok((pushed, stored)) => {
            savepoint.commit().await?;
            Ok((Ok(pushed), stored))
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
) -> Result<(Pushed, bool), NodeError> {
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
                results.push(accepted_result(index, accepted));
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
    let error = failure.as_ref().map(ErrorDetail::of);
    Ok((
        Pushed {
            response: PushResponse {
                results,
                head,
                error,
            },
            stopped_by: failure,
        },
        stored_any,
    ))
}
