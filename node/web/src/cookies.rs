//! The cookies a node sets and reads, in one place: the session (`HttpOnly`,
//! `SameSite=Strict`, `Secure` over TLS) and the language chosen with the
//! switch link.

use axum::http::{header, HeaderMap};
use passerelle_core::sessions::SESSION_SECS;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "passerelle_session";

/// The value of the cookie `name` in a request, if it sent one.
pub fn read<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name)?.strip_prefix('='))
}

/// The `Set-Cookie` value of a new session: `HttpOnly` (no script can read
/// it), `SameSite=Strict` (no other site's page can make the browser send
/// it), and `Secure` when the client reached us over TLS (see
/// `security::client`), so the browser never sends it in clear.
pub fn session(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The device cookie's name: this browser logged in to an account here
/// before (see `core::throttle`, "known devices").
pub const DEVICE_COOKIE: &str = "passerelle_appareil";

/// The `Set-Cookie` value of a device token: like the session's, for a year;
/// logging out keeps it.
pub fn device(token: &str, secure: bool) -> String {
    format!(
        "{DEVICE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        passerelle_core::throttle::DEVICE_SECS,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends the session in the browser.
pub fn expired_session(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "passerelle_langue=en; passerelle_session=abc"
                .parse()
                .unwrap(),
        );
        assert_eq!(read(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(read(&headers, "passerelle_langue"), Some("en"));
        assert_eq!(read(&headers, "passerelle"), None);
    }
}
