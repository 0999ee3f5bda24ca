//! Faults found by attacking the `claid` binary as a hostile server would:
//! each test failed before its fix.

use std::process::{Command, Stdio};

use claid::mock::{Fault, MockServer};

const LIST: &str = "/v1/storage/storages";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `claid args` against `server` with its key, no proxy, stdin empty.
fn claid(server: &MockServer, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_claid"))
        .env_clear()
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .envs(env.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("claid runs");
    Run {
        code: output.status.code().expect("claid exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A server's error text holding terminal escape sequences (set the window
/// title, clear the screen) reached the terminal raw through stderr, where
/// tables already escaped them.
#[test]
fn an_error_from_the_server_cannot_drive_the_terminal() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::status(400).body(
        r#"{"error_code":"1","error_type":"x\u001b[0m","error_message":"boom \u001b]0;PWNED\u0007\u001b[2J\u009b31m end\nnext"}"#,
    ));
    let run = claid(&server, &["types"], &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("boom"), "{}", run.stderr);
    assert!(
        !run.stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains(r"\u{1b}]0;PWNED\u{7}"),
        "{}",
        run.stderr
    );
}

/// Every string under `credentials` is a secret, the access key too, and so
/// is the API key: a server echoing them in a successful answer (in a value
/// or a member name, nested credentials included) must not get them printed.
#[test]
fn echoed_access_keys_nested_credentials_and_the_api_key_are_never_printed() {
    let server = MockServer::start().unwrap();
    let key = server.api_key().to_owned();
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "attack-cli-{}-credentials.json",
        std::process::id()
    ));
    std::fs::write(
        &file,
        r#"{"access_key":"AKIA-ATTACK-ACCESS","secret_access_key":"sk-ATTACK-SECRET","sa":{"private_key":"pk-ATTACK-NESTED"}}"#,
    )
    .unwrap();
    let echoed = format!(
        r#"{{"data":{{"id":9,"name":"n","type":"s3","parameters":{{"bucket":"b","note":"made with AKIA-ATTACK-ACCESS and {key}","AKIA-ATTACK-ACCESS":["pk-ATTACK-NESTED"]}},"created_at":"x"}}}}"#
    );
    let create = [
        "storages",
        "create",
        "s3",
        "n",
        "--bucket",
        "b",
        "--credentials-file",
        file.to_str().unwrap(),
    ];
    for json in [true, false] {
        server.inject(Fault::status(200).body(echoed.clone()).on("POST", LIST));
        let args = [&create[..], if json { &["--json"][..] } else { &[][..] }].concat();
        let run = claid(&server, &args, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(claid::REDACTED), "{}", run.stdout);
        for secret in ["AKIA-ATTACK-ACCESS", "pk-ATTACK-NESTED", key.as_str()] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{secret} printed:\n{}{}",
                run.stdout,
                run.stderr
            );
        }
    }
    // The key is a secret for commands that send no credentials too.
    server.inject(
        Fault::status(200)
            .body(format!(r#"{{"data":["s3","{key}"]}}"#))
            .on("GET", "/v1/storage/storage-types"),
    );
    let run = claid(&server, &["types", "--json"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains(&key), "{}", run.stdout);
    std::fs::remove_file(&file).unwrap();
}

/// Files and standard input were read whole, whatever their size: an
/// endless one (`--credentials-file /dev/zero`) took memory until the
/// process died. More than a MiB is refused, before anything is sent.
#[test]
fn an_oversized_input_is_refused_without_reading_it_all() {
    use std::io::Write;
    let server = MockServer::start().unwrap();
    // Valid JSON all the same: two MiB of blanks, then a storage.
    let mut text = " ".repeat(2 << 20);
    text.push_str(
        r#"{"name":"big","type":"web_folder","parameters":{"base_url":"https://e.com/"}}"#,
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_claid"))
        .env_clear()
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .args(["storages", "ensure", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = child.stdin.take().unwrap().write_all(text.as_bytes());
    assert!(
        written.is_ok() || written.as_ref().unwrap_err().kind() == std::io::ErrorKind::BrokenPipe,
        "{written:?}"
    );
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("larger than 1 MiB"), "{stderr}");
    assert!(server.requests().is_empty());
}
