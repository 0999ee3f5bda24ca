//! The local rules: `StorageUri::parse`/`new`, base URLs, `request` paths and
//! `NO_PROXY`. Never a panic; what is accepted round-trips (a URI's
//! `Display` parses back to the same value, a base URL reads back the same)
//! and never leaves the base URL (the request line the loopback server
//! receives stays under the base path, ASCII only, with no `..` segment in
//! any spelling); `NO_PROXY` decides as an oracle written from the contract
//! (`claid_fuzz::no_proxy`) decides.
//!
//! Input: byte 0 picks the rule; the rest is text (modes 0 to 4, 6) or
//! drives a generator of hosts and lists (mode 5).
//!
//! Nothing here can reach another host: requests are only sent by clients
//! whose base URL is the loopback server's, and the `NO_PROXY` modes only
//! build clients (an invalid proxy URL makes `build` say whether the proxy
//! was chosen).
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::{Result, Unstructured};
use claid::{Client, Error, StorageUri};
use claid_fuzz::loopback;
use claid_fuzz::no_proxy::goes_direct;
use claid_fuzz::spelling::percent_decode;
use libfuzzer_sys::fuzz_target;

const PROXY_VARS: [&str; 7] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "NO_PROXY",
];

fn check_uri(uri: &StorageUri) {
    let shown = uri.to_string();
    assert!(shown.starts_with("storage://"), "{shown:?}");
    assert!(
        shown.chars().count() <= 512,
        "{} characters",
        shown.chars().count()
    );
    let n = uri.name().chars().count();
    assert!(
        (1..=50).contains(&n) && !uri.name().contains('/'),
        "name {:?}",
        uri.name()
    );
    assert!(!uri.path().starts_with('/'), "path {:?}", uri.path());
    // The root (an empty path) is a folder too, as `is_folder` documents.
    assert_eq!(
        uri.is_folder(),
        uri.path().is_empty() || uri.path().ends_with('/')
    );
    let again =
        StorageUri::parse(&shown).unwrap_or_else(|e| panic!("{shown:?} does not parse back: {e}"));
    assert_eq!(
        (again.name(), again.path()),
        (uri.name(), uri.path()),
        "{shown:?}"
    );
    assert_eq!(again.to_string(), shown);
}

/// The path given, less the leading `/`s the URI drops.
fn kept_path(given: &str, kept: &str) {
    let dropped = given
        .strip_suffix(kept)
        .unwrap_or_else(|| panic!("path {given:?} became {kept:?}"));
    assert!(
        dropped.chars().all(|c| c == '/'),
        "path {given:?} became {kept:?}"
    );
}

fn client(base: &str) -> Result<Client, Error> {
    Client::builder()
        .api_key("fuzz-key")
        .base_url(base)
        .max_retries(0)
        .build()
}

/// The target must be ASCII without blanks or controls, start with `base`,
/// and have no `..` segment once decoded (`\` read as `/`, as some servers do).
fn check_target(target: &[u8], base_path: &str) {
    assert!(
        target.iter().all(|b| b.is_ascii_graphic()),
        "raw bytes in the request target {:?}",
        String::from_utf8_lossy(target)
    );
    let target = std::str::from_utf8(target).expect("ASCII");
    assert!(
        target.starts_with(base_path),
        "{target:?} is not under {base_path:?}"
    );
    // The base URL's own path is the caller's; what is appended must stay below it.
    let path = target[base_path.len()..]
        .split('?')
        .next()
        .unwrap_or_default();
    let mut decoded = path.to_owned();
    for _ in 0..3 {
        decoded = percent_decode(&decoded.replace('+', "%2B"));
        let segments = decoded.replace('\\', "/");
        assert!(
            !segments.split('/').any(|s| s == ".."),
            "a `..` segment in {target:?}"
        );
    }
}

/// Sends a GET of `path` through a client of `base` (a loopback server URL)
/// and checks where it went.
fn send(base: &str, method: &str, path: &str) {
    let Ok(client) = client(base) else { return };
    let server = loopback::server();
    server.script(vec![claid_fuzz::answer(200, &[], br#"{"data":null}"#)]);
    let result = client.json().request(method, path, None);
    let received = server.received();
    match &result {
        Err(Error::InvalidInput { .. }) => assert!(received.is_empty(), "refused, yet sent"),
        _ => {
            assert_eq!(received.len(), 1, "{result:?}");
            let base_path =
                &client.base_url()[format!("http://127.0.0.1:{}", server.port()).len()..];
            check_target(received[0].target(), base_path);
        }
    }
    if path.split(['/', '?']).any(|s| s == "..") && !path.contains("://") {
        let segments_before_query = path.split('?').next().unwrap_or_default();
        if segments_before_query.split('/').any(|s| s == "..") {
            assert!(
                matches!(result, Err(Error::InvalidInput { .. })),
                "{path:?} gave {result:?}"
            );
        }
    }
}

fn base_url_rules(text: &str) {
    let Ok(c) = client(text) else { return };
    let base = c.base_url().to_owned();
    assert!(base.ends_with('/'), "{base:?}");
    assert!(
        base.starts_with("http://") || base.starts_with("https://"),
        "{base:?}"
    );
    assert!(
        base.bytes().all(|b| b.is_ascii_graphic()),
        "{base:?} from {text:?}"
    );
    assert!(!base.contains(['?', '#']), "{base:?}");
    let again = client(&base).unwrap_or_else(|e| panic!("{base:?} does not build again: {e}"));
    assert_eq!(again.base_url(), base, "from {text:?}");
    let loopback = format!("http://127.0.0.1:{}/", loopback::server().port());
    if base.starts_with(&loopback) {
        send(&base, "GET", "storage/storages");
    }
}

fn clear_proxy_env() {
    for var in PROXY_VARS {
        std::env::remove_var(var);
    }
    std::env::remove_var("no_proxy");
}

fn with_proxy_env(list: &str, upper: bool, f: impl FnOnce()) {
    clear_proxy_env();
    std::env::set_var(if upper { "NO_PROXY" } else { "no_proxy" }, list);
    std::env::set_var("http_proxy", "ftp://proxy.invalid:21");
    f();
    std::env::remove_var("no_proxy");
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("http_proxy");
}

fn label(u: &mut Unstructured<'_>) -> Result<String> {
    let n = u.int_in_range(1..=5)?;
    (0..n)
        .map(|_| Ok(*u.choose(&['a', 'b', 'x', 'Y', '0', '9', '-'])?))
        .collect()
}

fn host(u: &mut Unstructured<'_>) -> Result<(String, Option<IpAddr>)> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 | 1 => {
            let mut labels: Vec<String> = (0..u.int_in_range(1..=4)?)
                .map(|_| label(u))
                .collect::<Result<_>>()?;
            if u.ratio(1, 5)? {
                labels.push("localhost".into());
            }
            let mut name = labels.join(".");
            if u.ratio(1, 4)? {
                name.push('.');
            }
            (name, None)
        }
        2 | 3 => {
            let a = *u.choose(&[10u8, 127, 192, 8, 0, 255])?;
            let ip = Ipv4Addr::new(a, u.arbitrary()?, u.arbitrary()?, u.arbitrary()?);
            (ip.to_string(), Some(IpAddr::V4(ip)))
        }
        _ => {
            let mut segments = [0u16; 8];
            match u.int_in_range(0..=2u8)? {
                0 => segments[7] = u.int_in_range(0..=2)?,
                1 => {
                    segments[0] = 0xfd00;
                    segments[7] = u.arbitrary()?;
                }
                _ => {
                    for s in &mut segments {
                        *s = *u.choose(&[0u16, 1, 0xabcd, 0xffff])?;
                    }
                }
            }
            let ip = Ipv6Addr::from(segments);
            if ip.to_ipv4_mapped().is_some() {
                return Ok(("nomapped".into(), None));
            }
            (format!("[{}]", ip6_spelling(u, ip)?), Some(IpAddr::V6(ip)))
        }
    })
}

fn ip6_spelling(u: &mut Unstructured<'_>, ip: Ipv6Addr) -> Result<String> {
    Ok(match u.int_in_range(0..=2u8)? {
        0 => ip.to_string(),
        1 => ip
            .segments()
            .iter()
            .map(|s| format!("{s:x}"))
            .collect::<Vec<_>>()
            .join(":"),
        _ => ip
            .segments()
            .iter()
            .map(|s| format!("{s:04X}"))
            .collect::<Vec<_>>()
            .join(":"),
    })
}

fn entry(u: &mut Unstructured<'_>, host: &str, ip: Option<IpAddr>) -> Result<String> {
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok(match u.int_in_range(0..=9u8)? {
        0 => bare,
        1 => format!(".{}", bare.trim_end_matches('.')),
        2 => format!("{}.", bare.trim_end_matches('.')),
        3 => bare.to_ascii_uppercase(),
        4 => match bare.split_once('.') {
            Some((_, parent)) if ip.is_none() => parent.to_owned(),
            _ => label(u)?,
        },
        5 => match ip {
            Some(IpAddr::V4(v4)) => format!("{v4}/{}", u.int_in_range(0..=33)?),
            Some(IpAddr::V6(v6)) => {
                format!("{}/{}", ip6_spelling(u, v6)?, u.int_in_range(0..=129)?)
            }
            None => label(u)?,
        },
        6 => match ip {
            Some(IpAddr::V6(v6)) => ip6_spelling(u, v6)?,
            _ => format!("{}.{}", label(u)?, label(u)?),
        },
        7 => "*".into(),
        8 => self::host(u)?
            .0
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        _ => label(u)?,
    })
}

fn no_proxy_generated(u: &mut Unstructured<'_>) -> Result<()> {
    let (host, ip) = host(u)?;
    let mut list = String::new();
    if u.ratio(1, 10)? {
        list = "*".to_owned();
    } else {
        for i in 0..u.int_in_range(1..=4)? {
            if i > 0 {
                list.push_str(u.choose(&[",", " ", ", ", "\t", ",,", " , "])?);
            }
            list.push_str(&entry(u, &host, ip)?);
        }
    }
    let base = format!("http://{host}/v1/");
    clear_proxy_env();
    if client(&base).is_err() {
        return Ok(());
    }
    let upper = u.arbitrary()?;
    with_proxy_env(&list, upper, || {
        let direct = client(&base).is_ok();
        assert_eq!(
            direct,
            goes_direct(&list, &host),
            "NO_PROXY={list:?} for {base}: the library goes {}",
            if direct {
                "direct"
            } else {
                "through the proxy"
            }
        );
    });
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else { return };
    // An environment variable cannot hold a NUL byte.
    if rest.contains(&0) && mode % 7 == 6 {
        return;
    }
    let text = String::from_utf8_lossy(rest);
    let port = loopback::server().port();
    clear_proxy_env();
    match mode % 7 {
        0 => {
            if let Ok(uri) = StorageUri::parse(&text) {
                check_uri(&uri);
                let rest = &text["storage://".len()..];
                let (name, path) = rest.split_once('/').unwrap_or((rest, ""));
                assert_eq!(uri.name(), name);
                kept_path(path, uri.path());
            }
        }
        1 => {
            let (name, path) = text.split_once('\n').unwrap_or((&text, ""));
            if let Ok(uri) = StorageUri::new(name, path) {
                check_uri(&uri);
                assert_eq!(uri.name(), name);
                kept_path(path, uri.path());
            }
        }
        2 => base_url_rules(&text),
        3 => base_url_rules(&format!("http://127.0.0.1:{port}/{text}")),
        4 => {
            let (method, path) = match text.split_once(' ') {
                Some((m, p)) if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m) => (m, p),
                _ => ("GET", &*text),
            };
            send(&format!("http://127.0.0.1:{port}/v1/"), method, path);
        }
        5 => {
            let _ = no_proxy_generated(&mut Unstructured::new(rest));
        }
        _ => {
            let (host, list) = text.split_once('\n').unwrap_or((&text, ""));
            // Only hosts that cannot be a loopback server's: nothing is sent.
            with_proxy_env(list, false, || {
                let _ = client(&format!("http://{host}/v1/"));
                let _ = client(&format!("https://{host}/"));
            });
        }
    }
});
