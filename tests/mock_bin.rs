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
    spawn_with(args, &[])
}

fn spawn_with(args: &[&str], env: &[(&str, &str)]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("CLAID_MOCK_HOST")
        .env_remove("CLAID_MOCK_PORT")
        .env_remove("CLAID_MOCK_API_KEY")
        .env_remove("CLAID_MOCK_SEED")
        .env_remove("CLAID_MOCK_RATE_LIMIT")
        .env_remove("CLAID_MOCK_SCOPES")
        .envs(env.iter().copied())
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
    assert!(String::from_utf8_lossy(&help.stdout).contains("default 12480"));
    for bad in [
        &["--port", "http"][..],
        &["--port"],
        &["--verbose"],
        &["--port", "65536"],
        &["--rate-limit", "10"],
        &["--rate-limit", "0/60"],
        &["--rate-limit", "10/0"],
        &["--rate-limit", "a/b"],
        &["--scopes", "storage,,image_editing"],
        &["--scopes", "storage, image editing"],
        &["stray"],
    ] {
        let out = Command::new(BIN).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(out.stdout.is_empty(), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("usage:"),
            "{bad:?}"
        );
    }
}

fn client(url: &str, key: &str) -> claid::Client {
    claid::Client::builder()
        .api_key(key)
        .base_url(url)
        .max_retries(0)
        .build()
        .unwrap()
}

#[test]
fn version_prints_the_crate_version() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        format!("claid-mock {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn every_option_also_comes_from_the_environment_and_arguments_win() {
    let dir = std::env::temp_dir().join(format!("claid-mock-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        r#"[{"name":"from-seed","type":"s3","parameters":{"bucket":"b","credentials":{"access_key":"a","secret_access_key":"s"}}}]"#,
    )
    .unwrap();
    let (_running, first) = spawn_with(
        &["--api-key", "arg-key"],
        &[
            ("CLAID_MOCK_HOST", "127.0.0.1"),
            ("CLAID_MOCK_PORT", "0"),
            ("CLAID_MOCK_API_KEY", "env-key"),
            ("CLAID_MOCK_SEED", seed.to_str().unwrap()),
            ("CLAID_MOCK_RATE_LIMIT", "3/600"),
        ],
    );
    let url = first.trim_end();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(
        client(url, "env-key").list_storages().unwrap_err().status(),
        Some(401)
    );
    let client = client(url, "arg-key");
    let listed = client.list_storages().unwrap();
    assert_eq!(listed[0].name, "from-seed");
    assert_eq!(listed[0].parameters.path.as_deref(), Some(""));
    client.list_storages().unwrap();
    // The fourth request (the 401 counted) is past the quota.
    assert_eq!(client.list_storages().unwrap_err().status(), Some(429));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_seed_file_is_refused_naming_the_file_and_the_storage() {
    let dir = std::env::temp_dir().join(format!("claid-mock-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("missing.json", None, "cannot read"),
        ("object.json", Some(r#"{"name":"x"}"#), "not a JSON array"),
        (
            "typo.json",
            Some(r#"[{"nmae":"x","type":"s3","parameters":{}}]"#),
            "storage 1",
        ),
        (
            "refused.json",
            Some(
                r#"[{"name":"ok","type":"web_folder","parameters":{"base_url":"u"}},{"name":"x","type":"s3","parameters":{}}]"#,
            ),
            "would be refused",
        ),
    ];
    for (name, content, mentions) in cases {
        let path = dir.join(name);
        if let Some(content) = content {
            std::fs::write(&path, content).unwrap();
        }
        let out = Command::new(BIN)
            .args(["--port", "0", "--seed"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(mentions), "{name}: {stderr}");
        assert!(!stderr.contains("nothing was sent"), "{name}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigterm_ends_it() {
    let (mut running, first) = spawn(&["--port", "0"]);
    assert!(first.starts_with("http://"));
    let status = Command::new("kill")
        .args(["-TERM", &running.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = running.0.wait().unwrap();
    assert!(!exit.success());
}

#[test]
fn scopes_come_from_an_argument_or_the_environment() {
    let (_running, first) = spawn(&["--port", "0", "--scopes", "image_editing, video_generation"]);
    let no_storage = client(first.trim_end(), "claid-mock-key");
    let err = no_storage.list_storages().unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    let (_running, first) = spawn_with(
        &["--port", "0"],
        &[("CLAID_MOCK_SCOPES", "image_generation,storage")],
    );
    assert!(client(first.trim_end(), "claid-mock-key")
        .list_storages()
        .is_ok());
    let (_running, first) = spawn_with(
        &["--port", "0", "--scopes", ""],
        &[("CLAID_MOCK_SCOPES", "storage")],
    );
    let err = client(first.trim_end(), "claid-mock-key")
        .list_storages()
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

#[test]
fn a_port_in_use_is_reported_naming_it_and_the_way_out() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(BIN)
        .args(["--port", &port])
        .env_remove("CLAID_MOCK_HOST")
        .env_remove("CLAID_MOCK_PORT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("port {port}")), "{stderr}");
    assert!(stderr.contains("--port 0"), "{stderr}");
}
