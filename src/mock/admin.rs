//! The admin API under `/_mock/`, for tests in any language: faults, the
//! journal, a reset and the store, over HTTP on the emulator's own port.
//!
//! Never journaled, never faulted or rate-limited, no key needed; loopback
//! clients only (checked by the caller). Answers are `{"data": ...}`, and
//! errors the documented error shape.
//!
//! A web page must not be able to drive it, since the journal holds keys
//! and secrets as sent: a request whose `Host` names anything but loopback
//! (or the address the server listens on) is refused, which stops DNS
//! rebinding (a page's own name resolved to 127.0.0.1 still sends that
//! name); and a `POST` must say its body is JSON, which a cross-site form
//! (`text/plain`, form encodings) cannot without the browser asking first.

use std::net::IpAddr;

use serde_json::Value;

use super::dispatch::is_loopback;
use super::faults::Fault;
use super::http::Request;
use super::reply::Reply;
use super::server::{lock, Shared};

/// Answers an admin request.
pub(super) fn answer(shared: &Shared, request: &Request, path: &str) -> Reply {
    if !host_allowed(request, &shared.config.listen) {
        return Reply::status(
            403,
            "The admin API answers requests whose Host is a loopback name or address only.",
        );
    }
    let method = request.method.as_str();
    let allowed: &[&str] = match path {
        "/_mock/faults" => &["POST", "DELETE"],
        "/_mock/requests" | "/_mock/storages" => &["GET"],
        "/_mock/reset" => &["POST"],
        _ => {
            return Reply::status(
                404,
                format!(
                    "No admin endpoint at {path}; there are /_mock/faults, /_mock/requests, \
                     /_mock/reset and /_mock/storages."
                ),
            )
        }
    };
    if !allowed.contains(&method) {
        return Reply::status(405, format!("{method} is not allowed here."))
            .with_header("Allow", allowed.join(", "));
    }
    if method == "POST" && !is_json(request) {
        return Reply::status(
            415,
            "An admin POST needs the header Content-Type: application/json.",
        );
    }
    match (method, path) {
        ("POST", "/_mock/faults") => add_fault(shared, &request.body, request.oversized),
        ("DELETE", "/_mock/faults") => {
            lock(&shared.state).faults.clear();
            Reply::data(())
        }
        ("GET", "/_mock/requests") => {
            let state = lock(&shared.state);
            let shown: Vec<_> = state.journal.recent().map(|r| r.shown()).collect();
            Reply::data(shown)
        }
        ("GET", "/_mock/storages") => Reply::data(lock(&shared.state).store.list_redacted()),
        _ => {
            shared.reset();
            Reply::data(())
        }
    }
}

fn add_fault(shared: &Shared, body: &[u8], oversized: bool) -> Reply {
    if oversized {
        return Reply::status(413, "The request body is larger than 1 MiB.");
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return Reply::status(400, format!("The fault is not JSON: {e}.")),
    };
    match Fault::from_json(&value) {
        Ok(fault) => {
            let mut state = lock(&shared.state);
            state.faults.push(fault);
            Reply::data(serde_json::json!({"pending_faults": state.faults.pending()}))
        }
        Err(problem) => Reply::status(400, format!("Bad fault: {problem}.")),
    }
}

/// Where the server was told to listen, for the admin API's `Host` check.
#[derive(Debug, Clone)]
pub(super) struct Listen {
    /// The host as given (a name or an address).
    pub host: String,
    /// The address it resolved to.
    pub ip: IpAddr,
}

/// Whether the request's one `Host` names this machine through loopback:
/// `localhost` or a name under it (RFC 6761), a loopback address
/// (`127.0.0.0/8`, `[::1]`, `[::ffff:127.x.y.z]`), or the host or address
/// the server was told to listen on; with or without a port, in any case,
/// with or without a final dot. A request without a `Host` (HTTP/1.0
/// allows it) is refused: nothing shows where it was meant to go.
fn host_allowed(request: &Request, listen: &Listen) -> bool {
    let mut hosts = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("host"));
    let (Some((_, value)), None) = (hosts.next(), hosts.next()) else {
        return false;
    };
    let Some(host) = host_name(value.trim()) else {
        return false;
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return is_loopback(ip) || ip == listen.ip;
    }
    let told = listen.host.trim_start_matches('[').trim_end_matches(']');
    !host.is_empty() && host.eq_ignore_ascii_case(told.strip_suffix('.').unwrap_or(told))
}

/// The host of a `Host` value without its port (`[::1]:8080` → `::1`,
/// `localhost:80` → `localhost`); `None` when it is not `host[:port]`.
fn host_name(value: &str) -> Option<&str> {
    let (host, port) = match value.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':')?)),
            }
        }
        None => match value.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (value, None),
        },
    };
    let port_ok = port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
    (port_ok && host_ok).then_some(host)
}

/// Whether the request has exactly one `Content-Type`, `application/json`
/// in any case, with or without parameters such as `charset`.
fn is_json(request: &Request) -> bool {
    let mut types = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    let (Some((_, value)), None) = (types.next(), types.next()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}
