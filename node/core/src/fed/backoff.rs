//! Retry delays: exponential, capped, with jitter.
//!
//! After `n` consecutive failures the delay is drawn between half and all of
//! `min(CAP, BASE · 2^n)`, so that services cut off together do not all
//! return at the same instant. Any success starts again from zero.

use std::time::Duration;

use rand::Rng;

pub const BASE: Duration = Duration::from_secs(1);
pub const CAP: Duration = Duration::from_secs(300);

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
}
