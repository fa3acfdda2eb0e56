//! Input checks shared by the domain, accounts and keys: every refusal
//! names the field and says what is expected (`invalid_field`); `rule` and
//! `not_found` are the other refusals the domain gives.
//!
//! The field's name and the rule travel typed beside the sentence, so that
//! pages never read them out of it (see [`crate::error`]).

pub use crate::error::Rule;
use crate::error::{NodeError, Refusal};

/// A refused field value: the message says `"{field}: {expected}"`.
pub fn invalid(field: &str, expected: impl std::fmt::Display) -> NodeError {
    refused_field(None, field, expected)
}

/// A refused field value that breaks a named rule (code `invalid_field`
/// still: the API always answered it so).
pub fn invalid_by(rule: Rule, field: &str, expected: impl std::fmt::Display) -> NodeError {
    refused_field(Some(rule), field, expected)
}

fn refused_field(rule: Option<Rule>, field: &str, expected: impl std::fmt::Display) -> NodeError {
    NodeError::Refused {
        refusal: Refusal::InvalidField(rule),
        message: format!("{field}: {expected}"),
        field: Some(field.to_owned()),
        title: None,
    }
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

/// `rule` refused an action or a message (stable code `domain_rule`);
/// `message` is the sentence the API answers.
pub fn rule(rule: Rule, message: impl Into<String>) -> NodeError {
    NodeError::refused(Refusal::DomainRule(rule), message)
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

    /// The field travels by name beside the unchanged sentence.
    #[test]
    fn refused_fields_are_named() {
        let e = text("title", "", 10).unwrap_err();
        assert_eq!(e.field(), Some("title"));
        assert_eq!(e.refusal(), Some(Refusal::InvalidField(None)));
        assert_eq!(e.public_message(), "title: 1 to 10 characters");
        let e = invalid_by(Rule::SubjectTwiceOnAgenda, "agenda", "each subject once");
        assert_eq!(e.code(), "invalid_field");
        assert_eq!(e.field(), Some("agenda"));
        assert_eq!(e.public_message(), "agenda: each subject once");
        let e = rule(Rule::InAnotherSubject, "in \u{ab} Accès \u{bb}").naming("Accès");
        assert_eq!(e.code(), "domain_rule");
        assert_eq!(e.title(), Some("Accès"));
        assert_eq!(e.field(), None);
    }
}
