//! # passerelle-protocol
//!
//! The contract between Passerelle nodes, with no I/O: canonical JSON
//! ([`canonical`]), keys and their identifiers ([`keys`]), the signed
//! envelope ([`envelope`]) with its erasable fields ([`seal`]), typed bodies ([`body`]), stream ordering
//! ([`stream`]), signed requests ([`request`]) and other signed objects
//! ([`signed_object`]), and which key may sign which message of a stream
//! ([`key_timeline`]). `SPEC.md` next to this crate is the normative text;
//! this crate is one implementation of it.
//!
//! Nothing here knows about HTTP, databases or files: a node hands bytes in
//! and gets typed values or an [`ProtocolError`] with a stable code out.

pub mod body;
pub mod canonical;
pub mod envelope;
pub mod error;
pub mod ids;
pub mod key_timeline;
pub mod keys;
pub mod request;
pub mod seal;
pub mod signed_object;
pub mod stream;

pub use body::Body;
pub use canonical::{CanonicalValue, Limits};
pub use envelope::{Envelope, SignedEnvelope, PROTOCOL_VERSION};
pub use error::ProtocolError;
pub use ids::{Date, Hash, NodeId, Timestamp};
pub use keys::{KeyId, KeyPair, PublicKey, Signature};
pub use request::{RequestParts, RequestSignature};
pub use seal::{Opening, Openings};
pub use stream::{Placement, StreamHead};
