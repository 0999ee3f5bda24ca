//! From a request read off a connection to its answer on the wire: the
//! admin API, or the journal, the faults, the quota and the API's routes.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::admin;
use super::faults::Outcome;
use super::http::{Connection, Request};
use super::journal::RecordedRequest;
use super::reply::Reply;
use super::routes;
use super::server::{lock, Shared};

/// What the connection does after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// Read the next request.
    Read,
    /// The answer was the last: close once the client has it.
    Linger,
    /// Close at once (a fault, or the server stopping).
    Close,
}

/// The path prefix of the admin API.
const ADMIN: &str = "/_mock/";

/// Handles one request and writes its answer (or the fault instead).
pub(super) fn handle(
    shared: &Shared,
    connection: &mut Connection,
    request: Request,
    peer: SocketAddr,
) -> Next {
    let head_only = request.method == "HEAD";
    let close = !request.keep_alive;
    let next = if close { Next::Linger } else { Next::Read };
    let (path, query) = match request.target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (request.target.clone(), None),
    };
    if path.starts_with(ADMIN) || path == ADMIN.trim_end_matches('/') {
        let reply = if is_loopback(peer.ip()) {
            admin::answer(shared, &request, &path)
        } else {
            Reply::status(403, "The admin API answers loopback clients only.")
        };
        connection.write(&finish(reply), close, head_only, None);
        return next;
    }
    let received = RecordedRequest {
        method: request.method,
        path,
        query,
        headers: request.headers,
        body: request.body,
        body_truncated: false,
    };
    let fault = {
        let mut state = lock(&shared.state);
        state.journal.push(&received);
        state.faults.take(&received)
    };
    shared.arrived.notify_all();
    let outcome = fault.as_ref().map_or(Outcome::Handled, |f| f.outcome);
    if let Some(fault) = &fault {
        if !fault.delay.is_zero() && shared.stop.wait(fault.delay) {
            return Next::Close;
        }
    }
    let reply = match outcome {
        Outcome::Dropped => return Next::Close,
        Outcome::Status(status) => Reply::reason(status),
        Outcome::Handled | Outcome::Truncated => answer(shared, &received, request.oversized),
    };
    let mut reply = finish(reply);
    if let Some(fault) = fault {
        // A fault's header replaces the emulator's of the same name.
        reply.headers.retain(|(name, _)| {
            !fault
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        });
        reply.headers.extend(fault.headers);
        if let Some(body) = fault.body {
            reply.body = body;
        }
    }
    if outcome == Outcome::Truncated {
        let half = reply.body.len() / 2;
        connection.write(&reply, false, head_only, Some(half));
        return Next::Close;
    }
    connection.write(&reply, close, head_only, None);
    next
}

/// The answer of the API itself, behind the optional quota.
fn answer(shared: &Shared, received: &RecordedRequest, oversized: bool) -> Reply {
    let mut state = lock(&shared.state);
    let verdict = state.limiter.as_mut().map(|l| l.admit(Instant::now()));
    let mut reply = match verdict {
        Some(v) if !v.allowed => Reply::rate_limited(),
        _ => {
            let state = &mut *state;
            routes::answer(&mut state.store, &shared.config.keys, received, oversized)
        }
    };
    if let Some(v) = verdict {
        for (name, value) in v.headers() {
            reply = reply.with_header(name, value);
        }
    }
    reply
}

/// Adds what every answer carries: `Content-Type` and a fresh `x-request-id`.
pub(super) fn finish(mut reply: Reply) -> Reply {
    reply
        .headers
        .insert(0, ("Content-Type".into(), "application/json".into()));
    reply
        .headers
        .push(("x-request-id".into(), next_request_id()));
    if matches!(reply.status, 204 | 304) {
        reply.body.clear();
    }
    reply
}

/// Unique within the process, across servers and resets.
fn next_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("mock-{:08}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Loopback as the contract defines it for this host's clients: `127.0.0.0/8`
/// and `::1`, also when an IPv6 socket shows an IPv4 peer as `::ffff:127.x`.
pub(super) fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}
