//! The emulator's threads: one accepting connections, one per open
//! connection (at most [`Config::max_connections`]) serving its requests in
//! order; all of them joined when the server stops.

use std::collections::HashMap;
use std::io::{self, ErrorKind};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::admin::Listen;
use super::dispatch;
use super::faults::FaultQueue;
use super::http::{Connection, Failure};
use super::journal::Journal;
use super::rate_limit::RateLimiter;
use super::reply::Reply;
use super::store::Store;
use super::validate::Fields;

/// How long the accept loop waits after accepting failed (out of file
/// descriptors, say) before trying again, rather than spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// What a server is configured with.
#[derive(Debug)]
pub(super) struct Config {
    /// Keys and the scopes each carries.
    pub keys: Vec<(String, Vec<String>)>,
    pub seeds: Vec<Fields>,
    /// Where it was told to listen, for the admin API's `Host` check.
    pub listen: Listen,
    pub timeout: Duration,
    /// The most connections served at once; past that, a new connection
    /// gets a 503 and is closed, so that a flood of clients cannot exhaust
    /// threads or memory.
    pub max_connections: usize,
}

/// What the threads share with the [`MockServer`](super::MockServer) handle.
#[derive(Debug)]
pub(super) struct Shared {
    pub config: Config,
    pub state: Mutex<State>,
    /// Notified whenever a request is journaled.
    pub arrived: Condvar,
    pub stop: Stop,
    connections: Mutex<Connections>,
}

/// Everything a request can read or change.
#[derive(Debug)]
pub(super) struct State {
    pub store: Store,
    pub journal: Journal,
    pub faults: FaultQueue,
    pub limiter: Option<RateLimiter>,
}

impl Shared {
    pub fn new(config: Config, state: State) -> Shared {
        Shared {
            config,
            state: Mutex::new(state),
            arrived: Condvar::new(),
            stop: Stop::default(),
            connections: Mutex::default(),
        }
    }

    /// Back to the seeds (ids from 1 again), an empty journal, no faults,
    /// a fresh quota window.
    pub fn reset(&self) {
        let mut state = lock(&self.state);
        state.store = Store::seeded(&self.config.seeds);
        state.journal.clear();
        state.faults.clear();
        if let Some(limiter) = &mut state.limiter {
            limiter.reset();
        }
    }
}

/// The open connections, so that stopping can close them all.
#[derive(Debug, Default)]
struct Connections {
    closed: bool,
    next_id: u64,
    open: HashMap<u64, TcpStream>,
}

/// Set once the server is stopping; delayed answers wait on it, so a
/// shutdown never waits out a delay.
#[derive(Debug, Default)]
pub(super) struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn stop(&self) {
        *lock(&self.stopped) = true;
        self.wake.notify_all();
    }

    /// Waits up to `delay`; true when the server stopped meanwhile.
    pub fn wait(&self, delay: Duration) -> bool {
        let stopped = lock(&self.stopped);
        let (stopped, _) = self
            .wake
            .wait_timeout_while(stopped, delay, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *stopped
    }

    pub fn is_stopped(&self) -> bool {
        *lock(&self.stopped)
    }
}

/// Locks a mutex even if a thread panicked holding it: the emulator's state
/// stays usable, and a test's own panic is reported rather than a poison error.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The listening socket's thread.
#[derive(Debug)]
pub(super) struct Listener {
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl Listener {
    /// Listens on `addr` and serves every connection until [`Listener::stop`].
    pub fn start(addr: SocketAddr, shared: &Arc<Shared>) -> io::Result<Listener> {
        let socket = TcpListener::bind(addr)?;
        let addr = socket.local_addr()?;
        let shared = Arc::clone(shared);
        let accept = thread::Builder::new()
            .name("claid-mock-accept".into())
            .spawn(move || accept_loop(&socket, &shared))?;
        Ok(Listener {
            addr,
            accept: Some(accept),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, cuts delays short, closes every connection and
    /// joins every thread.
    pub fn stop(&mut self, shared: &Shared) {
        shared.stop.stop();
        {
            let mut connections = lock(&shared.connections);
            connections.closed = true;
            for stream in connections.open.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // The accept loop sees the stop once accept returns: a connection
        // of our own makes it return.
        let _ = TcpStream::connect_timeout(&reachable(self.addr), Duration::from_secs(5));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Where a socket listening on `addr` is reached from this host: a socket
/// on every address (`0.0.0.0`, `::`) through loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

fn accept_loop(socket: &TcpListener, shared: &Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let accepted = socket.accept();
        if shared.stop.is_stopped() {
            break;
        }
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        join_finished(&mut workers);
        if let Some(worker) = spawn_worker(stream, peer, shared) {
            workers.push(worker);
        }
    }
    for worker in workers {
        let _ = worker.join();
    }
}

fn join_finished(workers: &mut Vec<JoinHandle<()>>) {
    let mut i = 0;
    while i < workers.len() {
        if workers[i].is_finished() {
            let _ = workers.swap_remove(i).join();
        } else {
            i += 1;
        }
    }
}

/// Registers the connection and starts its thread; refuses it when the
/// server is full or stopping.
fn spawn_worker(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Arc<Shared>,
) -> Option<JoinHandle<()>> {
    let id = {
        let mut connections = lock(&shared.connections);
        if connections.closed {
            return None;
        }
        if connections.open.len() >= shared.config.max_connections {
            drop(connections);
            refuse_busy(stream, &shared.config);
            return None;
        }
        let id = connections.next_id;
        connections.next_id += 1;
        connections.open.insert(id, stream.try_clone().ok()?);
        id
    };
    let worker_shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name("claid-mock-conn".into())
        .spawn(move || {
            serve(stream, peer, &worker_shared);
            lock(&worker_shared.connections).open.remove(&id);
        });
    match spawned {
        Ok(worker) => Some(worker),
        Err(_) => {
            if let Some(stream) = lock(&shared.connections).open.remove(&id) {
                let _ = stream.shutdown(Shutdown::Both);
            }
            None
        }
    }
}

/// Answers a connection past the limit, on the accepting thread, which
/// must not wait on the client: the answer fits any socket buffer.
fn refuse_busy(stream: TcpStream, config: &Config) {
    let reply = dispatch::finish(Reply::status(
        503,
        format!(
            "The emulator serves at most {} connections at once; try again.",
            config.max_connections
        ),
    ));
    if let Ok(connection) = Connection::new(stream, config.timeout) {
        connection.refuse_at_once(&reply);
    }
}

/// Serves the requests of one connection, in order, until it closes.
fn serve(stream: TcpStream, peer: SocketAddr, shared: &Shared) {
    let Ok(mut connection) = Connection::new(stream, shared.config.timeout) else {
        return;
    };
    loop {
        match connection.read_request() {
            Ok(request) => {
                if shared.stop.is_stopped() {
                    return;
                }
                match dispatch::handle(shared, &mut connection, request, peer) {
                    dispatch::Next::Read => {}
                    dispatch::Next::Linger => return connection.linger(),
                    dispatch::Next::Close => return,
                }
            }
            Err(Failure::Closed) => return,
            Err(Failure::Refused(reply)) => {
                connection.write(&dispatch::finish(reply), true, false, None);
                return connection.linger();
            }
        }
    }
}
