//! Configuring a [`Client`].

use std::ffi::OsString;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::client::Client;
use crate::config::{self, Config, RetryHook};
use crate::engine::Engine;
use crate::proxy;
use crate::retry::{RetryEvent, RetryPolicy};
use crate::secrets::REDACTED;
use crate::url::BaseUrl;
use crate::Error;

/// The API's base URL, used unless another is given.
pub const DEFAULT_BASE_URL: &str = "https://api.claid.ai/v1/";

/// The default bound on a whole attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The default bound on opening a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default budget of a whole call, every attempt and every wait before
/// a retry included.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// Builds a [`Client`] with options other than the defaults.
///
/// ```
/// use std::time::Duration;
///
/// let client = claid::Client::builder()
///     .api_key("my-key")
///     .timeout(Duration::from_secs(10))
///     .max_retries(4)
///     .build()?;
/// assert_eq!(client.base_url(), claid::DEFAULT_BASE_URL);
/// assert!(format!("{client:?}").contains("max_retries: 4"));
/// # Ok::<(), claid::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "a builder does nothing until build() is called"]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    on_retry: Option<RetryHook>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("claid-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            on_retry: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults: the real API, 30 s and 10 s timeouts, 2 retries.
    ///
    /// ```
    /// let builder = claid::ClientBuilder::new().api_key("my-key");
    /// let shown = format!("{builder:?}");
    /// assert!(shown.contains("timeout: 30s") && shown.contains("max_retries: 2"));
    /// assert!(!shown.contains("my-key")); // Debug never shows the key
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The builder [`Client::from_env`] starts from: `CLAID_API_KEY`
    /// (required) and `CLAID_BASE_URL` (when set and not empty), read
    /// through `env`.
    pub(crate) fn from_env(env: impl Fn(&str) -> Option<OsString>) -> Result<Self, Error> {
        let var = |name| env_text(name, env(name));
        let key = var("CLAID_API_KEY")?.ok_or_else(|| {
            Error::invalid_input(
                "CLAID_API_KEY is not set (or empty); export the key from the Claid dashboard",
            )
        })?;
        let builder = ClientBuilder::new().api_key(key);
        Ok(match var("CLAID_BASE_URL")? {
            Some(url) => builder.base_url(url),
            None => builder,
        })
    }

    /// The API key, sent as `Authorization: Bearer <key>`. Required; checked
    /// by [`build`](Self::build): non-empty, visible ASCII only.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::start()?;
    /// let client = claid::ClientBuilder::new()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .build()?;
    /// client.list_storages()?;
    /// assert_eq!(server.requests()[0].header("authorization"), Some("Bearer claid-mock-key"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The base URL; `http` or `https`, with or without the trailing slash.
    /// Defaults to [`DEFAULT_BASE_URL`]. Checked by [`build`](Self::build):
    /// a host, a port from 1 to 65535 when one is given, no user name or
    /// password, no query, no fragment, no control character. Characters
    /// outside ASCII in the path are sent percent-encoded as UTF-8 (`/vé1/`
    /// as `/v%C3%A91/`), an encoded path as it is; a host outside ASCII is
    /// refused (give its `xn--` form).
    ///
    /// ```
    /// let client = claid::Client::builder()
    ///     .api_key("k")
    ///     .base_url("http://127.0.0.1:8080/v1")
    ///     .build()?;
    /// assert_eq!(client.base_url(), "http://127.0.0.1:8080/v1/");
    ///
    /// let query = claid::Client::builder().api_key("k").base_url("https://api.claid.ai/v1/?x=1");
    /// assert!(matches!(query.build(), Err(claid::Error::InvalidInput { .. })));
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Bounds a whole attempt: looking the host up, connecting, sending the
    /// request and reading the whole answer. Default 30 s. Each retry gets
    /// a budget of its own.
    ///
    /// The host lookup counts against it but is not interrupted (the system
    /// resolver has its own timeouts): interrupting it would take a thread
    /// per request, which cost about 35 µs a call.
    ///
    #[doc = emulator_example!()]
    /// use std::time::Duration;
    /// use claid::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start()?;
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .timeout(Duration::from_millis(200))
    ///     .max_retries(0)
    ///     .build()?;
    /// server.inject(Fault::delay(Duration::from_secs(5))); // cut short when the server drops
    /// assert!(matches!(client.list_storages(), Err(claid::Error::Timeout { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Bounds opening a connection, TLS handshake included. Default 10 s.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let b = claid::Client::builder().api_key("k").connect_timeout(Duration::from_secs(2));
    /// assert!(format!("{b:?}").contains("connect_timeout: 2s"));
    /// // Zero would fail every connection: refused at build time.
    /// let zero = claid::Client::builder().api_key("k").connect_timeout(Duration::ZERO);
    /// assert!(matches!(zero.build(), Err(claid::Error::InvalidInput { .. })));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bounds a whole call: every attempt and every wait before a retry.
    /// Default 120 s ([`DEFAULT_DEADLINE`]). No attempt runs past it (its
    /// timeout is cut to what is left); a wait that would end past it is not
    /// slept: the error comes back at once, with the server's wait in
    /// `retry_after` when it asked for one. A call whose deadline runs out
    /// returns [`Error::Timeout`]. Zero and over 24 hours are refused by
    /// [`build`](Self::build).
    ///
    #[doc = emulator_example!()]
    /// use std::time::Duration;
    /// use claid::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start()?;
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .deadline(Duration::from_secs(5))
    ///     .build()?;
    /// // A wait of 30 s would pass the deadline: not slept, not retried.
    /// server.inject(Fault::status(503).header("Retry-After", "30"));
    /// let err = client.list_storages().unwrap_err();
    /// let claid::Error::Api(api) = err else { panic!("{err}") };
    /// assert_eq!(api.retry_after, Some(Duration::from_secs(30)));
    /// assert_eq!(server.request_count("GET", "/v1/storage/storages"), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.retry.deadline = deadline;
        self
    }

    /// How many times a failed attempt may be retried (see the crate docs for
    /// which failures are). Default 2; 0 disables retries.
    ///
    #[doc = emulator_example!()]
    /// use claid::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start()?;
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .max_retries(0)
    ///     .build()?;
    /// server.inject(Fault::status(503).times(2));
    /// assert_eq!(client.list_storages().unwrap_err().status(), Some(503));
    /// assert_eq!(server.request_count("GET", "/v1/storage/storages"), 1); // not retried
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry.max_retries = max_retries;
        self
    }

    /// The backoff between retries when the server does not say how long to
    /// wait: a random wait up to `min(cap, base * 2^retry)`. Default 200 ms and 5 s.
    ///
    #[doc = emulator_example!()]
    /// use std::time::Duration;
    /// use claid::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start()?;
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .backoff(Duration::from_millis(1), Duration::from_millis(10))
    ///     .build()?;
    /// server.inject(Fault::status(503).times(2)); // no Retry-After: the backoff applies
    /// assert!(client.list_storages()?.is_empty());
    /// assert_eq!(server.request_count("GET", "/v1/storage/storages"), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.retry.base = base;
        self.retry.cap = cap;
        self
    }

    /// The `User-Agent` header. Default `claid-rust/<version>`. Visible
    /// ASCII and spaces only (checked by [`build`](Self::build)).
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::start()?;
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .user_agent("my-tool/1.2")
    ///     .build()?;
    /// client.list_storage_types()?;
    /// assert_eq!(server.requests()[0].header("user-agent"), Some("my-tool/1.2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Calls `hook` before each retry's wait, e.g. to log it.
    ///
    #[doc = emulator_example!()]
    /// use std::sync::{Arc, Mutex};
    /// use claid::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start()?;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .on_retry(move |event| {
    ///         eprintln!("retry {} in {:?}: {}", event.retry, event.wait, event.error);
    ///         log.lock().unwrap().push((event.retry, event.error.status()));
    ///     })
    ///     .build()?;
    /// server.inject(Fault::status(503).header("Retry-After", "0"));
    /// client.list_storages()?;
    /// assert_eq!(*seen.lock().unwrap(), [(1, Some(503))]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_retry(mut self, hook: impl Fn(&RetryEvent<'_>) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(hook));
        self
    }

    /// A builder from a JSON options object, as the C ABI takes them:
    /// `{"api_key": "...", "base_url": "...", "timeout_ms": 30000,
    /// "connect_timeout_ms": 10000, "deadline_ms": 120000, "max_retries": 2,
    /// "user_agent": "..."}`.
    /// Only `api_key` is required; an unknown key is an error (it catches
    /// typos). Errors never quote a string from the text.
    ///
    /// ```
    /// let client = claid::ClientBuilder::from_json(r#"{"api_key": "k", "max_retries": 0}"#)?.build()?;
    /// assert!(format!("{client:?}").contains("max_retries: 0"));
    ///
    /// let typo = claid::ClientBuilder::from_json(r#"{"api_key": "k", "retries": 0}"#).unwrap_err();
    /// assert!(matches!(typo, claid::Error::InvalidInput { .. }));
    /// assert!(typo.to_string().contains("retries"));
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let options: JsonOptions = crate::storage::from_json(text, "a client options object")?;
        let mut builder = ClientBuilder::new().api_key(options.api_key);
        if let Some(url) = options.base_url {
            builder = builder.base_url(url);
        }
        if let Some(ms) = options.timeout_ms {
            builder = builder.timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = options.connect_timeout_ms {
            builder = builder.connect_timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = options.deadline_ms {
            builder = builder.deadline(Duration::from_millis(ms));
        }
        if let Some(n) = options.max_retries {
            builder = builder.max_retries(n);
        }
        if let Some(agent) = options.user_agent {
            builder = builder.user_agent(agent);
        }
        Ok(builder)
    }

    /// Checks the options, chooses the proxy from the environment, and
    /// builds the client. Nothing is sent.
    ///
    /// Fails with [`Error::InvalidInput`], naming what is wrong (and never
    /// quoting the key), on:
    /// - an API key that is missing, empty, or holds anything but visible
    ///   ASCII (a space, a line break, a pasted non-breaking space): the
    ///   message gives the position of the first such character;
    /// - a base URL that is not `http` or `https`, has no host, a host
    ///   outside ASCII, a port outside 1 to 65535, a user name or password,
    ///   a query, a fragment, a control character, or a `%` that does not
    ///   start an encoded byte;
    /// - a user agent with anything but visible ASCII and spaces;
    /// - a timeout or deadline that is zero or over 24 hours;
    /// - a proxy variable of the environment (`https_proxy`/`HTTPS_PROXY`,
    ///   `http_proxy`, `all_proxy`/`ALL_PROXY`, see the README) that is not
    ///   an `http`, `https`, `socks4`, `socks4a`, `socks5` or `socks5h` URL
    ///   with a host, or not UTF-8.
    ///
    /// ```
    /// use claid::{Client, Error};
    /// let refused = |b: claid::ClientBuilder| match b.build() {
    ///     Err(Error::InvalidInput { message, .. }) => message,
    ///     other => panic!("{other:?}"),
    /// };
    /// assert!(refused(Client::builder().api_key("")).contains("empty"));
    /// assert!(refused(Client::builder().api_key("k\u{a0}ey")).contains("position 2"));
    /// assert!(refused(Client::builder().api_key("k").base_url("ftp://x/")).contains("http://"));
    /// assert!(refused(Client::builder().api_key("k").base_url("http://h:99999/v1")).contains("port"));
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let api_key = config::check_api_key(self.api_key.as_deref())?;
        let base_url = BaseUrl::parse(&self.base_url)?;
        let config = Config {
            api_key,
            proxy: proxy::from_env(&base_url, |name| std::env::var_os(name))?,
            base_url,
            timeout: config::check_timeout(self.timeout)?,
            connect_timeout: config::check_timeout(self.connect_timeout)?,
            user_agent: config::check_user_agent(&self.user_agent)?,
            retry: RetryPolicy {
                deadline: config::check_timeout(self.retry.deadline)?,
                ..self.retry
            },
            on_retry: self.on_retry,
        };
        Ok(Client::from_engine(Engine::new(config)?))
    }
}

/// The environment variable `name` as text, by the rule [`Client::from_env`]
/// follows: `None` when it is unset or empty, and an
/// [`Error::InvalidInput`] naming the variable (never quoting its value)
/// when it is set but not valid UTF-8, never "unset". Programs that read
/// more variables beside the client's (the command line's
/// `--access-key-env VAR`, say) read them with this, so every variable is
/// read one way.
///
/// ```
/// std::env::set_var("CLAID_DOC_EMPTY", "");
/// assert_eq!(claid::env_var("CLAID_DOC_EMPTY")?, None);
/// std::env::set_var("CLAID_DOC_SET", "text");
/// assert_eq!(claid::env_var("CLAID_DOC_SET")?.as_deref(), Some("text"));
/// # #[cfg(unix)] {
/// use std::os::unix::ffi::OsStrExt;
/// std::env::set_var("CLAID_DOC_BYTES", std::ffi::OsStr::from_bytes(b"pass\xff"));
/// let refused = claid::env_var("CLAID_DOC_BYTES").unwrap_err().to_string();
/// assert!(refused.contains("CLAID_DOC_BYTES") && !refused.contains("pass"));
/// # }
/// # Ok::<(), claid::Error>(())
/// ```
pub fn env_var(name: &str) -> Result<Option<String>, Error> {
    env_text(name, std::env::var_os(name))
}

/// The variable `name` of the environment, whose value is `value`, as text:
/// `None` when it is unset or empty. A value that is set but not UTF-8 is an
/// [`Error::InvalidInput`] naming the variable (never quoting it: it may
/// hold a key or a password), not "unset": read as unset, a test server's
/// address would fall back to the real API, and the key with it.
pub(crate) fn env_text(name: &str, value: Option<OsString>) -> Result<Option<String>, Error> {
    match value.map(OsString::into_string) {
        None => Ok(None),
        Some(Ok(text)) => Ok(Some(text).filter(|t| !t.is_empty())),
        Some(Err(_)) => Err(Error::invalid_input(format!(
            "the environment variable {name} is not valid UTF-8; fix or unset it"
        ))),
    }
}

/// The options object of [`ClientBuilder::from_json`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonOptions {
    api_key: String,
    base_url: Option<String>,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    deadline_ms: Option<u64>,
    max_retries: Option<u32>,
    user_agent: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| REDACTED))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("deadline", &self.retry.deadline)
            .field("max_retries", &self.retry.max_retries)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}
