//! What only a service does: join a hub, then keep in sync with it.
//!
//! Services only dial out (they sit behind home routers): the **pusher**
//! sends our unacknowledged messages to the hub's inbox as soon as there are
//! any; the **puller** long-polls the hub's feed and applies what arrives.
//! Both retry with capped exponential backoff and jitter, and any success
//! resets it. Progress (acknowledged sequence, feed cursor) is stored in the
//! same transaction as the data it covers, so a crash at any moment repeats
//! at most an idempotent step: nothing is lost and nothing is applied twice.
//!
//! Catching up after an outage (SPEC §10.7, §10.8): while the hub does not
//! answer at all, each side tries again within seconds (`backoff::AWAY_CAP`);
//! a hub that answers with `Retry-After` is tried again then, not sooner and
//! not after a longer back-off; and any successful exchange of one side (a
//! push, a feed page, even an empty long-poll answer) tells the other side
//! the hub is back: if it was waiting because the hub did not answer, its
//! failures are reset and it tries again at once ([`Link`]). Held by
//! `tests/tests/it/catch_up.rs`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use passerelle_protocol::body::NodeRole;
use passerelle_protocol::{NodeId, SignedEnvelope};
use reqwest::Method;

use crate::clock::now;
use crate::error::{NodeError, RemoteFailure};
use crate::fed::client::{self, HubClient};
use crate::fed::ingest::{self, Source};
use crate::fed::{backoff, outbox, resync, stuck};
use crate::log;
use crate::node::{stopped, Node};
use crate::wire::{FeedResponse, JoinRequest, JoinResponse, PushResponse, MAX_BATCH};
use crate::{peers, sync_state};
use reqwest::StatusCode;

/// Why a resync is pending right after a join (see [`join`]).
const JOINED: &str = "joined";

/// How long one feed request waits for news.
pub const PULL_WAIT_SECS: u64 = 25;

/// Joins the hub at `hub_url` with an invitation `code`: pins the hub's key
/// and records the hub as this service's federation.
pub async fn join(node: &Node, hub_url: &str, code: &str) -> Result<NodeId, NodeError> {
    if node.is_hub() {
        return Err(NodeError::config("a hub does not join another hub"));
    }
    let mut conn = node.db.pool().acquire().await?;
    if let Some(hub) = peers::hub(&mut conn).await? {
        return Err(NodeError::config(format!(
            "this service already joined {} ({})",
            hub.id,
            hub.url.unwrap_or_default()
        )));
    }
    drop(conn);
    let http = client::http_client()?;
    let hub = client::fetch_descriptor(&http, hub_url).await?;
    if hub.role != NodeRole::Hub {
        return Err(NodeError::remote(format!("{hub_url} is not a hub")));
    }
    let body = serde_json::to_vec(&JoinRequest {
        code: code.trim().to_owned(),
        descriptor: node.descriptor()?.to_json_value(),
    })
    .map_err(|e| NodeError::config(e.to_string()))?;
    let (status, bytes) = client::send_signed(
        &http,
        node,
        &node.keys,
        hub_url,
        &hub.id,
        Method::POST,
        "/fed/v1/join",
        body,
    )
    .await?;
    if status != StatusCode::OK {
        let detail = serde_json::from_slice::<crate::error::ErrorBody>(&bytes)
            .map(|b| format!("{} ({})", b.error.message, b.error.code))
            .unwrap_or_else(|_| client::excerpt(&bytes));
        return Err(NodeError::remote(format!("the hub refused: {detail}")));
    }
    let answer: JoinResponse = serde_json::from_slice(&bytes)
        .map_err(|e| NodeError::remote(format!("unreadable answer: {e}")))?;
    let confirmed = passerelle_protocol::signed_object::NodeDescriptor::verify(
        &passerelle_protocol::CanonicalValue::try_from(answer.hub)?,
    )?;
    if confirmed.public_key != hub.public_key || confirmed.id != hub.id {
        return Err(NodeError::remote(
            "the hub's key changed during enrolment; try again",
        ));
    }
    let mut w = node.db.begin_write().await?;
    peers::upsert(
        w.conn(),
        hub.id.as_str(),
        &hub.name,
        NodeRole::Hub,
        peers::ACTIVE,
        Some(hub_url.trim_end_matches('/')),
        // Its earlier keys too: they signed the start of its stream, which
        // we are about to replay (the rotations in it give each its place).
        &std::iter::once(hub.public_key)
            .chain(hub.previous_keys.iter().copied())
            .collect::<Vec<_>>(),
    )
    .await?;
    sync_state::ensure(w.conn(), hub.id.as_str()).await?;
    // If we joined as the replacement of a member (SPEC §10.3), the hub
    // holds that member's stream, which ours continues: learn it back
    // before sending anything (§10.10). Recorded with the join, so that a
    // crash cannot skip it; dropped at once if the hub holds nothing of
    // ours (a new member), so that nothing is left to do in the background.
    crate::keys::mark_resync(w.conn(), JOINED).await?;
    w.commit().await?;
    let client = HubClient::new(node.clone(), hub_url, hub.id.clone())?;
    match client.state().await {
        Ok(None) => {
            let mut w = node.db.begin_write().await?;
            sqlx::query("DELETE FROM resync_pending WHERE reason = $1")
                .bind(JOINED)
                .execute(w.conn())
                .await?;
            w.commit().await?;
        }
        Ok(Some(head)) => {
            tracing::info!(
                seq = head.seq,
                "the hub holds a stream of ours: we continue it once learned back"
            );
        }
        // The sync engine asks again before it sends anything.
        Err(e) => tracing::warn!(error = %e, "cannot ask the hub what it holds of ours yet"),
    }
    node.outbox_changed.notify_one();
    Ok(hub.id)
}

/// Runs the pusher and the puller until the node stops. Waits for the
/// service to join a hub first.
pub async fn run(node: Node) {
    let client = loop {
        match connect(&node).await {
            Ok(Some(c)) => break c,
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot read the hub's address"),
        }
        // `join` wakes us; the timer covers a join made by another process.
        tokio::select! {
            _ = stopped(node.shutdown_signal()) => return,
            _ = node.outbox_changed.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    };
    let link = Arc::new(Link::default());
    tokio::join!(
        push_loop(
            node.clone(),
            client.0.clone(),
            client.1.clone(),
            link.clone()
        ),
        pull_loop(node, client.0, client.1, link)
    );
}

/// The two sides of the exchange with the hub, each of which tells the
/// other when the hub answered.
#[derive(Default)]
struct Link {
    push: Side,
    pull: Side,
}

/// One side (pushing or pulling): its consecutive failures, whether it is
/// waiting because the hub did not answer, and how to wake it.
#[derive(Default)]
struct Side {
    failures: AtomicU32,
    away: AtomicBool,
    wake: Notify,
}

impl Side {
    /// This side exchanged with the hub: its failures start again from zero;
    /// `other`, if it was waiting for a hub that did not answer, tries again
    /// at once with its failures reset.
    fn succeeded(&self, other: &Side) {
        self.failures.store(0, Ordering::SeqCst);
        self.away.store(false, Ordering::SeqCst);
        if other.away.swap(false, Ordering::SeqCst) {
            other.failures.store(0, Ordering::SeqCst);
            other.wake.notify_one();
        }
    }

    /// Waits `delay`; or less, if `away` (the hub did not answer) and the
    /// other side succeeds meanwhile — or succeeded since the failure.
    async fn wait(&self, delay: Duration, away: bool) {
        if away {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.wake.notified() => {}
            }
        } else {
            tokio::time::sleep(delay).await;
        }
    }
}

async fn connect(node: &Node) -> Result<Option<(HubClient, String)>, NodeError> {
    let mut conn = node.db.pool().acquire().await?;
    let Some(hub) = peers::hub(&mut conn).await? else {
        return Ok(None);
    };
    let url = hub.url.clone().unwrap_or_default();
    Ok(Some((
        HubClient::new(node.clone(), &url, NodeId::parse(&hub.id)?)?,
        hub.id,
    )))
}

/// Sleeps for the backoff delay, or until the node stops; a side waiting
/// for a hub that did not answer is also woken by the other side's success.
/// Returns false when stopping.
async fn pause(node: &Node, side: &Side, (delay, away): (Duration, bool)) -> bool {
    tokio::select! {
        _ = stopped(node.shutdown_signal()) => false,
        _ = side.wait(delay, away) => true,
    }
}

/// Records a failure of `side` and returns the wait before its next try:
/// what the hub asked for (`Retry-After`), a few seconds if the hub did not
/// answer, else the exponential back-off; and whether the hub did not
/// answer (then the other side's success ends the wait).
async fn note_failure(
    node: &Node,
    hub_id: &str,
    error: &NodeError,
    side: &Side,
) -> (Duration, bool) {
    let last = match error.retry_after() {
        Some(asked) => backoff::Failure::RetryAfter(asked),
        None if error.hub_away() => backoff::Failure::Away,
        None => backoff::Failure::Other,
    };
    let failures = side.failures.fetch_add(1, Ordering::SeqCst);
    let away = last == backoff::Failure::Away;
    side.away.store(away, Ordering::SeqCst);
    let delay = backoff::next_try(failures, last);
    tracing::warn!(hub = hub_id, error = %error, retry_in = ?delay, "exchange with the hub failed");
    let problem = sync_state::SyncProblem::of(error);
    if let Err(e) =
        sync_state::record_failure(&node.db, hub_id, &problem, delay.as_secs() as i64).await
    {
        tracing::error!(error = %e, "cannot record the failure");
    }
    (delay, away)
}

async fn push_loop(node: Node, client: HubClient, hub_id: String, link: Arc<Link>) {
    loop {
        if *node.shutdown_signal().borrow() {
            return;
        }
        // Register for wake-ups before looking at the outbox.
        let woken = node.outbox_changed.notified();
        let outcome = push_once(&node, &client, &hub_id).await;
        match outcome {
            Ok(PushOutcome::Idle) => {
                tokio::select! {
                    _ = stopped(node.shutdown_signal()) => return,
                    _ = woken => {}
                    // Another process (the CLI, a script) may have written to the outbox.
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
            }
            Ok(PushOutcome::Progress) => {
                link.push.succeeded(&link.pull);
                let _ = sync_state::record_success(&node.db, &hub_id).await;
            }
            Err(e) => {
                let wait = note_failure(&node, &hub_id, &e, &link.push).await;
                if !pause(&node, &link.push, wait).await {
                    return;
                }
            }
        }
    }
}

enum PushOutcome {
    Idle,
    Progress,
}

async fn push_once(
    node: &Node,
    client: &HubClient,
    hub_id: &str,
) -> Result<PushOutcome, NodeError> {
    let mut conn = node.db.pool().acquire().await?;
    // After a restore or a key replacement, learn what the hub holds of our
    // stream before sending anything (SPEC §10.9).
    if resync::pending(&mut conn).await?.is_some() {
        drop(conn);
        resync::resync(node, client, hub_id, true).await?;
        return Ok(PushOutcome::Progress);
    }
    let acked = sync_state::get(&mut conn, hub_id).await?.acked_seq as u64;
    let batch = outbox::pending(&mut conn, node, acked, MAX_BATCH as i64).await?;
    drop(conn);
    if batch.is_empty() {
        return Ok(PushOutcome::Idle);
    }
    let texts: Vec<String> = batch.iter().map(|m| m.envelope.clone()).collect();
    let (status, response) = client.push(&texts).await?;
    handle_push_response(node, hub_id, &batch, status, response).await
}

async fn handle_push_response(
    node: &Node,
    hub_id: &str,
    batch: &[log::StoredMessage],
    status: StatusCode,
    response: PushResponse,
) -> Result<PushOutcome, NodeError> {
    let me = node.id().as_str();
    let hub_seq = response.head.as_ref().map_or(0, |h| h.seq);
    let mut w = node.db.begin_write().await?;
    if let Some(head) = &response.head {
        // The hub's view of our stream must be a prefix of ours.
        match log::hash_at(w.conn(), me, head.seq).await? {
            Some(ours) if ours.as_str() == head.hash => {}
            _ => {
                return Err(NodeError::remote_failure(RemoteFailure::Fork, format!(
                    "fork: the hub holds a message {} of ours that we do not have; restore from the hub (see `passerelle status`)",
                    head.seq
                )))
            }
        }
    }
    sync_state::set_acked(w.conn(), hub_id, hub_seq).await?;
    w.commit().await?;
    crate::rotation::forget_previous_if_acknowledged(node, hub_seq).await?;
    let Some(error) = response.error else {
        return Ok(PushOutcome::Progress);
    };
    let rejected = response
        .results
        .iter()
        .find(|r| r.status == "rejected")
        .and_then(|r| batch.get(r.index));
    if error.code == "gap" {
        // Our acknowledged position was behind the hub's: we resend from its head.
        return Ok(PushOutcome::Progress);
    }
    match rejected {
        Some(message) if NodeError::is_permanent_for_message(&error.code) => {
            outbox::set_aside(node, message.seq as u64, &error.code, &error.message).await?;
            Ok(PushOutcome::Progress)
        }
        _ => Err(NodeError::remote_failure(
            RemoteFailure::Refused(error.code.clone()),
            format!(
                "the hub refused ({status}): {} [{}]",
                error.message, error.code
            ),
        )),
    }
}

async fn pull_loop(node: Node, client: HubClient, hub_id: String, link: Arc<Link>) {
    let mut stuck = stuck::Retries::default();
    loop {
        // Streams stuck behind a relayed message we refused: ask the hub
        // again for those whose turn has come (SPEC §10.8).
        let retried = tokio::select! {
            _ = stopped(node.shutdown_signal()) => return,
            r = stuck::retry_due(&node, &client, &mut stuck) => r,
        };
        if let Err(e) = retried {
            tracing::error!(error = %e, "cannot take up a stuck stream");
        }
        let cursor = match node.db.pool().acquire().await {
            Ok(mut conn) => sync_state::get(&mut conn, &hub_id)
                .await
                .map(|s| s.feed_cursor),
            Err(e) => Err(e.into()),
        };
        let result = match cursor {
            Ok(cursor) => {
                // Back in time for the next stuck stream's turn (at least a
                // second: never a hot loop).
                let wait = stuck.next_in().map_or(PULL_WAIT_SECS, |d| {
                    (d.as_millis().div_ceil(1000) as u64).clamp(1, PULL_WAIT_SECS)
                });
                tokio::select! {
                    _ = stopped(node.shutdown_signal()) => return,
                    r = client.pull(cursor, wait) => r,
                }
            }
            Err(e) => Err(e),
        };
        let outcome = match result {
            Ok(feed) => apply_feed(&node, &hub_id, feed).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(refused) => {
                link.pull.succeeded(&link.push);
                for origin in &refused {
                    stuck.soon(origin);
                }
                let _ = sync_state::record_success(&node.db, &hub_id).await;
            }
            Err(e) => {
                let wait = note_failure(&node, &hub_id, &e, &link.pull).await;
                if !pause(&node, &link.pull, wait).await {
                    return;
                }
            }
        }
    }
}

/// Applies a page of the hub's feed and moves the cursor, in one transaction.
/// A message that fails verification is recorded as refused and skipped: its
/// origin's stream is then stuck until a copy that verifies arrives
/// (`fed::stuck`). Returns the origins of the messages refused.
pub async fn apply_feed(
    node: &Node,
    hub_id: &str,
    feed: FeedResponse,
) -> Result<BTreeSet<String>, NodeError> {
    let mut refused = BTreeSet::new();
    if feed.messages.is_empty() {
        return Ok(refused);
    }
    let hub = NodeId::parse(hub_id)?;
    let mut w = node.db.begin_write().await?;
    for item in &feed.messages {
        let raw = item.envelope.get();
        match ingest::ingest(w.conn(), node.id(), &hub, Source::Feed, raw).await {
            Ok(_) => {}
            Err(e @ (NodeError::Database(_) | NodeError::Io { .. })) => return Err(e),
            Err(e) => {
                let (origin, seq) = match SignedEnvelope::parse(raw.as_bytes()) {
                    Ok(env) => (
                        env.envelope().from.to_string(),
                        Some(env.envelope().seq as i64),
                    ),
                    Err(_) => ("?".to_owned(), None),
                };
                tracing::warn!(pos = item.pos, origin, seq, code = e.code(), error = %e, "relayed message refused");
                sqlx::query(
                    "INSERT INTO refused_incoming (pos, origin, seq, code, reason, refused_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pos) DO NOTHING",
                )
                .bind(item.pos)
                .bind(&origin)
                .bind(seq)
                .bind(e.code())
                .bind(e.to_string())
                .bind(now())
                .execute(w.conn())
                .await?;
                refused.insert(origin);
            }
        }
    }
    sync_state::set_cursor(w.conn(), hub_id, feed.next).await?;
    w.commit().await?;
    node.log_changed.notify_waiters();
    // An erasure rewrote stored rows: their old versions go too. (A mere
    // mention of the kind in a text only costs a checkpoint.)
    if feed
        .messages
        .iter()
        .any(|item| crate::domain::erasure::may_erase(item.envelope.get()))
    {
        node.scrub_after_erasure().await;
    }
    Ok(refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Marks `side` as having failed the way `away` says, as `note_failure` does.
    fn failed(side: &Side, away: bool) {
        side.failures.fetch_add(3, Ordering::SeqCst);
        side.away.store(away, Ordering::SeqCst);
    }

    #[tokio::test]
    async fn a_success_wakes_the_other_side_waiting_for_an_absent_hub() {
        let link = Arc::new(Link::default());
        failed(&link.push, true);
        let waiting = {
            let link = link.clone();
            tokio::spawn(async move {
                let start = Instant::now();
                link.push.wait(Duration::from_secs(60), true).await;
                start.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        link.pull.succeeded(&link.push);
        let waited = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the pusher was not woken")
            .unwrap();
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        assert_eq!(link.push.failures.load(Ordering::SeqCst), 0);
        assert!(!link.push.away.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_success_just_before_the_wait_still_ends_it() {
        let link = Link::default();
        failed(&link.pull, true);
        link.push.succeeded(&link.pull);
        tokio::time::timeout(
            Duration::from_secs(5),
            link.pull.wait(Duration::from_secs(60), true),
        )
        .await
        .expect("the wake-up was lost");
    }

    #[tokio::test]
    async fn a_refusal_or_a_retry_after_is_waited_out() {
        let link = Link::default();
        failed(&link.push, false);
        link.pull.succeeded(&link.push);
        // The failures of a side the hub refused are not reset.
        assert_eq!(link.push.failures.load(Ordering::SeqCst), 3);
        let start = Instant::now();
        link.push.wait(Duration::from_millis(300), false).await;
        assert!(start.elapsed() >= Duration::from_millis(300));
    }
}
