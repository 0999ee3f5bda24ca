//! Stopping calls in flight: [`Canceller`], and what lets it reach a call
//! wherever the call is blocked.
//!
//! A client and its clones share one [`Calls`]. It counts cancels (the
//! epoch): a call remembers the epoch it started in, and is cancelled once
//! the count has moved on. So a cancel reaches exactly the calls in flight
//! at that moment; calls started later run normally.
//!
//! A call is blocked in one of two places, and each is woken without
//! polling:
//! - on a socket (connecting, sending, waiting for the answer): the
//!   [`CancelConnector`] registers every socket the client opens, before any
//!   TLS, SOCKS or CONNECT exchange, and a cancel shuts them all down, which
//!   makes a blocked read or write return at once. Direct connections (to
//!   the API or to an HTTP proxy) are opened by `crate::connect`, which
//!   registers the socket before it connects: on Linux a shutdown aborts a
//!   connect in progress too;
//! - waiting before a retry: the wait is on a condition variable a cancel
//!   notifies ([`Call::wait`]).
//!
//! Which call a socket serves is known from the calling thread: ureq runs
//! the connector and the transport on the thread of the call, so the call's
//! epoch is kept in a thread-local for the duration of the call ([`Call`]).
//! A pooled connection opened before a cancel is never handed to a later
//! call, and a call whose epoch is past never gets a connection, pooled or
//! new; so nothing more is sent for a cancelled call.
//!
//! After `fork()`, the same check keeps the child from using a connection
//! the parent opened: each connection records the process that opened it
//! and is reported closed in any other, and a cancel in the child never
//! shuts down a socket it inherited (a shutdown acts on the socket both
//! processes share; dropping the child's copy, as the pool then does, only
//! closes that copy).
//!
//! Not interrupted, the call returning `Cancelled` as soon as they end: a
//! host name lookup (the system resolver has its own timeouts); the connect
//! to a SOCKS proxy (ureq opens that socket and registers it once
//! connected); and, on systems where a shutdown does not abort a connect in
//! progress, a connect to an address that does not answer, which ends when
//! the connection opens, is refused or reaches its connect timeout.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::mem;
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

#[cfg(feature = "native-tls")]
use ureq::unversioned::transport::NativeTlsConnector;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector,
    ShutdownHandle, SocksConnector, Transport,
};

use crate::connect::TcpConnector;

/// Stops the calls of one client (and its clones) that are in flight.
///
/// Get one from [`Client::canceller`](crate::Client::canceller); it may be
/// cloned and sent to any thread. Every call of that client that is in
/// flight when [`cancel`](Canceller::cancel) runs (connecting, sending,
/// waiting for the answer, or waiting before a retry) returns
/// [`Error::Cancelled`](crate::Error::Cancelled) promptly and sends nothing
/// more; calls started afterwards run normally.
///
#[doc = emulator_example!()]
/// use std::sync::mpsc;
/// use std::time::Duration;
/// use claid::mock::{Fault, MockServer};
///
/// let server = MockServer::start()?;
/// let client = server.client();
/// let canceller = client.canceller();
/// // The server holds the answer back for a minute.
/// server.inject(Fault::delay(Duration::from_secs(60)));
/// let (done, result) = mpsc::channel();
/// let worker = std::thread::spawn(move || done.send(client.list_storages()).unwrap());
/// assert!(server.wait_for_requests(1, Duration::from_secs(10))); // it has arrived
/// canceller.cancel();
/// assert!(matches!(result.recv()?, Err(claid::Error::Cancelled { .. })));
/// worker.join().unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Canceller {
    calls: Arc<Calls>,
}

impl Canceller {
    pub(crate) fn new(calls: Arc<Calls>) -> Canceller {
        Canceller { calls }
    }

    /// Makes every call of the client in flight now return
    /// [`Error::Cancelled`](crate::Error::Cancelled). Returns at once; the
    /// calls return on their own threads. A create, patch or delete that
    /// was cancelled may or may not have taken effect. Calls made after
    /// this returns are not affected.
    pub fn cancel(&self) {
        self.calls.cancel();
    }
}

impl fmt::Debug for Canceller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Canceller")
            .field("cancels", &self.calls.epoch())
            .finish()
    }
}

/// The calls of one client and its clones: the cancel count, the sockets
/// open, and the condition variable retry waits sleep on.
#[derive(Default)]
pub(crate) struct Calls {
    /// How many cancels there have been; changed only under `sockets`' lock.
    epoch: AtomicU64,
    sockets: Mutex<Vec<Socket>>,
    woken: Condvar,
}

/// A socket the client opened, and the process that opened it.
struct Socket {
    handle: Weak<dyn ShutdownHandle>,
    pid: u32,
}

thread_local! {
    /// The call running on this thread: its client's `Calls` (as an address,
    /// only compared) and the epoch it started in.
    static CURRENT: Cell<(usize, u64)> = const { Cell::new((0, 0)) };
}

impl Calls {
    fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    fn key(&self) -> usize {
        self as *const Calls as usize
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Socket>> {
        self.sockets.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a call on this thread. A call made inside another call of the
    /// same client (the steps of a workflow) belongs to the outer one.
    pub(crate) fn begin(&self) -> Call<'_> {
        let outer = CURRENT.get();
        let epoch = if outer.0 == self.key() {
            outer.1
        } else {
            self.epoch()
        };
        CURRENT.set((self.key(), epoch));
        Call {
            calls: self,
            epoch,
            outer,
        }
    }

    /// The epoch of this client's call running on this thread.
    fn current(&self) -> u64 {
        match CURRENT.get() {
            (key, epoch) if key == self.key() => epoch,
            // Every use of the agent is inside a call; were one not, it
            // would count as started now.
            _ => self.epoch(),
        }
    }

    fn cancel(&self) {
        let sockets = {
            let mut sockets = self.lock();
            self.epoch.fetch_add(1, Ordering::AcqRel);
            mem::take(&mut *sockets)
        };
        self.woken.notify_all();
        let me = process::id();
        for socket in sockets {
            if socket.pid == me {
                if let Some(handle) = socket.handle.upgrade() {
                    handle.shutdown();
                }
            }
        }
    }

    /// Registers a socket just opened by a call of `epoch`; shuts it down
    /// and refuses it when that call was cancelled meanwhile.
    fn register(&self, handle: Weak<dyn ShutdownHandle>, epoch: u64) -> Result<(), ureq::Error> {
        let mut sockets = self.lock();
        if self.epoch() != epoch {
            drop(sockets);
            if let Some(handle) = handle.upgrade() {
                handle.shutdown();
            }
            return Err(cancelled());
        }
        sockets.retain(|s| s.handle.strong_count() > 0);
        sockets.push(Socket {
            handle,
            pid: process::id(),
        });
        Ok(())
    }
}

/// The error a connection of a cancelled call fails with. The engine sees
/// the epoch move and answers `Cancelled`, whatever ureq makes of this.
fn cancelled() -> ureq::Error {
    ureq::Error::Io(io::Error::new(
        io::ErrorKind::Interrupted,
        "the call was cancelled",
    ))
}

/// One call in flight on this thread; ends when dropped.
pub(crate) struct Call<'a> {
    calls: &'a Calls,
    epoch: u64,
    outer: (usize, u64),
}

impl Call<'_> {
    /// Whether a cancel came since the call started.
    pub(crate) fn cancelled(&self) -> bool {
        self.calls.epoch() != self.epoch
    }

    /// Waits `wait` before a retry; returns early, `true`, on a cancel.
    pub(crate) fn wait(&self, wait: Duration) -> bool {
        let sockets = self.calls.lock();
        let (_sockets, _) = self
            .calls
            .woken
            .wait_timeout_while(sockets, wait, |_| !self.cancelled())
            .unwrap_or_else(PoisonError::into_inner);
        self.cancelled()
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        CURRENT.set(self.outer);
    }
}

/// ureq's default connector chain (SOCKS, CONNECT proxy, TCP, TLS), with
/// our TCP connector in place of ureq's, every socket it opens registered in
/// the client's [`Calls`], and every connection it makes marked with its
/// call's epoch and its process.
#[derive(Debug)]
pub(crate) struct CancelConnector<C> {
    inner: C,
    calls: Arc<Calls>,
}

impl CancelConnector<()> {
    pub(crate) fn new(calls: Arc<Calls>) -> CancelConnector<impl Connector> {
        let inner =
            ().chain(SocksConnector::default())
                .chain(ConnectProxyConnector::default())
                .chain(TcpConnector)
                .chain(RustlsConnector::default());
        #[cfg(feature = "native-tls")]
        let inner = inner.chain(NativeTlsConnector::default());
        CancelConnector { inner, calls }
    }
}

impl fmt::Debug for Calls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calls")
            .field("cancels", &self.epoch())
            .finish_non_exhaustive()
    }
}

impl<C: Connector> Connector for CancelConnector<C> {
    type Out = Marked;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _chained: Option<()>,
    ) -> Result<Option<Marked>, ureq::Error> {
        let epoch = self.calls.current();
        if self.calls.epoch() != epoch {
            return Err(cancelled());
        }
        let calls = Arc::clone(&self.calls);
        let ours = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: Arc::clone(&details.current_time),
            run_connector: Arc::clone(&details.run_connector),
            // Only this client's cancels shut sockets down: the agent's own
            // shutdown is never used, so its registry is left out.
            register_shutdown: Arc::new(move |handle| calls.register(handle, epoch)),
        };
        let Some(transport) = self.inner.connect(&ours, None)? else {
            return Ok(None);
        };
        // ureq's chain panics when no TLS stack took an `https` connection;
        // ours refuses it, so nothing is ever sent in clear.
        if details.needs_tls() && !transport.is_tls() {
            return Err(ureq::Error::Tls("no TLS stack took the connection"));
        }
        Ok(Some(Marked {
            inner: Box::new(transport),
            calls: Arc::clone(&self.calls),
            epoch,
            pid: process::id(),
        }))
    }
}

/// A connection, marked with the epoch of the call that opened it and the
/// process it was opened in.
#[derive(Debug)]
pub(crate) struct Marked {
    inner: Box<dyn Transport>,
    calls: Arc<Calls>,
    epoch: u64,
    pid: u32,
}

impl Transport for Marked {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.inner.transmit_output(amount, timeout)
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.maybe_await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.inner.await_input(timeout)
    }

    /// Asked before a pooled connection is reused and when it goes back to
    /// the pool. Closed for another process (checked first: probing the
    /// socket would change the state the parent shares), for a connection
    /// opened before a cancel, and for a call that was cancelled.
    fn is_open(&mut self) -> bool {
        self.pid == process::id()
            && self.epoch == self.calls.epoch()
            && self.epoch == self.calls.current()
            && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
