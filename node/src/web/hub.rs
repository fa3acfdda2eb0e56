//! The pages of the hub (the coordinator's).

use axum::Router;

use crate::node::Node;

pub fn routes() -> Router<Node> {
    Router::new()
}
