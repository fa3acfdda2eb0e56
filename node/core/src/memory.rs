//! Handing memory the node freed back to the system.
//!
//! glibc's allocator keeps what a program frees for its next allocations,
//! and gives pages back to the system on its own only from the top of a
//! heap. A node's bursts (start-up, its first synchronisation, a catch-up
//! after an outage, a long list for the coordinator) free most of what they
//! used, yet that memory stayed resident: a service node five seconds after
//! start held 3.7 MB of its own memory, 2.3 MB of it free inside the
//! allocator; a node on the smallest machine a service has should not keep
//! what it no longer uses.
//!
//! One thread per process ([`start_trimmer`]) looks every
//! [`LOOK_EVERY`] at how much of the process's own resident memory is not
//! in use by the program (resident anonymous memory minus the bytes the
//! allocator has handed out). When that grew by more than
//! [`TRIM_ABOVE`] since the last trim, it asks the allocator to return its
//! free pages (`malloc_trim`). Idle, a look is one read of
//! `/proc/self/status` and a walk over the allocator's free lists; memory
//! in use is not trimmed again and again, since what it adds is in use.
//!
//! Only on Linux with glibc (2.33 or later, for `mallinfo2`): elsewhere
//! [`give_back`] does nothing. The two calls into glibc are the only
//! `unsafe` code of the node (the crate denies it everywhere else).
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the trimmer looks.
pub const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Free memory the allocator may hold, beyond what it held after the last
/// trim, before it is asked to give it back.
pub const TRIM_ABOVE: u64 = 1 << 20;

/// Starts the process's trimmer thread, once: later calls (several nodes in
/// one process, as in the demo and the tests) do nothing.
pub fn start_trimmer() {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.swap(true, Ordering::SeqCst) || !supported() {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("memory-trim".into())
        .stack_size(64 * 1024)
        .spawn(|| {
            let mut trimmer = Trimmer::default();
            loop {
                std::thread::sleep(LOOK_EVERY);
                trimmer.look();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no memory trimmer: freed memory stays with the process");
    }
}

/// What the trimmer remembers between looks.
#[derive(Debug, Default)]
pub struct Trimmer {
    /// Resident memory not in use by the program just after the last trim
    /// (thread stacks, what the allocator cannot return), in bytes.
    floor: u64,
}

impl Trimmer {
    /// One look: trims when the free memory held grew past [`TRIM_ABOVE`]
    /// over the floor. Returns the bytes returned to the system, if it
    /// trimmed.
    pub fn look(&mut self) -> Option<u64> {
        let held = held_free()?;
        if held <= self.floor + TRIM_ABOVE {
            // Below the floor: the program uses more of what it holds.
            self.floor = self.floor.min(held);
            return None;
        }
        let returned = give_back();
        self.floor = held_free().unwrap_or(held);
        Some(returned)
    }
}

fn supported() -> bool {
    cfg!(all(target_os = "linux", target_env = "gnu"))
}

/// Resident anonymous memory minus the bytes the allocator handed out, in
/// bytes: what the process holds without using it (and its stacks).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn held_free() -> Option<u64> {
    let anon = resident_anonymous()?;
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    let info = unsafe { libc::mallinfo2() };
    let in_use = (info.uordblks + info.hblkhd) as u64;
    Some(anon.saturating_sub(in_use))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn held_free() -> Option<u64> {
    None
}

/// The process's resident anonymous memory (its heap and stacks, not the
/// binary's pages mapped from the file), in bytes: `RssAnon` of
/// `/proc/self/status`.
#[cfg(target_os = "linux")]
pub fn resident_anonymous() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("RssAnon:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kib * 1024)
}

#[cfg(not(target_os = "linux"))]
pub fn resident_anonymous() -> Option<u64> {
    None
}

/// Asks the allocator to return its free pages now; the bytes of resident
/// memory that went back (0 where it cannot).
pub fn give_back() -> u64 {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let before = resident_anonymous().unwrap_or(0);
        // SAFETY: malloc_trim takes the allocator's own locks; 0 keeps no
        // extra padding at the top of the heap.
        unsafe { libc::malloc_trim(0) };
        before.saturating_sub(resident_anonymous().unwrap_or(before))
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        0
    }
}
