//! Cancelling calls in flight and the deadline of a call, seen from outside:
//! each phase a call can be blocked in, clones and many threads at once,
//! calls made after a cancel, and the deadline against servers that never
//! answer or ask for long waits. Every server signals when a request
//! arrived; nothing waits on the clock to synchronise.

// Calls return claid::Result, whose error is large by the contract.
#![allow(clippy::result_large_err)]

mod support;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use claid::mock::{Fault, MockServer};
use claid::{Client, Error, NewStorage, StoragePatch};
use support::Staller;

const LIST: &str = "/v1/storage/storages";
const LONG: Duration = Duration::from_secs(60);
/// How long a test waits for a request it caused; only a failing test waits it out.
const ARRIVAL: Duration = Duration::from_secs(20);

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()
        .unwrap()
}

/// Runs `call` on another thread; its result comes back on the receiver.
fn spawn<T: Send + 'static>(
    call: impl FnOnce() -> T + Send + 'static,
) -> (mpsc::Receiver<T>, thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || tx.send(call()).unwrap());
    (rx, handle)
}

fn cancelled_message<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(e @ Error::Cancelled { .. }) => {
            assert_eq!((e.status(), e.request_id()), (None, None));
            assert!(e.hint().unwrap().contains("cancelled"), "{e}");
            e.to_string()
        }
        other => panic!("expected Cancelled, got {other:?}"),
    }
}

#[test]
fn a_call_waiting_for_its_answer_is_cancelled_and_later_calls_run() {
    let server = MockServer::start().unwrap();
    let client = client(&server);
    client.list_storages().unwrap(); // leaves a pooled connection
    server.inject(Fault::delay(LONG));
    let canceller = client.canceller();
    let (result, worker) = spawn({
        let client = client.clone();
        move || client.list_storages()
    });
    assert!(server.wait_for_requests(2, ARRIVAL));
    canceller.cancel();
    let message = cancelled_message(result.recv().unwrap());
    assert!(message.contains("nothing more was sent"), "{message}");
    worker.join().unwrap();
    assert_eq!(server.request_count("GET", LIST), 2, "not retried");
    // Calls after the cancel run normally, on a new connection.
    assert!(client.list_storages().unwrap().is_empty());
    assert_eq!(server.request_count("GET", LIST), 3);
}

/// A create, patch or delete, run on another thread.
type Write = dyn FnOnce(Client) -> Result<(), Error> + Send;

#[test]
fn a_cancelled_write_says_it_may_or_may_not_have_taken_effect() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("site", "https://example.com/in/"))
        .start()
        .unwrap();
    let client = client(&server);
    let calls: [(&str, Box<Write>); 3] = [
        (
            "created",
            Box::new(|c: Client| {
                c.create_storage(&NewStorage::web_folder("b", "https://example.com/b/"))
                    .map(drop)
            }),
        ),
        (
            "change",
            Box::new(|c: Client| c.patch_storage(1, &StoragePatch::new().name("x")).map(drop)),
        ),
        ("deleted", Box::new(|c: Client| c.delete_storage(1))),
    ];
    for (n, (words, call)) in calls.into_iter().enumerate() {
        server.inject(Fault::delay(LONG));
        let (result, worker) = spawn({
            let client = client.clone();
            move || call(client)
        });
        assert!(server.wait_for_requests(n + 1, ARRIVAL));
        client.canceller().cancel();
        let message = cancelled_message(result.recv().unwrap());
        assert!(message.contains("may or may not"), "{message}");
        assert!(message.contains(words), "{words}: {message}");
        assert!(message.contains("list the storages"), "{message}");
        worker.join().unwrap();
    }
    assert_eq!(server.requests().len(), 3, "none was retried");
}

#[test]
fn a_wait_before_a_retry_is_cut_short() {
    let server = MockServer::start().unwrap();
    let (waiting, waits) = mpsc::channel();
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .on_retry(move |e| waiting.send(e.wait).unwrap())
        .build()
        .unwrap();
    server.inject(Fault::status(503).header("Retry-After", "50"));
    let canceller = client.canceller();
    let (result, worker) = spawn(move || client.list_storages());
    assert_eq!(waits.recv().unwrap(), Duration::from_secs(50));
    canceller.cancel();
    cancelled_message(result.recv().unwrap());
    worker.join().unwrap();
    assert_eq!(
        server.request_count("GET", LIST),
        1,
        "nothing more was sent"
    );
}

#[test]
fn a_cancel_between_attempts_sends_no_retry() {
    let server = MockServer::start().unwrap();
    let canceller = std::sync::Arc::new(std::sync::OnceLock::<claid::Canceller>::new());
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .on_retry({
            let canceller = std::sync::Arc::clone(&canceller);
            move |_| canceller.get().unwrap().cancel()
        })
        .build()
        .unwrap();
    canceller.set(client.canceller()).unwrap();
    server.inject(Fault::status(503).header("Retry-After", "0"));
    cancelled_message(client.list_storages());
    assert_eq!(server.request_count("GET", LIST), 1);
    server.inject(Fault::status(503).header("Retry-After", "0"));
    // The hook cancels again, this time the workflow's list step.
    cancelled_message(
        client.ensure_storage(&NewStorage::web_folder("a", "https://example.com/a/")),
    );
    assert_eq!(
        server.request_count("POST", LIST),
        0,
        "the create never ran"
    );
}

#[test]
fn one_cancel_stops_every_clone_on_every_thread() {
    const THREADS: usize = 8;
    let server = MockServer::start().unwrap();
    let client = client(&server);
    server.inject(Fault::delay(LONG).times(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let client = client.clone();
            spawn(move || client.list_storages())
        })
        .collect();
    assert!(server.wait_for_requests(THREADS, ARRIVAL));
    client.clone().canceller().cancel();
    for (result, worker) in workers {
        cancelled_message(result.recv().unwrap());
        worker.join().unwrap();
    }
    assert_eq!(server.request_count("GET", LIST), THREADS);
    assert!(client.list_storages().unwrap().is_empty());
}

#[test]
fn a_cancel_with_nothing_in_flight_changes_nothing_later() {
    let server = MockServer::start().unwrap();
    let client = client(&server);
    client.list_storages().unwrap();
    let canceller = client.canceller();
    assert!(format!("{canceller:?}").contains("Canceller"));
    for _ in 0..3 {
        canceller.cancel();
        assert!(client.list_storages().unwrap().is_empty());
        assert!(client.get_storage(1).unwrap_err().status() == Some(404));
    }
    // Another client's cancel does not touch this one.
    let other = self::client(&server);
    other.canceller().cancel();
    assert!(client.list_storages().unwrap().is_empty());
}

#[test]
fn the_deadline_ends_a_call_to_a_server_that_never_answers() {
    let staller = Staller::start();
    let client = Client::builder()
        .api_key("k")
        .base_url(&staller.base)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    match client.list_storages() {
        Err(Error::Timeout { message, .. }) => assert!(message.contains("deadline"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_wait_past_the_deadline_is_not_slept() {
    let server = MockServer::start().unwrap();
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    for (header, wait) in [("Retry-After", "30"), ("RateLimit-Reset", "5")] {
        server.inject(Fault::status(429).header(header, wait));
        let err = client.create_storage(&NewStorage::web_folder("a", "https://e.com/"));
        let Err(Error::Api(api)) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            api.retry_after,
            Some(Duration::from_secs(wait.parse().unwrap()))
        );
    }
    assert_eq!(server.request_count("POST", LIST), 2, "one attempt each");
}

#[test]
fn deadlines_are_checked_and_read_from_json_options() {
    for bad in [Duration::ZERO, Duration::from_secs(24 * 3600 + 1)] {
        let b = Client::builder().api_key("k").deadline(bad);
        assert!(
            matches!(b.build(), Err(Error::InvalidInput { .. })),
            "{bad:?}"
        );
    }
    let b = claid::ClientBuilder::from_json(r#"{"api_key":"k","deadline_ms":1500}"#).unwrap();
    assert!(format!("{b:?}").contains("deadline: 1.5s"), "{b:?}");
    assert_eq!(claid::DEFAULT_DEADLINE, Duration::from_secs(120));
}

/// A listener whose accept queue is full, so the kernel drops further SYNs
/// and a `connect` to it stays in progress until it is given up; and the
/// connections that fill it.
#[cfg(target_os = "linux")]
struct Deaf {
    listener: socket2::Socket,
    port: u16,
    fillers: Vec<std::net::TcpStream>,
}

#[cfg(target_os = "linux")]
impl Deaf {
    fn start() -> Deaf {
        use socket2::{Domain, Socket, Type};
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        listener
            .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        listener.listen(0).unwrap();
        let addr = listener.local_addr().unwrap().as_socket().unwrap();
        // Connect until one does not get through: that one shows that the
        // queue is full. The probe's timeout only decides when to stop
        // filling; the call under test never depends on it.
        let mut fillers = Vec::new();
        loop {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(filler) => fillers.push(filler),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break,
                Err(e) => panic!("{e}"),
            }
            assert!(fillers.len() < 8, "the accept queue never filled");
        }
        Deaf {
            listener,
            port: addr.port(),
            fillers,
        }
    }

    /// Whether a socket of this process is connecting to the listener (the
    /// kernel's SYN_SENT, state 02 in /proc/net/tcp).
    fn someone_connecting(&self) -> bool {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
        let remote = format!("0100007F:{:04X}", self.port);
        table
            .lines()
            .skip(1)
            .any(|line| matches!(line.split_whitespace().collect::<Vec<_>>()[..], [_, _, r, "02", ..] if r == remote))
    }

    /// Every connection that reached the listener besides the fillers.
    fn others(&self) -> usize {
        self.listener.set_nonblocking(true).unwrap();
        let mut accepted = 0;
        while self.listener.accept().is_ok() {
            accepted += 1;
        }
        accepted - self.fillers.len()
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_call_connecting_to_an_address_that_does_not_answer_is_cancelled() {
    let deaf = Deaf::start();
    let client = Client::builder()
        .api_key("k")
        .base_url(format!("http://127.0.0.1:{}/v1/", deaf.port))
        .connect_timeout(LONG)
        .timeout(LONG)
        .build()
        .unwrap();
    let canceller = client.canceller();
    let (result, worker) = spawn(move || client.list_storages());
    // The SYN is out (so the socket is registered); nothing will answer it.
    let arrival = std::time::Instant::now() + ARRIVAL;
    while !deaf.someone_connecting() {
        assert!(
            std::time::Instant::now() < arrival,
            "the call never connected"
        );
        thread::yield_now();
    }
    canceller.cancel();
    // Left alone, the connect would go on for a minute.
    let result = result
        .recv_timeout(ARRIVAL)
        .expect("the cancel did not end the connect");
    let message = cancelled_message(result);
    assert!(message.contains("nothing more was sent"), "{message}");
    worker.join().unwrap();
    assert_eq!(deaf.others(), 0, "no connection was made");
}

#[test]
#[cfg(target_os = "linux")]
fn a_connect_that_is_never_answered_ends_at_the_connect_timeout() {
    let deaf = Deaf::start();
    let client = Client::builder()
        .api_key("k")
        .base_url(format!("http://127.0.0.1:{}/v1/", deaf.port))
        .connect_timeout(Duration::from_millis(200))
        .max_retries(0)
        .build()
        .unwrap();
    match client.list_storages() {
        Err(Error::Timeout { message, .. }) => {
            assert!(message.contains("opening the connection"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(deaf.others(), 0, "no connection was made");
}
