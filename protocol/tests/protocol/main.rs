//! The protocol's integration tests, as one test binary: the test vectors
//! (`vectors`), properties over random input (`properties`), the
//! independent Python implementation (`python_implementation`) and SPEC.md
//! against the codes (`spec_documents_codes`).
//!
//! To rewrite the vector files after an intended change:
//! `PASSERELLE_REGENERATE_VECTORS=1 cargo test -p passerelle-protocol --test protocol`

mod properties;
mod python_implementation;
mod spec_documents_codes;
mod vectors;
