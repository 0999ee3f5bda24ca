//! A TCP relay in front of tiny_http, so faults can break connections for real.
//!
//! tiny_http owns its sockets and always finishes an answer it started, so
//! on its own it can neither close a connection without answering nor cut
//! an answer short. Clients connect to the relay instead; each connection
//! is copied both ways to tiny_http, and the relay keeps the client's side.
//! A fault that breaks a connection writes its last bytes through
//! tiny_http's writer, in order after the earlier answers, followed by a
//! random marker; the relay forwards what comes before the marker and
//! closes the connection there.
//!
//! The relay also opens tiny_http's connections one at a time, each only
//! once the previous one is served: tiny_http 0.12 hands connections to a
//! thread pool that can leave one queued behind busy keep-alive connections
//! when several arrive at once, and that client then waits for its timeout.
//! A probe request on each new connection, answered as soon as a pool
//! thread serves it, is the proof that it is served.
//!
//! Last, the relay checks the head of every request before tiny_http sees
//! it. tiny_http 0.12 answers some malformed requests itself, without the
//! emulator's headers or error body (a bad request line, a header without a
//! colon, an unknown `Expect`), closes others without a byte (non-ASCII in a
//! header) and hangs on some (an `HTTP/2.0` request line, a
//! `Transfer-Encoding` other than `chunked`). The relay answers those
//! itself, in the documented shape, after the answers to the requests
//! before them, and closes the connection. To find where the next head
//! starts, it follows each body's framing (`Content-Length` or chunked); a
//! chunked body whose framing is broken ends the connection.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::reply::Reply;
use super::server::{lock, next_request_id};

/// The listening side of the emulator.
#[derive(Debug)]
pub(super) struct Relay {
    addr: SocketAddr,
    links: Arc<Links>,
    accept: Mutex<Option<JoinHandle<()>>>,
    /// Marks the relay's probes, so that no client can send one.
    probe_token: String,
    /// Written by a handler after the last bytes a connection is to carry.
    sever_marker: Arc<[u8]>,
}

/// The header carrying the probe token.
const PROBE_HEADER: &str = "x-claid-mock-relay-probe";

/// How long a probe may wait for its answer. Only a bug or a machine
/// overloaded for that long could make it wait; the client then loses its
/// connection rather than the relay its ability to accept others.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest request head (request line and headers) the relay accepts.
const MAX_HEAD: u64 = 64 * 1024;

/// The longest line of chunked framing (a chunk size or a trailer).
const MAX_CHUNK_LINE: u64 = 4 * 1024;

/// After refusing a request, how long and how much the relay keeps reading
/// what the client still sends, so that closing the connection does not
/// reset it (and lose the answer) while unread bytes wait.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);
const DRAIN_LIMIT: u64 = 1024 * 1024;

/// How long answer bytes that could be the start of a sever marker are held
/// back waiting for the rest. Only an answer whose body ends in a NUL byte
/// (a fault's binary body) can look like that; it then waits this long.
const HOLD_TIMEOUT: Duration = Duration::from_millis(20);

#[derive(Debug, Default)]
struct Links {
    closing: AtomicBool,
    /// Open connections, by the relay's own address on its connection to
    /// tiny_http: the address tiny_http reports as the request's peer.
    open: Mutex<HashMap<SocketAddr, Arc<Link>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// Both sockets of one relayed connection.
#[derive(Debug)]
struct Link {
    client: TcpStream,
    backend: TcpStream,
    /// The relay's own answer to a request it refused, sent once tiny_http
    /// has sent the answers to the requests before it and closed.
    refusal: Mutex<Option<Vec<u8>>>,
    /// Where tiny_http's answers end when a fault severs the connection.
    sever_marker: Arc<[u8]>,
}

impl Link {
    /// Closes both ways on both sides: blocked reads and writes on them
    /// return at once, which ends the connection's thread.
    fn close(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.backend.shutdown(Shutdown::Both);
    }

    /// Copies both ways until both sides are done.
    fn pump(&self) {
        thread::scope(|s| {
            s.spawn(|| self.requests());
            self.answers();
        });
    }

    /// Copies requests from the client to tiny_http, each head checked.
    fn requests(&self) {
        let mut reader = BufReader::new(&self.client);
        match relay_requests(&mut reader, &self.backend) {
            Ok(None) => {
                let _ = self.backend.shutdown(Shutdown::Write);
            }
            Ok(Some(refusal)) => {
                // Set before tiny_http can close: `answers` sends it then.
                *lock(&self.refusal) = Some(refusal);
                let _ = self.backend.shutdown(Shutdown::Write);
                let _ = self.client.set_read_timeout(Some(DRAIN_TIMEOUT));
                let _ = io::copy(&mut reader.take(DRAIN_LIMIT), &mut io::sink());
            }
            Err(_) => self.close(),
        }
    }

    /// Copies answers from tiny_http to the client; passes an orderly close
    /// on as a half close, after the relay's own answer if it refused a
    /// request, and a broken side on as a closed connection. Where the
    /// sever marker comes, closes the connection instead of copying it.
    fn answers(&self) {
        let mut buf = vec![0; 16 * 1024];
        // Bytes that might be the start of a marker, held back until the
        // next read says whether they are.
        let mut held: Vec<u8> = Vec::new();
        loop {
            let read = match (&self.backend).read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    // Nothing followed: they were an answer's last bytes.
                    let _ = self.backend.set_read_timeout(None);
                    if (&self.client).write_all(&held).is_err() {
                        return self.close();
                    }
                    held.clear();
                    continue;
                }
                Err(_) => return self.close(),
            };
            held.extend_from_slice(&buf[..read]);
            let marker = &*self.sever_marker;
            if let Some(at) = held.windows(marker.len()).position(|w| w == marker) {
                let _ = (&self.client).write_all(&held[..at]);
                return self.close();
            }
            let keep = (1..marker.len().min(held.len() + 1))
                .rev()
                .find(|&k| held.ends_with(&marker[..k]))
                .unwrap_or(0);
            let send = held.len() - keep;
            if (&self.client).write_all(&held[..send]).is_err() {
                return self.close();
            }
            held.drain(..send);
            if keep > 0 {
                let _ = self.backend.set_read_timeout(Some(HOLD_TIMEOUT));
            }
        }
        let _ = (&self.client).write_all(&held);
        if let Some(refusal) = lock(&self.refusal).take() {
            let _ = (&self.client).write_all(&refusal);
        }
        let _ = self.client.shutdown(Shutdown::Write);
    }
}

impl Relay {
    /// Listens on `127.0.0.1:port` (0 for any free port) and relays to `backend`.
    pub fn start(port: u16, backend: SocketAddr) -> io::Result<Relay> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let links = Arc::new(Links::default());
        let probe_token = format!("{:016x}", RandomState::new().build_hasher().finish());
        let probe = format!(
            "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n{PROBE_HEADER}: {probe_token}\r\n\r\n"
        );
        // NUL bytes: never in the emulator's own answers (JSON escapes them).
        let sever_marker: Arc<[u8]> = format!(
            "\0claid-mock-sever-{:016x}\0",
            RandomState::new().build_hasher().finish()
        )
        .into_bytes()
        .into();
        let accept = thread::Builder::new()
            .name("claid-mock-accept".into())
            .spawn({
                let links = Arc::clone(&links);
                let marker = Arc::clone(&sever_marker);
                move || accept_loop(&listener, backend, probe.as_bytes(), &marker, &links)
            })?;
        Ok(Relay {
            addr,
            links,
            accept: Mutex::new(Some(accept)),
            probe_token,
            sever_marker,
        })
    }

    /// Whether `request` is one of this relay's probes, to be answered with
    /// an empty 200 at once and otherwise ignored.
    pub fn is_probe(&self, request: &tiny_http::Request) -> bool {
        request.headers().iter().any(|h| {
            h.field.as_str().as_str().eq_ignore_ascii_case(PROBE_HEADER)
                && h.value.as_str() == self.probe_token
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What a handler writes through tiny_http's writer after the last
    /// bytes the connection is to carry: the relay sends what came before it
    /// to the client, in order after the answers to earlier requests, and
    /// closes the connection.
    pub fn sever_marker(&self) -> &[u8] {
        &self.sever_marker
    }

    /// Sends `bytes` to the client of the connection tiny_http knows as
    /// `peer` at once, whatever tiny_http is still sending, then closes
    /// that connection.
    pub fn sever(&self, peer: SocketAddr, bytes: &[u8]) {
        let link = lock(&self.links.open).get(&peer).cloned();
        if let Some(link) = link {
            // A client that went away already needs no answer.
            let _ = (&link.client).write_all(bytes);
            link.close();
        }
    }

    /// Stops listening, closes every connection and joins every relay thread.
    pub fn shutdown(&self) {
        let Some(accept) = lock(&self.accept).take() else {
            return;
        };
        self.links.closing.store(true, Ordering::SeqCst);
        // accept() only returns on a connection: make one so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        let _ = accept.join();
        for link in lock(&self.links.open).values() {
            link.close();
        }
        let threads = std::mem::take(&mut *lock(&self.links.threads));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    backend: SocketAddr,
    probe: &[u8],
    marker: &Arc<[u8]>,
    links: &Arc<Links>,
) {
    for client in listener.incoming() {
        if links.closing.load(Ordering::SeqCst) {
            break;
        }
        // A failed accept or backend connection loses that one client only.
        let Ok((key, link)) = client.and_then(|client| connect(client, backend, probe, marker))
        else {
            continue;
        };
        // Registered here, before any byte flows, so a request always finds
        // its link and a shutdown sees every connection.
        lock(&links.open).insert(key, Arc::clone(&link));
        let spawned = thread::Builder::new()
            .name("claid-mock-relay".into())
            .spawn({
                let links = Arc::clone(links);
                let link = Arc::clone(&link);
                move || {
                    link.pump();
                    lock(&links.open).remove(&key);
                }
            });
        let mut threads = lock(&links.threads);
        threads.retain(|t| !t.is_finished());
        match spawned {
            Ok(thread) => threads.push(thread),
            Err(_) => {
                lock(&links.open).remove(&key);
                link.close();
            }
        }
    }
}

/// Opens the connection to tiny_http for `client` and waits until it is
/// served; the key is the address tiny_http sees as the peer.
fn connect(
    client: TcpStream,
    backend: SocketAddr,
    probe: &[u8],
    marker: &Arc<[u8]>,
) -> io::Result<(SocketAddr, Arc<Link>)> {
    let mut backend = TcpStream::connect(backend)?;
    // Requests and answers are small and sent in pieces: without this, Nagle's
    // algorithm and delayed acks add tens of milliseconds per hop.
    client.set_nodelay(true)?;
    backend.set_nodelay(true)?;
    backend.write_all(probe)?;
    backend.set_read_timeout(Some(PROBE_TIMEOUT))?;
    read_empty_answer(&mut backend)?;
    backend.set_read_timeout(None)?;
    let link = Link {
        client,
        backend,
        refusal: Mutex::new(None),
        sever_marker: Arc::clone(marker),
    };
    Ok((link.backend.local_addr()?, Arc::new(link)))
}

/// Reads the head of an answer with an empty body, byte by byte so that
/// nothing after it is consumed.
fn read_empty_answer(backend: &mut TcpStream) -> io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 4096 || backend.read(&mut byte)? == 0 {
            return Err(io::Error::other(
                "tiny_http did not answer the relay's probe",
            ));
        }
        head.push(byte[0]);
    }
    Ok(())
}

/// Relays requests until the client is done (`None`) or sends one the
/// relay refuses (its answer); an error is a broken socket.
fn relay_requests(
    client: &mut BufReader<&TcpStream>,
    mut backend: &TcpStream,
) -> io::Result<Option<Vec<u8>>> {
    loop {
        let Some(head) = read_head(client)? else {
            return Ok(None);
        };
        let framing = match head.and_then(|head| check_head(&head).map(|f| (head, f))) {
            Ok((head, framing)) => {
                backend.write_all(&head)?;
                framing
            }
            Err(refused) => return Ok(Some(refused.answer())),
        };
        let followed = match framing {
            Framing::Length(length) => copy_exact(client, backend, length)?,
            Framing::Chunked => copy_chunked(client, backend)?,
        };
        if !followed {
            return Ok(None);
        }
    }
}

/// A request the relay answers itself.
#[derive(Debug)]
struct Refused {
    status: u16,
    message: String,
}

impl Refused {
    fn bad_request(message: impl Into<String>) -> Refused {
        Refused {
            status: 400,
            message: message.into(),
        }
    }

    /// The whole answer, in the shape of every other error, closing the connection.
    fn answer(&self) -> Vec<u8> {
        let reply = Reply::status(self.status, self.message.clone());
        let reason = tiny_http::StatusCode(self.status).default_reason_phrase();
        let mut bytes = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nx-request-id: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.status,
            next_request_id(),
            reply.body.len()
        )
        .into_bytes();
        bytes.extend_from_slice(&reply.body);
        bytes
    }
}

/// How the body after a head ends.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
}

/// Reads one request head, through its empty line; `None` when the client
/// closed (or stopped half way through a head: no answer could reach it).
/// Empty lines before a request line are skipped, as RFC 9112 allows.
fn read_head(client: &mut BufReader<&TcpStream>) -> io::Result<Option<Result<Vec<u8>, Refused>>> {
    let mut head = Vec::new();
    loop {
        let start = head.len();
        let room = MAX_HEAD.saturating_sub(start as u64);
        if room == 0 {
            return Ok(Some(Err(Refused::bad_request(
                "The request head is longer than 64 KiB.",
            ))));
        }
        if client.take(room).read_until(b'\n', &mut head)? == 0 {
            return Ok(None);
        }
        let line = &head[start..];
        if !line.ends_with(b"\n") {
            if (head.len() as u64) < MAX_HEAD {
                return Ok(None);
            }
            continue;
        }
        if !line.ends_with(b"\r\n") {
            return Ok(Some(Err(Refused::bad_request(
                "Lines of a request head must end with CRLF.",
            ))));
        }
        if line == b"\r\n" {
            if start == 0 {
                head.clear();
                continue;
            }
            return Ok(Some(Ok(head)));
        }
    }
}

/// Checks a head as far as the emulator cares, and says how its body is framed.
fn check_head(head: &[u8]) -> Result<Framing, Refused> {
    let text = std::str::from_utf8(head)
        .ok()
        .filter(|t| t.is_ascii())
        .ok_or_else(|| Refused::bad_request("A request head must be ASCII."))?;
    let mut lines = text.strip_suffix("\r\n\r\n").unwrap_or(text).split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let parts: Vec<&str> = request_line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(Refused::bad_request(
            "The request line must be METHOD SP TARGET SP HTTP/1.1.",
        ));
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        let unsupported = version
            .strip_prefix("HTTP/")
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        return Err(if unsupported {
            Refused {
                status: 505,
                message: format!("HTTP version {version:?} is not supported; use HTTP/1.1."),
            }
        } else {
            Refused::bad_request("The request line must end with HTTP/1.1 or HTTP/1.0.")
        });
    }
    if !is_token(method) || target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Refused::bad_request(
            "The request line must be METHOD SP TARGET SP HTTP/1.1.",
        ));
    }
    let mut length: Option<u64> = None;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .filter(|(name, _)| is_token(name))
            .ok_or_else(|| Refused::bad_request(format!("Malformed header line {line:?}.")))?;
        let value = value.trim_matches([' ', '\t']);
        if !value
            .bytes()
            .all(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t')
        {
            return Err(Refused::bad_request(format!(
                "The value of header {name:?} has control characters."
            )));
        }
        if name.eq_ignore_ascii_case("content-length") {
            let parsed = value
                .parse::<u64>()
                .ok()
                .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    Refused::bad_request(format!("Content-Length {value:?} is not a number."))
                })?;
            if length.is_some_and(|l| l != parsed) {
                return Err(Refused::bad_request(
                    "Two different Content-Length headers.",
                ));
            }
            length = Some(parsed);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if chunked || !value.eq_ignore_ascii_case("chunked") {
                return Err(Refused::bad_request(
                    "The only Transfer-Encoding supported is chunked.",
                ));
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case("expect") && !value.eq_ignore_ascii_case("100-continue")
        {
            return Err(Refused::bad_request(
                "The only Expect supported is 100-continue.",
            ));
        }
    }
    match (chunked, length) {
        (true, Some(_)) => Err(Refused::bad_request(
            "Both Content-Length and Transfer-Encoding.",
        )),
        (true, None) => Ok(Framing::Chunked),
        (false, length) => Ok(Framing::Length(length.unwrap_or(0))),
    }
}

/// Whether `s` is an HTTP token (a method or a header name).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Copies `length` bytes; false when the client closed first.
fn copy_exact(
    client: &mut BufReader<&TcpStream>,
    backend: &TcpStream,
    length: u64,
) -> io::Result<bool> {
    let copied = io::copy(&mut client.take(length), &mut &*backend)?;
    Ok(copied == length)
}

/// Copies a chunked body through its last chunk, dropping trailers; false when
/// the client closed first or the framing is broken.
fn copy_chunked(client: &mut BufReader<&TcpStream>, mut backend: &TcpStream) -> io::Result<bool> {
    let mut line = Vec::new();
    loop {
        line.clear();
        client.take(MAX_CHUNK_LINE).read_until(b'\n', &mut line)?;
        backend.write_all(&line)?;
        let Some(size) = line
            .strip_suffix(b"\r\n")
            .and_then(|l| std::str::from_utf8(l).ok())
            .map(|l| l.split(';').next().unwrap_or_default().trim())
            .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        else {
            return Ok(false);
        };
        if size == 0 {
            break;
        }
        if !copy_exact(client, backend, size + 2)? {
            return Ok(false);
        }
    }
    // Trailers, through the empty line: tiny_http does not expect any, so
    // only the empty line goes on.
    loop {
        line.clear();
        client.take(MAX_CHUNK_LINE).read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\r\n") {
            return Ok(false);
        }
        if line == b"\r\n" {
            backend.write_all(&line)?;
            return Ok(true);
        }
    }
}
