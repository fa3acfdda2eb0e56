//! The `support` column of `federated_proposals` (migration 0008) against
//! the supports themselves, on SQLite and PostgreSQL: supports given,
//! withdrawn, given again, the origin's own support (which adds nothing),
//! a proposal withdrawn then shared again. The hub's lists sort by the
//! column, so a column that drifted would reorder them silently.
#![allow(clippy::unwrap_used)]

use passerelle_core::db::{sqlite_url, Db};
use passerelle_core::domain::{self, hub};
use passerelle_core::peers;
use passerelle_protocol::body::NodeRole;
use passerelle_protocol::body::{ProposalRef, ProposalWithdrawal, Support};
use passerelle_protocol::{Body, NodeId, SignedEnvelope};
use passerelle_tests::sim::SimService;
use passerelle_tests::{postgres_or_skip, PgDatabase};
use sqlx::Row;

const HUB: &str = "hub-test";

/// Three services sending to a hub whose database is `db`.
struct Hub {
    db: Db,
    hub: NodeId,
    services: Vec<SimService>,
}

impl Hub {
    async fn new(db: Db) -> Hub {
        let services: Vec<SimService> = ["ssm-a", "ssm-b", "ssm-c"]
            .into_iter()
            .map(SimService::named)
            .collect();
        let mut w = db.begin_write().await.unwrap();
        for s in &services {
            peers::upsert(
                w.conn(),
                s.id.as_str(),
                s.id.as_str(),
                NodeRole::Service,
                peers::ACTIVE,
                None,
                &[s.keys.public_key()],
            )
            .await
            .unwrap();
        }
        w.commit().await.unwrap();
        Hub {
            db,
            hub: NodeId::parse(HUB).unwrap(),
            services,
        }
    }

    /// Service `from` sends `body`; the hub applies it.
    async fn send(&mut self, from: usize, body: &Body) {
        let raw = self.services[from].next(&self.hub, body);
        let env = SignedEnvelope::parse(raw.as_bytes()).unwrap();
        let mut w = self.db.begin_write().await.unwrap();
        domain::apply(w.conn(), HUB, &env, &env.body().unwrap())
            .await
            .unwrap();
        w.commit().await.unwrap();
    }

    async fn share(&mut self, from: usize, k: usize) -> ProposalRef {
        let raw = self.services[from].share(&self.hub, k);
        let env = SignedEnvelope::parse(raw.as_bytes()).unwrap();
        let mut w = self.db.begin_write().await.unwrap();
        domain::apply(w.conn(), HUB, &env, &env.body().unwrap())
            .await
            .unwrap();
        w.commit().await.unwrap();
        ProposalRef {
            service: self.services[from].id.clone(),
            proposal: *self.services[from].shared.last().unwrap(),
        }
    }

    async fn support(&mut self, from: usize, r: &ProposalRef, given: bool) {
        let s = Support {
            proposal: r.clone(),
            comment: None,
        };
        let body = if given {
            Body::SupportGiven(s)
        } else {
            Body::SupportWithdrawn(s)
        };
        self.send(from, &body).await;
    }

    /// Each proposal's column, and the same counted from `supports`
    /// (distinct services other than the origin, plus the origin), by id.
    async fn columns_and_counts(&self) -> Vec<(String, i64, i64)> {
        let mut conn = self.db.pool().acquire().await.unwrap();
        let rows = sqlx::query(
            "SELECT f.proposal_id, f.support, \
             (SELECT COUNT(DISTINCT s.supporter) FROM supports s WHERE s.service_id = f.service_id \
              AND s.proposal_id = f.proposal_id AND s.supporter <> f.service_id) AS others \
             FROM federated_proposals f ORDER BY f.proposal_id",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.get::<String, _>("proposal_id"),
                    r.get::<i64, _>("support"),
                    1 + r.get::<i64, _>("others"),
                )
            })
            .collect()
    }

    /// Asserts that every column equals its count; returns `r`'s support.
    async fn checked_support(&self, r: &ProposalRef) -> i64 {
        let all = self.columns_and_counts().await;
        for (id, column, count) in &all {
            assert_eq!(column, count, "support column of {id}");
        }
        let id = r.proposal.hyphenated().to_string();
        let support = all.iter().find(|(p, ..)| *p == id).unwrap().1;
        // What the coordinator's list says, too.
        let mut conn = self.db.pool().acquire().await.unwrap();
        let listed = hub::aggregated(
            &mut conn,
            &hub::ProposalFilter {
                include_withdrawn: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let shown = listed
            .iter()
            .find(|p| p.proposal_id == r.proposal)
            .unwrap()
            .support;
        assert_eq!(shown, support);
        support
    }
}

async fn supports_added_withdrawn_and_added_again(db: Db) {
    let mut h = Hub::new(db).await;
    let p = h.share(0, 0).await;
    let q = h.share(1, 1).await;
    assert_eq!(h.checked_support(&p).await, 1);

    h.support(1, &p, true).await;
    h.support(2, &p, true).await;
    assert_eq!(h.checked_support(&p).await, 3);
    // The origin's own support adds nothing; giving twice neither.
    h.support(0, &p, true).await;
    h.support(1, &p, true).await;
    assert_eq!(h.checked_support(&p).await, 3);
    h.support(0, &q, true).await;
    assert_eq!(h.checked_support(&q).await, 2);

    h.support(2, &p, false).await;
    assert_eq!(h.checked_support(&p).await, 2);
    h.support(0, &p, false).await;
    assert_eq!(h.checked_support(&p).await, 2);
    h.support(1, &p, false).await;
    assert_eq!(h.checked_support(&p).await, 1);
    h.support(2, &p, true).await;
    assert_eq!(h.checked_support(&p).await, 2);

    // Withdrawn then shared again: its supports stay, and so does the count.
    h.support(1, &p, true).await;
    h.send(
        0,
        &Body::ProposalWithdrawn(ProposalWithdrawal {
            proposal: p.proposal,
            reason: None,
        }),
    )
    .await;
    assert_eq!(h.checked_support(&p).await, 3);
    let raw_again = {
        // The same proposal id, shared again.
        let body = Body::ProposalShared(passerelle_protocol::body::SharedProposal {
            proposal: p.proposal,
            title: "De retour".into(),
            description: "Partagée à nouveau".into(),
            theme: passerelle_protocol::body::Theme::Care,
            tags: vec![],
            origin: passerelle_protocol::body::Origin::Committee,
            status: passerelle_protocol::body::ProposalStatus::Idea,
            answer: None,
        });
        h.services[0].next(&h.hub, &body)
    };
    let env = SignedEnvelope::parse(raw_again.as_bytes()).unwrap();
    let mut w = h.db.begin_write().await.unwrap();
    domain::apply(w.conn(), HUB, &env, &env.body().unwrap())
        .await
        .unwrap();
    w.commit().await.unwrap();
    assert_eq!(h.checked_support(&p).await, 3);
    assert_eq!(h.checked_support(&q).await, 2);
    words_and_counts(&h, &p, &q).await;
    h.db.close().await;
}

/// The filter's words (any case) and the counts, which are written
/// differently for each engine.
async fn words_and_counts(h: &Hub, p: &ProposalRef, q: &ProposalRef) {
    let mut conn = h.db.pool().acquire().await.unwrap();
    let words = |text: &str| hub::ProposalFilter {
        text: Some(text.into()),
        ..Default::default()
    };
    // q: "Proposition 1 du service ssm-b"; p was shared again as "De retour".
    let found = hub::aggregated(&mut conn, &words("PROPOSITION 1 DU"))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].proposal_id, q.proposal);
    let found = hub::aggregated(&mut conn, &words("à nouveau"))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].proposal_id, p.proposal);
    let all = hub::aggregated(&mut conn, &hub::ProposalFilter::default())
        .await
        .unwrap();
    // Most supported first: p (3), then q (2).
    let order: Vec<_> = all.iter().map(|x| x.proposal_id).collect();
    assert_eq!(order, vec![p.proposal, q.proposal]);
    let counts = hub::counts(&mut conn, &hub::ProposalFilter::default())
        .await
        .unwrap();
    let pairs = |c: &[hub::Count]| -> Vec<(String, i64)> {
        c.iter().map(|c| (c.key.clone(), c.count)).collect()
    };
    assert_eq!(counts.total, 2);
    assert_eq!(
        pairs(&counts.by_service),
        vec![("ssm-a".into(), 1), ("ssm-b".into(), 1)]
    );
    // SimService: theme of k = 1 is the second theme (reception); p: care.
    assert_eq!(
        pairs(&counts.by_theme),
        vec![("care".into(), 1), ("reception".into(), 1)]
    );
    assert_eq!(pairs(&counts.by_status), vec![("idea".into(), 2)]);
    let none = hub::counts(&mut conn, &words("nulle part")).await.unwrap();
    assert_eq!(none, hub::ProposalCounts::default());
}

#[tokio::test]
async fn support_column_follows_supports_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&sqlite_url(&dir.path().join("hub.db")))
        .await
        .unwrap();
    supports_added_withdrawn_and_added_again(db).await;
}

#[tokio::test]
async fn support_column_follows_supports_on_postgres() {
    let Some(admin) = postgres_or_skip("support_column_follows_supports_on_postgres") else {
        return;
    };
    let pg = PgDatabase::create(&admin).await;
    let db = Db::connect(&pg.url).await.unwrap();
    supports_added_withdrawn_and_added_again(db).await;
    pg.drop_database().await;
}
