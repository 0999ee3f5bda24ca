//! Ctrl-C: a real SIGINT sent to `claid` while its call waits for the
//! emulator cancels the call, says on stderr what may have happened, and
//! exits 130.

use std::process::{Command, Stdio};
use std::time::Duration;

use claid::mock::{Fault, MockServer};
use claid::NewStorage;

#[test]
fn sigint_cancels_the_call_and_exits_130() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("site", "https://example.com/in/"))
        .start()
        .unwrap();
    for (n, (args, method)) in [
        (&["storages", "rename", "1", "archive"][..], "PATCH"),
        (&["storages", "list"][..], "GET"),
    ]
    .into_iter()
    .enumerate()
    {
        server.inject(Fault::delay(Duration::from_secs(600)).on(
            method,
            &format!(
                "/v1/storage/storages{}",
                if method == "PATCH" { "/1" } else { "" }
            ),
        ));
        let child = Command::new(env!("CARGO_BIN_EXE_claid"))
            .args(args)
            .env("CLAID_API_KEY", server.api_key())
            .env("CLAID_BASE_URL", server.url())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        assert!(server.wait_for_requests(n + 1, Duration::from_secs(60)));
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{args:?}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(stderr.contains("may or may not have been made"), "{stderr}");
        assert!(stderr.contains("claid storages list"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
    assert_eq!(server.requests().len(), 2, "nothing was retried");
}

/// Ctrl-C at the delete prompt, typed on a terminal (a pseudo-terminal from
/// util-linux's `script`: the terminal turns the `^C` byte into a real
/// SIGINT for `claid`), is no answer: a `y` typed after it deletes nothing,
/// and the command exits 130 with its message. The `^C` is typed only once
/// the prompt is on the screen, so the handler is in place and `claid` is
/// waiting for the answer, with no call in flight.
#[test]
fn ctrl_c_at_the_delete_prompt_deletes_nothing() {
    use std::io::{Read, Write};

    let server = MockServer::builder()
        .storage(NewStorage::web_folder("site", "https://example.com/in/"))
        .start()
        .unwrap();
    let command = format!("{} storages delete site", env!("CARGO_BIN_EXE_claid"));
    let mut child = Command::new("timeout")
        .args(["60", "script", "-qec", &command, "/dev/null"])
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut screen = Vec::new();
    let mut terminal = child.stdout.take().unwrap();
    // Reads what the terminal shows until `text` appears (or it closes).
    let mut read_until = |text: &str, screen: &mut Vec<u8>| {
        while !String::from_utf8_lossy(screen).contains(text) {
            let mut chunk = [0; 256];
            let n = terminal.read(&mut chunk).unwrap();
            if n == 0 {
                return;
            }
            screen.extend_from_slice(&chunk[..n]);
        }
    };
    read_until("[y/N]", &mut screen);
    let mut keyboard = child.stdin.take().unwrap();
    keyboard.write_all(b"\x03").unwrap();
    keyboard.flush().unwrap();
    // The `y` is typed once the Ctrl-C was seen (a person cannot type
    // faster than the handler runs; a test can, so it waits for it).
    read_until("interrupted", &mut screen);
    let _ = keyboard.write_all(b"y\n");
    drop(keyboard);
    terminal.read_to_end(&mut screen).unwrap();
    let status = child.wait().unwrap();
    let screen = String::from_utf8_lossy(&screen);
    assert_eq!(status.code(), Some(130), "{screen}");
    assert!(screen.contains("interrupted"), "{screen}");
    assert!(!screen.contains("deleted storage"), "{screen}");
    assert_eq!(server.storages().len(), 1, "nothing was deleted");
    assert!(
        server.requests().iter().all(|r| r.method != "DELETE"),
        "no DELETE was sent: {:?}",
        server.requests()
    );
}
