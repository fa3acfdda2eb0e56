//! The node's one error type.
//!
//! Every error has a stable machine code, an HTTP status and a sentence.
//! Protocol errors keep their protocol code. Internal details (SQL, I/O) are
//! logged, never sent: the outside world sees `internal` and a plain sentence.

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

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            NodeError::Protocol(e) => e.code(),
            NodeError::Refused { code, .. } => code,
            NodeError::Config(_) => "config",
            NodeError::Database(_) | NodeError::Io { .. } => "internal",
            NodeError::Remote(_) => "remote",
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            NodeError::Protocol(e) => protocol_status(e),
            NodeError::Refused { status, .. } => *status,
            NodeError::Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
            NodeError::Config(_) | NodeError::Database(_) | NodeError::Io { .. } => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            NodeError::Remote(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// The sentence shown to the other side (never internal details).
    pub fn public_message(&self) -> String {
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
        (status, Json(body)).into_response()
    }
}
