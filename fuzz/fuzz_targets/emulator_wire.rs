//! Raw bytes to a running `MockServer`: the connection gets its answers or is
//! closed within a bounded time, nothing panics (libFuzzer aborts on a panic
//! in any thread), whatever it answers is HTTP, and a well-formed request on
//! another connection is still answered.
//!
//! Input: byte 0 holds flags (bits 0-2 all set: keep the sending side open,
//! so the server's own timeout must end the connection; bits 3-7: where to
//! split the bytes into two writes); the rest goes on the wire.
#![no_main]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use claid::mock::MockServer;
use libfuzzer_sys::fuzz_target;

/// The server's idle and stall timeout: short, so an input that leaves the
/// connection open costs little.
const SERVER_TIMEOUT: Duration = Duration::from_millis(300);
/// How long a connection may stay open after its bytes were sent: the
/// server's timeout, with room for a machine so loaded that its threads
/// wait seconds for a core (campaigns run niced beside other work).
const BOUND: Duration = Duration::from_secs(20);

fn server() -> &'static MockServer {
    static SERVER: OnceLock<MockServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        MockServer::builder()
            .timeout(SERVER_TIMEOUT)
            .journal_limit(64)
            .start()
            .expect("the emulator starts")
    })
}

/// Sends `bytes` on a new connection and reads until it is closed.
fn exchange(bytes: &[&[u8]], half_close: bool) -> (Vec<u8>, Duration, bool) {
    let server = server();
    let mut stream = TcpStream::connect(server.addr()).expect("connect to the emulator");
    stream.set_read_timeout(Some(BOUND)).unwrap();
    let _ = stream.set_nodelay(true);
    for part in bytes {
        // The server may close before reading everything: not a failure.
        if stream.write_all(part).is_err() {
            break;
        }
    }
    if half_close {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let sent = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 16384];
    let closed = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break false
            }
            Err(_) => break true,
        }
        if got.len() > 64 << 20 {
            break true;
        }
    };
    (got, sent.elapsed(), closed)
}

fn status_of(answer: &[u8]) -> Option<u16> {
    let line = answer.split(|&b| b == b'\n').next()?;
    let code = line.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// A well-formed request on a fresh connection, answered 200.
fn still_serving() {
    let server = server();
    // Whatever the input queued through the admin API is forgotten first.
    let clear = b"DELETE /_mock/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    let (answer, _, closed) = exchange(&[clear], true);
    assert!(
        closed && status_of(&answer) == Some(200),
        "clearing faults: {:?}",
        String::from_utf8_lossy(&answer)
    );
    let probe = format!(
        "GET /v1/storage/storage-types HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        server.api_key()
    );
    let (answer, _, closed) = exchange(&[probe.as_bytes()], true);
    assert!(closed, "the probe's connection was not closed");
    assert_eq!(
        status_of(&answer),
        Some(200),
        "probe answered {:?}",
        String::from_utf8_lossy(&answer)
    );
}

fuzz_target!(|data: &[u8]| {
    let [flags, bytes @ ..] = data else { return };
    let half_close = flags & 7 != 7;
    let split = (usize::from(flags >> 3) * bytes.len() / 32).min(bytes.len());
    let (first, second) = bytes.split_at(split);
    let (answer, took, closed) = exchange(&[first, second], half_close);
    // The admin API can queue a fault that delays answers on purpose (up to
    // a day): such an input may keep its connection open.
    let admin = bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"/_mock"));
    if !admin {
        assert!(
            closed,
            "the connection was still open {took:?} after the request"
        );
    }
    if !answer.is_empty() {
        assert!(
            answer.starts_with(b"HTTP/1.1 ") && status_of(&answer).is_some(),
            "not an HTTP answer: {:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(200)])
        );
    }
    still_serving();
});
