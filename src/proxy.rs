//! Which proxy, if any, a client goes through: chosen from the environment
//! as curl chooses, once, when the client is built, for its one host.
//!
//! - A loopback host never uses a proxy: `localhost` or a name ending in
//!   `.localhost` (RFC 6761; a trailing `.` allowed), an IPv4 literal in
//!   `127.0.0.0/8`, or the IPv6 literal `[::1]` in any of its spellings.
//!   Other addresses, such as the IPv4-mapped `[::ffff:127.0.0.1]`, follow
//!   the rules below like any host.
//! - `NO_PROXY`/`no_proxy` (lower case read first): entries separated by
//!   commas and/or blanks. `*` as the whole value matches every host (and
//!   is an ordinary, never-matching entry inside a list). A name entry, a
//!   leading `.` optional and a trailing `.` ignored on both sides, matches
//!   that host and its subdomains, in any case. An IP entry matches an IP
//!   host compared as addresses (`::1` and `0:0::1` are the same), or a
//!   range of them in CIDR form (`10.0.0.0/8`, `fd00::/8`). Names never
//!   match addresses: nothing is looked up.
//! - The proxy: `https_proxy`/`HTTPS_PROXY` for an `https` base URL,
//!   `http_proxy` for `http` (lower case only: a CGI environment may set
//!   `HTTP_PROXY` from a request header), else `all_proxy`/`ALL_PROXY`.
//!   Empty variables count as unset.
//! - A proxy URL has the scheme `http` (the default when none is given),
//!   `https`, `socks4`, `socks4a`, `socks5` or `socks5h` (host names resolved
//!   by the client for `socks4`/`socks5`, by the proxy for the others), a
//!   host, and a port in `1..=65535` when one is given. Anything else is an
//!   [`Error::InvalidInput`] when the client is built, naming the variable,
//!   never its value (it may hold a password).

use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr};

use ureq::http::Uri;
use ureq::Proxy;

use crate::builder::env_text;
use crate::url::BaseUrl;
use crate::Error;

/// The schemes ureq can use, with the `socks-proxy` feature this crate turns on.
const SCHEMES: &[&str] = &["http", "https", "socks4", "socks4a", "socks5", "socks5h"];

/// The proxy for `base`, reading the environment through `env`.
pub(crate) fn from_env(
    base: &BaseUrl,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<Proxy>, Error> {
    let host = base.host();
    if is_loopback(host) {
        return Ok(None);
    }
    let var = |names: &[&'static str]| -> Result<Option<(&'static str, String)>, Error> {
        for &name in names {
            if let Some(value) = env_text(name, env(name))? {
                return Ok(Some((name, value)));
            }
        }
        Ok(None)
    };
    if let Some((_, list)) = var(&["no_proxy", "NO_PROXY"])? {
        if no_proxy_matches(&list, host) {
            return Ok(None);
        }
    }
    let specific: &[&'static str] = if base.scheme() == "https" {
        &["https_proxy", "HTTPS_PROXY"]
    } else {
        &["http_proxy"]
    };
    let Some((name, url)) =
        var(specific)?.map_or_else(|| var(&["all_proxy", "ALL_PROXY"]), |v| Ok(Some(v)))?
    else {
        return Ok(None);
    };
    parse_proxy(&url).map(Some).map_err(|why| {
        Error::invalid_input(format!(
            "the proxy in the environment variable {name} {why}; fix or unset it"
        ))
    })
}

/// A proxy URL this client can use, or why not.
fn parse_proxy(url: &str) -> Result<Proxy, &'static str> {
    let url = url.trim();
    let with_scheme = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let uri: Uri = with_scheme
        .parse()
        .map_err(|_| "is not a valid URL (scheme://host:port)")?;
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    if !SCHEMES.contains(&scheme.as_str()) {
        return Err("has a scheme this client cannot use (http, https, socks4, socks4a, socks5 and socks5h can be)");
    }
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if uri.host().is_none_or(|h| h.is_empty() || h == "[]") {
        return Err("has no host");
    }
    if let Some((_, port)) = host_port
        .rsplit_once(':')
        .filter(|_| !host_port.ends_with(']'))
    {
        if !crate::url::is_port(port) {
            return Err("has a port outside 1 to 65535");
        }
    }
    // ureq matches the scheme as written; the check above allowed any case.
    let normalized = format!("{scheme}{}", &with_scheme[scheme.len()..]);
    Proxy::new(&normalized).map_err(|_| "is not a proxy URL ureq accepts")
}

/// Whether `host` (as in a URL: IPv6 in brackets) is loopback as the
/// contract defines it; see the module docs.
pub(crate) fn is_loopback(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return v4.is_loopback();
    }
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// The host as an address, when it is an IP literal.
fn ip_of(host: &str) -> Option<IpAddr> {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
        .parse()
        .ok()
}

fn no_proxy_matches(list: &str, host: &str) -> bool {
    if list.trim() == "*" {
        return true;
    }
    // A trailing `.` is ignored before anything else, so `10.0.0.1.` is
    // compared as the address it spells, not as a name.
    let name = host.strip_suffix('.').unwrap_or(host);
    let ip = ip_of(name);
    list.split([',', ' ', '\t'])
        .filter(|entry| !entry.is_empty())
        .any(|entry| match ip {
            Some(ip) => ip_matches(ip, entry),
            None => name_matches(name, entry),
        })
}

/// `name` is `entry` or one of its subdomains.
fn name_matches(name: &str, entry: &str) -> bool {
    let entry = entry.strip_suffix('.').unwrap_or(entry);
    let entry = entry.strip_prefix('.').unwrap_or(entry);
    if entry.is_empty() || name.len() < entry.len() {
        return false;
    }
    let (head, tail) = name.split_at(name.len() - entry.len());
    tail.eq_ignore_ascii_case(entry) && (head.is_empty() || head.ends_with('.'))
}

/// `ip` is the address `entry` names, or inside the range it names.
fn ip_matches(ip: IpAddr, entry: &str) -> bool {
    let (addr, bits) = match entry.split_once('/') {
        Some((addr, bits)) => match bits.parse::<u8>() {
            Ok(bits) => (addr, Some(bits)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let Some(net) = ip_of(addr) else {
        return false;
    };
    let (ip, net, width): (u128, u128, u32) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(a.to_bits()), u128::from(b.to_bits()), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (a.to_bits(), b.to_bits(), 128),
        _ => return false,
    };
    let bits = bits.map_or(width, u32::from);
    if bits > width {
        return false;
    }
    // The top `bits` of a `width`-bit address, `width` at most 128.
    let keep = |x: u128| x.checked_shr(width - bits).unwrap_or(0);
    keep(ip) == keep(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    fn select(base: &str, vars: &[(&str, &str)]) -> Result<Option<Proxy>, Error> {
        from_env(&BaseUrl::parse(base).unwrap(), env(vars))
    }

    /// The proxy's host and port, or `None` for a direct connection.
    fn proxied(base: &str, vars: &[(&str, &str)]) -> Option<String> {
        select(base, vars)
            .unwrap()
            .map(|p| format!("{}:{}", p.host(), p.port()))
    }

    const HTTPS: &str = "https://api.claid.ai/v1/";
    const HTTP: &str = "http://api.claid.ai/v1/";

    #[test]
    fn variables_are_chosen_as_curl_chooses_them() {
        fn both<'a>(a: &'a str, b: &'a str) -> [(&'a str, &'a str); 2] {
            [("https_proxy", a), ("HTTPS_PROXY", b)]
        }
        assert_eq!(
            proxied(HTTPS, &both("http://lower:1", "http://upper:2")).as_deref(),
            Some("lower:1")
        );
        assert_eq!(
            proxied(HTTPS, &both("", "http://upper:2")).as_deref(),
            Some("upper:2")
        );
        let https_only = [("HTTPS_PROXY", "http://p:3128")];
        assert_eq!(proxied(HTTP, &https_only), None);
        assert_eq!(proxied(HTTP, &[("HTTP_PROXY", "http://p:3128")]), None);
        assert_eq!(
            proxied(HTTP, &[("http_proxy", "http://p:3128")]).as_deref(),
            Some("p:3128")
        );
        assert_eq!(proxied(HTTPS, &[("http_proxy", "http://p:3128")]), None);
        for all in ["all_proxy", "ALL_PROXY"] {
            assert_eq!(
                proxied(HTTP, &[(all, "socks5h://s:1080")]).as_deref(),
                Some("s:1080")
            );
            assert_eq!(
                proxied(
                    HTTPS,
                    &[(all, "socks5h://s:1080"), ("https_proxy", "http://p:1")]
                )
                .as_deref(),
                Some("p:1"),
                "the scheme's own variable wins"
            );
        }
        assert_eq!(proxied(HTTPS, &[]), None);
        assert_eq!(
            proxied(HTTP, &[("http_proxy", "p:3128")]).as_deref(),
            Some("p:3128")
        );
    }

    #[test]
    fn socks_and_http_proxies_are_accepted_others_refused_by_variable_name() {
        for url in [
            "http://p:1",
            "https://p:1",
            "socks4://p:1",
            "socks4a://p:1",
            "socks5://p:1",
            "socks5h://u:pw@p:1",
            "SOCKS5H://p",
            "socks5://[::1]:1080",
        ] {
            assert!(
                select(HTTPS, &[("ALL_PROXY", url)]).unwrap().is_some(),
                "{url}"
            );
        }
        for (url, why) in [
            ("ftp://user:pw@x", "scheme"),
            ("socks://pw@x:1", "scheme"),
            ("socks6://x:1", "scheme"),
            ("http://:1", "no host"),
            ("http://x:99999", "port outside 1 to 65535"),
            ("http://x:0", "port outside 1 to 65535"),
            ("http://pw@x:", "port outside 1 to 65535"),
            ("a b://x", "not a valid URL"),
        ] {
            let err = select(HTTPS, &[("all_proxy", url)]).unwrap_err();
            let Error::InvalidInput { message } = &err else {
                panic!("{err:?}")
            };
            assert!(
                message.contains(why) && message.contains("all_proxy"),
                "{url}: {message}"
            );
            assert!(!message.contains("pw"), "{message}");
        }
    }

    #[test]
    fn a_variable_that_is_not_utf8_is_named() {
        use std::os::unix::ffi::OsStringExt;
        for (base, name) in [
            (HTTPS, "no_proxy"),
            (HTTPS, "NO_PROXY"),
            (HTTPS, "https_proxy"),
            (HTTPS, "HTTPS_PROXY"),
            (HTTPS, "all_proxy"),
            (HTTPS, "ALL_PROXY"),
            ("http://api.example.com/v1/", "http_proxy"),
            ("http://api.example.com/v1/", "all_proxy"),
        ] {
            let bad = |n: &str| (n == name).then(|| OsString::from_vec(vec![b'h', 0xff]));
            let err = from_env(&BaseUrl::parse(base).unwrap(), bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { message }
                    if message.contains(&format!("{name} is not valid UTF-8"))),
                "{name}: {err:?}"
            );
        }
    }

    fn no_proxy(list: &str, host: &str) -> bool {
        let base = format!("https://{host}/v1/");
        proxied(
            &base,
            &[("HTTPS_PROXY", "http://p:3128"), ("NO_PROXY", list)],
        )
        .is_none()
    }

    #[test]
    fn no_proxy_names_as_curl_reads_them() {
        for (list, host) in [
            ("claid.ai", "api.claid.ai"),
            ("claid.ai", "claid.ai"),
            (".claid.ai", "api.claid.ai"),
            (".claid.ai", "claid.ai"),
            ("claid.ai.", "api.claid.ai"),
            ("claid.ai", "api.claid.ai."),
            ("CLAID.AI", "Api.Claid.Ai"),
            ("example.com api.internal", "api.internal"),
            ("example.com,\t api.claid.ai ,x", "api.claid.ai"),
            ("a,,b,claid.ai", "api.claid.ai"),
            ("*", "api.claid.ai"),
            (" * ", "10.1.2.3"),
        ] {
            assert!(no_proxy(list, host), "{list:?} should match {host}");
        }
        for (list, host) in [
            ("notclaid.ai", "api.claid.ai"),
            ("ai.claid.ai", "api.claid.ai"),
            ("api.claid.ai", "claid.ai"),
            ("laid.ai", "api.claid.ai"),
            ("*.claid.ai", "api.claid.ai"),
            ("example.com,*", "api.claid.ai"),
            (".", "api.claid.ai"),
            ("", "api.claid.ai"),
        ] {
            assert!(!no_proxy(list, host), "{list:?} should not match {host}");
        }
    }

    #[test]
    fn no_proxy_addresses_and_ranges_compare_as_addresses() {
        // A trailing dot does not make an address a name.
        assert!(!no_proxy("99.99", "99.99.99.99."));
        assert!(no_proxy("99.99.99.99", "99.99.99.99."));
        assert!(no_proxy("99.0.0.0/8", "99.99.99.99."));
        for (list, host) in [
            ("10.1.2.3", "10.1.2.3"),
            ("10.0.0.0/8", "10.1.2.3"),
            ("192.168.0.0/16 10.0.0.0/8", "10.255.0.1"),
            ("0.0.0.0/0", "8.8.8.8"),
            ("::ffff:0:0/96", "[::ffff:127.0.0.1]"),
            ("::ffff:127.0.0.1", "[::ffff:127.0.0.1]"),
            ("[2001:db8::1]", "[2001:0db8:0:0::0001]"),
            ("2001:db8::/32", "[2001:db8:ffff::9]"),
            ("fd00::/8", "[fd12::1]"),
        ] {
            assert!(no_proxy(list, host), "{list:?} should match {host}");
        }
        for (list, host) in [
            ("10.0.0.0/8", "11.0.0.1"),
            ("10.1.2.3", "10.1.2.4"),
            ("10.0.0.0/33", "10.0.0.1"),
            ("10.0.0.0/x", "10.0.0.1"),
            ("2001:db8::/32", "[2001:db9::1]"),
            ("10.0.0.0/8", "[::ffff:10.0.0.1]"),
            ("::1/128", "[::ffff:127.0.0.1]"),
            ("2.3", "10.1.2.3"),
            ("example.com", "10.1.2.3"),
            ("10.1.2.3", "ten.example"),
        ] {
            assert!(!no_proxy(list, host), "{list:?} should not match {host}");
        }
    }

    #[test]
    fn loopback_is_exactly_the_contracts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "app.localhost",
            "a.b.Localhost",
            "127.0.0.1",
            "127.9.9.9",
            "127.255.255.255",
            "[::1]",
            "[0:0:0:0:0:0:0:1]",
        ] {
            assert!(is_loopback(h), "{h}");
            assert_eq!(
                proxied(
                    &format!("http://{h}/v1/"),
                    &[("ALL_PROXY", "http://p:3128")]
                ),
                None,
                "{h}"
            );
        }
        for h in [
            "api.claid.ai",
            "10.0.0.1",
            "128.0.0.1",
            "localhost.evil.com",
            "mylocalhost",
            "[::ffff:127.0.0.1]",
            "[::2]",
            "[::]",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(h), "{h}");
            assert_eq!(
                proxied(
                    &format!("http://{h}/v1/"),
                    &[("ALL_PROXY", "http://p:3128")]
                )
                .as_deref(),
                Some("p:3128"),
                "{h}"
            );
        }
    }
}
