//! Asking before a step that is final or destroys something: a page of its
//! own that says, in plain words, what will happen, with one button that
//! does it and one link back. No JavaScript is needed: the question is a
//! `GET` page, and its form sends the answer with `POST` to the action's
//! own address. Every such step uses this one page, so they all look and
//! read alike (and are audited alike).

use axum::response::Response;

use super::{render, Layout, PageError, Words};

/// The question, what will happen, and the two ways out.
pub struct Confirmation {
    question: Words,
    lead: Option<Words>,
    consequences: Vec<Words>,
    action: String,
    hidden: Vec<(String, String)>,
    yes: Words,
    /// A second answer in the same form: its button sends `name=value`.
    also: Option<(String, String, Words)>,
    back_href: String,
    back_label: Words,
}

impl Confirmation {
    /// `question` is the page's title; `yes` the button, which sends a
    /// `POST` to `action`; `back_label` the link to `back_href`, which
    /// changes nothing.
    pub fn new(
        question: Words,
        action: impl Into<String>,
        yes: Words,
        back_href: impl Into<String>,
        back_label: Words,
    ) -> Confirmation {
        Confirmation {
            question,
            lead: None,
            consequences: Vec::new(),
            action: action.into(),
            hidden: Vec::new(),
            yes,
            also: None,
            back_href: back_href.into(),
            back_label,
        }
    }

    /// A sentence under the title (e.g. "on ne peut pas revenir en arrière").
    pub fn lead(mut self, lead: Words) -> Confirmation {
        self.lead = Some(lead);
        self
    }

    /// One thing that will happen, shown as an item of a list.
    pub fn consequence(mut self, what: Words) -> Confirmation {
        self.consequences.push(what);
        self
    }

    /// A field the form sends again with the answer (what the person typed
    /// before being asked).
    pub fn hidden(mut self, name: impl Into<String>, value: impl Into<String>) -> Confirmation {
        self.hidden.push((name.into(), value.into()));
        self
    }

    /// A second button in the same form, sending the same fields plus
    /// `name=value` (e.g. "designate, but keep the other term running").
    pub fn also(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        label: Words,
    ) -> Confirmation {
        self.also = Some((name.into(), value.into(), label));
        self
    }

    /// The page, in `l`'s language and menu.
    pub fn render(self, l: Layout) -> Result<Response, PageError> {
        render(&ConfirmPage { l, c: self })
    }
}

#[derive(askama::Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    l: Layout,
    c: Confirmation,
}
