//! What an error answer costs next to a success of the same size: a loopback
//! server (this program again, in a child process, so that a profiler of the
//! client sees none of its work) serves one fixed body to every request, and
//! the client makes `CALLS` list calls on one kept connection.
//!
//! ```sh
//! cargo bench --bench error_cost -- KIND BYTES CALLS
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*error_cost*measured*' \
//!     target/release/deps/error_cost-HASH KIND BYTES CALLS
//! /usr/bin/time -v target/release/deps/error_cost-HASH hostile 16776000 1
//! ```
//!
//! KIND is `success` (a list of storages of the documented shape), `error` (a
//! documented 422 whose message and details hold ordinary text with a few
//! escapes), or `hostile` (an error whose message is nothing but nested
//! escapes of every kind redaction decodes). BYTES is the body's size (at
//! most 16 MiB, the client's limit). Only the calls after a warm-up call are
//! in `measured`, the function callgrind is told to count. The program
//! prints the CPU time of the measured calls; no test runs it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("serve") {
        return serve(&args[1], args[2].parse().expect("BYTES"));
    }
    let [kind, bytes, calls] = &args[..] else {
        eprintln!("usage: error_cost success|error|hostile BYTES CALLS");
        std::process::exit(2);
    };
    let calls: u32 = calls.parse().expect("CALLS");
    let exe = std::env::current_exe().expect("own path");
    let mut server = Command::new(exe)
        .args(["serve", kind, bytes])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut port = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut port)
        .expect("the server's port");
    let client = claid::Client::builder()
        .api_key("bench-key-0123456789abcdefghijklmnopqrstuv")
        .base_url(format!("http://127.0.0.1:{}/v1/", port.trim()))
        .max_retries(0)
        .build()
        .expect("client");
    let expect_ok = kind == "success";
    assert_eq!(client.list_storages().is_ok(), expect_ok, "warm-up");
    let started = Instant::now();
    let cpu = cpu_time();
    let (outcome, shown) = measured(&client, calls);
    let (wall, cpu) = (started.elapsed(), cpu_time() - cpu);
    assert_eq!(outcome, expect_ok);
    println!(
        "RESULT kind={kind} bytes={bytes} calls={calls} wall_ms={:.1} cpu_ms={:.1} error_bytes={shown}",
        wall.as_secs_f64() * 1e3,
        cpu * 1e3
    );
    let _ = server.kill();
    let _ = server.wait();
}

/// The calls counted: whether every one succeeded, and the size of the
/// largest error (its `Display` and its message).
#[inline(never)]
fn measured(client: &claid::Client, calls: u32) -> (bool, usize) {
    let (mut ok, mut shown) = (true, 0);
    for _ in 0..calls {
        match client.list_storages() {
            Ok(list) => ok &= !list.is_empty(),
            Err(e) => {
                ok = false;
                let message = match &e {
                    claid::Error::Api(api) => api.error_message.len(),
                    _ => 0,
                };
                shown = shown.max(e.to_string().len() + message);
            }
        }
    }
    (ok, shown)
}

/// This process's CPU time in seconds (user and system), from /proc.
fn cpu_time() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The body of `kind`, about `bytes` long.
fn body(kind: &str, bytes: usize) -> (u16, String) {
    let mut out = String::with_capacity(bytes + 256);
    match kind {
        "success" => {
            out.push_str(r#"{"data":["#);
            let mut i = 0;
            while out.len() + 200 < bytes || i == 0 {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!(
                    r#"{{"id":{i},"name":"s3-playground-{i}","type":"s3","parameters":{{"path":"/input/","bucket":"playground"}},"created_at":"2022-01-10T18:27:16.362118+00:00"}}"#
                ));
                i += 1;
            }
            out.push_str("]}");
            (200, out)
        }
        "error" => {
            out.push_str(r#"{"error_code":"9000","error_type":"validation","error_message":""#);
            let sentence = r#"name: ensure this value has at most 50 characters (got \"caf\u00e9 \/ b\u00fccket\"). "#;
            while out.len() + sentence.len() < bytes / 2 {
                out.push_str(sentence);
            }
            out.push_str(r#"","error_details":{"#);
            let mut i = 0;
            while out.len() + 100 < bytes || i == 0 {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!(
                    r#""parameters.field_{i}":["ensure this value has at most 50 characters"]"#
                ));
                i += 1;
            }
            out.push_str("}}");
            (422, out)
        }
        "hostile" => {
            out.push_str(r#"{"error_code":"9000","error_message":""#);
            // Every kind at every level: a JSON escape of a reference of a
            // percent-encoded escape, `+`, and the reverse.
            let unit = r#"\\u0026amp;#x25;5C\u0025\u0032\u0036&#x5c;u0041%5Cu0041+&amp;%2B"#;
            while out.len() + unit.len() + 2 < bytes {
                out.push_str(unit);
            }
            out.push_str(r#""}"#);
            (500, out)
        }
        other => panic!("unknown kind {other}"),
    }
}

/// Serves `body(kind, bytes)` to every request on loopback, printing the
/// port first; ends when the client closes its connection.
fn serve(kind: &str, bytes: usize) {
    let (status, body) = body(kind, bytes);
    let mut answer = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nx-request-id: bench-1\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body.as_bytes());
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    println!("{}", listener.local_addr().expect("address").port());
    std::io::stdout().flush().expect("flush");
    let (mut stream, _) = listener.accept().expect("accept");
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        // Requests are GETs without a body: each ends at a blank line.
        while let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.drain(..end + 4);
            if stream.write_all(&answer).is_err() {
                return;
            }
        }
    }
}
