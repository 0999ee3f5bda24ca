//! The emulator's own latency on loopback: a kept-alive raw connection asks
//! for a list of 100 storages (about 15 KB) and for a 100 KB answer, again
//! and again, and prints the median and the 99th percentile of each round
//! trip. A measurement, not a test: run it in release.
//!
//! ```text
//! cargo run --release --features mock --example mock_latency
//! ```

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use claid::mock::{Fault, MockServer};
use claid::NewStorage;

const ROUNDS: usize = 2_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = MockServer::builder();
    for i in 0..100 {
        let url = format!("https://images.example.com/customer-{i:03}/input/");
        builder = builder.storage(NewStorage::web_folder(format!("storage-{i:03}"), url));
    }
    let server = builder.start()?;
    let mut stream = TcpStream::connect(server.addr())?;
    stream.set_nodelay(true)?;
    let request = format!(
        "GET /v1/storage/storages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\r\n",
        server.api_key()
    );

    let (list, size) = measure(&mut stream, request.as_bytes(), ROUNDS)?;
    report("list of 100 storages", size, &list);

    server.inject(
        Fault::status(200)
            .body(vec![b' '; 100 * 1024])
            .times(ROUNDS),
    );
    let (big, size) = measure(&mut stream, request.as_bytes(), ROUNDS)?;
    report("100 KB answer", size, &big);
    Ok(())
}

/// Sends `request` `rounds` times, one at a time, and times each answer.
fn measure(
    stream: &mut TcpStream,
    request: &[u8],
    rounds: usize,
) -> std::io::Result<(Vec<Duration>, usize)> {
    let mut times = Vec::with_capacity(rounds);
    let mut size = 0;
    let mut buffer = vec![0; 256 * 1024];
    for _ in 0..rounds {
        let started = Instant::now();
        stream.write_all(request)?;
        size = read_answer(stream, &mut buffer)?;
        times.push(started.elapsed());
    }
    Ok((times, size))
}

/// Reads one answer framed by its Content-Length; its size in bytes.
fn read_answer(stream: &mut TcpStream, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buffer[filled..])?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
        let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if filled >= end + 4 + length {
            return Ok(end + 4 + length);
        }
    }
}

fn report(what: &str, size: usize, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize];
    println!(
        "{what} ({size} bytes on the wire), {} round trips: median {:?}, p99 {:?}, max {:?}",
        sorted.len(),
        at(0.5),
        at(0.99),
        sorted[sorted.len() - 1]
    );
}
