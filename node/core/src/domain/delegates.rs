//! Who represents the local committee at the inter-service committee.
//!
//! A designation makes a member a delegate (*délégué·e*) or a substitute
//! (*suppléant·e*) for a term. The list of designations current or to come
//! (a term not ended) is the one piece of committee life that leaves the
//! node, as a signed `delegates.list`. Whoever reads it (this service's
//! pages, the hub, the API) tells *current* from *to come* by comparing the
//! terms with its own today (SPEC §8.3), so a designation to come becomes
//! current on its day without any message: nothing has to be sent on that
//! day, even if the node is off. Each delegate appears under their display name only if
//! they currently consent to it, otherwise under a neutral label
//! ("Délégué·e 2"). Contact details never leave. Every change of the list is
//! announced in the same transaction as the change (when the node has
//! joined a hub): a designation, the end of a term, and the changes of a
//! member it shows — their consent, the name they consented to show
//! ([`reannounce_if_current`], after `members` said what changed), their
//! leaving ([`member_leaves`]).

use passerelle_protocol::body::{Delegate, DelegateList, DelegateRole};
use passerelle_protocol::{Body, Date};
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::enum_text;
use crate::domain::federated::parse_enum;
use crate::domain::members::{self, stored_uuid};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::log::OwnStream;
use crate::validate::{invalid, not_found};

/// A designation, with what the committee needs to show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Designation {
    pub id: Uuid,
    pub member_id: Uuid,
    /// The member's display name (shown locally; sent only with consent).
    pub display_name: String,
    /// Whether the member currently consents to have their name shown.
    pub consent: bool,
    pub role: DelegateRole,
    pub term_start: Date,
    pub term_end: Option<Date>,
}

/// The wall clock's date (UTC). A node reads terms against its own clock,
/// `node.clock().today()` ([`crate::clock::Clock`]); this is for callers
/// without a node.
pub fn today() -> Date {
    Date::from_inner(time::OffsetDateTime::now_utc().date())
}

/// The label under which a delegate appears at the inter-service committee:
/// their display name if they consent, otherwise "Délégué·e N" or
/// "Suppléant·e N", `n` being their 1-based rank within their role.
pub fn label(display_name: &str, consent: bool, role: DelegateRole, n: usize) -> String {
    if consent && !display_name.trim().is_empty() {
        return display_name.trim().to_owned();
    }
    match role {
        DelegateRole::Delegate => format!("Délégué·e {n}"),
        DelegateRole::Substitute => format!("Suppléant·e {n}"),
    }
}

const COLUMNS: &str =
    "d.id, d.member_id, m.display_name, m.consent, d.role, d.term_start, d.term_end";

fn designation(row: &sqlx::any::AnyRow) -> Result<Designation, NodeError> {
    Ok(Designation {
        id: stored_uuid(&row.try_get::<String, _>("id")?)?,
        member_id: stored_uuid(&row.try_get::<String, _>("member_id")?)?,
        display_name: row.try_get("display_name")?,
        consent: row.try_get::<i64, _>("consent")? != 0,
        role: parse_enum(&row.try_get::<String, _>("role")?)?,
        term_start: Date::parse(&row.try_get::<String, _>("term_start")?)?,
        term_end: row
            .try_get::<Option<String>, _>("term_end")?
            .map(|d| Date::parse(&d))
            .transpose()?,
    })
}

/// One designation, current or not.
pub async fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Designation, NodeError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE d.id = $1"
    ))
    .bind(id.hyphenated().to_string())
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| not_found(format!("designation {id}")))?;
    designation(&row)
}

/// Designates a member as delegate or substitute from `term_start` (to
/// `term_end`, if known). Refused for a member who left, for an end before
/// the start, and for a member who already holds a designation over part of
/// that period. The new list is announced when `stream` is given.
pub async fn designate(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    member_id: Uuid,
    role: DelegateRole,
    term_start: Date,
    term_end: Option<Date>,
) -> Result<Uuid, NodeError> {
    let member = members::get(conn, member_id).await?;
    if !member.is_active() {
        return Err(rule(
            Rule::FormerMemberNotDesignated,
            "ce membre a quitté le comité : il ne peut plus être désigné",
        ));
    }
    if term_end.is_some_and(|end| end < term_start) {
        return Err(invalid("term_end", "a date on or after term_start"));
    }
    // Two periods overlap when each starts before the other ends.
    let overlapping: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM delegate_designations WHERE member_id = $1 \
         AND (term_end IS NULL OR term_end >= $2) AND ($3 IS NULL OR term_start <= $3)",
    )
    .bind(member_id.hyphenated().to_string())
    .bind(term_start.to_string())
    .bind(term_end.map(|d| d.to_string()))
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    if overlapping > 0 {
        return Err(rule(
            Rule::OverlappingDesignation,
            "ce membre est déjà désigné pour une partie de cette période",
        ));
    }
    let id = Uuid::now_v7();
    let t = now();
    sqlx::query(
        "INSERT INTO delegate_designations (id, member_id, role, term_start, term_end, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.hyphenated().to_string())
    .bind(member_id.hyphenated().to_string())
    .bind(enum_text(&role))
    .bind(term_start.to_string())
    .bind(term_end.map(|d| d.to_string()))
    .bind(t)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    if let Some(stream) = stream {
        announce(conn, stream, today).await?;
    }
    Ok(id)
}

/// The designations for `role` without an end date, current or to come on
/// `today`, that start before `start`: a new designation from `start` for
/// that role would leave them running (the page offers to end them the day
/// before).
pub async fn open_ended_before(
    conn: &mut AnyConnection,
    today: Date,
    role: DelegateRole,
    start: Date,
) -> Result<Vec<Designation>, NodeError> {
    Ok(list_active(conn, today)
        .await?
        .into_iter()
        .filter(|d| d.role == role && d.term_end.is_none() && d.term_start < start)
        .collect())
}

/// Ends a designation's term on `end` (the last day it counts). Refused
/// for an end before the term's start, and for a term already over. The
/// new list is announced when `stream` is given.
pub async fn end_term(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    designation_id: Uuid,
    end: Date,
) -> Result<(), NodeError> {
    let d = get(conn, designation_id).await?;
    if has_ended(d.term_end, today) {
        return Err(rule(Rule::TermAlreadyEnded, "ce mandat est déjà terminé"));
    }
    if end < d.term_start {
        return Err(invalid("end", "a date on or after the start of the term"));
    }
    sqlx::query("UPDATE delegate_designations SET term_end = $1, updated_at = $2 WHERE id = $3")
        .bind(end.to_string())
        .bind(now())
        .bind(designation_id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    if let Some(stream) = stream {
        announce(conn, stream, today).await?;
    }
    Ok(())
}

/// Whether a designation is current on `today` (started, not ended); one
/// not started yet is *to come*. The one reading of a term, for the
/// service's own designations and for a received `delegates.list` alike.
pub fn is_current_on(term_start: Date, term_end: Option<Date>, today: Date) -> bool {
    term_start <= today && term_end.is_none_or(|e| e >= today)
}

/// Whether a term is over on `today`: it is no longer listed.
pub fn has_ended(term_end: Option<Date>, today: Date) -> bool {
    term_end.is_some_and(|e| e < today)
}

/// The designations current or to come on `today` (not ended), of members
/// still in the committee, in the order of [`list_current`].
pub async fn list_active(
    conn: &mut AnyConnection,
    today: Date,
) -> Result<Vec<Designation>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE m.left_at IS NULL AND (d.term_end IS NULL OR d.term_end >= $1) \
         ORDER BY d.role, d.term_start, d.id"
    ))
    .bind(today.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(designation).collect()
}

/// The designations current on `today`, of members still in the committee:
/// delegates first, then substitutes, each by term start then id (the order
/// that numbers neutral labels).
pub async fn list_current(
    conn: &mut AnyConnection,
    today: Date,
) -> Result<Vec<Designation>, NodeError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE m.left_at IS NULL AND d.term_start <= $1 AND (d.term_end IS NULL OR d.term_end >= $1) \
         ORDER BY d.role, d.term_start, d.id"
    ))
    .bind(today.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(designation).collect()
}

/// The list sent to the hub: the designations current or to come, each
/// under its [`label`], with its term (the receiver reads which are current
/// on its own day). Nothing else about the members leaves.
pub async fn public_list(conn: &mut AnyConnection, today: Date) -> Result<DelegateList, NodeError> {
    let current = list_active(conn, today).await?;
    let (mut delegates, mut substitutes) = (0, 0);
    let delegates_out = current
        .into_iter()
        .map(|d| {
            let n = match d.role {
                DelegateRole::Delegate => &mut delegates,
                DelegateRole::Substitute => &mut substitutes,
            };
            *n += 1;
            Delegate {
                label: label(&d.display_name, d.consent, d.role, *n).into(),
                role: d.role,
                term_start: d.term_start,
                term_end: d.term_end,
            }
        })
        .collect();
    Ok(DelegateList {
        delegates: delegates_out,
    })
}

/// Appends `today`'s [`public_list`] to the node's own stream, in the
/// caller's transaction.
pub async fn announce(
    conn: &mut AnyConnection,
    stream: &OwnStream<'_>,
    today: Date,
) -> Result<(), NodeError> {
    let list = public_list(conn, today).await?;
    stream.append(conn, &Body::DelegatesList(list)).await?;
    Ok(())
}

/// Whether the member is still in the committee and holds a designation
/// current or to come on `today` (i.e. appears in [`public_list`]).
pub async fn is_listed(
    conn: &mut AnyConnection,
    member_id: Uuid,
    today: Date,
) -> Result<bool, NodeError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM delegate_designations d JOIN members m ON m.id = d.member_id \
         WHERE d.member_id = $1 AND m.left_at IS NULL \
         AND (d.term_end IS NULL OR d.term_end >= $2)",
    )
    .bind(member_id.hyphenated().to_string())
    .bind(today.to_string())
    .fetch_one(conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// Announces the list again if the member appears in it today, after a
/// change of what it shows of them (their consent, the name they consented
/// to show). Nothing before the node joined a hub (`stream` is `None`).
pub async fn reannounce_if_current(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    member_id: Uuid,
) -> Result<(), NodeError> {
    if let Some(stream) = stream {
        if is_listed(conn, member_id, today).await? {
            announce(conn, stream, today).await?;
        }
    }
    Ok(())
}

/// A member leaves the committee ([`members::leave`], refused twice): their
/// open designations end today and, if they were a current delegate or
/// substitute (or one to come), the list is announced again, without them.
pub async fn member_leaves(
    conn: &mut AnyConnection,
    stream: Option<&OwnStream<'_>>,
    today: Date,
    member_id: Uuid,
) -> Result<(), NodeError> {
    // Read before leaving: someone who left is never listed.
    let was_current = is_listed(conn, member_id, today).await?;
    members::leave(conn, member_id).await?;
    close_for_member(conn, member_id, today).await?;
    if was_current {
        if let Some(stream) = stream {
            announce(conn, stream, today).await?;
        }
    }
    Ok(())
}

/// Ends the member's open designations on `today` (a designation that had
/// not started yet ends on its first day), when the member leaves.
async fn close_for_member(
    conn: &mut AnyConnection,
    member_id: Uuid,
    today: Date,
) -> Result<(), NodeError> {
    sqlx::query(
        "UPDATE delegate_designations \
         SET term_end = CASE WHEN term_start > $1 THEN term_start ELSE $1 END, updated_at = $2 \
         WHERE member_id = $3 AND (term_end IS NULL OR term_end > $1)",
    )
    .bind(today.to_string())
    .bind(now())
    .bind(member_id.hyphenated().to_string())
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::Db;
    use crate::domain::members::tests::{all_envelopes, new_member};
    use crate::domain::members::{create, MemberUpdate};
    use passerelle_protocol::{KeyPair, NodeId, SignedEnvelope};
    use DelegateRole::{Delegate as D, Substitute as S};

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// The delegate lists this node announced, oldest first.
    pub(crate) async fn announced(conn: &mut AnyConnection) -> Vec<DelegateList> {
        all_envelopes(conn)
            .await
            .iter()
            .filter(|(kind, _)| kind == "delegates.list")
            .map(|(_, env)| {
                match SignedEnvelope::parse(env.as_bytes())
                    .unwrap()
                    .body()
                    .unwrap()
                {
                    Body::DelegatesList(l) => l,
                    other => panic!("unexpected body {other:?}"),
                }
            })
            .collect()
    }

    /// A change of consent as the committee's action makes it: the member's
    /// record, then the list again if it shows them.
    async fn set_consent(
        c: &mut AnyConnection,
        s: Option<&OwnStream<'_>>,
        id: Uuid,
        consent: bool,
    ) {
        if members::set_consent(c, id, consent).await.unwrap() {
            reannounce_if_current(c, s, today(), id).await.unwrap();
        }
    }

    /// A rename as the committee's action makes it.
    async fn rename(c: &mut AnyConnection, s: Option<&OwnStream<'_>>, id: Uuid, name: &str) {
        let u = MemberUpdate {
            display_name: Some(name.into()),
            ..Default::default()
        };
        if members::update(c, id, &u).await.unwrap() {
            reannounce_if_current(c, s, today(), id).await.unwrap();
        }
    }

    #[test]
    fn labels() {
        assert_eq!(label("Mireille", true, D, 1), "Mireille");
        assert_eq!(label("Mireille", false, D, 1), "Délégué·e 1");
        assert_eq!(label("Mireille", false, S, 3), "Suppléant·e 3");
        assert_eq!(label("Mireille", true, S, 2), "Mireille");
        // Never an empty label (the protocol refuses it).
        assert_eq!(label("  ", true, D, 2), "Délégué·e 2");
    }

    #[tokio::test]
    async fn public_list_numbers_within_role_and_hides_names() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let (me, hub) = (
            NodeId::parse("ssm-test").unwrap(),
            NodeId::parse("hub-test").unwrap(),
        );
        let keys = KeyPair::from_seed(&[7; 32]);
        let s = OwnStream {
            me: &me,
            audience: &hub,
            keys: &keys,
        };
        let anne = create(c, &new_member("Anne Secret", false)).await.unwrap();
        let bruno = create(c, &new_member("Bruno", true)).await.unwrap();
        let chloe = create(c, &new_member("Chloé Cachée", false)).await.unwrap();
        let denis = create(c, &new_member("Denis Discret", false))
            .await
            .unwrap();
        let emma = create(c, &new_member("Emma", true)).await.unwrap();

        // Without a stream nothing is announced.
        designate(c, None, today(), anne, D, date("2024-03-01"), None)
            .await
            .unwrap();
        assert!(all_envelopes(c).await.is_empty());
        designate(c, Some(&s), today(), bruno, D, date("2024-01-01"), None)
            .await
            .unwrap();
        designate(c, Some(&s), today(), chloe, S, date("2024-01-01"), None)
            .await
            .unwrap();
        designate(c, Some(&s), today(), denis, S, date("2024-02-01"), None)
            .await
            .unwrap();
        // Not current yet on the day we read: listed, to come.
        designate(c, Some(&s), today(), emma, D, date("2999-01-01"), None)
            .await
            .unwrap();
        // Ended before today.
        let old = create(c, &new_member("Ancien", true)).await.unwrap();
        designate(
            c,
            Some(&s),
            today(),
            old,
            S,
            date("2020-01-01"),
            Some(date("2020-12-31")),
        )
        .await
        .unwrap();

        let today = date("2025-06-01");
        let list = public_list(c, today).await.unwrap();
        let got: Vec<(&str, DelegateRole)> = list
            .delegates
            .iter()
            .map(|d| (d.label.or_empty(), d.role))
            .collect();
        assert_eq!(
            got,
            [
                ("Bruno", D),
                ("Délégué·e 2", D),
                ("Emma", D),
                ("Suppléant·e 1", S),
                ("Suppléant·e 2", S)
            ]
        );
        assert_eq!(list.delegates[1].term_start, date("2024-03-01"));

        // Five announcements, each a full list; names without consent never sent.
        let sent = announced(c).await;
        assert_eq!(sent.len(), 5);
        let all = all_envelopes(c).await;
        assert!(all.iter().all(|(k, _)| k == "delegates.list"));
        for name in ["Anne", "Chloé", "Chlo", "Denis"] {
            assert!(all.iter().all(|(_, e)| !e.contains(name)), "{name} leaked");
        }
        assert_eq!(
            sent[0].delegates[0].label, "Bruno",
            "the first announcement already lists Bruno"
        );

        // Consent given: the name replaces the neutral label, numbers unchanged.
        set_consent(c, Some(&s), chloe, true).await;
        let last = announced(c).await.pop().unwrap();
        let labels: Vec<&str> = last.delegates.iter().map(|d| d.label.or_empty()).collect();
        assert_eq!(
            labels,
            [
                "Bruno",
                "Délégué·e 2",
                "Emma",
                "Chloé Cachée",
                "Suppléant·e 2"
            ]
        );
    }

    #[tokio::test]
    async fn designation_rules() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let a = create(c, &new_member("A", false)).await.unwrap();
        let gone = create(c, &new_member("Parti", false)).await.unwrap();
        member_leaves(c, None, today(), gone).await.unwrap();

        let code = |r: Result<Uuid, NodeError>| r.unwrap_err().code();
        assert_eq!(
            code(
                designate(
                    c,
                    None,
                    today(),
                    Uuid::now_v7(),
                    D,
                    date("2024-01-01"),
                    None
                )
                .await
            ),
            "not_found"
        );
        assert_eq!(
            code(designate(c, None, today(), gone, D, date("2024-01-01"), None).await),
            "domain_rule"
        );
        assert_eq!(
            code(
                designate(
                    c,
                    None,
                    today(),
                    a,
                    D,
                    date("2024-05-01"),
                    Some(date("2024-04-30"))
                )
                .await
            ),
            "invalid_field"
        );
        let first = designate(
            c,
            None,
            today(),
            a,
            D,
            date("2024-01-01"),
            Some(date("2024-12-31")),
        )
        .await
        .unwrap();
        // Overlapping periods are refused; touching is not overlapping.
        assert_eq!(
            code(designate(c, None, today(), a, S, date("2024-12-31"), None).await),
            "domain_rule"
        );
        assert_eq!(
            code(designate(c, None, today(), a, S, date("2023-01-01"), None).await),
            "domain_rule"
        );
        let second = designate(c, None, today(), a, S, date("2025-01-01"), None)
            .await
            .unwrap();
        assert!(is_listed(c, a, date("2024-06-01")).await.unwrap());
        assert!(
            is_listed(c, a, date("2023-06-01")).await.unwrap(),
            "to come"
        );
        assert!(is_current_on(date("2024-01-01"), None, date("2024-01-01")));
        assert!(!is_current_on(date("2024-01-02"), None, date("2024-01-01")));
        assert!(!is_current_on(
            date("2024-01-01"),
            Some(date("2024-01-31")),
            date("2024-02-01")
        ));
        let current = list_current(c, date("2025-02-01")).await.unwrap();
        assert_eq!(current.len(), 1);
        assert_eq!((current[0].id, current[0].role), (second, S));

        // end_term: not before the start; a term already over is refused.
        assert_eq!(
            end_term(c, None, today(), second, date("2024-12-31"))
                .await
                .unwrap_err()
                .code(),
            "invalid_field"
        );
        assert_eq!(
            end_term(c, None, today(), first, date("2024-06-30"))
                .await
                .unwrap_err()
                .code(),
            "domain_rule"
        );
        assert_eq!(
            end_term(c, None, today(), Uuid::now_v7(), date("2025-01-01"))
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
        end_term(c, None, today(), second, date("2025-03-31"))
            .await
            .unwrap();
        assert_eq!(
            get(c, second).await.unwrap().term_end,
            Some(date("2025-03-31"))
        );
        assert!(list_current(c, date("2025-04-01"))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(list_current(c, date("2025-03-31")).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn end_term_and_leaving_reannounce() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let (me, hub) = (
            NodeId::parse("ssm-test").unwrap(),
            NodeId::parse("hub-test").unwrap(),
        );
        let keys = KeyPair::from_seed(&[7; 32]);
        let s = OwnStream {
            me: &me,
            audience: &hub,
            keys: &keys,
        };
        let a = create(c, &new_member("A", false)).await.unwrap();
        let b = create(c, &new_member("B", false)).await.unwrap();
        let da = designate(c, Some(&s), today(), a, D, date("2024-01-01"), None)
            .await
            .unwrap();
        let db = designate(c, Some(&s), today(), b, D, date("2024-02-01"), None)
            .await
            .unwrap();
        let labels = |l: &DelegateList| -> Vec<String> {
            l.delegates
                .iter()
                .map(|d| d.label.or_empty().to_owned())
                .collect()
        };
        assert_eq!(
            labels(&announced(c).await[1]),
            ["Délégué·e 1", "Délégué·e 2"]
        );
        // A's term ends yesterday: B becomes "Délégué·e 1".
        let yesterday = Date::from_inner(today().inner().previous_day().unwrap());
        end_term(c, Some(&s), today(), da, yesterday).await.unwrap();
        let sent = announced(c).await;
        assert_eq!(sent.len(), 3);
        assert_eq!(labels(&sent[2]), ["Délégué·e 1"]);
        assert_eq!(sent[2].delegates[0].term_start, date("2024-02-01"));
        // B leaves: the list is announced, empty, and B's term is closed.
        member_leaves(c, Some(&s), today(), b).await.unwrap();
        let sent = announced(c).await;
        assert_eq!(sent.len(), 4);
        assert!(sent[3].delegates.is_empty());
        assert_eq!(get(c, db).await.unwrap().term_end, Some(today()));
        // Members who left are never current, even on a day their term covered.
        let then: Vec<Uuid> = list_current(c, date("2024-06-01"))
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(then, [da]);
    }

    #[tokio::test]
    async fn consent_changes_reannounce_and_contact_never_leaves() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let (me, hub) = (
            NodeId::parse("ssm-test").unwrap(),
            NodeId::parse("hub-test").unwrap(),
        );
        let keys = KeyPair::from_seed(&[7; 32]);
        let s = OwnStream {
            me: &me,
            audience: &hub,
            keys: &keys,
        };
        let secret = "rue des Secrets 12, 0471 99 88 77";
        let mut m = new_member("Mireille Dupont", true);
        m.contact = Some(secret.into());
        let mireille = create(c, &m).await.unwrap();
        let other = create(c, &new_member("Bob", true)).await.unwrap();

        designate(
            c,
            Some(&s),
            today(),
            mireille,
            DelegateRole::Delegate,
            date("2020-01-01"),
            None,
        )
        .await
        .unwrap();
        let lists = announced(c).await;
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].delegates[0].label, "Mireille Dupont");

        // Withdrawal: announced again, with the neutral label.
        set_consent(c, Some(&s), mireille, false).await;
        let lists = announced(c).await;
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[1].delegates[0].label, "Délégué·e 1");

        // A rename without consent shows nothing new: no announcement.
        rename(c, Some(&s), mireille, "Mimi").await;
        assert_eq!(announced(c).await.len(), 2);
        // Consent given again, then a rename: both announced, the new name shown.
        set_consent(c, Some(&s), mireille, true).await;
        rename(c, Some(&s), mireille, "M. D.").await;
        let lists = announced(c).await;
        assert_eq!(lists.len(), 4);
        assert_eq!(lists[2].delegates[0].label, "Mimi");
        assert_eq!(lists[3].delegates[0].label, "M. D.");

        // Same consent again, or a member who is not a delegate: no message.
        set_consent(c, Some(&s), mireille, true).await;
        set_consent(c, Some(&s), other, false).await;
        member_leaves(c, Some(&s), today(), other).await.unwrap();
        assert_eq!(announced(c).await.len(), 4);

        // A delegate who leaves disappears from a new list.
        member_leaves(c, Some(&s), today(), mireille).await.unwrap();
        let lists = announced(c).await;
        assert_eq!(lists.len(), 5);
        assert!(lists[4].delegates.is_empty());
        // Once gone, their consent changes announce nothing.
        set_consent(c, Some(&s), mireille, false).await;
        assert_eq!(announced(c).await.len(), 5);
        assert!(list_current(c, today()).await.unwrap().is_empty());

        // The contact details are in no message, nor is the withdrawn name
        // in the message sent while consent was withdrawn.
        let all = all_envelopes(c).await;
        assert_eq!(all.len(), 5);
        assert!(all
            .iter()
            .all(|(_, e)| !e.contains("Secrets") && !e.contains("0471 99 88 77")));
        assert!(!all[1].1.contains("Mireille"));
    }
}
