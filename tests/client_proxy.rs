//! Proxies from the environment, end to end (contract, "Proxies"): SOCKS
//! through a tiny SOCKS4/5 relay on 127.0.0.1, NO_PROXY as curl reads it,
//! and no proxy setting that makes a call panic.
//!
//! Nothing leaves loopback: the relay ignores where it is asked to connect
//! and always connects to the scripted server, so a base URL naming another
//! host (`claid.invalid`, `192.0.2.10`) is never looked up or reached (with
//! `socks5h`/`socks4a` the proxy resolves names; with `socks5`/`socks4` the
//! base is an IP literal). A direct connection uses `[::ffff:127.0.0.1]`,
//! which the contract does not count as loopback, so the proxy rules apply
//! to it, yet it reaches 127.0.0.1.
//!
//! The proxy is read when a client is built, so every test sets the
//! variables, builds, and clears them under one lock: no two tests of this
//! binary touch the environment at once.

// claid::Error is large by the contract's design (see src/lib.rs).
#![allow(clippy::result_large_err)]

mod support;

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use claid::{Client, ClientBuilder, Error};
use support::{Reply, Scripted};

const VARS: &[&str] = &[
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

static ENV: Mutex<()> = Mutex::new(());

fn env_lock() -> MutexGuard<'static, ()> {
    ENV.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Builds `builder` with exactly these proxy variables set.
fn build_with(vars: &[(&str, &str)], builder: ClientBuilder) -> Result<Client, Error> {
    let _guard = env_lock();
    for name in VARS {
        std::env::remove_var(name);
    }
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
    let built = builder.build();
    for (name, _) in vars {
        std::env::remove_var(name);
    }
    built
}

/// A client of `base` with these variables, no retries.
fn client(base: &str, vars: &[(&str, &str)]) -> Client {
    build_with(
        vars,
        Client::builder().api_key("k").base_url(base).max_retries(0),
    )
    .unwrap()
}

/// Where a SOCKS client asked the relay to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Name(String, u16),
    Ip(SocketAddr),
}

/// A SOCKS4/4a/5 relay (no authentication, CONNECT only) that connects
/// every request to `upstream`, whatever the target, and records targets.
struct Relay {
    addr: SocketAddr,
    targets: Arc<Mutex<Vec<Target>>>,
    thread: Option<JoinHandle<()>>,
}

impl Relay {
    fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&targets);
        let thread = thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut client) = stream else { break };
                match handshake(&mut client) {
                    // Drop wakes the accept loop with a zero-byte connection.
                    Ok(None) => break,
                    Ok(Some((target, reply))) => {
                        seen.lock().unwrap().push(target);
                        let Ok(server) = TcpStream::connect(upstream) else {
                            continue;
                        };
                        if client.write_all(&reply).is_ok() {
                            pipe(client, server);
                        }
                    }
                    Err(_) => {}
                }
            }
        });
        Relay {
            addr,
            targets,
            thread: Some(thread),
        }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    fn targets(&self) -> Vec<Target> {
        self.targets.lock().unwrap().clone()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        TcpStream::connect(self.addr).ok();
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

fn read_n(s: &mut TcpStream, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn read_until_nul(s: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        match read_n(s, 1)?[0] {
            0 => return Ok(out),
            b => out.push(b),
        }
    }
}

/// Reads a SOCKS CONNECT request: the target and the success reply to send,
/// or `None` for a connection that sends nothing.
fn handshake(s: &mut TcpStream) -> io::Result<Option<(Target, Vec<u8>)>> {
    let mut version = [0u8];
    if s.read(&mut version)? == 0 {
        return Ok(None);
    }
    let port = |b: &[u8]| u16::from_be_bytes([b[0], b[1]]);
    match version[0] {
        4 => {
            let head = read_n(s, 7)?; // command, port, IPv4
            let _user = read_until_nul(s)?;
            let ip = Ipv4Addr::new(head[3], head[4], head[5], head[6]);
            let target = if head[3..6] == [0, 0, 0] && head[6] != 0 {
                let name = read_until_nul(s)?;
                Target::Name(String::from_utf8_lossy(&name).into(), port(&head[1..3]))
            } else {
                Target::Ip(SocketAddr::from((ip, port(&head[1..3]))))
            };
            Ok(Some((target, vec![0, 0x5a, 0, 0, 0, 0, 0, 0])))
        }
        5 => {
            let n = read_n(s, 1)?[0];
            read_n(s, n.into())?; // offered methods
            s.write_all(&[5, 0])?; // no authentication
            let head = read_n(s, 4)?; // version, command, reserved, address type
            let target = match head[3] {
                1 => {
                    let b = read_n(s, 6)?;
                    let ip = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
                    Target::Ip(SocketAddr::from((ip, port(&b[4..]))))
                }
                3 => {
                    let len = read_n(s, 1)?[0];
                    let name = read_n(s, len.into())?;
                    let p = read_n(s, 2)?;
                    Target::Name(String::from_utf8_lossy(&name).into(), port(&p))
                }
                4 => {
                    let b = read_n(s, 18)?;
                    let ip: [u8; 16] = b[..16].try_into().unwrap();
                    Target::Ip(SocketAddr::from((Ipv6Addr::from(ip), port(&b[16..]))))
                }
                _ => return Err(io::ErrorKind::InvalidData.into()),
            };
            Ok(Some((target, vec![5, 0, 0, 1, 0, 0, 0, 0, 0, 0])))
        }
        _ => Err(io::ErrorKind::InvalidData.into()),
    }
}

/// Copies both ways until either side closes.
fn pipe(a: TcpStream, b: TcpStream) {
    let (mut a2, mut b2) = (a.try_clone().unwrap(), b.try_clone().unwrap());
    let up = thread::spawn(move || {
        io::copy(&mut a2, &mut b2).ok();
        b2.shutdown(Shutdown::Write).ok();
    });
    let (mut a, mut b) = (a, b);
    io::copy(&mut b, &mut a).ok();
    a.shutdown(Shutdown::Write).ok();
    up.join().ok();
}

fn upstream(server: &Scripted) -> SocketAddr {
    let authority = server.base.trim_start_matches("http://");
    authority.split('/').next().unwrap().parse().unwrap()
}

#[test]
fn socks_proxies_from_the_environment_carry_the_calls() {
    let server = Scripted::start(vec![Reply::ok("[]"); 6]);
    let relay = Relay::start(upstream(&server));
    let named = "http://claid.invalid:8080/v1/";
    let literal = "http://192.0.2.10:8080/v1/";
    let ip = Target::Ip("192.0.2.10:8080".parse().unwrap());
    let name = Target::Name("claid.invalid".into(), 8080);
    for (var, scheme, base, target) in [
        ("ALL_PROXY", "socks5h", named, &name),
        ("all_proxy", "socks5", literal, &ip),
        ("http_proxy", "socks4a", named, &name),
        ("ALL_PROXY", "socks4", literal, &ip),
        ("http_proxy", "socks5h", named, &name),
        ("ALL_PROXY", "SOCKS5H", named, &name),
    ] {
        let client = client(base, &[(var, &relay.url(scheme))]);
        assert_eq!(client.list_storages().unwrap(), [], "{var}={scheme}");
        assert_eq!(relay.targets().last(), Some(target), "{var}={scheme}");
    }
    assert_eq!(relay.targets().len(), 6);
    let requests = server.requests();
    assert_eq!(requests.len(), 6);
    assert!(requests.iter().all(|r| r.path == "/v1/storage/storages"));
    assert!(requests
        .iter()
        .all(|r| r.header("Authorization") == Some("Bearer k")));
}

#[test]
fn no_proxy_lists_as_curl_reads_them_go_direct() {
    let server = Scripted::start(vec![Reply::ok("[]"); 8]);
    let relay = Relay::start(upstream(&server));
    let port = upstream(&server).port();
    // Not loopback by the contract's definition, yet it reaches 127.0.0.1.
    let mapped = format!("http://[::ffff:127.0.0.1]:{port}/v1/");
    let proxy = relay.url("socks5h");
    let mut direct = 0;
    for (no_proxy, goes_direct) in [
        ("example.com ::ffff:127.0.0.1", true),
        ("example.com,\t::ffff:7f00:1", true),
        ("::ffff:127.0.0.0/104", true),
        ("*", true),
        ("::1/128 127.0.0.1", false),
        ("example.com,*", false),
        ("::ffff:10.0.0.0/104", false),
    ] {
        let before = relay.targets().len();
        let client = client(&mapped, &[("ALL_PROXY", &proxy), ("NO_PROXY", no_proxy)]);
        client.list_storages().unwrap();
        let proxied = relay.targets().len() > before;
        assert_eq!(proxied, !goes_direct, "NO_PROXY={no_proxy:?}");
        direct += usize::from(goes_direct);
    }
    assert_eq!(relay.targets().len(), 7 - direct);
    assert_eq!(server.requests().len(), 7);
}

#[test]
fn loopback_base_urls_never_use_the_proxy() {
    let server = Scripted::start(vec![Reply::ok("[]"); 2]);
    let relay = Relay::start(upstream(&server));
    let port = upstream(&server).port();
    for base in [
        format!("http://127.0.0.1:{port}/v1/"),
        format!("http://localhost:{port}/v1/"),
    ] {
        let client = client(&base, &[("ALL_PROXY", &relay.url("socks5h"))]);
        client.list_storages().unwrap();
    }
    assert!(relay.targets().is_empty());
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_proxy_that_is_not_listening_is_a_transport_error() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.2:0").unwrap();
        listener.local_addr().unwrap()
    };
    for scheme in ["socks5h", "socks5", "socks4", "socks4a", "http", "https"] {
        let proxy = format!("{scheme}://{closed}");
        let client = client("http://192.0.2.10:8080/v1/", &[("ALL_PROXY", &proxy)]);
        let err = client.list_storages().unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{scheme}: {err:?}");
    }
}

#[test]
fn unusable_proxy_settings_are_refused_when_the_client_is_built() {
    for (var, value, why) in [
        ("ALL_PROXY", "ftp://user:pw@127.0.0.1:21", "scheme"),
        ("https_proxy", "socks6://127.0.0.1:1", "scheme"),
        ("http_proxy", "socks://pw@127.0.0.1:1", "scheme"),
        ("all_proxy", "http://127.0.0.1:99999", "port"),
        ("ALL_PROXY", "socks5h://:1080", "no host"),
        ("ALL_PROXY", "http://[pw", "not a valid URL"),
    ] {
        let base = if var.starts_with("https") {
            "https://192.0.2.10/v1/"
        } else {
            "http://192.0.2.10/v1/"
        };
        let built = build_with(
            &[(var, value)],
            Client::builder().api_key("k").base_url(base),
        );
        match built {
            Err(Error::InvalidInput { message, .. }) => {
                assert!(
                    message.contains(var) && message.contains(why),
                    "{value}: {message}"
                );
                assert!(!message.contains("pw"), "{message}");
            }
            other => panic!("{var}={value}: expected InvalidInput, got {other:?}"),
        }
    }
}

#[test]
fn a_proxy_variable_that_is_not_utf8_is_refused() {
    use std::os::unix::ffi::OsStringExt;
    let _guard = env_lock();
    let value = std::ffi::OsString::from_vec(b"socks5h://127.0.0.1:\xff".to_vec());
    std::env::set_var("ALL_PROXY", &value);
    let built = Client::builder()
        .api_key("k")
        .base_url("http://192.0.2.10/v1/")
        .build();
    std::env::remove_var("ALL_PROXY");
    match built {
        Err(Error::InvalidInput { message, .. }) => {
            assert!(
                message.contains("ALL_PROXY is not valid UTF-8"),
                "{message}"
            )
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}
