//! `node::memory`: memory a burst freed goes back to the system, memory in
//! use stays. (Its own test binary, not a module of the tests crate's `it`:
//! the figures are the whole process's, which other tests running beside
//! it would move.)

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use passerelle_core::memory::{self, Trimmer, TRIM_ABOVE};

const MIB: u64 = 1 << 20;

/// 32 MiB in 1 KiB blocks, as a burst of small allocations leaves them,
/// with one block kept after them so that the heap's top is in use and the
/// allocator cannot give the rest back by itself.
fn burst() -> (Vec<Vec<u8>>, Vec<u8>) {
    let blocks: Vec<Vec<u8>> = (0..32 * 1024).map(|i| vec![i as u8; 1024]).collect();
    let pin = vec![1u8; 1024];
    (blocks, pin)
}

#[test]
fn freed_memory_goes_back_and_memory_in_use_stays() {
    let mut trimmer = Trimmer::default();
    trimmer.look();
    let start = memory::resident_anonymous().expect("RssAnon");

    // In use: the held-but-unused figure does not grow, nothing to give back.
    let (blocks, pin) = burst();
    let in_use = memory::resident_anonymous().expect("RssAnon");
    assert!(in_use > start + 24 * MIB, "{start} → {in_use}");
    let returned = trimmer.look().unwrap_or(0);
    assert!(returned < 4 * MIB, "trimmed {returned} bytes still in use");
    assert!(memory::resident_anonymous().expect("RssAnon") > start + 24 * MIB);

    // Freed: resident until the trimmer looks, then back to the system.
    drop(blocks);
    let held = memory::resident_anonymous().expect("RssAnon");
    assert!(
        held > start + 24 * MIB,
        "the allocator gave the memory back by itself ({held} bytes resident): \
         this test no longer shows anything"
    );
    assert!(memory::held_free().expect("mallinfo2") > TRIM_ABOVE);
    let returned = trimmer.look().expect("the trimmer trims");
    let after = memory::resident_anonymous().expect("RssAnon");
    assert!(returned > 24 * MIB, "returned only {returned} bytes");
    assert!(after < start + 8 * MIB, "{start} → {held} → {after}");

    // Nothing new freed: the next look leaves things alone.
    assert_eq!(trimmer.look(), None);
    drop(pin);
}
