//! Web and API security, one test per rule (issue #6): pages refuse
//! anonymous callers and forged forms (`pages`), page writes check the
//! role (`roles`), security headers, cookies
//! and forwarding headers (`headers`), login throttling (`throttle`), slow
//! clients cut off (`timeouts`), and no secret in the logs or `Debug`
//! (`secrets`).
//!
//! (Authentication and roles on every API operation: `api.rs`, beside this
//! folder, which walks the OpenAPI document.)
#![allow(clippy::unwrap_used)]

mod hardening;
mod headers;
mod pages;
mod roles;
mod secrets;
mod throttle;
mod timeouts;

use std::path::{Path, PathBuf};

use reqwest::header::{HeaderMap, SET_COOKIE};
use serde_json::json;

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}
/// Opens a page session through the API; returns its token.
async fn session(base: &str, username: &str, password: &str) -> String {
    let resp = client()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let must_change =
        resp.json::<serde_json::Value>().await.unwrap()["must_change_password"] == true;
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix(&format!("{}=", passerelle_web::SESSION_COOKIE))
        .unwrap()
        .to_owned();
    // A first password opens nothing but its change and cannot be kept:
    // another for a moment, then back to the one the test knows.
    if must_change {
        let between = passerelle_tests::provisional(password);
        for (current, new) in [(password, between.as_str()), (between.as_str(), password)] {
            let changed = client()
                .post(format!("{base}/api/v1/password"))
                .header("cookie", cookie_header(&token))
                .json(&json!({"current_password": current, "new_password": new}))
                .send()
                .await
                .unwrap();
            assert_eq!(changed.status(), 204);
        }
    }
    token
}

fn cookie_header(token: &str) -> String {
    format!("{}={token}", passerelle_web::SESSION_COOKIE)
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}
async fn token_attempt(
    http: &reqwest::Client,
    base: &str,
    from: &str,
    username: &str,
    password: &str,
) -> (u16, serde_json::Value, HeaderMap) {
    let resp = http
        .post(format!("{base}/api/v1/tokens"))
        .header("x-forwarded-for", from)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, resp.json().await.unwrap(), headers)
}

/// The secret seed of a PKCS#8 Ed25519 PEM key (its last 32 bytes), in the
/// forms a careless log line could print it: base64, base64url, hex.
fn seed_forms(pem: &str) -> Vec<String> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&body)
        .unwrap();
    let seed = &der[der.len() - 32..];
    let hex: String = seed.iter().map(|b| format!("{b:02x}")).collect();
    vec![
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seed),
        hex,
        body,
    ]
}
