//! Loopback servers that answer from a script and record exactly what came
//! over the wire, for the client's tests.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod spelling;

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// One canned answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("x-request-id".into(), format!("req-{status}")),
            ],
            body: body.into(),
        }
    }

    pub fn ok(data: &str) -> Reply {
        Reply::json(200, &format!(r#"{{"data":{data}}}"#))
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("request body is JSON")
    }
}

/// Answers requests with the scripted replies in order; once they run out,
/// every further request gets a 599 so an unexpected extra request shows.
///
/// Only for one client thread at a time: tiny_http 0.12 can queue a
/// connection opened in a burst behind threads serving kept-alive ones.
pub struct Scripted {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    pub base: String,
}

impl Scripted {
    pub fn start(replies: Vec<Reply>) -> Scripted {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = Arc::clone(&server);
            let recorded = Arc::clone(&recorded);
            thread::spawn(move || {
                let mut replies = replies.into_iter();
                for mut request in server.incoming_requests() {
                    let mut body = String::new();
                    std::io::Read::read_to_string(request.as_reader(), &mut body).ok();
                    recorded.lock().unwrap().push(Recorded {
                        method: request.method().as_str().to_owned(),
                        path: request.url().to_owned(),
                        headers: request
                            .headers()
                            .iter()
                            .map(|h| {
                                (
                                    h.field.as_str().as_str().to_owned(),
                                    h.value.as_str().to_owned(),
                                )
                            })
                            .collect(),
                        body,
                    });
                    let reply = replies.next().unwrap_or_else(|| Reply::json(599, "{}"));
                    let mut response =
                        tiny_http::Response::from_string(reply.body).with_status_code(reply.status);
                    response
                        .add_header(tiny_http::Header::from_bytes("Connection", "close").unwrap());
                    for (k, v) in reply.headers {
                        response.add_header(tiny_http::Header::from_bytes(k, v).unwrap());
                    }
                    request.respond(response).ok();
                }
            })
        };
        Scripted {
            server,
            thread: Some(thread),
            recorded,
            base: format!("http://127.0.0.1:{port}/v1/"),
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    pub fn client(&self) -> claid::ClientBuilder {
        claid::Client::builder()
            .api_key("test-key")
            .base_url(&self.base)
            .backoff(
                std::time::Duration::from_millis(1),
                std::time::Duration::from_millis(2),
            )
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

/// Accepts connections and never answers, until dropped.
pub struct Staller {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    port: u16,
    pub base: String,
}

impl Staller {
    pub fn start() -> Staller {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut held: Vec<TcpStream> = Vec::new();
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(s) = stream {
                        held.push(s);
                    }
                }
            })
        };
        Staller {
            stop,
            thread: Some(thread),
            port,
            base: format!("http://127.0.0.1:{port}/v1/"),
        }
    }
}

impl Drop for Staller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so the thread sees the flag.
        TcpStream::connect(("127.0.0.1", self.port)).ok();
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

/// A loopback address nobody listens on: a port just freed on 127.0.0.2,
/// where no other test binds, so no parallel test can take it back.
pub fn refused_base() -> String {
    let listener = TcpListener::bind("127.0.0.2:0").expect("bind loopback");
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.2:{port}/v1/")
}

pub const STORAGE: &str = r#"{"id":1,"name":"s3-playground","type":"s3","parameters":{"path":"/input/","bucket":"playground"},"created_at":"2022-01-10T18:27:16.362118+00:00"}"#;
