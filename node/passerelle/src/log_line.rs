//! One event, one line: the log's writer escapes what a value could use to
//! forge lines or hide text.
//!
//! A value logged from a request (a JSON key named in a refusal, a query,
//! a name) may hold a newline: written as it is, it would start what looks
//! like another event of the node's own. The formatter writes each event in
//! one call, ending with its newline; this writer keeps that last newline
//! and writes every other control character (CR, LF, ESC, the C1 controls)
//! as an escape (`\n`, `\r`, `\u{1b}`), so that one event stays one line
//! and no terminal sequence reaches the operator's screen.

use std::io::{self, Write};

/// A writer that escapes control characters (see the module's comment).
pub struct Escaping<W>(pub W);

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(escape(buf).as_bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The line `buf` with every control character but its last newline (and
/// tabs) escaped; bytes that are not UTF-8 become U+FFFD.
pub fn escape(buf: &[u8]) -> String {
    let text = String::from_utf8_lossy(buf);
    let (body, end) = match text.strip_suffix('\n') {
        Some(body) => (body, "\n"),
        None => (text.as_ref(), ""),
    };
    let mut out = String::with_capacity(body.len() + 1);
    for c in body.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out.push_str(end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newline inside a value cannot start a line of its own.
    #[test]
    fn one_event_stays_one_line() {
        let forged = "INFO request refused error=unknown field `a\n2030-01-01T00:00:00Z  INFO passerelle: admin logged in`\n";
        let line = escape(forged.as_bytes());
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(line.ends_with("logged in`\n"));
        assert!(line.contains("`a\\n2030"));
        assert_eq!(escape(b"a\rb\x1b[31mc\x07"), "a\\rb\\u{1b}[31mc\\u{7}");
        assert_eq!(escape("tab\tand é\n".as_bytes()), "tab\tand é\n");
        assert_eq!(escape("\u{85}".as_bytes()), "\\u{85}");
    }
}
