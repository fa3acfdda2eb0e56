//! Input checks shared by the domain, accounts and keys: every refusal
//! names the field and says what is expected (`invalid_field`); `rule` and
//! `not_found` are the other refusals the domain gives.

use crate::error::{NodeError, Refusal};

/// A refused field value.
pub fn invalid(field: &str, expected: impl std::fmt::Display) -> NodeError {
    NodeError::refused(Refusal::InvalidField, format!("{field}: {expected}"))
}

/// A required text of 1 to `max` characters, trimmed.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, NodeError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(invalid(field, format!("1 to {max} characters")));
    }
    Ok(trimmed.to_owned())
}

/// An optional text: empty becomes `None`; otherwise at most `max` characters.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, NodeError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > max => {
            Err(invalid(field, format!("at most {max} characters")))
        }
        Some(t) => Ok(Some(t.to_owned())),
    }
}

/// A domain rule refused an action or a message (stable code `domain_rule`).
pub fn rule(message: impl Into<String>) -> NodeError {
    NodeError::refused(Refusal::DomainRule, message)
}

/// A "not found" refusal for `what` (HTTP 404, code `not_found`).
pub fn not_found(what: impl std::fmt::Display) -> NodeError {
    NodeError::refused(Refusal::NotFound, format!("{what} does not exist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(text("title", "  Bonjour ", 10).unwrap(), "Bonjour");
        assert_eq!(
            text("title", "   ", 10).unwrap_err().code(),
            "invalid_field"
        );
        assert_eq!(
            text("title", "abcdef", 5).unwrap_err().code(),
            "invalid_field"
        );
        assert_eq!(optional_text("note", Some(" "), 5).unwrap(), None);
        assert!(optional_text("note", Some("abcdef"), 5).is_err());
    }
}
