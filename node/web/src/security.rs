//! Security headers on every answer, and what we believe about the client:
//! its address and whether it reached us over TLS.
//!
//! Pages run no script at all, so the Content-Security-Policy allows none;
//! styles and images come from the node itself. Nothing may frame a page
//! (`frame-ancestors 'none'` and, for older browsers, `X-Frame-Options`).
//! HSTS is only sent when the client is known to be on TLS: over plain HTTP
//! a browser ignores it anyway, and a wrong one would lock people out.
//!
//! **Forwarding headers** (`X-Forwarded-For`, `X-Forwarded-Proto`) are
//! believed only from a trusted proxy: an address or range named in
//! `trusted_proxies` (none by default, loopback included: a proxy on the
//! same machine is named `127.0.0.1`). Anyone else could write them to
//! dodge the login throttle — and on a shared machine, any local program
//! connects from loopback. The client's address is the
//! right-most address of `X-Forwarded-For` that is not itself a trusted
//! proxy, so a client cannot push a fake address in front of the real one.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use passerelle_core::node::Node;

/// Scripts: none. Styles, images and form targets: this node only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// Features a committee's pages never need.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
/// One year, only ever sent over TLS.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Adds the security headers to every answer (pages, API, federation,
/// errors and timeouts alike). An answer that already set one keeps it.
pub async fn headers(State(node): State<Node>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let tls = client(&node, &parts).tls;
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        h.entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    // Pages show people's pseudonyms and the committee's life: no copy in
    // shared caches or the browser's history cache, unless a route says so
    // (the stylesheet does).
    set(h, header::CACHE_CONTROL, "no-store");
    if tls {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            STRICT_TRANSPORT_SECURITY,
        );
    }
    response
}

/// What we know of the client of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    /// Its address; `None` when the server did not record the connection
    /// (a router called directly, as in unit tests).
    pub address: Option<IpAddr>,
    /// It reached us over TLS: the node's public URL is `https://`, or a
    /// trusted proxy says so.
    pub tls: bool,
}

impl FromRequestParts<Node> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, Self::Rejection> {
        Ok(client(node, parts))
    }
}

/// The client of a request, believing forwarding headers only from a
/// trusted proxy.
pub fn client(node: &Node, parts: &Parts) -> Client {
    let trusted = trusted_ranges(&node.config.trusted_proxies);
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let from_proxy = peer.is_some_and(|ip| is_trusted(&trusted, ip));
    let public_tls = node.config.public_url.starts_with("https://");
    if !from_proxy {
        return Client {
            address: peer,
            tls: public_tls,
        };
    }
    let forwarded_tls = last_value(&parts.headers, "x-forwarded-proto")
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    // Right to left: the first address that is not one of our proxies.
    let mut address = peer;
    let chain: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in chain.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&trusted, ip) => address = Some(ip),
            Ok(ip) => {
                address = Some(ip);
                break;
            }
            Err(_) => break,
        }
    }
    Client {
        address,
        tls: public_tls || forwarded_tls,
    }
}

fn last_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .next_back()
}

pub use passerelle_core::config::parse_range;

fn trusted_ranges(config: &[String]) -> Vec<IpNet> {
    config.iter().filter_map(|t| parse_range(t)).collect()
}

fn is_trusted(ranges: &[IpNet], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    ranges.iter().any(|r| r.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ranges() {
        assert!(parse_range("10.0.0.5").is_some());
        assert!(parse_range("172.16.0.0/12").is_some());
        assert!(parse_range("fd00::/8").is_some());
        assert!(parse_range("proxy.local").is_none());
        let ranges = trusted_ranges(&["172.16.0.0/12".into()]);
        assert!(is_trusted(
            &ranges,
            "172.20.1.2".parse().unwrap_or(IpAddr::from([0; 4]))
        ));
        // Loopback is not trusted unless named.
        assert!(!is_trusted(
            &ranges,
            "::ffff:127.0.0.1".parse().unwrap_or(IpAddr::from([0; 4]))
        ));
        assert!(!is_trusted(&ranges, IpAddr::from([127, 0, 0, 1])));
        let local = trusted_ranges(&["127.0.0.1".into()]);
        assert!(is_trusted(
            &local,
            "::ffff:127.0.0.1".parse().unwrap_or(IpAddr::from([0; 4]))
        ));
        assert!(!is_trusted(
            &ranges,
            "192.168.1.2"
                .parse()
                .unwrap_or(IpAddr::from([127, 0, 0, 1]))
        ));
    }
}
