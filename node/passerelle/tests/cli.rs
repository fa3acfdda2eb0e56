//! The `passerelle protocol` tools, run as a person would run them.
//!
//! A test binary of this crate rather than a module of the tests crate's
//! `it`: Cargo gives `CARGO_BIN_EXE_passerelle` to this crate's tests only,
//! and having one makes `cargo test` build the `passerelle` binary, which
//! the process tests of `tests/` run. It uses nothing but `std`, so it
//! links in a moment.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn passerelle(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run passerelle");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn canonicalize_accepts_the_subset_and_refuses_the_rest() {
    let ok = passerelle(
        &["protocol", "canonicalize"],
        br#"{ "b": [1, "\u00e9"], "a": null }"#,
    );
    assert!(ok.status.success());
    assert_eq!(
        String::from_utf8(ok.stdout).unwrap(),
        "{\"a\":null,\"b\":[1,\"é\"]}"
    );
    for (input, code) in [
        (&br#"{"x": 1.5}"#[..], "not_canonical_number"),
        (br#"{"x": 1, "x": 2}"#, "duplicate_key"),
        (b"{", "malformed_json"),
    ] {
        let out = passerelle(&["protocol", "canonicalize"], input);
        assert!(!out.status.success());
        assert!(out.stdout.is_empty(), "nothing on stdout on error");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with(code),
            "{code}"
        );
    }
}

#[test]
fn keygen_sign_verify_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let key_arg = key.to_str().unwrap();
    let out = passerelle(&["protocol", "keygen", "--out", key_arg], b"");
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let public_key = printed
        .lines()
        .find_map(|l| l.strip_prefix("public_key: "))
        .unwrap()
        .to_owned();
    assert!(printed.contains("key_id: ed25519:"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // keygen never overwrites a key.
    assert!(!passerelle(&["protocol", "keygen", "--out", key_arg], b"")
        .status
        .success());

    let unsigned = br#"{"v":1,"id":"01936b2a-7c00-7000-8000-000000000001","from":"ssm-a","to":"hub-x","seq":1,"prev":null,"ts":"2026-11-23T10:00:00Z","kind":"support.given","body":{"proposal":{"service":"ssm-b","proposal":"01936b2a-7c00-7000-8000-000000000002"},"comment":"Nous aussi !"}}"#;
    let signed = passerelle(&["protocol", "sign", "--key", key_arg], unsigned);
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let verified = passerelle(
        &[
            "protocol",
            "verify",
            "--public-key",
            &public_key,
            "--audience",
            "hub-x",
        ],
        &signed.stdout,
    );
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert_eq!(String::from_utf8(verified.stdout).unwrap().trim(), "ok");

    let tampered = String::from_utf8(signed.stdout.clone())
        .unwrap()
        .replace("Nous aussi", "Nous non");
    let refused = passerelle(
        &["protocol", "verify", "--public-key", &public_key],
        tampered.as_bytes(),
    );
    assert!(!refused.status.success());
    assert_eq!(
        String::from_utf8(refused.stdout).unwrap().trim(),
        "bad_signature"
    );

    let elsewhere = passerelle(
        &[
            "protocol",
            "verify",
            "--public-key",
            &public_key,
            "--audience",
            "hub-y",
        ],
        &signed.stdout,
    );
    assert_eq!(
        String::from_utf8(elsewhere.stdout).unwrap().trim(),
        "wrong_audience"
    );
}

/// A public key is base64url: one in 64 begins with '-', which a command
/// line would take for an option. `verify` (and `members revoke-key`) take it
/// as the value it is.
#[test]
fn a_public_key_beginning_with_a_dash_is_a_value() {
    let keys = (0u16..)
        .map(|n| {
            let mut seed = [7u8; 32];
            seed[..2].copy_from_slice(&n.to_be_bytes());
            passerelle_protocol::KeyPair::from_seed(&seed)
        })
        .find(|k| k.public_key().to_string().starts_with('-'))
        .expect("a seed whose public key begins with '-'");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    std::fs::write(&key, keys.to_pkcs8_pem().unwrap()).unwrap();
    let unsigned = br#"{"v":1,"id":"01936b2a-7c00-7000-8000-000000000001","from":"ssm-a","to":"hub-x","seq":1,"prev":null,"ts":"2026-11-23T10:00:00Z","kind":"proposal.withdrawn","body":{"proposal":"01936b2a-7c00-7000-8000-000000000002","reason":null}}"#;
    let signed = passerelle(
        &["protocol", "sign", "--key", key.to_str().unwrap()],
        unsigned,
    );
    assert!(signed.status.success());
    let public_key = keys.public_key().to_string();
    let verified = passerelle(
        &["protocol", "verify", "--public-key", &public_key],
        &signed.stdout,
    );
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert_eq!(String::from_utf8(verified.stdout).unwrap().trim(), "ok");
}

#[test]
fn keys_are_readable_by_openssl() {
    let Ok(version) = Command::new("openssl").arg("version").output() else {
        eprintln!("openssl not installed: skipping the interoperability check");
        return;
    };
    assert!(version.status.success());
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let out = passerelle(&["protocol", "keygen", "--out", key.to_str().unwrap()], b"");
    let public_key = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()["public_key: ".len()..]
        .to_owned();
    let der = Command::new("openssl")
        .args([
            "pkey",
            "-in",
            key.to_str().unwrap(),
            "-pubout",
            "-outform",
            "DER",
        ])
        .output()
        .unwrap();
    assert!(
        der.status.success(),
        "{}",
        String::from_utf8_lossy(&der.stderr)
    );
    // The last 32 bytes of the SubjectPublicKeyInfo are the raw key.
    let raw = &der.stdout[der.stdout.len() - 32..];
    assert_eq!(passerelle_protocol::keys::b64_encode(raw), public_key);
}
