//! The members of the service's own committee.
//!
//! Everything here stays on the node. A member may use a pseudonym; their
//! contact details are for the committee only (no message body has a place
//! for them). Whether their name may be shown to the inter-service committee
//! is a recorded consent, given and withdrawn with dates; without it, a
//! delegate appears there only under a neutral label.
//!
//! This module knows nothing of designations: a change says whether it
//! touched what the inter-service committee may see of the member (their
//! consent, the name they consented to show), and the delegate list, built
//! above it, is announced again when it shows them. A member leaving goes
//! through the delegates too, since their terms end with it.

use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::clock::now;
use crate::domain::federated::{enum_text, parse_enum};
use crate::domain::{rule, Rule};
use crate::error::NodeError;
use crate::validate::{not_found, optional_text, text};

/// A member's place in the committee.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// A user of the service.
    Usager,
    /// A professional delegated by the service.
    ProfessionnelDelegue,
    /// Anyone else (a former user, a relative, an association…).
    Autre,
}

impl MemberRole {
    /// The role in plain French, for pages.
    pub fn label(&self) -> &'static str {
        match self {
            MemberRole::Usager => "Usager·ère",
            MemberRole::ProfessionnelDelegue => "Professionnel·le délégué·e",
            MemberRole::Autre => "Autre",
        }
    }
}

/// What a new member needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct NewMember {
    /// The name shown in the committee, a pseudonym if they wish (1 to 80 characters).
    pub display_name: String,
    pub role: MemberRole,
    /// How to reach them (at most 200 characters). Never leaves the node.
    #[serde(default)]
    pub contact: Option<String>,
    /// Whether they agree, from now on, to have their name shown to the
    /// inter-service committee.
    #[serde(default)]
    pub consent: bool,
}

/// A partial change of a member: a field left out (`None`) stays as it is.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
pub struct MemberUpdate {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<MemberRole>,
    /// New contact details; an empty text erases them.
    #[serde(default)]
    pub contact: Option<String>,
}

/// A member as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Member {
    pub id: Uuid,
    pub display_name: String,
    pub role: MemberRole,
    /// Local only: never sent to the hub.
    pub contact: Option<String>,
    /// Whether the name may currently be shown to the inter-service committee.
    pub consent: bool,
    /// When consent was last given (Unix seconds).
    pub consent_given_at: Option<i64>,
    /// When consent was last withdrawn (Unix seconds).
    pub consent_withdrawn_at: Option<i64>,
    /// When the member was recorded (Unix seconds).
    pub joined_at: i64,
    /// When the member left the committee (Unix seconds); `None` while active.
    pub left_at: Option<i64>,
}

impl Member {
    /// Whether the member is still in the committee.
    pub fn is_active(&self) -> bool {
        self.left_at.is_none()
    }
}

/// A stored UUID column.
pub(crate) fn stored_uuid(text: &str) -> Result<Uuid, NodeError> {
    Uuid::parse_str(text).map_err(|_| NodeError::config(format!("unexpected stored id {text:?}")))
}

/// Records a new member.
pub async fn create(conn: &mut AnyConnection, m: &NewMember) -> Result<Uuid, NodeError> {
    let display_name = text("display_name", &m.display_name, 80)?;
    let contact = optional_text("contact", m.contact.as_deref(), 200)?;
    let id = Uuid::now_v7();
    let t = now();
    sqlx::query(
        "INSERT INTO members (id, display_name, role, contact, consent, consent_given_at, joined_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.hyphenated().to_string())
    .bind(display_name)
    .bind(enum_text(&m.role))
    .bind(contact)
    .bind(i64::from(m.consent))
    .bind(m.consent.then_some(t))
    .bind(t)
    .bind(t)
    .execute(conn)
    .await?;
    Ok(id)
}

const COLUMNS: &str = "id, display_name, role, contact, consent, consent_given_at, \
                       consent_withdrawn_at, joined_at, left_at";

fn member(row: &sqlx::any::AnyRow) -> Result<Member, NodeError> {
    Ok(Member {
        id: stored_uuid(&row.try_get::<String, _>("id")?)?,
        display_name: row.try_get("display_name")?,
        role: parse_enum(&row.try_get::<String, _>("role")?)?,
        contact: row.try_get("contact")?,
        consent: row.try_get::<i64, _>("consent")? != 0,
        consent_given_at: row.try_get("consent_given_at")?,
        consent_withdrawn_at: row.try_get("consent_withdrawn_at")?,
        joined_at: row.try_get("joined_at")?,
        left_at: row.try_get("left_at")?,
    })
}

/// One member, active or not.
pub async fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Member, NodeError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM members WHERE id = $1"))
        .bind(id.hyphenated().to_string())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| not_found(format!("member {id}")))?;
    member(&row)
}

/// The members by name; those who left only if `include_left`.
pub async fn list(conn: &mut AnyConnection, include_left: bool) -> Result<Vec<Member>, NodeError> {
    let filter = if include_left {
        ""
    } else {
        "WHERE left_at IS NULL "
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM members {filter}ORDER BY display_name, id"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(member).collect()
}

/// Changes the fields given in `u`. Returns whether the name the member
/// consented to show was changed (a consenting member renamed): what the
/// inter-service committee may see of them changed.
pub async fn update(
    conn: &mut AnyConnection,
    id: Uuid,
    u: &MemberUpdate,
) -> Result<bool, NodeError> {
    let before = get(conn, id).await?;
    let display_name = u
        .display_name
        .as_deref()
        .map(|n| text("display_name", n, 80))
        .transpose()?;
    let contact = match &u.contact {
        None => before.contact.clone(),
        Some(c) => optional_text("contact", Some(c), 200)?,
    };
    let renamed = display_name
        .as_deref()
        .is_some_and(|n| n != before.display_name);
    if renamed && before.consent {
        // The old name may stand in lists already sent: kept until the
        // member withdraws their consent, to erase it then too.
        let mut former = former_names(conn, id).await?;
        if !former.contains(&before.display_name) {
            former.push(before.display_name.clone());
        }
        set_former_names(conn, id, &former).await?;
    }
    sqlx::query(
        "UPDATE members SET display_name = $1, role = $2, contact = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(display_name.unwrap_or(before.display_name))
    .bind(enum_text(&u.role.unwrap_or(before.role)))
    .bind(contact)
    .bind(now())
    .bind(id.hyphenated().to_string())
    .execute(&mut *conn)
    .await?;
    Ok(renamed && before.consent)
}

/// The names the member was shown under before being renamed, while they
/// consented (see [`update`]).
pub async fn former_names(conn: &mut AnyConnection, id: Uuid) -> Result<Vec<String>, NodeError> {
    let text: String = sqlx::query_scalar("SELECT former_names FROM members WHERE id = $1")
        .bind(id.hyphenated().to_string())
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or_else(|| "[]".into());
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

/// Replaces the member's former names (an empty list forgets them).
pub async fn set_former_names(
    conn: &mut AnyConnection,
    id: Uuid,
    names: &[String],
) -> Result<(), NodeError> {
    let text = serde_json::to_string(names).unwrap_or_else(|_| "[]".into());
    sqlx::query("UPDATE members SET former_names = $1 WHERE id = $2")
        .bind(text)
        .bind(id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records that the member gives (`true`) or withdraws (`false`) consent to
/// have their name shown to the inter-service committee, with the time.
/// Setting the consent it already has changes nothing. Returns whether the
/// consent changed.
pub async fn set_consent(
    conn: &mut AnyConnection,
    id: Uuid,
    consent: bool,
) -> Result<bool, NodeError> {
    let m = get(conn, id).await?;
    if m.consent == consent {
        return Ok(false);
    }
    let sql = if consent {
        "UPDATE members SET consent = 1, consent_given_at = $1, updated_at = $2 WHERE id = $3"
    } else {
        "UPDATE members SET consent = 0, consent_withdrawn_at = $1, updated_at = $2 WHERE id = $3"
    };
    let t = now();
    sqlx::query(sql)
        .bind(t)
        .bind(t)
        .bind(id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Records that the member left the committee; refused twice. (Their
/// designations end with it: the delegate list, which calls this, sees to
/// that.)
pub async fn leave(conn: &mut AnyConnection, id: Uuid) -> Result<(), NodeError> {
    let m = get(conn, id).await?;
    if !m.is_active() {
        return Err(rule(
            Rule::MemberAlreadyLeft,
            "ce membre a déjà quitté le comité",
        ));
    }
    let t = now();
    sqlx::query("UPDATE members SET left_at = $1, updated_at = $2 WHERE id = $3")
        .bind(t)
        .bind(t)
        .bind(id.hyphenated().to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::db::Db;

    /// Every stored message: (kind, envelope text).
    pub(crate) async fn all_envelopes(conn: &mut AnyConnection) -> Vec<(String, String)> {
        sqlx::query("SELECT kind, envelope FROM messages ORDER BY pos")
            .fetch_all(conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("kind"), r.get("envelope")))
            .collect()
    }

    pub(crate) fn new_member(name: &str, consent: bool) -> NewMember {
        NewMember {
            display_name: name.into(),
            role: MemberRole::Usager,
            contact: None,
            consent,
        }
    }

    #[tokio::test]
    async fn create_get_list_update_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();

        let too_long = "x".repeat(81);
        for bad in ["", "   ", too_long.as_str()] {
            let err = create(c, &new_member(bad, false)).await.unwrap_err();
            assert_eq!(err.code(), "invalid_field", "{bad:?}");
        }
        let mut m = new_member("  Zoé  ", false);
        m.contact = Some("c".repeat(201));
        assert_eq!(create(c, &m).await.unwrap_err().code(), "invalid_field");

        m.contact = Some(" 0471 00 00 00 ".into());
        m.role = MemberRole::ProfessionnelDelegue;
        let zoe = create(c, &m).await.unwrap();
        let alain = create(c, &new_member("Alain", true)).await.unwrap();
        let got = get(c, zoe).await.unwrap();
        assert_eq!(got.display_name, "Zoé");
        assert_eq!(got.contact.as_deref(), Some("0471 00 00 00"));
        assert_eq!(got.role, MemberRole::ProfessionnelDelegue);
        assert!(!got.consent && got.consent_given_at.is_none());
        assert!(get(c, alain).await.unwrap().consent_given_at.is_some());
        assert_eq!(
            get(c, Uuid::now_v7()).await.unwrap_err().code(),
            "not_found"
        );

        let names: Vec<String> = list(c, false)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.display_name)
            .collect();
        assert_eq!(names, ["Alain", "Zoé"]);

        // Partial update: only the given fields change; "" erases the contact.
        let u = MemberUpdate {
            role: Some(MemberRole::Autre),
            ..Default::default()
        };
        // Zoé did not consent: nothing the other services see changes.
        assert!(!update(c, zoe, &u).await.unwrap());
        let got = get(c, zoe).await.unwrap();
        assert_eq!(got.role, MemberRole::Autre);
        assert_eq!(got.display_name, "Zoé");
        assert_eq!(got.contact.as_deref(), Some("0471 00 00 00"));
        let u = MemberUpdate {
            display_name: Some("Z.".into()),
            contact: Some(String::new()),
            ..Default::default()
        };
        assert!(!update(c, zoe, &u).await.unwrap());
        let got = get(c, zoe).await.unwrap();
        assert_eq!((got.display_name.as_str(), got.contact), ("Z.", None));
        let bad = MemberUpdate {
            display_name: Some(" ".into()),
            ..Default::default()
        };
        assert_eq!(
            update(c, zoe, &bad).await.unwrap_err().code(),
            "invalid_field"
        );
        assert_eq!(
            update(c, Uuid::now_v7(), &u).await.unwrap_err().code(),
            "not_found"
        );

        // Alain consented: his new name is what the others would see; the
        // same name again is no change.
        let rename = |n: &str| MemberUpdate {
            display_name: Some(n.into()),
            ..Default::default()
        };
        assert!(update(c, alain, &rename("Alain D.")).await.unwrap());
        assert!(!update(c, alain, &rename(" Alain D. ")).await.unwrap());

        // Leaving: hidden from the default list, refused twice.
        leave(c, alain).await.unwrap();
        assert!(get(c, alain).await.unwrap().left_at.is_some());
        assert_eq!(list(c, false).await.unwrap().len(), 1);
        assert_eq!(list(c, true).await.unwrap().len(), 2);
        assert_eq!(leave(c, alain).await.unwrap_err().code(), "domain_rule");
    }

    #[tokio::test]
    async fn consent_is_dated_and_withdrawable() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::temp_sqlite(dir.path()).await.unwrap();
        let mut w = db.begin_write().await.unwrap();
        let c = w.conn();
        let id = create(c, &new_member("Léa", false)).await.unwrap();
        assert!(set_consent(c, id, true).await.unwrap());
        let m = get(c, id).await.unwrap();
        assert!(m.consent);
        let given = m.consent_given_at.unwrap();
        assert!((now() - given).abs() < 5);
        // The same consent again changes nothing.
        assert!(!set_consent(c, id, true).await.unwrap());
        assert!(set_consent(c, id, false).await.unwrap());
        let m = get(c, id).await.unwrap();
        assert!(!m.consent);
        assert_eq!(m.consent_given_at, Some(given));
        assert!(m.consent_withdrawn_at.is_some());
        assert_eq!(
            set_consent(c, Uuid::now_v7(), true)
                .await
                .unwrap_err()
                .code(),
            "not_found"
        );
    }

    #[test]
    fn role_serde_names() {
        assert_eq!(
            enum_text(&MemberRole::ProfessionnelDelegue),
            "professionnel_delegue"
        );
        assert_eq!(
            parse_enum::<MemberRole>("usager").unwrap(),
            MemberRole::Usager
        );
        assert!(parse_enum::<MemberRole>("admin").is_err());
    }
}
