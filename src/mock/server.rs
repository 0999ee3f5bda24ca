//! The emulator's engine: takes each request tiny_http parsed, records it,
//! applies the faults and the quota, and answers it.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::faults::{FaultQueue, Outcome};
use super::journal::RecordedRequest;
use super::rate_limit::RateLimiter;
use super::relay::Relay;
use super::reply::Reply;
use super::routes::{self, MAX_REQUEST_BODY};
use super::store::Store;
use super::validate::Fields;

/// What the server threads share with the [`MockServer`](super::MockServer) handle.
#[derive(Debug)]
pub(super) struct Shared {
    pub api_key: String,
    pub seeds: Vec<Fields>,
    pub state: Mutex<State>,
    pub stop: Stop,
    pub relay: Relay,
    /// Notified whenever a request is journaled.
    pub arrived: Condvar,
}

/// Everything a request can read or change.
#[derive(Debug)]
pub(super) struct State {
    pub store: Store,
    pub journal: Journal,
    pub faults: FaultQueue,
    pub limiter: Option<RateLimiter>,
}

/// The last requests received, and how many of each were received in all.
#[derive(Debug)]
pub(super) struct Journal {
    limit: usize,
    recent: VecDeque<RecordedRequest>,
    /// By method (upper case) and path.
    counts: HashMap<(String, String), usize>,
    total: usize,
}

impl Journal {
    pub fn new(limit: usize) -> Journal {
        Journal {
            limit,
            recent: VecDeque::new(),
            counts: HashMap::new(),
            total: 0,
        }
    }

    pub fn push(&mut self, request: RecordedRequest) {
        let key = (request.method.to_ascii_uppercase(), request.path.clone());
        *self.counts.entry(key).or_default() += 1;
        self.total += 1;
        if self.limit == 0 {
            return;
        }
        if self.recent.len() == self.limit {
            self.recent.pop_front();
        }
        self.recent.push_back(request);
    }

    pub fn recent(&self) -> Vec<RecordedRequest> {
        self.recent.iter().cloned().collect()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        let key = (method.to_ascii_uppercase(), path.to_owned());
        self.counts.get(&key).copied().unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.total
    }

    pub fn clear(&mut self) {
        *self = Journal::new(self.limit);
    }
}

/// Set once the server is stopping; delayed answers wait on it, so a
/// shutdown never waits out a delay.
#[derive(Debug, Default)]
pub(super) struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    pub fn stop(&self) {
        *lock(&self.stopped) = true;
        self.wake.notify_all();
    }

    /// Waits up to `delay`; true when the server stopped meanwhile.
    fn wait(&self, delay: Duration) -> bool {
        let stopped = lock(&self.stopped);
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, delay, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *stopped
    }

    fn is_stopped(&self) -> bool {
        *lock(&self.stopped)
    }
}

/// Locks a mutex even if a thread panicked holding it: the emulator's state
/// stays usable, and a test's own panic is reported rather than a poison error.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes requests from tiny_http until unblocked, each answered on a
/// thread of its own so that a delayed answer holds up no other; joins
/// those threads before returning.
pub(super) fn dispatch(http: &tiny_http::Server, shared: &Arc<Shared>) {
    let mut handlers: Vec<JoinHandle<()>> = Vec::new();
    while let Ok(request) = http.recv() {
        // Probes are answered even while stopping: the relay's accept loop
        // may be waiting for one before it can notice the shutdown.
        if shared.relay.is_probe(&request) {
            let _ = request.respond(tiny_http::Response::empty(200));
            continue;
        }
        if shared.stop.is_stopped() {
            discard(request);
            continue;
        }
        handlers.retain(|h| !h.is_finished());
        let shared = Arc::clone(shared);
        // If no thread can be had, the request is dropped and tiny_http answers 500.
        if let Ok(handler) = thread::Builder::new()
            .name("claid-mock-handler".into())
            .spawn(move || handle(&shared, request))
        {
            handlers.push(handler);
        }
    }
    for handler in handlers {
        let _ = handler.join();
    }
}

fn handle(shared: &Shared, mut request: tiny_http::Request) {
    let peer = request.remote_addr().copied();
    let (body, oversized, body_left_unread) = read_body(&mut request);
    let received = record(&request, body);
    let fault = {
        let mut state = lock(&shared.state);
        state.journal.push(received.clone());
        state.faults.take(&received)
    };
    shared.arrived.notify_all();
    let outcome = fault.as_ref().map_or(Outcome::Handled, |f| f.outcome);
    let delay = fault.as_ref().map_or(Duration::ZERO, |f| f.delay);
    if !delay.is_zero() && shared.stop.wait(delay) {
        return discard(request);
    }
    let mut reply = match outcome {
        Outcome::Dropped if body_left_unread => {
            if let Some(peer) = peer {
                shared.relay.sever(peer, &[]);
            }
            return discard(request);
        }
        Outcome::Dropped => return sever(shared, request, &[]),
        Outcome::Status(status) => Reply::reason(status),
        Outcome::Handled | Outcome::Truncated => answer(shared, &received, oversized),
    };
    reply
        .headers
        .insert(0, ("Content-Type".into(), "application/json".into()));
    reply
        .headers
        .push(("x-request-id".into(), next_request_id()));
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
    if matches!(reply.status, 204 | 304) {
        reply.body.clear();
    }
    if body_left_unread {
        // The rest of the body is still coming, and tiny_http would read it
        // all before letting go of the request: answer and close at once,
        // from the relay, whatever earlier answers are still being sent.
        reply.headers.push(("Connection".into(), "close".into()));
        let half = if outcome == Outcome::Truncated {
            reply.body.len() / 2
        } else {
            reply.body.len()
        };
        if let Some(peer) = peer {
            shared.relay.sever(peer, &on_the_wire(&reply, half));
        }
        discard(request);
    } else if outcome == Outcome::Truncated {
        let half = reply.body.len() / 2;
        sever(shared, request, &on_the_wire(&reply, half));
    } else {
        respond(request, reply);
    }
}

/// The answer of the API itself, behind the optional quota.
fn answer(shared: &Shared, received: &RecordedRequest, oversized: bool) -> Reply {
    let mut state = lock(&shared.state);
    let verdict = state.limiter.as_mut().map(|l| l.admit(Instant::now()));
    let mut reply = match verdict {
        Some(v) if !v.allowed => Reply::status(429, "Too many requests; slow down.")
            .with_header("Retry-After", v.reset_secs.to_string()),
        _ => routes::answer(&mut state.store, &shared.api_key, received, oversized),
    };
    if let Some(v) = verdict {
        reply = reply
            .with_header("RateLimit-Limit", v.limit.to_string())
            .with_header("RateLimit-Remaining", v.remaining.to_string())
            .with_header("RateLimit-Reset", v.reset_secs.to_string());
    }
    reply
}

/// How much of an oversized body is read and thrown away, past the first
/// 1 MiB, so that the connection stays usable for the 413 and the requests
/// after it. Past that, the 413 closes the connection.
const MAX_DRAIN: u64 = 16 * 1024 * 1024;

/// Reads the body up to one byte past the limit, then drains up to
/// [`MAX_DRAIN`] more; says whether the body was oversized and whether some
/// of it is still unread.
fn read_body(request: &mut tiny_http::Request) -> (Vec<u8>, bool, bool) {
    let reader = request.as_reader();
    let mut body = Vec::new();
    // A client that vanishes mid-body gets no answer anyway; what arrived is journaled.
    let _ = Read::take(&mut *reader, MAX_REQUEST_BODY as u64 + 1).read_to_end(&mut body);
    let oversized = body.len() > MAX_REQUEST_BODY;
    let mut unread = false;
    if oversized {
        let drained = io::copy(
            &mut Read::take(&mut *reader, MAX_DRAIN + 1),
            &mut io::sink(),
        );
        unread = drained.is_ok_and(|n| n > MAX_DRAIN);
    }
    (body, oversized, unread)
}

fn record(request: &tiny_http::Request, body: Vec<u8>) -> RecordedRequest {
    let (path, query) = match request.url().split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (request.url(), None),
    };
    RecordedRequest {
        method: request.method().as_str().to_owned(),
        path: path.to_owned(),
        query,
        headers: request
            .headers()
            .iter()
            .map(|h| (h.field.as_str().to_string(), h.value.to_string()))
            .collect(),
        body,
    }
}

/// Unique within the process, across servers and resets.
pub(super) fn next_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("mock-{:08}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn respond(request: tiny_http::Request, reply: Reply) {
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    for (name, value) in &reply.headers {
        // Names and values were checked when they were made (Fault::header).
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    // The client may have gone: nothing to do about it.
    let _ = request.respond(response);
}

/// The answer's head, promising the whole body, and the first `sent`
/// bytes of the body.
fn on_the_wire(reply: &Reply, sent: usize) -> Vec<u8> {
    let reason = tiny_http::StatusCode(reply.status).default_reason_phrase();
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", reply.body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&reply.body[..sent]);
    bytes
}

/// Gives up a request without tiny_http answering it: dropping a request
/// unanswered would make tiny_http send a 500, while taking its writer and
/// dropping it sends nothing.
fn discard(request: tiny_http::Request) {
    drop(request.into_writer());
}

/// Sends `bytes` instead of an answer and closes the client's connection.
///
/// The bytes go through tiny_http's writer, so after the answers to the
/// requests before this one, followed by the relay's marker: the relay
/// forwards what comes before the marker and closes the connection there.
fn sever(shared: &Shared, request: tiny_http::Request, bytes: &[u8]) {
    let mut writer = request.into_writer();
    let mut bytes = bytes.to_vec();
    bytes.extend_from_slice(shared.relay.sever_marker());
    // The client may have gone: nothing to do about it.
    let _ = writer.write_all(&bytes).and_then(|()| writer.flush());
}
