//! Opening direct TCP connections so that a cancel reaches a `connect` in
//! progress.
//!
//! ureq's own TCP connector creates its socket inside the standard library's
//! `connect_timeout` and hands it over only once connected, so nothing can
//! shut it down while it waits on an address that does not answer. Here the
//! socket is made first (with `socket2`), registered through the chain's
//! `register_shutdown` (the client's cancel registry, see `crate::cancel`),
//! and only then connected; a cancel shuts it down, which on Linux ends a
//! connect in progress at once. What follows is ureq's TCP transport, which
//! ureq does not export: the same timeouts, errors, signal handling and
//! liveness probe.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{self, Instant};

use socket2::{Domain, Protocol, SockRef, Socket, Type};
use ureq::unversioned::transport::time::Duration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};

/// Connects straight to the resolved addresses when no proxy connection came
/// down the chain (as ureq's `TcpConnector`, whose place it takes).
#[derive(Debug, Default)]
pub(crate) struct TcpConnector;

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        let stream = connect_any(details)?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(TcpTransport {
            stream,
            buffers,
            read_timeout: None,
            write_timeout: None,
        })))
    }
}

/// The shortest share of the connect budget an address gets (ureq's).
const MIN_PER_ADDRESS: time::Duration = time::Duration::from_millis(10);

/// Tries the addresses in the resolver's order, as ureq does: each gets a
/// share of the connect budget halving from one address to the next (curl's
/// scheme), and a failure that concerns only that address, or its share
/// running out, moves on to the next.
fn connect_any(details: &ConnectionDetails) -> Result<Arc<TcpStream>, ureq::Error> {
    let timeout = details.timeout;
    let total_weight = 2.0 * (1.0 - 0.5_f64.powi(details.addrs.len() as i32));
    let mut weight = 1.0_f64;
    let mut last = None;
    for &addr in details.addrs.iter() {
        let share = timeout.not_zero().map(|t| {
            let secs = t.as_secs_f64() * weight / total_weight;
            time::Duration::from_millis((secs * 1000.0) as u64).max(MIN_PER_ADDRESS)
        });
        match connect_one(details, addr, share) {
            Ok(stream) => return Ok(stream),
            Err(ureq::Error::Io(e)) if concerns_address_only(&e) => last = Some(e.into()),
            Err(e @ ureq::Error::Timeout(_)) => {
                if (details.current_time)() > details.now + timeout.after {
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
                last = Some(e);
            }
            Err(e) => return Err(e),
        }
        weight /= 2.0;
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::ConnectionRefused).into()))
}

/// A refusal, or a route the local stack has not got (an IPv6 address on a
/// host without IPv6): the next address may still work. ureq's list.
fn concerns_address_only(e: &io::Error) -> bool {
    // A VPN or firewall on Windows may refuse an address family with
    // WSAEACCES, which is read as a permission error.
    #[cfg(windows)]
    if e.raw_os_error() == Some(10013) {
        return true;
    }
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
    )
}

/// Makes a socket, registers it (a cancelled call gets no socket), then
/// connects it within `share`.
fn connect_one(
    details: &ConnectionDetails,
    addr: SocketAddr,
    share: Option<time::Duration>,
) -> Result<Arc<TcpStream>, ureq::Error> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    let stream = Arc::new(TcpStream::from(socket));
    (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
    let socket = SockRef::from(&*stream);
    let connected = match share {
        Some(share) => socket.connect_timeout(&addr.into(), share),
        None => socket.connect(&addr.into()),
    };
    match connected {
        Ok(()) => Ok(stream),
        Err(e) if timed_out(&e) => Err(ureq::Error::Timeout(ureq::Timeout::Connect)),
        Err(e) => Err(e.into()),
    }
}

/// A blocking socket whose timeout ran out reports `WouldBlock` on Unix and
/// `TimedOut` elsewhere; both are timeouts.
fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A direct TCP connection. The socket is shared (weakly) with the cancel
/// registry, which may shut it down while a read or write waits on it.
pub(crate) struct TcpTransport {
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The socket's timeouts as last set, so each is set only when it changes.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = check(timeout.for_write())?;
        let stream = &*self.stream;
        set_timeout(&mut self.write_timeout, timeout.not_zero(), |t| {
            stream.set_write_timeout(t)
        })?;
        let mut writer = stream;
        writer
            .write_all(&self.buffers.output()[..amount])
            .map_err(|e| io_error(e, timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = check(timeout.for_read())?;
        let stream = &*self.stream;
        let limit = timeout.not_zero();
        set_timeout(&mut self.read_timeout, limit, |t| {
            stream.set_read_timeout(t)
        })?;
        let started = Instant::now();
        let mut reader = stream;
        let amount = loop {
            match reader.read(self.buffers.input_append_buf()) {
                // Linux does not restart a socket read that has a timeout
                // after a signal, even with SA_RESTART: go on with the time
                // left. Without a timeout the signal was meant to interrupt.
                Err(e) if e.kind() == io::ErrorKind::Interrupted && limit.is_some() => {
                    let left = limit
                        .map(|l| l.saturating_sub(started.elapsed()))
                        .filter(|left| !left.is_zero())
                        .ok_or(ureq::Error::Timeout(timeout.reason))?;
                    set_timeout(&mut self.read_timeout, Some(left.into()), |t| {
                        stream.set_read_timeout(t)
                    })?;
                }
                read => break read.map_err(|e| io_error(e, timeout))?,
            }
        };
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    /// Open when a read without waiting finds nothing: bytes the server sent
    /// unasked, or an end or error, mean the connection is not reusable.
    fn is_open(&mut self) -> bool {
        let mut reader = &*self.stream;
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let idle = matches!(reader.read(&mut [0]), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
        idle && self.stream.set_nonblocking(false).is_ok()
    }
}

/// No time left is a timeout before any I/O.
fn check(timeout: NextTimeout) -> Result<NextTimeout, ureq::Error> {
    if timeout.after.is_zero() {
        Err(ureq::Error::Timeout(timeout.reason))
    } else {
        Ok(timeout)
    }
}

/// Sets a socket timeout when it differs from the one last set. macOS may
/// refuse a change once the peer has closed with request data unread; the
/// answer may still be readable, so the read or write reports the outcome.
fn set_timeout(
    last: &mut Option<Duration>,
    timeout: Option<Duration>,
    set: impl FnOnce(Option<time::Duration>) -> io::Result<()>,
) -> io::Result<()> {
    if *last == timeout {
        return Ok(());
    }
    match set(timeout.map(|t| *t)) {
        Ok(()) => *last = timeout,
        Err(e) if cfg!(target_os = "macos") && e.kind() == io::ErrorKind::InvalidInput => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

fn io_error(e: io::Error, timeout: NextTimeout) -> ureq::Error {
    if timed_out(&e) {
        ureq::Error::Timeout(timeout.reason)
    } else {
        e.into()
    }
}

impl fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpTransport")
            .field("addr", &self.stream.peer_addr().ok())
            .finish()
    }
}
