//! Who supports a proposal, with the word each committee wrote: shown to
//! the coordinator with the proposal (and in the spreadsheet), and at the
//! origin service on its proposal's page. The `supports` table is the same
//! on every node (each service's supports travel through the hub), so the
//! same reading serves them all.

use std::collections::BTreeMap;

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

/// How many proposals one statement asks about (well under every engine's
/// limit of parameters).
const CHUNK: usize = 500;

/// The supporters of each of `proposals` ((service, proposal) pairs), in
/// the order they came. A proposal nobody supports has no entry.
pub async fn supporters_of(
    conn: &mut AnyConnection,
    proposals: &[(String, Uuid)],
) -> Result<BTreeMap<(String, Uuid), Vec<Supporter>>, NodeError> {
    let mut out: BTreeMap<(String, Uuid), Vec<Supporter>> = BTreeMap::new();
    for chunk in proposals.chunks(CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT s.service_id, s.proposal_id, s.supporter, p.name, s.comment, s.given_at \
             FROM supports s LEFT JOIN peers p ON p.id = s.supporter \
             WHERE s.supporter <> s.service_id AND s.proposal_id IN ({}) \
             ORDER BY s.given_at, s.supporter",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (_, id) in chunk {
            query = query.bind(id.hyphenated().to_string());
        }
        for r in query.fetch_all(&mut *conn).await? {
            let key = (
                r.try_get::<String, _>("service_id")?,
                parse_uuid(&r.try_get::<String, _>("proposal_id")?)?,
            );
            out.entry(key).or_default().push(Supporter {
                service_id: r.try_get("supporter")?,
                service_name: r.try_get("name")?,
                comment: r
                    .try_get::<Option<String>, _>("comment")?
                    .filter(|c| !c.trim().is_empty()),
                given_at: r.try_get("given_at")?,
            });
        }
    }
    // Proposal ids are unique across services; callers look up by
    // (service, proposal), so a row of another service is never theirs.
    Ok(out)
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
