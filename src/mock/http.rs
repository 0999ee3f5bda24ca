//! HTTP/1.1 on one connection: requests read (head parsed once, by
//! `httparse`), bodies de-framed, answers written in one piece.
//!
//! Everything a hostile client can send ends here, each within a bound: a
//! head over [`MAX_HEAD`] bytes is 431, a head or body that stops arriving
//! for the connection's timeout is 408, framing this layer cannot follow
//! exactly (two `Content-Length`s, `Content-Length` with
//! `Transfer-Encoding`, a coding other than `chunked`, a chunk size that
//! overflows) is refused, and the connection is then closed, since where
//! the next request would start is unknown.
//! An HTTP/1.1 request without a `Host`, or any request with two, is a 400
//! (RFC 9112, section 3.2).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use super::reply::Reply;

/// The largest request head (request line and headers) read, in bytes.
pub(super) const MAX_HEAD: usize = 16 * 1024;

/// The most header fields a request may have.
const MAX_HEADERS: usize = 100;

/// The largest request body handled; a larger one is answered 413.
pub(super) const MAX_BODY: usize = 1024 * 1024;

/// How much of an oversized body is read and thrown away past
/// [`MAX_BODY`], so that the connection stays usable for the 413 and the
/// requests after it. Past that, the 413 closes the connection.
const MAX_DRAIN: u64 = 16 * 1024 * 1024;

/// The longest line of chunked framing (a chunk size with its extensions).
const MAX_CHUNK_LINE: usize = 4 * 1024;

/// After a last answer, how much and how long the connection is still read
/// (and the bytes thrown away), so that closing it does not reset it while
/// the client's unread bytes wait, which could lose the answer.
const LINGER_LIMIT: u64 = 4 * 1024 * 1024;
const LINGER_TIMEOUT: Duration = Duration::from_secs(2);

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// One request as received.
#[derive(Debug)]
pub(super) struct Request {
    pub method: String,
    /// The request target as sent, query included.
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// At most [`MAX_BODY`] + 1 bytes.
    pub body: Vec<u8>,
    /// The body was longer than [`MAX_BODY`].
    pub oversized: bool,
    /// The connection may carry another request after this one's answer.
    pub keep_alive: bool,
}

/// Why no request could be read.
#[derive(Debug)]
pub(super) enum Failure {
    /// The connection ended, or stayed idle past its timeout, between
    /// requests or too early to answer: close it without a word.
    Closed,
    /// The request cannot be served: answer this, then close.
    Refused(Reply),
}

impl From<io::Error> for Failure {
    fn from(_: io::Error) -> Failure {
        Failure::Closed
    }
}

/// A client's connection, with the bytes read from it but not used yet.
#[derive(Debug)]
pub(super) struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
    timeout: Duration,
}

/// A parsed request head: the request without its body, and how to read it.
struct Head {
    request: Request,
    framing: Option<Framing>,
    /// Send `100 Continue` before reading the body.
    expects_continue: bool,
    /// The head's length in bytes.
    len: usize,
}

/// How a request's body is framed.
enum Framing {
    Length(u64),
    Chunked,
}

impl Connection {
    /// `timeout` bounds how long the connection may stay idle between
    /// requests, how long a request may take to arrive once its first byte
    /// has, and how long an answer may take to be taken.
    pub fn new(stream: TcpStream, timeout: Duration) -> io::Result<Connection> {
        // Answers go out in one write each; Nagle would hold back the next
        // pipelined one for the client's delayed ACK.
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Connection {
            stream,
            buffer: Vec::new(),
            timeout,
        })
    }

    /// Reads the next request, its body included.
    pub fn read_request(&mut self) -> Result<Request, Failure> {
        if self.buffer.is_empty() {
            let idle_until = Instant::now() + self.timeout;
            if self.fill(idle_until)? == 0 {
                return Err(Failure::Closed);
            }
        }
        let deadline = Instant::now() + self.timeout;
        let Head {
            mut request,
            framing,
            expects_continue,
            len,
        } = loop {
            match self.parse_head()? {
                Some(parsed) => break parsed,
                None if self.buffer.len() > MAX_HEAD => return Err(head_too_large()),
                None => match self.fill(deadline) {
                    Ok(0) => return Err(Failure::Closed),
                    Ok(_) => {}
                    Err(e) if timed_out(&e) => return Err(late("head")),
                    Err(_) => return Err(Failure::Closed),
                },
            }
        };
        self.buffer.drain(..len);
        if let Some(framing) = framing {
            let announced = match framing {
                Framing::Length(n) => n,
                Framing::Chunked => 0,
            };
            if announced > MAX_BODY as u64 + 1 + MAX_DRAIN
                || (expects_continue && announced > MAX_BODY as u64)
            {
                // Too large to read: answered at once, the body unread.
                request.oversized = true;
                request.keep_alive = false;
                return Ok(request);
            }
            if expects_continue {
                self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            }
            let complete = match framing {
                Framing::Length(n) => self.read_sized(n, &mut request.body, deadline)?,
                Framing::Chunked => self.read_chunked(&mut request.body, deadline)?,
            };
            request.oversized = !complete || request.body.len() > MAX_BODY;
            request.keep_alive &= complete;
        }
        Ok(request)
    }

    /// The head at the start of the buffer, once it is all there.
    fn parse_head(&self) -> Result<Option<Head>, Failure> {
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut fields);
        let head_len = match parsed.parse(&self.buffer) {
            Ok(httparse::Status::Complete(n)) if n <= MAX_HEAD => n,
            // Whether it arrived in one read or several, the limit is the same.
            Ok(httparse::Status::Complete(_)) => return Err(head_too_large()),
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::Version) if names_another_http_version(&self.buffer) => {
                return Err(refuse(
                    505,
                    "Only HTTP/1.1 and HTTP/1.0 are served here.".to_owned(),
                ))
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(refuse(
                    431,
                    format!("The request has more than {MAX_HEADERS} header fields."),
                ))
            }
            Err(e) => return Err(refuse(400, format!("Malformed request head: {e}."))),
        };
        if has_bare_line_feed(&self.buffer[..head_len]) {
            return Err(refuse(
                400,
                "Malformed request head: lines must end in CRLF.".to_owned(),
            ));
        }
        let (Some(method), Some(target), Some(minor)) =
            (parsed.method, parsed.path, parsed.version)
        else {
            return Err(refuse(400, "Malformed request line.".to_owned()));
        };
        if !target.starts_with('/') || !target.is_ascii() {
            return Err(refuse(
                400,
                "The request target must be a path (origin form) in ASCII.".to_owned(),
            ));
        }
        let mut headers = Vec::with_capacity(parsed.headers.len());
        for field in parsed.headers.iter() {
            match std::str::from_utf8(field.value) {
                Ok(value) if value.is_ascii() => {
                    headers.push((field.name.to_owned(), value.to_owned()))
                }
                _ => {
                    return Err(refuse(
                        400,
                        format!("The value of header {} is not ASCII.", field.name),
                    ))
                }
            }
        }
        // RFC 9112, section 3.2: an HTTP/1.1 request without a Host, or any
        // request with more than one, is a 400, as a real server answers it.
        let hosts = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("host"))
            .count();
        if hosts > 1 || (hosts == 0 && minor == 1) {
            return Err(refuse(
                400,
                "An HTTP/1.1 request needs exactly one Host header.".to_owned(),
            ));
        }
        let framing = framing(&headers, minor)?;
        let connection = tokens(&headers, "connection");
        if header(&headers, "upgrade").is_some() || connection.iter().any(|t| t == "upgrade") {
            return Err(refuse(
                501,
                "This server speaks HTTP/1.1 only and does not switch protocols (Upgrade, h2c); \
                 send the request without Upgrade (curl: --http1.1)."
                    .to_owned(),
            ));
        }
        let expects_continue = match header(&headers, "expect") {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("100-continue") => framing.is_some() && minor == 1,
            Some(_) => {
                return Err(refuse(
                    417,
                    "The only expectation understood is 100-continue.".to_owned(),
                ))
            }
        };
        let keep_alive = if minor == 0 {
            connection.iter().any(|t| t == "keep-alive")
        } else {
            !connection.iter().any(|t| t == "close")
        };
        let request = Request {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body: Vec::new(),
            oversized: false,
            keep_alive,
        };
        Ok(Some(Head {
            request,
            framing,
            expects_continue,
            len: head_len,
        }))
    }

    /// Reads a body of `length` bytes (at most [`MAX_BODY`] + 1 +
    /// [`MAX_DRAIN`]): the first [`MAX_BODY`] + 1 into `body`, the rest
    /// thrown away. Always whole: true.
    fn read_sized(
        &mut self,
        length: u64,
        body: &mut Vec<u8>,
        deadline: Instant,
    ) -> Result<bool, Failure> {
        let kept = length.min(MAX_BODY as u64 + 1);
        self.take(kept, Some(body), deadline)?;
        self.take(length - kept, None, deadline)?;
        Ok(true)
    }

    /// Reads a chunked body, keeping and draining as [`Connection::read_sized`]
    /// does; false, and the rest left unread, once a chunk would take it
    /// past [`MAX_BODY`] + 1 + [`MAX_DRAIN`].
    fn read_chunked(&mut self, body: &mut Vec<u8>, deadline: Instant) -> Result<bool, Failure> {
        let mut drained = 0u64;
        loop {
            let size = self.chunk_size(deadline)?;
            if size == 0 {
                self.trailers(deadline)?;
                return Ok(true);
            }
            let room = (MAX_BODY as u64 + 1).saturating_sub(body.len() as u64);
            if size > room + (MAX_DRAIN - drained) {
                // Past what is ever read: answered at once, the rest unread.
                return Ok(false);
            }
            let kept = size.min(room);
            self.take(kept, Some(body), deadline)?;
            let rest = size - kept;
            self.take(rest, None, deadline)?;
            drained += rest;
            self.expect_crlf(deadline)?;
        }
    }

    /// The size on the next chunk line, the line consumed.
    fn chunk_size(&mut self, deadline: Instant) -> Result<u64, Failure> {
        loop {
            if !self.buffer.is_empty() && !self.buffer[0].is_ascii_hexdigit() {
                return Err(bad_chunk());
            }
            match httparse::parse_chunk_size(&self.buffer) {
                Ok(httparse::Status::Complete((used, _))) if used > MAX_CHUNK_LINE + 2 => {
                    return Err(bad_chunk())
                }
                Ok(httparse::Status::Complete((used, size))) => {
                    self.buffer.drain(..used);
                    return Ok(size);
                }
                Ok(httparse::Status::Partial) if self.buffer.len() > MAX_CHUNK_LINE => {
                    return Err(bad_chunk())
                }
                Ok(httparse::Status::Partial) => self.fill_body(deadline)?,
                Err(httparse::InvalidChunkSize) => return Err(bad_chunk()),
            }
        }
    }

    /// The trailer section after the last chunk, read and ignored.
    fn trailers(&mut self, deadline: Instant) -> Result<(), Failure> {
        loop {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
            match httparse::parse_headers(&self.buffer, &mut fields) {
                Ok(httparse::Status::Complete((used, _))) => {
                    self.buffer.drain(..used);
                    return Ok(());
                }
                Ok(httparse::Status::Partial) if self.buffer.len() > MAX_HEAD => {
                    return Err(refuse(
                        431,
                        "The chunked trailers are too large.".to_owned(),
                    ))
                }
                Ok(httparse::Status::Partial) => self.fill_body(deadline)?,
                Err(_) => return Err(bad_chunk()),
            }
        }
    }

    fn expect_crlf(&mut self, deadline: Instant) -> Result<(), Failure> {
        while self.buffer.len() < 2 {
            self.fill_body(deadline)?;
        }
        if &self.buffer[..2] != b"\r\n" {
            return Err(bad_chunk());
        }
        self.buffer.drain(..2);
        Ok(())
    }

    /// Moves `n` body bytes to `into`, or throws them away.
    fn take(
        &mut self,
        mut n: u64,
        mut into: Option<&mut Vec<u8>>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        while n > 0 {
            if self.buffer.is_empty() {
                self.fill_body(deadline)?;
            }
            let step = self
                .buffer
                .len()
                .min(usize::try_from(n).unwrap_or(usize::MAX));
            if let Some(into) = into.as_deref_mut() {
                into.extend_from_slice(&self.buffer[..step]);
            }
            self.buffer.drain(..step);
            n -= step as u64;
        }
        Ok(())
    }

    /// Reads more of a body: its end is a closed connection, its
    /// deadline passing a 408.
    fn fill_body(&mut self, deadline: Instant) -> Result<(), Failure> {
        match self.fill(deadline) {
            Ok(0) => Err(Failure::Closed),
            Ok(_) => Ok(()),
            Err(e) if timed_out(&e) => Err(late("body")),
            Err(_) => Err(Failure::Closed),
        }
    }

    /// Reads what the socket has, waiting until `deadline` at most; 0 at the end.
    ///
    /// Once the deadline has passed, what the socket already holds is still
    /// read (without waiting): a thread that got a core late must not drop
    /// a request that arrived in time. Only a read that would have to wait
    /// is late.
    fn fill(&mut self, deadline: Instant) -> io::Result<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            self.stream.set_nonblocking(true)?;
            let read = self.read_some();
            self.stream.set_nonblocking(false)?;
            return match read {
                Err(e) if e.kind() == ErrorKind::WouldBlock => Err(ErrorKind::TimedOut.into()),
                other => other,
            };
        }
        self.stream.set_read_timeout(Some(left))?;
        self.read_some()
    }

    /// One read into the buffer, as the socket is set to read.
    fn read_some(&mut self) -> io::Result<usize> {
        let start = self.buffer.len();
        self.buffer.resize(start + READ_CHUNK, 0);
        let read = loop {
            match self.stream.read(&mut self.buffer[start..]) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.buffer.truncate(start + *read.as_ref().unwrap_or(&0));
        read
    }

    /// Writes an answer: head and body in one write.
    ///
    /// `body_sent` cuts the body short (the head still announcing all of
    /// it); `close` adds `Connection: close`; `head_only` leaves the body
    /// out, as the answer to a `HEAD` must.
    pub fn write(&mut self, reply: &Reply, close: bool, head_only: bool, body_sent: Option<usize>) {
        let bytes = encode(reply, close, head_only, body_sent);
        // A client that went away cannot be told anything.
        let _ = self.stream.write_all(&bytes);
    }

    /// Answers and closes without waiting on the client: throws away only
    /// what has arrived already (so that closing does not reset the
    /// connection over unread bytes), then writes, then closes.
    pub fn refuse_at_once(mut self, reply: &Reply) {
        if self.stream.set_nonblocking(true).is_ok() {
            let mut sink = [0; 4096];
            let mut left = LINGER_LIMIT;
            while left > 0 {
                match self.stream.read(&mut sink) {
                    Ok(n) if n > 0 => left = left.saturating_sub(n as u64),
                    _ => break,
                }
            }
            let _ = self.stream.set_nonblocking(false);
        }
        self.write(reply, true, false, None);
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Ends the connection after a last answer without losing it: stops
    /// writing, then reads (and throws away) what the client still sends,
    /// within bounds, before closing.
    pub fn linger(mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let until = Instant::now() + LINGER_TIMEOUT.min(self.timeout);
        let mut read = 0u64;
        self.buffer.clear();
        while read < LINGER_LIMIT {
            match self.fill(until) {
                Ok(0) | Err(_) => break,
                Ok(n) => read += n as u64,
            }
            self.buffer.clear();
        }
    }
}

/// The bytes of an answer on the wire.
fn encode(reply: &Reply, close: bool, head_only: bool, body_sent: Option<usize>) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        reply.status,
        reason_phrase(reply.status)
    );
    for (name, value) in &reply.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    let bodiless = matches!(reply.status, 204 | 304);
    if !bodiless {
        head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if !bodiless && !head_only {
        let sent = body_sent.unwrap_or(reply.body.len()).min(reply.body.len());
        bytes.extend_from_slice(&reply.body[..sent]);
    }
    bytes
}

/// How the body is framed; `None` when there is none.
fn framing(headers: &[(String, String)], minor: u8) -> Result<Option<Framing>, Failure> {
    let lengths: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let codings = tokens(headers, "transfer-encoding");
    let has_coding = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"));
    match (lengths.as_slice(), has_coding) {
        ([_, ..], true) => Err(refuse(
            400,
            "Content-Length and Transfer-Encoding together: the body's framing is ambiguous."
                .to_owned(),
        )),
        ([], true) if minor == 0 => Err(refuse(
            400,
            "Transfer-Encoding is not allowed in HTTP/1.0.".to_owned(),
        )),
        ([], true) if codings == ["chunked"] => Ok(Some(Framing::Chunked)),
        ([], true) => Err(refuse(
            501,
            "The only transfer coding understood is chunked.".to_owned(),
        )),
        ([], false) => Ok(None),
        ([one], false) => match parse_length(one) {
            Some(0) => Ok(None),
            Some(n) => Ok(Some(Framing::Length(n))),
            None => Err(refuse(
                400,
                "Content-Length must be a number of bytes.".to_owned(),
            )),
        },
        (_, false) => Err(refuse(
            400,
            "Content-Length is given more than once.".to_owned(),
        )),
    }
}

/// Digits only: no sign, no spaces inside, no list; `None` on overflow.
fn parse_length(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// The first value of a header.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The comma-separated tokens of every value of a header, lower case.
fn tokens(headers: &[(String, String)], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether a request line httparse refused for its version names an HTTP
/// version all the same (`HTTP/2.0`), rather than something else (`FTP/1.1`).
fn names_another_http_version(buffer: &[u8]) -> bool {
    let line = buffer.split(|&b| b == b'\r' || b == b'\n').next();
    let version = line.and_then(|l| l.rsplit(|&b| b == b' ').next());
    version.is_some_and(|v| {
        v.strip_prefix(b"HTTP/").is_some_and(|rest| {
            !rest.is_empty() && rest.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        })
    })
}

fn has_bare_line_feed(head: &[u8]) -> bool {
    head.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || head[i - 1] != b'\r'))
}

fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn refuse(status: u16, message: String) -> Failure {
    Failure::Refused(Reply::status(status, message))
}

fn head_too_large() -> Failure {
    refuse(
        431,
        format!("The request head is larger than {} KiB.", MAX_HEAD / 1024),
    )
}

fn bad_chunk() -> Failure {
    refuse(400, "Malformed chunked body.".to_owned())
}

fn late(part: &str) -> Failure {
    refuse(
        408,
        format!("The request's {part} did not arrive in time; the connection is closed."),
    )
}

/// The standard reason phrase of a status, or none.
pub(super) fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A connection whose client has already sent `bytes`, all of them in
    /// the server side's socket buffer before anything reads it.
    fn received(bytes: &[u8], timeout: Duration) -> (Connection, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let mut client =
            TcpStream::connect(listener.local_addr().expect("address")).expect("connect");
        client.write_all(bytes).expect("send");
        let (stream, _) = listener.accept().expect("accept");
        // Blocks until bytes arrive; returns at once while fewer than all wait.
        let mut seen = vec![0; bytes.len()];
        while stream.peek(&mut seen).expect("peek") < bytes.len() {}
        (
            Connection::new(stream, timeout).expect("connection"),
            client,
        )
    }

    #[test]
    fn a_deadline_passed_still_reads_what_arrived() {
        let (mut connection, _client) = received(b"GET / HTTP/1.1\r\n", Duration::from_secs(60));
        let passed = Instant::now();
        assert_eq!(connection.fill(passed).expect("read what is there"), 16);
        assert_eq!(connection.buffer, b"GET / HTTP/1.1\r\n");
        // Nothing more there: late, without waiting.
        let late = connection.fill(passed).expect_err("nothing more arrived");
        assert_eq!(late.kind(), ErrorKind::TimedOut);
    }

    #[test]
    fn a_request_waiting_in_the_socket_is_served_whatever_the_timeout() {
        let request =
            b"GET /v1/storage/storages HTTP/1.1\r\nHost: x\r\ncontent-length: 2\r\n\r\n{}";
        // Every deadline has passed by the time the thread reads.
        let (mut connection, _client) = received(request, Duration::from_nanos(1));
        let read = connection.read_request().expect("the request that arrived");
        assert_eq!(read.target, "/v1/storage/storages");
        assert_eq!(read.body, b"{}");
    }
}
