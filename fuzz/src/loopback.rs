//! A scripted HTTP server on a loopback port: every connection gets its
//! request read (head and `Content-Length` body), then the bytes it was told
//! to send, then a close. Closing after each answer keeps every call to it
//! independent of the one before (no pooled connection survives), so a
//! failing input replays the same way on its own.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

/// One request as it arrived.
#[derive(Clone, Debug, Default)]
pub struct Received {
    /// The request line, e.g. `GET /v1/storage/storages HTTP/1.1`.
    pub line: Vec<u8>,
    /// Header fields, as `(lower-case name, value)`.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Received {
    /// The request target (second word of the request line).
    pub fn target(&self) -> &[u8] {
        self.line.split(|&b| b == b' ').nth(1).unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

#[derive(Default)]
struct State {
    /// Answers, one per connection; the last is repeated when they run out.
    answers: Vec<Vec<u8>>,
    next: usize,
    received: Vec<Received>,
}

pub struct Scripted {
    port: u16,
    state: Arc<Mutex<State>>,
}

/// The one server of this process (a fuzz target runs in one process).
pub fn server() -> &'static Scripted {
    static SERVER: OnceLock<Scripted> = OnceLock::new();
    SERVER.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &shared);
            }
        });
        Scripted { port, state }
    })
}

impl Scripted {
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT/v1/`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1/", self.port)
    }

    /// Answers the next connections with `answers` (the last one repeated),
    /// forgetting what was received before.
    pub fn script(&self, answers: Vec<Vec<u8>>) {
        let mut state = self.state.lock().unwrap();
        state.answers = answers;
        state.next = 0;
        state.received.clear();
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_nodelay(true);
    let Some(request) = read_request(&mut stream) else {
        return;
    };
    let answer = {
        let mut state = state.lock().unwrap();
        state.received.push(request);
        let i = state.next.min(state.answers.len().saturating_sub(1));
        state.next += 1;
        state.answers.get(i).cloned().unwrap_or_default()
    };
    let _ = stream.write_all(&answer);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
}

fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = &buf[..head_end];
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next()?.to_vec();
    let headers: Vec<(String, Vec<u8>)> = lines
        .filter_map(|l| {
            let colon = l.iter().position(|&b| b == b':')?;
            let name = String::from_utf8_lossy(&l[..colon]).to_ascii_lowercase();
            let value = l[colon + 1..].trim_ascii().to_vec();
            Some((name, value))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(Received {
        line,
        headers,
        body,
    })
}
