//! A TCP relay in front of tiny_http, so faults can break connections for real.
//!
//! tiny_http owns its sockets and always finishes an answer it started, so
//! on its own it can neither close a connection without answering nor cut
//! an answer short. Clients connect to the relay instead; each connection
//! is copied both ways to tiny_http, and the relay keeps the client's side,
//! which a fault can write to directly and close.
//!
//! The relay also opens tiny_http's connections one at a time, each only
//! once the previous one is served: tiny_http 0.12 hands connections to a
//! thread pool that can leave one queued behind busy keep-alive connections
//! when several arrive at once, and that client then waits for its timeout.
//! A probe request on each new connection, answered as soon as a pool
//! thread serves it, is the proof that it is served.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::server::lock;

/// The listening side of the emulator.
#[derive(Debug)]
pub(super) struct Relay {
    addr: SocketAddr,
    links: Arc<Links>,
    accept: Mutex<Option<JoinHandle<()>>>,
    /// Marks the relay's probes, so that no client can send one.
    probe_token: String,
}

/// The header carrying the probe token.
const PROBE_HEADER: &str = "x-claid-mock-relay-probe";

/// How long a probe may wait for its answer. Only a bug or a machine
/// overloaded for that long could make it wait; the client then loses its
/// connection rather than the relay its ability to accept others.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

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
            s.spawn(|| forward(&self.client, &self.backend));
            forward(&self.backend, &self.client);
        });
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
        let accept = thread::Builder::new()
            .name("claid-mock-accept".into())
            .spawn({
                let links = Arc::clone(&links);
                move || accept_loop(&listener, backend, probe.as_bytes(), &links)
            })?;
        Ok(Relay {
            addr,
            links,
            accept: Mutex::new(Some(accept)),
            probe_token,
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

    /// Sends `bytes` to the client of the connection tiny_http knows as
    /// `peer`, then closes that connection.
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

fn accept_loop(listener: &TcpListener, backend: SocketAddr, probe: &[u8], links: &Arc<Links>) {
    for client in listener.incoming() {
        if links.closing.load(Ordering::SeqCst) {
            break;
        }
        // A failed accept or backend connection loses that one client only.
        let Ok((key, link)) = client.and_then(|client| connect(client, backend, probe)) else {
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
    Ok((backend.local_addr()?, Arc::new(Link { client, backend })))
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

/// Copies one way; passes an orderly close on as a half close, and a
/// broken side on as a closed connection.
fn forward(mut from: &TcpStream, mut to: &TcpStream) {
    match io::copy(&mut from, &mut to) {
        Ok(_) => {
            let _ = to.shutdown(Shutdown::Write);
        }
        Err(_) => {
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
        }
    }
}
