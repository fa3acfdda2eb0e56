//! The node's one error type.
//!
//! Every error has a stable machine code, an HTTP status and a sentence.
//! Protocol errors keep their protocol code. Internal details (SQL, I/O) are
//! logged, never sent: the outside world sees `internal` and a plain sentence.
//!
//! One kind of database failure is told apart: when the *storage* refuses
//! to take anything (the disk is full, or the database only accepts reads),
//! the request was fine and will succeed later, once an administrator made
//! room. Those answer `503 Service Unavailable` with `Retry-After` and the
//! code `storage_full` or `storage_read_only`, so that a service's sync
//! engine, a script or a person knows to wait rather than to give up.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use passerelle_protocol::ProtocolError;
use serde::{Deserialize, Serialize};

/// What went wrong, for people and for machines.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// A client error with its own code: `code`, HTTP status, sentence.
    #[error("{message}")]
    Refused {
        code: &'static str,
        status: StatusCode,
        message: String,
    },
    /// Bad configuration or data directory (command line only).
    #[error("{0}")]
    Config(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The other node could not be reached or answered badly.
    #[error("{0}")]
    Remote(String),
}

/// The JSON body of every error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `invalid_field`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// The storage refusing to take anything, whatever the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageProblem {
    /// No space left (SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`).
    Full,
    /// The database only accepts reads (SQLite `SQLITE_READONLY`,
    /// PostgreSQL `25006`: `default_transaction_read_only`, a standby).
    ReadOnly,
}

impl StorageProblem {
    /// What `e` says about the storage, if it is a storage problem.
    pub fn of(e: &sqlx::Error) -> Option<StorageProblem> {
        let sqlx::Error::Database(db) = e else {
            return None;
        };
        if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
            return match pg.code() {
                "53100" => Some(StorageProblem::Full),
                "25006" => Some(StorageProblem::ReadOnly),
                _ => None,
            };
        }
        if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
            // SQLite gives the extended result code; the primary one is its low byte.
            let extended: i64 = db.code()?.parse().ok()?;
            return match extended & 0xff {
                13 => Some(StorageProblem::Full),
                8 => Some(StorageProblem::ReadOnly),
                _ => None,
            };
        }
        None
    }

    pub fn code(self) -> &'static str {
        match self {
            StorageProblem::Full => "storage_full",
            StorageProblem::ReadOnly => "storage_read_only",
        }
    }
}

/// Seconds a client is asked to wait before retrying after a storage problem.
pub const STORAGE_RETRY_AFTER_SECS: u32 = 60;

impl NodeError {
    pub fn refused(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        NodeError::Refused {
            code,
            status,
            message: message.into(),
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        NodeError::Config(message.into())
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        NodeError::Io {
            context: context.into(),
            source,
        }
    }

    /// The storage problem behind this error, if that is what it is.
    pub fn storage_problem(&self) -> Option<StorageProblem> {
        match self {
            NodeError::Database(e) => StorageProblem::of(e),
            _ => None,
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            NodeError::Protocol(e) => e.code(),
            NodeError::Refused { code, .. } => code,
            NodeError::Config(_) => "config",
            NodeError::Database(e) => {
                StorageProblem::of(e).map_or("internal", StorageProblem::code)
            }
            NodeError::Io { .. } => "internal",
            NodeError::Remote(_) => "remote",
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            NodeError::Protocol(e) => protocol_status(e),
            NodeError::Refused { status, .. } => *status,
            NodeError::Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
            NodeError::Database(e) if StorageProblem::of(e).is_some() => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            NodeError::Config(_) | NodeError::Database(_) | NodeError::Io { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            NodeError::Remote(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// The sentence shown to the other side (never internal details).
    pub fn public_message(&self) -> String {
        match self.storage_problem() {
            Some(StorageProblem::Full) => {
                return "the node's disk is full: nothing was stored; try again once its administrator has freed some space".into()
            }
            Some(StorageProblem::ReadOnly) => {
                return "the node's database accepts no changes right now: nothing was stored; try again later".into()
            }
            None => {}
        }
        match self {
            NodeError::Database(_) | NodeError::Io { .. } | NodeError::Config(_) => {
                "internal error; the administrator can read the node's log".into()
            }
            other => other.to_string(),
        }
    }

    /// Whether retrying the same message can never succeed (the sender sets it aside).
    pub fn is_permanent_for_message(code: &str) -> bool {
        matches!(
            code,
            "malformed_json"
                | "duplicate_key"
                | "not_canonical_number"
                | "too_large"
                | "too_deep"
                | "string_too_long"
                | "invalid_envelope"
                | "unsupported_version"
                | "unknown_kind"
                | "invalid_body"
                | "domain_rule"
        )
    }
}

/// HTTP status of each protocol error (SPEC.md, "Error codes").
pub fn protocol_status(e: &ProtocolError) -> StatusCode {
    match e.code() {
        "too_large" => StatusCode::PAYLOAD_TOO_LARGE,
        "bad_signature"
        | "unknown_key"
        | "key_retired"
        | "key_revoked"
        | "request_expired"
        | "invalid_request_signature" => StatusCode::UNAUTHORIZED,
        "wrong_audience" => StatusCode::FORBIDDEN,
        "gap" | "fork" | "equivocation" => StatusCode::CONFLICT,
        "unknown_kind" | "invalid_body" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for NodeError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "request failed");
        } else {
            tracing::info!(code = self.code(), error = %self, "request refused");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.public_message(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(STORAGE_RETRY_AFTER_SECS),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    async fn failure(conn: &mut sqlx::AnyConnection, sql: &str) -> NodeError {
        NodeError::from(sqlx::query(sql).execute(conn).await.unwrap_err())
    }

    /// Real SQLite failures, not hand-made ones: a database that may not
    /// grow (what a full disk looks like to SQLite) and a read-only one.
    #[tokio::test]
    async fn storage_problems_are_told_apart_from_other_database_errors() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let url = crate::db::sqlite_url(&path);
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (x TEXT PRIMARY KEY)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES ('a')")
            .execute(&mut conn)
            .await
            .unwrap();

        let other = failure(&mut conn, "INSERT INTO t VALUES ('a')").await;
        assert_eq!(other.code(), "internal");
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);

        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        sqlx::query(&format!("PRAGMA max_page_count = {pages}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let full = failure(&mut conn, "INSERT INTO t VALUES (hex(zeroblob(100000)))").await;
        assert_eq!(full.storage_problem(), Some(StorageProblem::Full));
        assert_eq!(full.code(), "storage_full");
        assert_eq!(full.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!full.public_message().contains("database or disk"));
        let response = full.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers()[axum::http::header::RETRY_AFTER],
            STORAGE_RETRY_AFTER_SECS.to_string().as_str()
        );
        conn.close().await.unwrap();

        let mut ro = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
            .await
            .unwrap();
        let read_only = failure(&mut ro, "INSERT INTO t VALUES ('b')").await;
        assert_eq!(read_only.storage_problem(), Some(StorageProblem::ReadOnly));
        assert_eq!(read_only.code(), "storage_read_only");
        assert_eq!(read_only.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
