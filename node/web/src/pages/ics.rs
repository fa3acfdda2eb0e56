//! iCalendar (RFC 5545) export of one meeting, so people can add it to
//! their phone's or computer's calendar.
//!
//! One pure builder, used by the service's pages and the hub's: CRLF line
//! endings, texts escaped, lines folded at 75 octets, times in UTC.

/// How long a meeting lasts when its end is not known: two hours.
pub const DEFAULT_LENGTH_SECS: i64 = 2 * 3600;

/// The `Content-Type` of an `.ics` answer.
pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// One meeting as a calendar event. Times are Unix seconds; without an
/// end, the event lasts [`DEFAULT_LENGTH_SECS`].
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Used as given (e.g. `"{id}@passerelle"`): the same meeting keeps
    /// its `UID`, so a calendar replaces it rather than adding a second.
    pub uid: &'a str,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    /// The title; a cancelled meeting's should say so ([`cancelled_title`]).
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    /// The meeting was cancelled: `STATUS:CANCELLED`, which calendars
    /// show struck through or remove.
    pub cancelled: bool,
}

/// A cancelled meeting's title, the same words wherever a meeting is
/// exported.
pub fn cancelled_title(loc: super::Locale, title: &str) -> String {
    loc.t1("Annulée : {titre}", "titre", title)
}

impl Event<'_> {
    /// A calendar holding this event, stamped now.
    pub fn calendar(&self) -> String {
        self.calendar_stamped(time::OffsetDateTime::now_utc().unix_timestamp())
    }

    /// [`Event::calendar`] with an explicit `DTSTAMP` (for tests).
    pub fn calendar_stamped(&self, stamp_unix: i64) -> String {
        let ends = self
            .ends_at
            .filter(|e| *e > self.starts_at)
            .unwrap_or(self.starts_at.saturating_add(DEFAULT_LENGTH_SECS));
        let mut lines = vec![
            "BEGIN:VCALENDAR".to_owned(),
            "VERSION:2.0".to_owned(),
            "PRODID:-//Passerelle//Comités d'usager·ères//FR".to_owned(),
            "CALSCALE:GREGORIAN".to_owned(),
            "METHOD:PUBLISH".to_owned(),
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", escape(self.uid)),
            format!("DTSTAMP:{}", utc(stamp_unix)),
            format!("DTSTART:{}", utc(self.starts_at)),
            format!("DTEND:{}", utc(ends)),
            format!("SUMMARY:{}", escape(self.summary)),
        ];
        if !self.location.trim().is_empty() {
            lines.push(format!("LOCATION:{}", escape(self.location)));
        }
        if !self.description.trim().is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(self.description)));
        }
        if self.cancelled {
            lines.push("STATUS:CANCELLED".to_owned());
        }
        lines.push("END:VEVENT".to_owned());
        lines.push("END:VCALENDAR".to_owned());
        let mut out = String::new();
        for line in lines {
            out.push_str(&fold(&line));
            out.push_str("\r\n");
        }
        out
    }
}

/// `YYYYMMDDTHHMMSSZ`.
fn utc(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A TEXT value: backslash, semicolon, comma and newlines escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line: at most 75 octets per line, continuation lines
/// starting with one space, never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_in_rfc_5545_form() {
        // 2030-12-10T08:30:00Z.
        let meeting = Event {
            uid: "0190-abc@passerelle",
            starts_at: 1_923_121_800,
            ends_at: None,
            summary: "Réunion du comité; décembre, à l'étage",
            location: "Salle 2, rez-de-chaussée",
            description: "1. Accueil\n2. La sonnette \\ la porte",
            cancelled: false,
        };
        let ics = meeting.calendar_stamped(1_900_000_000);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        // Every line ends with CRLF: no lone LF.
        assert!(!ics.replace("\r\n", "").contains('\n'));
        assert!(ics.contains("\r\nUID:0190-abc@passerelle\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20300317T174640Z\r\n"));
        assert!(ics.contains("\r\nDTSTART:20301210T083000Z\r\n"));
        assert!(ics.contains("\r\nDTEND:20301210T103000Z\r\n"));
        assert!(ics.contains("\r\nSUMMARY:Réunion du comité\\; décembre\\, à l'étage\r\n"));
        assert!(ics.contains("\r\nLOCATION:Salle 2\\, rez-de-chaussée\r\n"));
        assert!(ics.contains("\r\nDESCRIPTION:1. Accueil\\n2. La sonnette \\\\ la porte\r\n"));
        assert!(!ics.contains("STATUS"));
        // An explicit end wins.
        let bare = Event {
            uid: "x",
            ends_at: Some(1_923_125_400),
            summary: "s",
            location: "",
            description: "",
            ..meeting
        };
        let ics = bare.calendar_stamped(0);
        assert!(ics.contains("\r\nDTEND:20301210T093000Z\r\n"));
        assert!(!ics.contains("LOCATION") && !ics.contains("DESCRIPTION"));
        // A cancelled meeting says so to the calendar.
        let cancelled = Event {
            cancelled: true,
            ..meeting
        };
        assert!(cancelled
            .calendar_stamped(0)
            .contains("\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"));
    }

    #[test]
    fn long_lines_are_folded_at_75_octets() {
        let long = "é".repeat(100);
        let ics = Event {
            uid: "x",
            starts_at: 0,
            ends_at: None,
            summary: &long,
            location: "",
            description: "",
            cancelled: false,
        }
        .calendar_stamped(0);
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Unfolding gives the value back.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long}\r\n")));
    }
}
