//! A base URL's path reaches the wire as ASCII: characters outside ASCII
//! (and a space) percent-encoded as UTF-8, an encoded path unchanged, never
//! a raw byte above 0x7F in the request line.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

/// Serves one request on loopback and hands back its request line as bytes.
fn request_line_for(path: &str, call: impl FnOnce(claid::Client)) -> Vec<u8> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line).unwrap();
        let mut header = Vec::new();
        while reader.read_until(b'\n', &mut header).unwrap() > 2 {
            header.clear();
        }
        let body = br#"{"data":[]}"#;
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        stream.write_all(body).unwrap();
        line
    });
    let client = claid::Client::builder()
        .api_key("k")
        .base_url(format!("http://127.0.0.1:{port}{path}"))
        .max_retries(0)
        .build()
        .unwrap();
    call(client);
    server.join().unwrap()
}

#[test]
fn base_url_paths_are_percent_encoded_on_the_wire() {
    for (path, sent) in [
        ("/vé1/", "/v%C3%A91/storage/storages"),
        ("/a b/日本", "/a%20b/%E6%97%A5%E6%9C%AC/storage/storages"),
        ("/v%C3%A91", "/v%C3%A91/storage/storages"),
        ("/x%25y/", "/x%25y/storage/storages"),
    ] {
        let line = request_line_for(path, |client| {
            client.list_storages().unwrap();
        });
        assert!(line.is_ascii(), "{path}: {line:?}");
        let line = String::from_utf8(line).unwrap();
        assert_eq!(line, format!("GET {sent} HTTP/1.1\r\n"), "{path}");
    }
    let line = request_line_for("/ü/", |client| {
        client.json().request("GET", "storage/é?q=ö", None).unwrap();
    });
    assert_eq!(line, b"GET /%C3%BC/storage/%C3%A9?q=%C3%B6 HTTP/1.1\r\n");
}
