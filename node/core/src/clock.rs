//! Time, once: Unix seconds for storage, and the Belgian local time in
//! which people read and type dates (pages, the demo's story, iCalendar).
//!
//! [`Clock`] is a node's own idea of the date, which decides what is
//! *current* (a delegate's term, say). It follows the wall clock, shifted
//! by an offset that only tests and the demo move ([`Clock::advance`]), so
//! that "it becomes current on its day" can be shown without waiting for
//! the day. Each node has its own (tests run many nodes in one process);
//! message timestamps are not read from it: they are always the wall
//! clock's.

use std::sync::atomic::{AtomicI64, Ordering};

use passerelle_protocol::{Date, Timestamp};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Now, in Unix seconds (what every table stores).
pub fn now() -> i64 {
    Timestamp::now().unix()
}

/// A node's clock: the wall clock plus an offset in seconds (0 in
/// production).
#[derive(Debug, Default)]
pub struct Clock {
    offset: AtomicI64,
}

impl Clock {
    /// Now, in Unix seconds, as this node counts it.
    pub fn now(&self) -> i64 {
        now().saturating_add(self.offset.load(Ordering::Relaxed))
    }

    /// Today's date (UTC), the day against which terms are read.
    pub fn today(&self) -> Date {
        let t = OffsetDateTime::from_unix_timestamp(self.now())
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
        Date::from_inner(t.date())
    }

    /// Moves this node's clock `days` days forward (backward if negative).
    /// **For tests and the demo only**: a running node never calls it.
    pub fn advance(&self, days: i64) {
        self.offset
            .fetch_add(days.saturating_mul(86_400), Ordering::Relaxed);
    }
}

/// Belgium's offset from UTC at an instant (CET, or CEST from the last
/// Sunday of March to the last Sunday of October, at 01:00 UTC).
pub fn brussels_offset(at: OffsetDateTime) -> UtcOffset {
    let year = at.year();
    let last_sunday = |month: time::Month| {
        let mut d = time::Date::from_calendar_date(year, month, 31).unwrap_or(time::Date::MIN);
        while d.weekday() != time::Weekday::Sunday {
            d = d.previous_day().unwrap_or(d);
        }
        d.with_hms(1, 0, 0).map(|t| t.assume_utc()).unwrap_or(at)
    };
    let summer = at >= last_sunday(time::Month::March) && at < last_sunday(time::Month::October);
    UtcOffset::from_hms(if summer { 2 } else { 1 }, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Unix seconds as Belgian wall-clock time.
pub fn brussels(unix: i64) -> Option<PrimitiveDateTime> {
    let utc = OffsetDateTime::from_unix_timestamp(unix).ok()?;
    let local = utc.to_offset(brussels_offset(utc));
    Some(PrimitiveDateTime::new(local.date(), local.time()))
}

/// A Belgian wall-clock time as Unix seconds: the offset is guessed from
/// the time read as UTC, then checked at the instant it gives.
pub fn from_brussels(local: PrimitiveDateTime) -> i64 {
    let first = brussels_offset(local.assume_utc());
    let guess = local.assume_offset(first);
    let offset = brussels_offset(guess.to_offset(UtcOffset::UTC));
    local.assume_offset(offset).unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_moves_only_when_told() {
        let clock = Clock::default();
        let today = clock.today();
        assert_eq!(today, Date::from_inner(OffsetDateTime::now_utc().date()));
        clock.advance(1);
        assert_eq!(clock.today().inner(), today.inner().next_day().unwrap());
        assert!(clock.now() - now() >= 86_399);
        let other = Clock::default();
        assert_eq!(other.today(), today, "each node has its own clock");
    }

    #[test]
    fn belgian_time_both_ways_in_winter_and_summer() {
        // 2030-12-10T08:30:00Z is 9:30 in Brussels (winter time).
        let winter = brussels(1_923_121_800).unwrap();
        assert_eq!((winter.hour(), winter.minute()), (9, 30));
        assert_eq!(from_brussels(winter), 1_923_121_800);
        // 2030-07-01T07:00:00Z is 9:00 in Brussels (summer time).
        let summer = brussels(1_909_119_600).unwrap();
        assert_eq!(summer.hour(), 9);
        assert_eq!(from_brussels(summer), 1_909_119_600);
    }
}
