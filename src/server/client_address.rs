//! Who a request is from, for the limits kept per client address (login and registration
//! throttles, the login lane's fair share, the connection cap).
//!
//! Behind a reverse proxy every peer is the proxy, so its `X-Forwarded-For` must name the
//! client — but only a proxy the operator declared (`--trusted-proxy`) is believed: from
//! anyone else the header is a free choice of address for an attacker (issue 13).

use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    pub fn new(proxies: Vec<IpAddr>) -> Self {
        TrustedProxies(proxies)
    }

    pub fn addresses(&self) -> &[IpAddr] {
        &self.0
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.contains(&canonical(address))
    }

    /// The address to count a request against, or `None` when the peer stands for too many
    /// people to count: a loopback peer while no proxy is declared is most likely an
    /// undeclared proxy in front of everyone (or the operator's own scripts), and one shared
    /// count would lock them all out.
    ///
    /// From a trusted proxy: the rightmost `X-Forwarded-For` entry that is not itself a
    /// trusted proxy (entries further left were written by the client and prove nothing);
    /// the proxy's own address when the header is missing or names none.
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if self.0.is_empty() {
            return (!peer.is_loopback()).then_some(peer);
        }
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded = forwarded_for
            .iter()
            .rev()
            .flat_map(|header| header.rsplit(','))
            .map(|entry| entry.trim().parse::<IpAddr>().ok().map(canonical));
        for entry in forwarded {
            match entry {
                Some(address) if self.trusts(address) => {}
                Some(address) => return Some(address),
                // Garbage in the chain: what lies left of it cannot be trusted either.
                None => break,
            }
        }
        Some(peer)
    }
}

/// An IPv4 client reached over an IPv6 socket (`::ffff:192.0.2.1`) is the IPv4 client.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_proxies_the_peer_counts_except_loopback() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(Some(ip("192.0.2.7")), &["203.0.113.9"]),
            Some(ip("192.0.2.7")),
            "the header is not believed"
        );
        assert_eq!(none.client(Some(ip("127.0.0.1")), &[]), None);
        assert_eq!(none.client(Some(ip("::1")), &[]), None);
        assert_eq!(none.client(None, &[]), None);
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_nobody_else_can() {
        let proxies = TrustedProxies::new(vec![ip("127.0.0.1"), ip("10.0.0.2")]);
        let proxy = Some(ip("127.0.0.1"));
        assert_eq!(
            proxies.client(proxy, &["203.0.113.9"]),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            proxies.client(proxy, &["198.51.100.1, 203.0.113.9, 10.0.0.2"]),
            Some(ip("203.0.113.9")),
            "the rightmost address no trusted proxy wrote"
        );
        assert_eq!(
            proxies.client(proxy, &["198.51.100.1", "203.0.113.9"]),
            Some(ip("203.0.113.9")),
            "several headers read as one list"
        );
        assert_eq!(
            proxies.client(proxy, &["203.0.113.9, garbage"]),
            proxy,
            "nothing left of garbage is believed"
        );
        assert_eq!(proxies.client(proxy, &[]), proxy);
        assert_eq!(
            proxies.client(Some(ip("192.0.2.7")), &["203.0.113.9"]),
            Some(ip("192.0.2.7")),
            "an undeclared peer cannot choose its address"
        );
        assert_eq!(
            proxies.client(Some(ip("::1")), &[]),
            Some(ip("::1")),
            "with proxies declared, loopback is an address like any other"
        );
        assert_eq!(
            proxies.client(Some(ip("::ffff:10.0.0.2")), &["::ffff:203.0.113.9"]),
            Some(ip("203.0.113.9"))
        );
    }
}
