//! One HTTP exchange with the API: the request on the wire, the answer read
//! to the end, and ureq's errors sorted into this crate's.

use std::fmt;
use std::io;
use std::time::SystemTime;

use ureq::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use ureq::http::{self, HeaderName, HeaderValue, Method, Uri};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::Agent;

use crate::builder::ClientBuilder;
use crate::proxy;
use crate::retry::{self, Failure};
use crate::secrets::Secrets;
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
    pub wait: Option<std::time::Duration>,
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
    base_url: String,
    authority: String,
    authorization: HeaderValue,
    key: Secrets,
    accept: HeaderValue,
    json: HeaderValue,
}

impl Transport {
    pub(crate) fn new(options: &ClientBuilder, api_key: &str) -> Result<Transport, Error> {
        let (base_url, uri) = normalize_base_url(&options.base_url)?;
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default();
        let scheme = uri.scheme_str().unwrap_or_default();
        let proxy = proxy::select(scheme, uri.host().unwrap_or_default(), |name| {
            std::env::var(name).ok()
        })?;
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(proxy)
            .user_agent(options.user_agent.as_str())
            // One host only, so the whole pool may serve it: threads sharing
            // a client each keep their connection.
            .max_idle_connections(16)
            .max_idle_connections_per_host(16)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_per_call(Some(options.timeout))
            .build();
        let mut authorization =
            HeaderValue::try_from(format!("Bearer {api_key}")).map_err(|_| {
                Error::invalid_input("the API key holds characters a header cannot carry")
            })?;
        authorization.set_sensitive(true);
        Ok(Transport {
            agent: Agent::with_parts(config, DefaultConnector::new(), InlineResolver::default()),
            base_url,
            authority,
            authorization,
            key: Secrets::new([api_key]),
            accept: HeaderValue::from_static(JSON),
            json: HeaderValue::from_static(JSON),
        })
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API key, as a secret to keep out of error text.
    pub(crate) fn key(&self) -> &Secrets {
        &self.key
    }

    /// The full URL of one of this crate's own paths.
    pub(crate) fn url(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.base_url.len() + path.len());
        url.push_str(&self.base_url);
        url.push_str(path);
        url
    }

    /// Checks a caller-given path: it must be relative and stay on the API's
    /// host, so the API key is never sent elsewhere. Gives it back without
    /// its leading `/`.
    pub(crate) fn check_path<'p>(&self, path: &'p str) -> Result<&'p str, Error> {
        if path.starts_with("//") {
            return Err(Error::invalid_input(
                "the path must be relative to the base URL (e.g. \"storage/storages\"), not a URL starting with //",
            ));
        }
        let path = path.strip_prefix('/').unwrap_or(path);
        if path
            .chars()
            .any(|c| c.is_control() || c == '\\' || c == ' ')
        {
            return Err(Error::invalid_input(
                "the path holds control characters, spaces or backslashes; percent-encode them",
            ));
        }
        if path.contains("://")
            || path
                .split_once(':')
                .is_some_and(|(head, _)| !head.contains('/'))
        {
            return Err(Error::invalid_input(
                "the path must be relative to the base URL (e.g. \"storage/storages\"), not an absolute URL",
            ));
        }
        let route = path.split(['?', '#']).next().unwrap_or_default();
        if route
            .split('/')
            .any(|seg| seg.replace("%2e", ".").replace("%2E", ".") == "..")
        {
            return Err(Error::invalid_input(
                "the path must not contain \"..\" segments",
            ));
        }
        match self.url(path).parse::<Uri>() {
            Ok(uri) if uri.authority().map(|a| a.as_str()) == Some(self.authority.as_str()) => {
                Ok(path)
            }
            _ => Err(Error::invalid_input(format!(
                "the path {path:?} does not make a valid URL below the base URL"
            ))),
        }
    }

    /// Sends one request and reads the answer to the end, whatever its status.
    pub(crate) fn attempt(
        &self,
        method: &Method,
        url: &str,
        body: Option<&[u8]>,
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
                .map(|req| self.agent.run(req)),
            None => builder.body(()).map(|req| self.agent.run(req)),
        };
        let mut response = match sent {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return Err(classify(e)),
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
            Err(other) => return Err(classify(other)),
        };
        Ok(Answer {
            status,
            body,
            request_id,
            wait,
        })
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url)
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
#[derive(Debug, Default)]
struct InlineResolver(DefaultResolver);

impl Resolver for InlineResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0.resolve(uri, config, NextTimeout::default())
    }
}

/// Sorts a ureq error into a retry class and this crate's error.
fn classify(e: ureq::Error) -> AttemptError {
    use io::ErrorKind as K;
    let (failure, error) = match e {
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
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => {
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

/// Checks a base URL and gives it back with exactly one trailing slash.
fn normalize_base_url(raw: &str) -> Result<(String, Uri), Error> {
    // The URL itself is not repeated: it may carry a password or a key.
    let bad = |why: &str| {
        Error::invalid_input(format!(
            "the base URL {why}; use one like \"https://api.claid.ai/v1/\""
        ))
    };
    let uri: Uri = raw.trim().parse().map_err(|_| bad("is not a valid URL"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(bad("must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if uri.query().is_some() || raw.contains('#') {
        return Err(bad("must not have a query string or a fragment"));
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(bad("must not carry user information"));
    }
    let mut base = raw.trim().trim_end_matches('/').to_owned();
    base.push('/');
    Ok((base, uri))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(base: &str) -> Transport {
        let options = ClientBuilder::new().base_url(base);
        Transport::new(&options, "k").unwrap()
    }

    #[test]
    fn base_url_gets_one_trailing_slash() {
        for raw in [
            "http://127.0.0.1:9/v1",
            "http://127.0.0.1:9/v1/",
            "http://127.0.0.1:9/v1//",
        ] {
            assert_eq!(transport(raw).base_url(), "http://127.0.0.1:9/v1/");
        }
        for bad in [
            "ftp://x/",
            "127.0.0.1:80",
            "",
            "http://",
            "http://u:p@h/v1",
            "http://h/v1?x=1",
            "http://h/v1#x",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
        let err = normalize_base_url("http://user:hunter2@example.com/v1").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn paths_stay_below_the_base_url() {
        let t = transport("https://api.claid.ai/v1");
        assert_eq!(
            t.check_path("/storage/storages").unwrap(),
            "storage/storages"
        );
        assert_eq!(t.check_path("storage/s?x=1").unwrap(), "storage/s?x=1");
        assert_eq!(
            t.url("storage/storages"),
            "https://api.claid.ai/v1/storage/storages"
        );
        for bad in [
            "https://evil.example/x",
            "//evil.example/x",
            "http:evil",
            "storage/../../x",
            "a/%2e%2E/b",
            "..",
            "storage/\nx",
            "a b",
            "a\\b",
        ] {
            assert!(
                matches!(t.check_path(bad), Err(Error::InvalidInput { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let options = ClientBuilder::new();
        let t = Transport::new(&options, "sk-SECRET").unwrap();
        assert!(!format!("{t:?}").contains("sk-SECRET"));
    }
}
