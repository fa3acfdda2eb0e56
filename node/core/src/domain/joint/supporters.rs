//! Who supports a proposal, with the word each committee wrote: shown to
//! the coordinator with the proposal (and in the spreadsheet), and at the
//! origin service on its proposal's page. The `supports` table is the same
//! on every node (each service's supports travel through the hub), so the
//! same reading serves them all.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use super::parse_uuid;
use crate::error::NodeError;

/// A service that supports a proposal (its origin left out: it backs its
/// proposal anyway).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Supporter {
    pub service_id: String,
    /// The service's name, when the hub's member list gave it.
    pub service_name: Option<String>,
    /// The word that went with the support, if any.
    pub comment: Option<String>,
    /// When this node recorded the support (Unix seconds).
    pub given_at: i64,
}

/// Up to this many proposals, one statement asks about them by id (well
/// under every engine's limit of parameters); beyond, every support is read.
const CHUNK: usize = 500;

/// The supporters of each of `proposals` ((service, proposal) pairs), in
/// the order they came. A proposal nobody supports has no entry. A long
/// list (the whole export) reads every support once; a page asks for its
/// own proposals.
pub async fn supporters_of(
    conn: &mut AnyConnection,
    proposals: &[(String, Uuid)],
) -> Result<BTreeMap<(String, Uuid), Vec<Supporter>>, NodeError> {
    let mut out: BTreeMap<(String, Uuid), Vec<Supporter>> = BTreeMap::new();
    if proposals.is_empty() {
        return Ok(out);
    }
    let select = "SELECT s.service_id, s.proposal_id, s.supporter, p.name, s.comment, s.given_at \
         FROM supports s LEFT JOIN peers p ON p.id = s.supporter \
         WHERE s.supporter <> s.service_id";
    let order = "ORDER BY s.given_at, s.supporter";
    let rows = if proposals.len() > CHUNK {
        let wanted: BTreeSet<&(String, Uuid)> = proposals.iter().collect();
        let rows = sqlx::query(&format!("{select} {order}"))
            .fetch_all(&mut *conn)
            .await?;
        let mut kept = Vec::new();
        for r in rows {
            let key = key_of(&r)?;
            if wanted.contains(&key) {
                kept.push((key, r));
            }
        }
        kept
    } else {
        let marks: Vec<String> = (1..=proposals.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "{select} AND s.proposal_id IN ({}) {order}",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (_, id) in proposals {
            query = query.bind(id.hyphenated().to_string());
        }
        let mut kept = Vec::new();
        for r in query.fetch_all(&mut *conn).await? {
            kept.push((key_of(&r)?, r));
        }
        kept
    };
    for (key, r) in rows {
        out.entry(key).or_default().push(Supporter {
            service_id: r.try_get("supporter")?,
            service_name: r.try_get("name")?,
            comment: r
                .try_get::<Option<String>, _>("comment")?
                .filter(|c| !c.trim().is_empty()),
            given_at: r.try_get("given_at")?,
        });
    }
    // Proposal ids are unique across services; callers look up by
    // (service, proposal), so a row of another service is never theirs.
    Ok(out)
}

fn key_of(r: &sqlx::any::AnyRow) -> Result<(String, Uuid), NodeError> {
    Ok((
        r.try_get::<String, _>("service_id")?,
        parse_uuid(&r.try_get::<String, _>("proposal_id")?)?,
    ))
}

/// The supporters of one proposal.
pub async fn supporters(
    conn: &mut AnyConnection,
    service: &str,
    proposal: Uuid,
) -> Result<Vec<Supporter>, NodeError> {
    let key = (service.to_owned(), proposal);
    let mut map = supporters_of(conn, std::slice::from_ref(&key)).await?;
    Ok(map.remove(&key).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::fixtures::{give, member, share};
    use super::*;
    use crate::db::Db;
    use crate::domain::hub::{aggregated, ProposalFilter};
    use passerelle_protocol::body::{ProposalRef, ProposalStatus, Support, Theme};

    async fn word(conn: &mut AnyConnection, supporter: &str, r: &ProposalRef, word: &str) {
        super::super::apply_support(
            conn,
            supporter,
            &Support {
                proposal: r.clone(),
                comment: Some(word.into()),
            },
            true,
        )
        .await
        .unwrap();
    }

    /// More proposals than one statement asks about: every one gets its
    /// own supporters, with their words, the origin left out.
    #[tokio::test]
    async fn every_proposal_has_its_supporters_and_their_words() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        member(c, "ssm-b", "SSM B").await;
        let n = 2 * CHUNK + 100;
        let mut refs = Vec::with_capacity(n);
        for i in 0..n {
            let r = share(
                c,
                "ssm-a",
                &format!("Idée {i}"),
                "Texte",
                Theme::Reception,
                ProposalStatus::Idea,
            )
            .await;
            word(c, "ssm-b", &r, &format!("Oui pour {i}")).await;
            if i.is_multiple_of(2) {
                give(c, "ssm-c", &r).await;
            }
            give(c, "ssm-a", &r).await; // its own: not listed
            refs.push(r);
        }
        w.commit().await.unwrap();
        let mut conn = db.pool().acquire().await.unwrap();
        let started = std::time::Instant::now();
        let list = aggregated(&mut conn, &ProposalFilter::default())
            .await
            .unwrap();
        println!(
            "FIGURE the hub's whole list of {n} proposals with {} supports read in {:?}",
            n + n / 2,
            started.elapsed()
        );
        assert_eq!(list.len(), n);
        for p in &list {
            let i: usize = p.title["Idée ".len()..].parse().unwrap();
            let names: Vec<(&str, Option<&str>, Option<&str>)> = p
                .supporters
                .iter()
                .map(|s| {
                    (
                        s.service_id.as_str(),
                        s.service_name.as_deref(),
                        s.comment.as_deref(),
                    )
                })
                .collect();
            let mut expected = vec![("ssm-b", Some("SSM B"), Some(format!("Oui pour {i}")))];
            if i.is_multiple_of(2) {
                expected.push(("ssm-c", None, None));
            }
            let expected: Vec<(&str, Option<&str>, Option<&str>)> = expected
                .iter()
                .map(|(s, n, w)| (*s, *n, w.as_deref()))
                .collect();
            assert_eq!(names, expected, "{}", p.title);
        }
        let one = supporters(&mut conn, "ssm-a", refs[7].proposal)
            .await
            .unwrap();
        assert_eq!(one.len(), 1);
        assert!(supporters(&mut conn, "ssm-b", refs[7].proposal)
            .await
            .unwrap()
            .is_empty());
    }
}
