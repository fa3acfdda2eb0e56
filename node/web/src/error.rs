//! Errors over HTTP: the one place that chooses a status for each
//! [`Refusal`] and each other [`NodeError`], and writes the answer
//! `{"error": {"code", "message"}}` (with `field` and `rule` when the
//! refusal names them). Handlers return [`ApiError`], into
//! which every core error converts with `?`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use passerelle_core::error::{
    ErrorBody, ErrorDetail, NodeError, Refusal, StorageProblem, STORAGE_RETRY_AFTER_SECS,
};
use passerelle_core::throttle::Blocked;
use passerelle_protocol::ProtocolError;

/// A core error on its way to an HTTP answer.
#[derive(Debug)]
pub struct ApiError(pub NodeError);

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        ApiError(e)
    }
}

impl From<ProtocolError> for ApiError {
    fn from(e: ProtocolError) -> Self {
        ApiError(e.into())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError(e.into())
    }
}

impl std::ops::Deref for ApiError {
    type Target = NodeError;
    fn deref(&self) -> &NodeError {
        &self.0
    }
}

/// The HTTP status of each refusal.
pub fn refusal_status(refusal: Refusal) -> StatusCode {
    match refusal {
        Refusal::InvalidField(_) | Refusal::DomainRule(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::NotFound | Refusal::NotAHub | Refusal::NotAService => StatusCode::NOT_FOUND,
        Refusal::Forbidden
        | Refusal::NotOrigin
        | Refusal::Revoked
        | Refusal::UnknownSender
        | Refusal::InvalidInvitation
        | Refusal::InvitationUsed
        | Refusal::InvitationExpired
        | Refusal::AlreadyMember
        | Refusal::CrossSite
        | Refusal::PasswordChangeRequired => StatusCode::FORBIDDEN,
        Refusal::Unauthenticated
        | Refusal::BadCredentials
        | Refusal::BadSignature
        | Refusal::InvalidRequestSignature
        | Refusal::ReplayedRequest => StatusCode::UNAUTHORIZED,
        Refusal::BadRequest => StatusCode::BAD_REQUEST,
        Refusal::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Refusal::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        Refusal::TooLarge | Refusal::BatchTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Refusal::TooManyAttempts | Refusal::QuotaExceeded => StatusCode::TOO_MANY_REQUESTS,
        Refusal::Busy => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::DirectoryBusy
        | Refusal::NodeRunning
        | Refusal::NewerKey
        | Refusal::OtherNode
        | Refusal::ReplayedId => StatusCode::CONFLICT,
    }
}

/// HTTP status of each protocol error (SPEC.md, "Error codes").
pub fn protocol_status(e: &ProtocolError) -> StatusCode {
    protocol_code_status(e.code())
}

/// HTTP status of a protocol error's code.
fn protocol_code_status(code: &str) -> StatusCode {
    match code {
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

/// The HTTP status an error answers with.
pub fn status_of(e: &NodeError) -> StatusCode {
    match e {
        NodeError::Protocol(p) => protocol_status(p),
        NodeError::Refused { refusal, .. } => refusal_status(*refusal),
        NodeError::Database(sqlx::Error::PoolTimedOut) => StatusCode::SERVICE_UNAVAILABLE,
        NodeError::Database(d) if StorageProblem::of(d).is_some() => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        NodeError::Remote { .. } => StatusCode::BAD_GATEWAY,
        NodeError::Config(_) | NodeError::Database(_) | NodeError::Io { .. } => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = status_of(&e);
        if status.is_server_error() {
            tracing::error!(code = e.code(), error = %e, "request failed");
        } else {
            tracing::info!(code = e.code(), error = %e, "request refused");
        }
        let body = ErrorBody {
            error: ErrorDetail::of(&e),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(STORAGE_RETRY_AFTER_SECS),
            );
        }
        if e.refusal() == Some(Refusal::QuotaExceeded) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(passerelle_core::quota::QUOTA_RETRY_AFTER_SECS),
            );
        }
        response
    }
}

/// The answer to a core error (for handlers that answer `Response`).
pub fn answer(e: NodeError) -> Response {
    ApiError(e).into_response()
}

/// Sets 429 and `Retry-After` on an answer to a login refused for now.
pub fn mark_blocked(blocked: &Blocked, mut response: Response) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(blocked.retry_after_secs),
    );
    response
}

/// The API's answer to a login refused for now: 429, `too_many_attempts`,
/// `Retry-After`.
pub fn blocked_response(blocked: &Blocked) -> Response {
    mark_blocked(blocked, ApiError(blocked.refusal()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every refusal answers with a client error (4xx), never a 5xx.
    #[test]
    fn refusals_are_client_errors() {
        for r in [
            Refusal::InvalidField(None),
            Refusal::NotFound,
            Refusal::TooManyAttempts,
            Refusal::UnsupportedMediaType,
            Refusal::ReplayedId,
        ] {
            assert!(refusal_status(r).is_client_error(), "{r:?}");
        }
        assert_eq!(
            refusal_status(Refusal::UnsupportedMediaType),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(Refusal::UnsupportedMediaType.code(), "bad_request");
    }

    /// The refusals a node answers on the federation routes (SPEC §10).
    const FEDERATION_REFUSALS: [Refusal; 21] = [
        Refusal::NotFound,
        Refusal::MethodNotAllowed,
        Refusal::NotAHub,
        Refusal::TooLarge,
        Refusal::RequestTimeout,
        Refusal::Unauthenticated,
        Refusal::InvalidRequestSignature,
        Refusal::UnknownSender,
        Refusal::Revoked,
        Refusal::BadSignature,
        Refusal::ReplayedRequest,
        Refusal::BadRequest,
        Refusal::BatchTooLarge,
        Refusal::NotOrigin,
        Refusal::ReplayedId,
        Refusal::DomainRule(passerelle_core::error::Rule::KindNotForSender),
        Refusal::InvalidInvitation,
        Refusal::InvitationUsed,
        Refusal::InvitationExpired,
        Refusal::Busy,
        Refusal::QuotaExceeded,
    ];

    /// SPEC §11's table, code → HTTP column.
    fn spec_statuses() -> std::collections::BTreeMap<String, String> {
        let spec = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../protocol/SPEC.md"
        ))
        .expect("protocol/SPEC.md");
        let start = spec.find("## 11. Error codes").expect("§11");
        spec[start..]
            .lines()
            .skip_while(|l| !l.starts_with("| `"))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                Some((
                    cells.get(1)?.trim_matches('`').to_owned(),
                    cells.get(2)?.to_string(),
                ))
            })
            .collect()
    }

    /// SPEC §11 lists every code a node answers on the federation routes,
    /// with the status it answers it with.
    #[test]
    fn the_spec_gives_every_federation_code_its_status() {
        let table = spec_statuses();
        let mut checked = 0;
        let codes = FEDERATION_REFUSALS
            .iter()
            .map(|r| (r.code(), refusal_status(*r)))
            .chain(
                ProtocolError::ALL_CODES
                    .iter()
                    .map(|c| (*c, protocol_code_status(c))),
            );
        for (code, status) in codes {
            assert_eq!(
                table.get(code).map(String::as_str),
                Some(status.as_str()),
                "SPEC §11: {code}"
            );
            checked += 1;
        }
        assert_eq!(
            checked,
            FEDERATION_REFUSALS.len() + ProtocolError::ALL_CODES.len()
        );
    }

    #[test]
    fn storage_problems_answer_503_with_retry_after() {
        let full = NodeError::Database(sqlx::Error::PoolTimedOut);
        assert_eq!(status_of(&full), StatusCode::SERVICE_UNAVAILABLE);
        let response = ApiError(full).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers()[header::RETRY_AFTER],
            STORAGE_RETRY_AFTER_SECS.to_string().as_str()
        );
    }
}
