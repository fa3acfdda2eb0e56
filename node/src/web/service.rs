//! The pages of a service's node.

use axum::Router;

use crate::node::Node;

pub fn routes() -> Router<Node> {
    Router::new()
}
