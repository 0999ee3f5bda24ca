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
