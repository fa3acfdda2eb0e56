//! Dates and times as people type them. Date fields are `<input
//! type="date">` (the browser sends `2030-12-10`), but a browser without a
//! date picker shows a plain text box, where people write what the hint
//! shows: « 10 décembre 2030 ». Both are read here; « 10/12/2030 » is not
//! (it reads two ways), and the hints never show it.

use time::{Date, Month, Time};

use super::i18n::ENGLISH_MONTHS;
use super::FRENCH_MONTHS;

/// Lower case, without the accents French month names carry.
fn plain(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .replace(['é', 'è', 'ê'], "e")
        .replace('à', "a")
        .replace('û', "u")
}

/// `2030-12-10`, « 10 décembre 2030 », « le 1er janvier 2031 »,
/// « 10 December 2030 ».
pub fn parse_day(text: &str) -> Option<Date> {
    let text = plain(text);
    if let Ok(d) = Date::parse(
        &text,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        return Some(d);
    }
    let text = text.strip_prefix("le ").unwrap_or(&text);
    let mut words = text.split_whitespace();
    let day = words.next()?;
    let day: u8 = day.strip_suffix("er").unwrap_or(day).parse().ok()?;
    let month = words.next()?;
    let index = FRENCH_MONTHS
        .iter()
        .position(|m| plain(m) == month)
        .or_else(|| ENGLISH_MONTHS.iter().position(|m| plain(m) == month))?;
    let year: i32 = words.next()?.parse().ok()?;
    if words.next().is_some() || !(1000..=9999).contains(&year) {
        return None;
    }
    let month = Month::try_from(u8::try_from(index + 1).ok()?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// `09:30`, `9:30`, `09:30:00`, « 9 h 30 », « 9h30 », « 9 h ».
pub fn parse_time(text: &str) -> Option<Time> {
    let text: String = plain(text).chars().filter(|c| !c.is_whitespace()).collect();
    let mut parts = text.split([':', 'h']);
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = match parts.next() {
        None | Some("") => 0,
        Some(m) => m.parse().ok()?,
    };
    let second: u8 = match parts.next() {
        None => 0,
        Some(s) => s.parse().ok()?,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::from_hms(hour, minute, second).ok()
}

/// A day and a time in one text: `2030-12-10T09:30` (what `<input
/// type="datetime-local">` sends), « 10 décembre 2030 à 9 h 30 ».
pub fn parse_day_time(text: &str) -> Option<(Date, Time)> {
    let text = plain(text);
    let (day, time) = text
        .split_once('t')
        .filter(|(d, _)| !d.contains(' '))
        .or_else(|| text.rsplit_once(" a "))
        .or_else(|| text.rsplit_once(" at "))
        .or_else(|| text.rsplit_once(' '))?;
    Some((parse_day(day)?, parse_time(time)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, time};

    #[test]
    fn days_in_words_and_iso() {
        for text in [
            "2030-12-10",
            "10 décembre 2030",
            "10 Decembre 2030",
            " le 10 décembre 2030 ",
            "10 December 2030",
        ] {
            assert_eq!(parse_day(text), Some(date!(2030 - 12 - 10)), "{text}");
        }
        assert_eq!(parse_day("1er janvier 2031"), Some(date!(2031 - 01 - 01)));
        assert_eq!(parse_day("1er août 2031"), Some(date!(2031 - 08 - 01)));
        for bad in ["10/12/2030", "31 février 2030", "10 décembre", "", "demain"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_and_both() {
        for text in ["09:30", "9:30", "9 h 30", "9h30", "09:30:00"] {
            assert_eq!(parse_time(text), Some(time!(9:30)), "{text}");
        }
        assert_eq!(parse_time("9 h"), Some(time!(9:00)));
        assert_eq!(parse_time("25:00"), None);
        let want = Some((date!(2030 - 12 - 10), time!(9:30)));
        assert_eq!(parse_day_time("2030-12-10T09:30"), want);
        assert_eq!(parse_day_time("10 décembre 2030 à 9 h 30"), want);
        assert_eq!(parse_day_time("2030-12-10 09:30"), want);
    }
}
