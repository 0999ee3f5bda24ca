//! Raw HTTP/1.1 over a `TcpStream`, to check exactly what the emulator puts
//! on the wire (the client would hide framing, header case and bodies).

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use claid::mock::MockServer;
use serde_json::Value;

/// An answer as it came off the wire.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }
}

/// Sends one request with the server's key and `Connection: close`.
pub fn call(server: &MockServer, method: &str, path: &str, body: Option<&str>) -> Raw {
    let auth = format!("Bearer {}", server.api_key());
    call_with(server, method, path, &[("Authorization", &auth)], body)
}

/// Sends one request with exactly these headers (plus Host, Connection and
/// Content-Length).
pub fn call_with(
    server: &MockServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Raw {
    let bytes = exchange(
        server,
        &request(method, path, headers, body.map(str::as_bytes)),
    );
    parse(&bytes)
        .unwrap_or_else(|| panic!("not an HTTP answer: {:?}", String::from_utf8_lossy(&bytes)))
}

/// The bytes of a request.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    bytes
}

/// How long a test socket waits for a read or write before the test fails:
/// a regression that hangs the emulator fails the test instead of hanging it.
pub const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to the emulator with read and write timeouts.
pub fn connect(server: &MockServer) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).expect("connect to the emulator");
    stream.set_read_timeout(Some(SOCKET_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(SOCKET_TIMEOUT)).unwrap();
    stream
}

/// Writes `request` on a fresh connection and reads until the server closes it.
pub fn exchange(server: &MockServer, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(server);
    stream.write_all(request).expect("send the request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    answer
}

/// Splits an answer into status, headers and body (the body as received,
/// whatever its Content-Length says).
pub fn parse(bytes: &[u8]) -> Option<Raw> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Raw {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    })
}

/// Splits pipelined answers, each framed by its Content-Length.
pub fn answers(mut bytes: &[u8]) -> Vec<Raw> {
    let mut all = Vec::new();
    while !bytes.is_empty() {
        let raw = parse(bytes)
            .unwrap_or_else(|| panic!("not an HTTP answer: {:?}", String::from_utf8_lossy(bytes)));
        let length: usize = match raw.status {
            204 | 304 => 0,
            _ => raw
                .header("content-length")
                .expect("a Content-Length")
                .parse()
                .unwrap(),
        };
        let head = bytes.len() - raw.body.len();
        let end = head + length;
        assert!(end <= bytes.len(), "a short body");
        all.push(Raw {
            body: raw.body[..length].to_vec(),
            ..raw
        });
        bytes = &bytes[end..];
    }
    all
}

/// Reads one answer framed by its Content-Length off a kept-alive connection.
pub fn read_one(stream: &mut TcpStream) -> Raw {
    let mut bytes = Vec::new();
    let mut byte = [0];
    while !bytes.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("read an answer's head");
        assert_eq!(
            n,
            1,
            "closed mid-head: {:?}",
            String::from_utf8_lossy(&bytes)
        );
        bytes.push(byte[0]);
    }
    let mut raw = parse(&bytes).expect("an HTTP head");
    let length: usize = raw
        .header("content-length")
        .map_or(0, |l| l.parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("read an answer's body");
    raw.body = body;
    raw
}
