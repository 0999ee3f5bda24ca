//! Time from `Canceller::cancel()` to the cancelled call's return, on
//! loopback, a worker thread's `list_storages` returning `Cancelled`. Not run
//! by run.sh.
//!
//!   cancel-latency [ROUNDS] [connecting]   (default 1000 rounds)
//!
//! By default the call is waiting for its answer: a server thread accepts,
//! reads the request, tells the main thread it arrived, and never answers.
//! With `connecting` (Linux) the call is in `connect`: the listener's accept
//! queue is full, so the kernel drops the SYN, and the main thread cancels
//! once /proc/net/tcp shows the socket in SYN_SENT.
//!
//! Prints the median and the worst of the rounds, in microseconds.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map_or(1000, |n| n.parse().expect("ROUNDS is a number"));
    let connecting = std::env::args().nth(2).as_deref() == Some("connecting");
    let (port, ready): (u16, Box<dyn Fn()>) = if connecting {
        let (port, held) = deaf();
        (port, Box::new(move || wait_connecting(port, &held)))
    } else {
        let (port, arrivals) = silent();
        (port, Box::new(move || arrivals.recv().unwrap()))
    };
    let client = claid::Client::builder()
        .api_key("bench")
        .base_url(format!("http://127.0.0.1:{port}/v1/"))
        .connect_timeout(Duration::from_secs(60))
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
        ready();
        let start = Instant::now();
        canceller.cancel();
        let (result, at) = returned.recv().unwrap();
        assert!(matches!(result, Err(claid::Error::Cancelled { .. })), "{result:?}");
        times.push(at.duration_since(start));
        worker.join().unwrap();
    }
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "RESULT rounds={rounds} phase={} median_us={:.1} worst_us={:.1}",
        if connecting { "connecting" } else { "answer" },
        us(times[times.len() / 2]),
        us(times[times.len() - 1])
    );
}

/// A server that reads each request, says so, and never answers.
fn silent() -> (u16, mpsc::Receiver<()>) {
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
    (port, arrivals)
}

/// A listener whose accept queue is full (filled until a connect does not
/// get through), and what must stay open for it to stay so.
fn deaf() -> (u16, (socket2::Socket, Vec<TcpStream>)) {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    while let Ok(filler) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
        fillers.push(filler);
        assert!(fillers.len() < 8, "the accept queue never filled");
    }
    (addr.port(), (listener, fillers))
}

/// Returns once a socket is in SYN_SENT towards `port`.
fn wait_connecting<T>(port: u16, _held: &T) {
    let remote = format!("0100007F:{port:04X}");
    loop {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
        let found = table.lines().skip(1).any(|line| {
            let fields: Vec<_> = line.split_whitespace().collect();
            fields.get(2) == Some(&remote.as_str()) && fields.get(3) == Some(&"02")
        });
        if found {
            return;
        }
        thread::yield_now();
    }
}
