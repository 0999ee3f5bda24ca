//! Time from `Canceller::cancel()` to the cancelled call's return, on
//! loopback: a server thread accepts, reads the request, tells the main
//! thread it arrived, and never answers; the main thread then cancels and
//! a worker thread's `list_storages` returns `Cancelled`. Not run by run.sh.
//!
//!   cancel-latency [ROUNDS]   (default 1000)
//!
//! Prints the median and the worst of the rounds, in microseconds.

use std::io::Read;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(1000, |n| n.parse().expect("ROUNDS is a number"));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (arrived, arrivals) = mpsc::channel();
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            arrived.send(()).unwrap();
            held.push(stream);
        }
    });
    let client = claid::Client::builder()
        .api_key("bench")
        .base_url(format!("http://127.0.0.1:{port}/v1/"))
        .max_retries(0)
        .build()
        .unwrap();
    let canceller = client.canceller();
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let (done, returned) = mpsc::channel();
        let worker = {
            let client = client.clone();
            thread::spawn(move || {
                let result = client.list_storages();
                let at = Instant::now();
                done.send((result, at)).unwrap();
            })
        };
        arrivals.recv().unwrap();
        let start = Instant::now();
        canceller.cancel();
        let (result, at) = returned.recv().unwrap();
        assert!(matches!(result, Err(claid::Error::Cancelled { .. })), "{result:?}");
        times.push(at.duration_since(start));
        worker.join().unwrap();
    }
    times.sort();
    let us = |d: std::time::Duration| d.as_secs_f64() * 1e6;
    println!(
        "RESULT rounds={rounds} median_us={:.1} worst_us={:.1}",
        us(times[times.len() / 2]),
        us(times[times.len() - 1])
    );
}
