//! `NO_PROXY` as curl reads it (the contract's "Proxies"), written apart from
//! the library's `proxy.rs`: the oracle the rules target compares it with.

use std::net::IpAddr;

/// Whether a base URL with `host` (as in the URL: `[v6]` in brackets) goes
/// direct: a loopback host, or one `list` names.
pub fn goes_direct(list: &str, host: &str) -> bool {
    loopback(host) || matches(list, host)
}

fn bare(host: &str) -> String {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn ip(host: &str) -> Option<IpAddr> {
    bare(host).parse().ok()
}

/// `localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`.
pub fn loopback(host: &str) -> bool {
    if host.starts_with('[') {
        return ip(host) == Some(IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]));
    }
    let name = bare(host);
    match name.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.octets()[0] == 127,
        Ok(IpAddr::V6(_)) => false,
        Err(_) => name == "localhost" || name.ends_with(".localhost"),
    }
}

pub fn matches(list: &str, host: &str) -> bool {
    if list.trim_matches([' ', '\t']) == "*" {
        return true;
    }
    list.split([',', ' ', '\t'])
        .filter(|e| !e.is_empty())
        .any(|entry| entry_matches(entry, host))
}

fn entry_matches(entry: &str, host: &str) -> bool {
    let host_ip = ip(host);
    if let Some((addr, bits)) = entry.split_once('/') {
        let (Ok(addr), Ok(bits), Some(h)) = (addr.parse::<IpAddr>(), bits.parse::<u8>(), host_ip)
        else {
            return false;
        };
        return match (addr, h) {
            (IpAddr::V4(a), IpAddr::V4(h)) if bits <= 32 => {
                let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
                u32::from(a) & mask == u32::from(h) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(h)) if bits <= 128 => {
                let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
                u128::from(a) & mask == u128::from(h) & mask
            }
            _ => false,
        };
    }
    if let Ok(addr) = entry.parse::<IpAddr>() {
        return host_ip == Some(addr);
    }
    if host_ip.is_some() {
        return false;
    }
    let entry = entry
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let name = bare(host);
    !entry.is_empty() && (name == entry || name.ends_with(&format!(".{entry}")))
}
