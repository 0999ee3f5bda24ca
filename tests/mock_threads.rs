//! Dropping the emulator joins every thread it started (all named
//! `claid-mock-*`), even with a kept-alive connection open, an answer
//! delayed and a client stalled mid-body. Alone in its test binary, so no
//! other test's emulator runs meanwhile.

#![cfg(target_os = "linux")]

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use claid::mock::{Fault, MockServer};

/// The names of this process's threads that the emulator started (Linux
/// shows the first 15 bytes of a thread's name).
fn emulator_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim_end().to_owned())
        .filter(|name| name.starts_with("claid-mock"))
        .collect()
}

#[test]
fn drop_joins_every_thread() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    client.list_storages().unwrap(); // leaves a pooled, kept-alive connection
    server.inject(Fault::delay(Duration::from_secs(3600)));
    let mut waiting = TcpStream::connect(server.addr()).unwrap();
    let auth = format!("Bearer {}", server.api_key());
    write!(
        waiting,
        "GET /v1/storage/storages HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n"
    )
    .unwrap();
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    write!(
        stalled,
        "POST /v1/storage/storages HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    assert!(server.wait_for_requests(2, Duration::from_secs(10)));
    assert!(!emulator_threads().is_empty());
    drop(server);
    assert_eq!(emulator_threads(), Vec::<String>::new());
}
