//! The `claid-mock` binary: its first line is its base URL, and it serves there.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_claid-mock");

/// Kills the child even when an assertion fails first.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start claid-mock");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    // Read on a thread of its own, so that a server that never prints fails
    // the test instead of hanging it.
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut first = String::new();
        let read = BufReader::new(stdout).read_line(&mut first).map(|_| first);
        let _ = sender.send(read);
    });
    let first = receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("claid-mock printed its URL within 10 s")
        .expect("read claid-mock's stdout");
    (running, first)
}

#[test]
fn the_first_line_is_the_base_url_and_the_server_answers_there() {
    let (_running, first) = spawn(&["--port", "0", "--api-key", "bin-key"]);
    let url = first.trim_end();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/v1/"),
        "{first:?}"
    );
    let client = claid::Client::builder()
        .api_key("bin-key")
        .base_url(url)
        .build()
        .unwrap();
    assert_eq!(client.list_storage_types().unwrap().len(), 3);
    let created = client
        .create_storage(&claid::NewStorage::web_folder(
            "site",
            "https://example.com/",
        ))
        .unwrap();
    assert_eq!(created.id, 1);
    let wrong = claid::Client::builder()
        .api_key("claid-mock-key")
        .base_url(url)
        .build()
        .unwrap();
    assert_eq!(wrong.list_storages().unwrap_err().status(), Some(401));
}

#[test]
fn the_default_key_is_the_documented_one() {
    let (_running, first) = spawn(&["--port=0"]);
    let client = claid::Client::builder()
        .api_key(claid::mock::DEFAULT_API_KEY)
        .base_url(first.trim_end())
        .build()
        .unwrap();
    assert!(client.list_storages().unwrap().is_empty());
}

#[test]
fn help_and_bad_arguments() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).starts_with("usage: claid-mock"));
    for bad in [&["--port", "http"][..], &["--port"], &["--verbose"]] {
        let out = Command::new(BIN).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty(), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage:"),
            "{bad:?}"
        );
    }
}
