//! The stranger test: `vectors/check.py` is an independent implementation
//! of the protocol in Python, written from SPEC.md alone. It must pass every
//! vector of `vectors/*.json`; when it does not, either SPEC.md is unclear
//! or wrong, or the vectors are.
//!
//! Needs `python3` with the `cryptography` package. Without them the test is
//! skipped (with a line on stderr), unless `PASSERELLE_REQUIRE_ALL=1`, which
//! makes it fail instead (for CI).

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

const REQUIRE_VAR: &str = "PASSERELLE_REQUIRE_ALL";

/// Why the Python implementation cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    let probe = Command::new("python3")
        .args([
            "-c",
            "import cryptography.hazmat.primitives.asymmetric.ed25519",
        ])
        .output();
    match probe {
        Err(e) => Some(format!("python3 cannot be run ({e})")),
        Ok(out) if !out.status.success() => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().last().unwrap_or("").trim().to_owned();
            Some(format!(
                "the Python module cryptography cannot be imported ({last})"
            ))
        }
        Ok(_) => None,
    }
}

#[test]
fn python_implementation_passes_every_vector() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if let Some(why) = missing_prerequisite() {
        let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1");
        assert!(!required, "python_implementation: {why} ({REQUIRE_VAR}=1)");
        // Straight to stderr: libtest captures eprintln! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED python_implementation: {why}. To run it: pip install cryptography"
        );
        return;
    }

    // The vectors this binary is asked to write are written before they are read.
    crate::vectors::regenerate_if_asked();
    let script = dir.join("vectors").join("check.py");
    let out = Command::new("python3")
        .arg(&script)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        script.display(),
        out.status
    );
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("check.py: "))
        .unwrap_or_else(|| panic!("no summary line from check.py:\n{stdout}\n{stderr}"));
    assert!(
        summary.ends_with(" 0 failed") && !summary.starts_with("check.py: 0 passed"),
        "{summary}\n{stdout}"
    );
}
