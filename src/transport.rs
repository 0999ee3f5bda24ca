//! One HTTP exchange with the API: the request on the wire, the answer read
//! to the end, and ureq's errors sorted into this crate's.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ureq::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use ureq::http::{self, HeaderName, HeaderValue, Method, Uri};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;
use ureq::{Agent, AsSendBody};

use crate::cancel::{Calls, CancelConnector};
use crate::config::Config;
use crate::retry::{self, Failure};
use crate::secrets::REDACTED;
use crate::Error;

/// The largest answer body read, in bytes. Larger answers are a decode error
/// rather than an unbounded allocation.
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

const JSON: &str = "application/json";
static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// An answer read to the end.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub request_id: Option<String>,
    /// For non-2xx answers: how long the server asked to wait.
    pub wait: Option<Duration>,
}

/// Why an attempt produced no answer.
#[derive(Debug)]
pub(crate) struct AttemptError {
    pub failure: Failure,
    pub error: Error,
}

/// The connection side of a client: one agent, and so one connection pool,
/// shared by every clone.
pub(crate) struct Transport {
    agent: Agent,
    connect_timeout: Duration,
    /// The base URL's host, named when it cannot be resolved.
    host: String,
    authorization: HeaderValue,
    accept: HeaderValue,
    json: HeaderValue,
}

impl Transport {
    /// The transport for a finished, checked configuration; its sockets are
    /// registered in `calls`, so a cancel reaches them.
    pub(crate) fn new(config: &Config, calls: Arc<Calls>) -> Result<Transport, Error> {
        let agent_config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(config.proxy.clone())
            .user_agent(config.user_agent.as_str())
            // One host only, so the whole pool may serve it: threads sharing
            // a client each keep their connection.
            .max_idle_connections(16)
            .max_idle_connections_per_host(16)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_call(Some(config.timeout))
            .build();
        let mut authorization = HeaderValue::try_from(format!("Bearer {}", config.api_key))
            .map_err(|_| {
                Error::invalid_input("the API key holds characters a header cannot carry")
            })?;
        authorization.set_sensitive(true);
        Ok(Transport {
            agent: Agent::with_parts(
                agent_config,
                CancelConnector::new(calls),
                InlineResolver::default(),
            ),
            connect_timeout: config.connect_timeout,
            host: config.base_url.host().to_owned(),
            authorization,
            accept: HeaderValue::from_static(JSON),
            json: HeaderValue::from_static(JSON),
        })
    }

    /// Sends one request and reads the answer to the end, whatever its status.
    /// `budget`, when given, replaces the client's timeout for this attempt
    /// (what is left of the call's deadline), and bounds connecting too.
    pub(crate) fn attempt(
        &self,
        method: &Method,
        url: &str,
        body: Option<&[u8]>,
        budget: Option<Duration>,
    ) -> Result<Answer, AttemptError> {
        let builder = http::Request::builder()
            .method(method.clone())
            .uri(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, self.accept.clone());
        let sent = match body {
            Some(body) => builder
                .header(CONTENT_TYPE, self.json.clone())
                .body(body)
                .map(|req| self.run(req, budget)),
            None => builder.body(()).map(|req| self.run(req, budget)),
        };
        let mut response = match sent {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(classify(e, &self.host)),
            Err(e) => {
                return Err(AttemptError {
                    failure: Failure::Fatal,
                    error: Error::invalid_input(format!("could not build the request: {e}")),
                })
            }
        };
        let status = response.status().as_u16();
        let header = |name: &HeaderName| response.headers().get(name).and_then(|v| v.to_str().ok());
        let request_id = header(&X_REQUEST_ID).map(str::to_owned);
        let wait = if (200..300).contains(&status) {
            None
        } else {
            retry::server_wait(
                header(&RETRY_AFTER),
                header(&RATELIMIT_RESET),
                SystemTime::now(),
            )
        };
        let body = match response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
        {
            Ok(body) => body,
            // An error status stays an API error, whatever its body.
            Err(ureq::Error::BodyExceedsLimit(_)) if !(200..300).contains(&status) => format!(
                "(an error body over {} MiB, not kept)",
                MAX_BODY_BYTES >> 20
            )
            .into_bytes(),
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                return Err(AttemptError {
                    failure: Failure::Fatal,
                    error: Error::Decode {
                        status,
                        request_id,
                        message: format!("the answer is larger than {} MiB", MAX_BODY_BYTES >> 20),
                        excerpt: String::new(),
                    },
                })
            }
            Err(other) => return Err(classify(other, &self.host)),
        };
        Ok(Answer {
            status,
            body,
            request_id,
            wait,
        })
    }
}

impl Transport {
    /// Runs a request, with `budget` as its timeout when given. A request
    /// without a budget of its own uses the agent's configuration as is,
    /// which costs nothing per call.
    fn run(
        &self,
        req: http::Request<impl AsSendBody>,
        budget: Option<Duration>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        match budget {
            None => self.agent.run(req),
            Some(left) => self.agent.run(
                self.agent
                    .configure_request(req)
                    .timeout_per_call(Some(left))
                    .timeout_connect(Some(left.min(self.connect_timeout)))
                    .build(),
            ),
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("host", &self.host)
            .field("api_key", &REDACTED)
            .finish_non_exhaustive()
    }
}

/// Resolves host names on the calling thread.
///
/// With a timeout set, ureq's own resolver looks every host up on a new
/// thread so it can give up mid-lookup: about 35 µs a call, even for an IP
/// address. This one resolves inline, so the attempt's budget
/// (`timeout_per_call`) costs nothing; the lookup still counts against it,
/// and the system resolver bounds a hung lookup with its own timeouts.
///
/// A failed lookup comes back from the system as a bare I/O error, which
/// would read as a broken connection; it is reported as [`LookupFailed`]
/// instead, naming the host it was for (the API's or the proxy's).
#[derive(Debug, Default)]
struct InlineResolver(DefaultResolver);

impl Resolver for InlineResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0
            .resolve(uri, config, NextTimeout::default())
            .map_err(|e| lookup_failed(uri.host().unwrap_or_default(), e))
    }
}

/// A host name that could not be resolved: no such name, or no DNS.
#[derive(Debug)]
pub(crate) struct LookupFailed {
    host: String,
    source: Option<io::Error>,
}

impl fmt::Display for LookupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not resolve the host {:?}", self.host)?;
        if let Some(e) = &self.source {
            write!(f, " ({e})")?;
        }
        Ok(())
    }
}

impl std::error::Error for LookupFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// A failed lookup of `host` as the error ureq passes on, carrying a
/// [`LookupFailed`] for [`classify`] to find.
fn lookup_failed(host: &str, e: ureq::Error) -> ureq::Error {
    let source = match e {
        ureq::Error::Io(io) => Some(io),
        ureq::Error::HostNotFound => None,
        other => return other,
    };
    let failed = LookupFailed {
        host: host.to_owned(),
        source,
    };
    ureq::Error::Io(io::Error::other(failed))
}

/// Sorts a ureq error into a retry class and this crate's error; `host` is
/// the base URL's, named when a lookup failed without saying which.
fn classify(e: ureq::Error, host: &str) -> AttemptError {
    use io::ErrorKind as K;
    let (failure, error) = match e {
        // Nothing was sent: retried like a refused connection (a resolver
        // may fail for a moment), and named as what it is.
        ureq::Error::Io(io) if io.get_ref().is_some_and(|e| e.is::<LookupFailed>()) => {
            let failed = io
                .into_inner()
                .and_then(|e| e.downcast::<LookupFailed>().ok());
            let error = Error::Transport {
                message: failed.as_ref().map_or_else(String::new, |f| f.to_string()),
                source: failed.map(|f| f as _),
            };
            (Failure::ConnectFailed, error)
        }
        ureq::Error::HostNotFound => (
            Failure::ConnectFailed,
            Error::Transport {
                message: format!("could not resolve the host {host:?}"),
                source: Some(Box::new(LookupFailed {
                    host: host.to_owned(),
                    source: None,
                })),
            },
        ),
        // Nothing was sent when the connection could not even be opened in
        // time, so that timeout is retried like a refused connection.
        ureq::Error::Timeout(phase @ (ureq::Timeout::Connect | ureq::Timeout::Resolve)) => (
            Failure::ConnectFailed,
            Error::Timeout {
                message: timeout_phase(phase).to_owned(),
            },
        ),
        ureq::Error::Timeout(phase) => (
            Failure::Timeout,
            Error::Timeout {
                message: timeout_phase(phase).to_owned(),
            },
        ),
        ureq::Error::Io(ref io) if io.kind() == K::TimedOut || io.kind() == K::WouldBlock => (
            Failure::Timeout,
            Error::Timeout {
                message: "a read or write on the connection timed out".to_owned(),
            },
        ),
        ureq::Error::Io(ref io)
            if matches!(
                io.kind(),
                K::ConnectionRefused
                    | K::HostUnreachable
                    | K::NetworkUnreachable
                    | K::NetworkDown
                    | K::AddrNotAvailable
            ) =>
        {
            let message = format!("could not connect: {io}");
            (Failure::ConnectFailed, transport(message, e))
        }
        ureq::Error::ConnectionFailed => {
            let message = format!("could not connect: {e}");
            (Failure::ConnectFailed, transport(message, e))
        }
        // rustls reports a failed handshake (a bad certificate, say) as
        // InvalidData: retrying cannot help, and the message must say TLS.
        ureq::Error::Io(ref io) if io.kind() == K::InvalidData => {
            let message = format!("TLS or the HTTP framing failed: {io}");
            (Failure::Fatal, transport(message, e))
        }
        ureq::Error::Io(_) => {
            let message = format!("the connection broke: {e}");
            (Failure::ConnectionLost, transport(message, e))
        }
        other => {
            let message = other.to_string();
            (Failure::Fatal, transport(message, other))
        }
    };
    AttemptError { failure, error }
}

fn transport(message: String, source: ureq::Error) -> Error {
    Error::Transport {
        message,
        source: Some(Box::new(source)),
    }
}

fn timeout_phase(phase: ureq::Timeout) -> &'static str {
    match phase {
        ureq::Timeout::Connect | ureq::Timeout::Resolve => "opening the connection took too long",
        ureq::Timeout::SendRequest | ureq::Timeout::SendBody | ureq::Timeout::PerWrite => {
            "sending the request took too long"
        }
        ureq::Timeout::RecvResponse => "no answer came within the timeout",
        ureq::Timeout::RecvBody | ureq::Timeout::PerRead => "reading the answer took too long",
        _ => "the attempt took longer than its timeout",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: &Error) -> &str {
        match e {
            Error::Transport { message, .. } | Error::Timeout { message } => message,
            other => panic!("expected Transport or Timeout, got {other:?}"),
        }
    }

    #[test]
    fn a_failed_lookup_names_the_host_not_a_broken_connection() {
        let lookup = || io::Error::other("failed to lookup address information");
        for (error, host, named) in [
            (ureq::Error::Io(lookup()), "proxy.example", "proxy.example"),
            (
                ureq::Error::HostNotFound,
                "api.claid.example",
                "api.claid.example",
            ),
        ] {
            let e = classify(lookup_failed(host, error), "base.example");
            assert_eq!(e.failure, Failure::ConnectFailed);
            let m = message(&e.error);
            assert!(
                m.contains(&format!("could not resolve the host \"{named}\"")),
                "{m}"
            );
            assert!(!m.contains("broke"), "{m}");
            let hint = e.error.hint().unwrap();
            assert!(hint.contains("host name"), "{hint}");
        }
        let e = classify(ureq::Error::HostNotFound, "base.example");
        assert!(message(&e.error).contains("\"base.example\""));
        assert!(e.error.hint().unwrap().contains("host name"));
        let refused = lookup_failed("h", ureq::Error::ConnectionFailed);
        assert!(matches!(refused, ureq::Error::ConnectionFailed));
    }

    #[test]
    fn ureq_errors_sort_into_retry_classes_and_messages() {
        use io::ErrorKind as K;
        for (error, failure, variant, words) in [
            (
                ureq::Error::Io(K::ConnectionRefused.into()),
                Failure::ConnectFailed,
                "transport",
                "could not connect",
            ),
            (
                ureq::Error::Io(K::ConnectionReset.into()),
                Failure::ConnectionLost,
                "transport",
                "the connection broke",
            ),
            (
                ureq::Error::Io(K::InvalidData.into()),
                Failure::Fatal,
                "transport",
                "TLS",
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Connect),
                Failure::ConnectFailed,
                "timeout",
                "opening the connection",
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::RecvResponse),
                Failure::Timeout,
                "timeout",
                "no answer came",
            ),
            (
                ureq::Error::Io(K::TimedOut.into()),
                Failure::Timeout,
                "timeout",
                "timed out",
            ),
        ] {
            let e = classify(error, "h");
            assert_eq!(e.failure, failure, "{words}");
            let is_timeout = matches!(e.error, Error::Timeout { .. });
            assert_eq!(is_timeout, variant == "timeout", "{words}: {:?}", e.error);
            assert!(message(&e.error).contains(words), "{words}: {:?}", e.error);
        }
    }
}
