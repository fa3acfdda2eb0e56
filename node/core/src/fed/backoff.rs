//! Retry delays: exponential, capped, with jitter.
//!
//! After `n` consecutive failures the delay is drawn between half and all of
//! `min(CAP, BASE · 2^n)`, so that services cut off together do not all
//! return at the same instant. Any success starts again from zero.
//!
//! Two exceptions (SPEC §10.7): a hub that said when to come back
//! (`Retry-After`) is tried again then — never sooner than [`MIN_RETRY_AFTER`],
//! never later than [`CAP`] — whatever the number of failures; and a hub that
//! did not answer at all (connection refused, timed out) is tried again
//! within [`AWAY_CAP`], so that a service finds a hub that restarts within
//! seconds (a refused connection costs the hub nothing).

use std::time::Duration;

use rand::Rng;

pub const BASE: Duration = Duration::from_secs(1);
pub const CAP: Duration = Duration::from_secs(300);
/// The longest wait between tries while the hub does not answer at all.
pub const AWAY_CAP: Duration = Duration::from_secs(5);
/// The shortest wait after a `Retry-After`, whatever it says (`0` included).
pub const MIN_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What the last failure said about when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The hub answered with `Retry-After`: this long.
    RetryAfter(Duration),
    /// No answer from the hub (down, restarting, the network cut).
    Away,
    /// Any other failure: a refusal the hub answered, our own storage.
    Other,
}

/// The ceiling of the delay after `failures` consecutive failures.
pub fn ceiling(failures: u32) -> Duration {
    BASE.saturating_mul(1u32.checked_shl(failures.min(20)).unwrap_or(u32::MAX))
        .min(CAP)
}

/// A jittered delay after `failures` consecutive failures.
pub fn delay(failures: u32) -> Duration {
    let top = ceiling(failures);
    rand::thread_rng().gen_range(top / 2..=top)
}

/// The wait before the next try after `failures` consecutive failures, the
/// last of which was `last`.
pub fn next_try(failures: u32, last: Failure) -> Duration {
    match last {
        Failure::RetryAfter(asked) => {
            let at_least = asked.clamp(MIN_RETRY_AFTER, CAP);
            // A little later still (up to a tenth more, at most 5 s), so that
            // services told the same thing do not all come back together.
            let spread = (at_least / 10).min(AWAY_CAP);
            at_least + rand::thread_rng().gen_range(Duration::ZERO..=spread)
        }
        Failure::Away => {
            let top = ceiling(failures).min(AWAY_CAP);
            rand::thread_rng().gen_range(top / 2..=top)
        }
        Failure::Other => delay(failures),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps() {
        assert_eq!(ceiling(0), Duration::from_secs(1));
        assert_eq!(ceiling(3), Duration::from_secs(8));
        assert_eq!(ceiling(9), CAP);
        assert_eq!(ceiling(1000), CAP);
        for n in 0..30 {
            let d = delay(n);
            assert!(d >= ceiling(n) / 2 && d <= ceiling(n), "{n}: {d:?}");
        }
    }

    #[test]
    fn a_hub_away_is_tried_again_within_seconds() {
        for n in 0..30 {
            let d = next_try(n, Failure::Away);
            assert!(d <= AWAY_CAP, "{n}: {d:?}");
            assert!(d >= ceiling(n).min(AWAY_CAP) / 2, "{n}: {d:?}");
            let other = next_try(n, Failure::Other);
            assert!(
                other >= ceiling(n) / 2 && other <= ceiling(n),
                "{n}: {other:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_whatever_the_failures() {
        for n in [0, 3, 12, 1000] {
            let asked = Duration::from_secs(30);
            let d = next_try(n, Failure::RetryAfter(asked));
            assert!(
                d >= asked && d <= asked + Duration::from_secs(3),
                "{n}: {d:?}"
            );
            // Never a hot loop, never longer than the cap.
            let d = next_try(n, Failure::RetryAfter(Duration::ZERO));
            assert!(d >= MIN_RETRY_AFTER, "{d:?}");
            let d = next_try(n, Failure::RetryAfter(Duration::from_secs(86_400)));
            assert!(d >= CAP && d <= CAP + AWAY_CAP, "{d:?}");
        }
    }
}
