//! iCalendar (RFC 5545) export of one meeting, so people can add it to
//! their phone's or computer's calendar.
//!
//! One pure builder, used by the service's pages and the hub's: CRLF line
//! endings, texts escaped, lines folded at 75 octets, times in UTC.

/// How long a meeting lasts when its end is not known: two hours.
pub const DEFAULT_LENGTH_SECS: i64 = 2 * 3600;

/// The `Content-Type` of an `.ics` answer.
pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// A calendar with one event. `uid` is used as given (e.g.
/// `"{id}@passerelle"`); times are Unix seconds; without an end, the event
/// lasts [`DEFAULT_LENGTH_SECS`]. `DTSTAMP` is the current time.
pub fn event(
    uid: &str,
    starts_at_unix: i64,
    ends_at_unix: Option<i64>,
    summary: &str,
    location: &str,
    description: &str,
) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    event_stamped(
        uid,
        now,
        starts_at_unix,
        ends_at_unix,
        summary,
        location,
        description,
    )
}

/// [`event`] with an explicit `DTSTAMP` (for tests).
pub fn event_stamped(
    uid: &str,
    stamp_unix: i64,
    starts_at_unix: i64,
    ends_at_unix: Option<i64>,
    summary: &str,
    location: &str,
    description: &str,
) -> String {
    let ends = ends_at_unix
        .filter(|e| *e > starts_at_unix)
        .unwrap_or(starts_at_unix.saturating_add(DEFAULT_LENGTH_SECS));
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Passerelle//Comités d'usager·ères//FR".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", escape(uid)),
        format!("DTSTAMP:{}", utc(stamp_unix)),
        format!("DTSTART:{}", utc(starts_at_unix)),
        format!("DTEND:{}", utc(ends)),
        format!("SUMMARY:{}", escape(summary)),
    ];
    if !location.trim().is_empty() {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    if !description.trim().is_empty() {
        lines.push(format!("DESCRIPTION:{}", escape(description)));
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
        let ics = event_stamped(
            "0190-abc@passerelle",
            1_900_000_000,
            1_923_121_800,
            None,
            "Réunion du comité; décembre, à l'étage",
            "Salle 2, rez-de-chaussée",
            "1. Accueil\n2. La sonnette \\ la porte",
        );
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
        // An explicit end wins.
        let ics = event_stamped("x", 0, 1_923_121_800, Some(1_923_125_400), "s", "", "");
        assert!(ics.contains("\r\nDTEND:20301210T093000Z\r\n"));
        assert!(!ics.contains("LOCATION") && !ics.contains("DESCRIPTION"));
    }

    #[test]
    fn long_lines_are_folded_at_75_octets() {
        let long = "é".repeat(100);
        let ics = event_stamped("x", 0, 0, None, &long, "", "");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Unfolding gives the value back.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long}\r\n")));
    }
}
