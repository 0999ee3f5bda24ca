//! What can go wrong, and what to do about it.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::error_body;
use crate::operation::Target;
use crate::secrets::{Form, Secrets, REDACTED};
use crate::transport::LookupFailed;

/// Everything a call can fail with.
///
/// [`Error::status`] and [`Error::request_id`] answer on every variant, so
/// logging code needs no `match`.
///
/// ```
/// let err = claid::Client::new("key").unwrap().get_storage(0).unwrap_err();
/// assert!(matches!(err, claid::Error::InvalidInput { .. }));
/// assert_eq!(err.status(), None);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The input was rejected before anything was sent.
    #[non_exhaustive]
    InvalidInput {
        /// What was wrong and how to fix it.
        message: String,
    },
    /// The API answered with an error status.
    Api(ApiError),
    /// The connection could not be opened or broke: DNS, TCP, TLS, HTTP framing.
    #[non_exhaustive]
    Transport {
        /// What failed.
        message: String,
        /// The underlying error, when there is one.
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// An attempt took longer than its timeout.
    #[non_exhaustive]
    Timeout {
        /// What ran out of time.
        message: String,
    },
    /// The call was stopped by [`Canceller::cancel`](crate::Canceller::cancel)
    /// before it ended. Nothing more was sent after the cancel; a create,
    /// patch or delete may or may not have taken effect, and its message
    /// says so.
    #[non_exhaustive]
    Cancelled {
        /// What was stopped, and what may have happened.
        message: String,
    },
    /// A successful (2xx) answer whose body is not what the operation expects.
    #[non_exhaustive]
    Decode {
        /// The HTTP status of the answer.
        status: u16,
        /// The answer's `x-request-id`, if any.
        request_id: Option<String>,
        /// What did not match.
        message: String,
        /// The start of the body, for diagnosis.
        excerpt: String,
    },
}

/// An error answer from the API.
///
/// Read from every shape the API documents: Claid's error object, the same
/// under `detail` (the rate-limit 429), and FastAPI's `{"detail": "..."}` and
/// validation list (`error_code` and `error_type` `None`; `error_details` by
/// dotted field path). Any other body (a proxy's HTML page, say) leaves code
/// and type `None`, and `error_message` is the status's own message followed
/// by an excerpt of the body. No field ever holds the API key or a
/// credential the request carried, in any spelling the server echoed it.
///
#[doc = emulator_example!()]
/// use claid::{NewStorage, StorageParameters};
/// # let server = claid::mock::MockServer::start()?;
/// # let client = server.client();
/// // An `s3` storage without its bucket and credentials: the API answers 422.
/// let err = client.create_storage(&NewStorage::new("raw", "s3", StorageParameters::new()))
///     .unwrap_err();
/// if let claid::Error::Api(api) = &err {
///     if api.status == 422 {
///         for (field, problems) in api.error_details.as_object().into_iter().flatten() {
///             eprintln!("{field}: {problems}");
///         }
///     }
/// }
/// let claid::Error::Api(api) = err else { panic!("{err}") };
/// assert_eq!((api.status, api.error_type.as_deref()), (422, Some("validation")));
/// assert_eq!(api.error_details["parameters.bucket"][0], "field required");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status, e.g. 404.
    pub status: u16,
    /// Claid's error code, e.g. `"111"`.
    pub error_code: Option<String>,
    /// Claid's error type, e.g. `"auth"` or `"validation"`.
    pub error_type: Option<String>,
    /// The API's message.
    pub error_message: String,
    /// Problems by field path, e.g. `{"name": ["ensure this value has at most 50 characters"]}`.
    pub error_details: Value,
    /// The answer's `x-request-id`: quote it to Claid support.
    pub request_id: Option<String>,
    /// How long the API asked to wait before trying again (`Retry-After` or
    /// `RateLimit-Reset`). A wait too long to retry (over 60 s, or past the
    /// 120 s deadline) is returned here at once rather than slept; a number
    /// too large for any integer type reads as `u64::MAX` seconds.
    pub retry_after: Option<Duration>,
    /// What the request was aimed at, for the advice on a 404.
    pub(crate) target: Target,
}

impl ApiError {
    /// Builds the error from an answer's status, body and headers, reading
    /// the body in every documented shape (see [`crate::error_body`]), with
    /// every secret cut from every field that holds the server's text, and
    /// each field bounded (see [`MAX_TEXT_BYTES`]). Each field is redacted
    /// once, here, over a window at its start (see `Secrets`), so a huge
    /// hostile body costs its parse and little more.
    pub(crate) fn from_answer(
        status: u16,
        body: &[u8],
        request_id: Option<String>,
        retry_after: Option<Duration>,
        secrets: &Secrets,
    ) -> ApiError {
        let reason = status_reason(status);
        let Some(secrets) = &with_carried(body, secrets) else {
            let request_id = request_id.map(|id| bounded(&id, MAX_ID_BYTES, secrets));
            return ApiError::bare(
                status,
                format!("{reason}; {LEFT_OUT}"),
                request_id,
                retry_after,
            );
        };
        let request_id = request_id.map(|id| bounded(&id, MAX_ID_BYTES, secrets));
        match error_body::read(body) {
            Some(read) => ApiError {
                status,
                error_code: read.error_code.map(|c| bounded(&c, MAX_ID_BYTES, secrets)),
                error_type: read.error_type.map(|t| bounded(&t, MAX_ID_BYTES, secrets)),
                error_message: bounded(&read.error_message, MAX_TEXT_BYTES, secrets),
                error_details: bounded_details(read.error_details, secrets),
                request_id,
                retry_after,
                target: Target::Unknown,
            },
            None => {
                let error_message = if body.iter().all(u8::is_ascii_whitespace) {
                    format!("{reason} (empty body)")
                } else {
                    format!("{reason}; the body starts: {}", excerpt(body, secrets))
                };
                ApiError::bare(status, error_message, request_id, retry_after)
            }
        }
    }

    /// An error whose body gave no Claid error object: `error_message` alone.
    fn bare(
        status: u16,
        error_message: String,
        request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> ApiError {
        ApiError {
            status,
            error_code: None,
            error_type: None,
            error_message,
            error_details: Value::Object(Default::default()),
            request_id,
            retry_after,
            target: Target::Unknown,
        }
    }

    /// Cuts `secrets` from every field again, and bounds each: for an error
    /// that is to carry more secrets than it was read with.
    fn redact(&mut self, secrets: &Secrets) {
        self.error_message = bounded(&self.error_message, MAX_TEXT_BYTES, secrets);
        let short = [
            &mut self.error_code,
            &mut self.error_type,
            &mut self.request_id,
        ];
        for text in short.into_iter().flatten() {
            *text = bounded(text, MAX_ID_BYTES, secrets);
        }
        self.error_details = bounded_details(std::mem::take(&mut self.error_details), secrets);
    }

    /// What to do next about this answer, as [`Error::hint`] gives it.
    fn hint(&self) -> Option<&'static str> {
        Some(match self.status {
            400 => "The request was malformed: check the JSON sent.",
            401 => "Check the API key (CLAID_API_KEY) and that it is still active.",
            402 => "The account has no API calls left: top it up in the Claid dashboard.",
            403 => "The API key lacks the `storage` scope: use a key that has it.",
            // No Claid error object (FastAPI's {"detail": "Not Found"}, a
            // proxy's page), or a call that names no storage: the path
            // itself is not an endpoint.
            404 if self.error_code.is_none() || self.target == Target::Collection => {
                "No such endpoint: check that the base URL ends in /v1/ (e.g. https://api.claid.ai/v1/)."
            }
            404 if self.target == Target::Storage => {
                "No such storage: check the id (a list of the storages shows them)."
            }
            404 => "No such storage or endpoint: check the path, and that the base URL ends in /v1/.",
            405 => "The endpoint does not take this method: check the method and the path.",
            407 => "The proxy asks for credentials: put them in the proxy URL (http://user:password@host:port).",
            409 => "A storage with that name exists already: pick another name.",
            422 => "Some fields are invalid: see error_details.",
            429 => "Too many requests: slow down and retry later.",
            500..=599 => "The server failed: retry later, and quote the request id if it persists.",
            _ => return None,
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Claid API answered {}", self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " (error {code}")?;
            if let Some(t) = &self.error_type {
                write!(f, ", {t}")?;
            }
            f.write_str(")")?;
        }
        // The field stays the API's own text, even empty; the sentence needs words.
        let message = match self.error_message.trim_end() {
            "" => self.reason(),
            m => m,
        };
        let stop = if message.ends_with(['.', '!', '?']) {
            ""
        } else {
            "."
        };
        write!(f, ": {message}{stop}")?;
        if let Some(hint) = self.hint() {
            write!(f, " {hint}")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " The API asks to wait {}s.", wait.as_secs())?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl ApiError {
    /// The status's reason phrase (RFC 9110, section 15), e.g. `"Conflict"`.
    fn reason(&self) -> &'static str {
        status_reason(self.status)
    }
}

/// The reason phrase of `status` (RFC 9110, section 15), or `"Error"`.
fn status_reason(status: u16) -> &'static str {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

impl std::error::Error for ApiError {}

impl Error {
    /// The HTTP status behind this error, when an answer came back.
    ///
    /// ```
    /// let err = claid::Client::new("k").unwrap().delete_storage(-1).unwrap_err();
    /// assert_eq!(err.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `x-request-id` of the answer behind this error, when there was one.
    ///
    /// ```
    /// let err = claid::Client::new("k").unwrap().get_storage(0).unwrap_err();
    /// assert_eq!(err.request_id(), None);
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// What to do next, when there is advice beyond the message: the
    /// sentence [`Display`](fmt::Display) adds after it, and the `"hint"`
    /// member of the C ABI's error object. Aimed at the real cause: a 404 on
    /// a call that names no storage (or FastAPI's `{"detail": "Not Found"}`)
    /// points at the base URL, which must end in `/v1/`; a 401 at the key; a
    /// host that could not be resolved at its name; and so on. `None` for
    /// [`Error::InvalidInput`], whose message already says what to fix.
    ///
    /// ```
    /// let err = claid::Client::new("k").unwrap().get_storage(0).unwrap_err();
    /// assert_eq!(err.hint(), None);
    /// ```
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::InvalidInput { .. } => None,
            Error::Api(e) => e.hint(),
            Error::Transport { source, .. } => Some(
                if source.as_deref().is_some_and(|s| s.is::<LookupFailed>()) {
                    "Check the host name (in the base URL, or the proxy's), and the network's DNS settings."
                } else {
                    "Check the network, the base URL and any proxy settings."
                },
            ),
            Error::Timeout { .. } => Some("Retry later, or raise the timeout."),
            Error::Cancelled { .. } => Some(
                "The call was cancelled on request; make it again when wanted (after a create, change or delete, check first whether it was made).",
            ),
            Error::Decode { .. } => Some(
                "Check that the base URL points at the Claid API; if it does, quote the request id to Claid support.",
            ),
        }
    }

    /// The error of a call of `method` stopped by a cancel. A request that
    /// changes something may have reached the server before the cancel, so
    /// its message says the change may or may not have been made, and how
    /// to check.
    pub(crate) fn cancelled(method: &str) -> Error {
        let what = match method {
            "GET" => None,
            "POST" => Some("the storage may or may not have been created"),
            "PATCH" => Some("the change may or may not have been made"),
            "DELETE" => Some("the storage may or may not have been deleted"),
            _ => Some("the request may or may not have taken effect"),
        };
        let message = match what {
            None => "the call was cancelled; nothing more was sent".to_owned(),
            Some(what) => format!(
                "the call was cancelled after the request may have reached the API: {what}; \
                 list the storages (or get this one) to check before trying again"
            ),
        };
        Error::Cancelled { message }
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Error {
        Error::InvalidInput {
            message: message.into(),
        }
    }

    /// A decode error for a 2xx answer, secrets (`secrets` and those the
    /// body carries) cut from everything taken from the answer (the excerpt
    /// is cut from the whole body first, so no secret survives half-cut at
    /// the excerpt's end).
    pub(crate) fn decode(
        status: u16,
        request_id: Option<String>,
        message: impl Into<String>,
        body: &[u8],
        secrets: &Secrets,
    ) -> Error {
        let Some(secrets) = &with_carried(body, secrets) else {
            // The message may quote the body (serde quotes values): left out too.
            return Error::Decode {
                status,
                request_id: request_id.map(|id| bounded(&id, MAX_ID_BYTES, secrets)),
                message: format!("the body is not what this operation returns, and {LEFT_OUT}"),
                excerpt: String::new(),
            };
        };
        Error::Decode {
            status,
            request_id: request_id.map(|id| bounded(&id, MAX_ID_BYTES, secrets)),
            // serde quotes the value it could not read, escaped.
            message: bounded_as(&message.into(), MAX_TEXT_BYTES, secrets, Form::Document),
            excerpt: excerpt(body, secrets),
        }
    }

    /// Cuts every secret, in any spelling, from every part of the error that
    /// may hold the server's text, and bounds each: an API error's fields,
    /// the request id, a decode error's message (serde quotes values in it)
    /// and excerpt, and transport messages (an HTTP library may quote what
    /// it read). Errors read from an answer are redacted as they are built;
    /// this is for the others, and for adding secrets to an error.
    pub(crate) fn redact(mut self, secrets: &Secrets) -> Error {
        // serde and HTTP libraries quote what they read, escaped.
        let bound =
            |text: &mut String| *text = bounded_as(text, MAX_TEXT_BYTES, secrets, Form::Document);
        match &mut self {
            Error::Api(e) => e.redact(secrets),
            Error::Decode {
                excerpt,
                message,
                request_id,
                ..
            } => {
                if let Cow::Owned(cut) = secrets.redact_as(excerpt, Form::Document) {
                    *excerpt = cut;
                }
                bound(message);
                if let Some(id) = request_id {
                    *id = bounded(id, MAX_ID_BYTES, secrets);
                }
            }
            Error::Transport { message, source } => {
                bound(message);
                // The source's own text is shown by error reporters that walk
                // `source()`; keep it only when it holds no secret.
                let holds_secret = |s: &(dyn std::error::Error + Send + Sync)| {
                    let shown = format!("{s} {s:?}");
                    matches!(secrets.redact(&shown), std::borrow::Cow::Owned(_))
                };
                if source.as_deref().is_some_and(holds_secret) {
                    *source = None;
                }
            }
            Error::Timeout { message }
            | Error::Cancelled { message }
            | Error::InvalidInput { message } => bound(message),
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = self.hint().unwrap_or_default();
        match self {
            Error::InvalidInput { message } => {
                write!(f, "invalid input (nothing was sent): {message}")
            }
            Error::Api(e) => e.fmt(f),
            Error::Transport { message, .. } => {
                write!(f, "could not talk to the Claid API: {message}. {hint}")
            }
            Error::Timeout { message } => {
                write!(
                    f,
                    "the Claid API did not answer in time ({message}). {hint}"
                )
            }
            Error::Cancelled { message } => write!(f, "{message}. {hint}"),
            Error::Decode {
                status,
                message,
                excerpt,
                request_id,
            } => {
                write!(f, "unexpected answer from the Claid API (status {status}): {message}; body starts: {excerpt:?}. {hint}")?;
                if let Some(id) = request_id {
                    write!(f, " [request id {id}]")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Api(e) => Some(e),
            Error::Transport {
                source: Some(s), ..
            } => Some(&**s),
            _ => None,
        }
    }
}

/// The longest excerpt of a body kept in an error, in bytes.
const EXCERPT_BYTES: usize = 200;

/// The most bytes of the server's text kept in an error's message, and in
/// each message and member name of its `error_details`; the rest is cut,
/// and [`CUT`] marks where. With the other fields bounded too, `Display`
/// stays under 16 KiB whatever the server sends.
pub(crate) const MAX_TEXT_BYTES: usize = 4096;

/// The most bytes kept of an error code, an error type and a request id
/// (real ones are a few dozen).
const MAX_ID_BYTES: usize = 256;

/// The most bytes of the server's text kept in `error_details`, all
/// messages and member names together (a real 422 holds a few hundred);
/// members and items past it are left out, and a last member or item
/// [`CUT`] says so.
const MAX_DETAILS_BYTES: usize = 64 * 1024;

/// Marks where text was cut, or where details were left out.
const CUT: &str = "…";

/// `text` with every secret cut, and cut itself to at most `limit` bytes
/// (on a character boundary) followed by [`CUT`] when it was longer. Only
/// the start of a long text is redacted (see `Secrets`), wide enough that a
/// secret straddling the cut is cut whole.
fn bounded(text: &str, limit: usize, secrets: &Secrets) -> String {
    bounded_as(text, limit, secrets, Form::Text)
}

/// [`bounded`] for a text in `form`.
fn bounded_as(text: &str, limit: usize, secrets: &Secrets, form: Form) -> String {
    if text.len() <= limit && secrets.is_empty() {
        return text.to_owned();
    }
    let (mut kept, more) = secrets.redacted_text_start(text, limit, form);
    if kept.len() > limit || more {
        let mut end = kept.len().min(limit);
        while !kept.is_char_boundary(end) {
            end -= 1;
        }
        // A marker the cut would split goes whole.
        if let Some(marker) = kept[..end].rfind('<') {
            if kept[marker..].starts_with(REDACTED) && marker + REDACTED.len() > end {
                end = marker;
            }
        }
        kept.truncate(end);
        kept.push_str(CUT);
    }
    kept
}

/// `details` with every string and member name bounded (see [`bounded`])
/// and redacted, a number holding a secret turned into the redacted string,
/// and at most [`MAX_DETAILS_BYTES`] of text in all.
fn bounded_details(mut details: Value, secrets: &Secrets) -> Value {
    /// Changes only what must change: most details hold no secret and no
    /// long text, and are kept as they were read.
    fn walk(value: &mut Value, secrets: &Secrets, budget: &mut usize) {
        fn spend(budget: &mut usize, text: &str) {
            *budget = budget.saturating_sub(text.len().clamp(1, MAX_TEXT_BYTES));
        }
        fn changed(key: &str, secrets: &Secrets) -> Option<String> {
            if key.len() > MAX_TEXT_BYTES {
                return Some(bounded(key, MAX_TEXT_BYTES, secrets));
            }
            match secrets.redact(key) {
                Cow::Owned(cut) => Some(cut),
                Cow::Borrowed(_) => None,
            }
        }
        match value {
            Value::String(s) => {
                spend(budget, s);
                if let Some(cut) = changed(s, secrets) {
                    *s = cut;
                }
            }
            Value::Number(_) => {
                secrets.redact_value(value);
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if *budget == 0 {
                        items.truncate(i);
                        items.push(Value::String(CUT.to_owned()));
                        break;
                    }
                    walk(item, secrets, budget);
                }
            }
            Value::Object(map) => {
                let mut keys = Vec::new();
                let mut cut_at = None;
                for (i, (key, member)) in map.iter_mut().enumerate() {
                    if *budget == 0 {
                        cut_at = Some(i);
                        break;
                    }
                    spend(budget, key);
                    if let Some(new) = changed(key, secrets) {
                        keys.push((i, new));
                    }
                    walk(member, secrets, budget);
                }
                if keys.is_empty() && cut_at.is_none() {
                    return;
                }
                let mut keys = keys.into_iter().peekable();
                let mut kept = serde_json::Map::new();
                for (i, (key, member)) in std::mem::take(map).into_iter().enumerate() {
                    if Some(i) == cut_at {
                        kept.insert(CUT.to_owned(), Value::String(CUT.to_owned()));
                        break;
                    }
                    let key = match keys.next_if(|(at, _)| *at == i) {
                        Some((_, new)) => new,
                        None => key,
                    };
                    kept.insert(key, member);
                }
                *map = kept;
            }
            Value::Bool(_) | Value::Null => {}
        }
    }
    let mut budget = MAX_DETAILS_BYTES;
    walk(&mut details, secrets, &mut budget);
    details
}

/// The start of a body as text, at most [`EXCERPT_BYTES`] (and `…` when
/// cut), on a character boundary; secrets are cut before the text is (see
/// [`Secrets::redacted_start`]), so none survives half-cut at the end.
/// What an error read from an answer says in place of the body's text when
/// the body carries too many credentials to cut (see [`with_carried`]).
const LEFT_OUT: &str = "the body's text is left out of this error: it carries more credential \
                        strings than error text is cut free of (64 strings, 64 KiB in all)";

/// `secrets` and those `body` carries itself (a server may echo the
/// credentials its answer shows, in an error body as in a storage), for
/// every error read from an answer; `None` when the body carries too many
/// to cut in time linear in the body, and its text is then left out.
fn with_carried(body: &[u8], secrets: &Secrets) -> Option<Secrets> {
    Secrets::carried_by(body).map(|carried| secrets.and(&carried))
}

fn excerpt(body: &[u8], secrets: &Secrets) -> String {
    let (mut text, more) = secrets.redacted_start(body, EXCERPT_BYTES);
    if text.len() > EXCERPT_BYTES || more {
        let mut end = text.len().min(EXCERPT_BYTES);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &[u8]) -> ApiError {
        ApiError::from_answer(status, body, None, None, &Secrets::default())
    }

    #[test]
    fn documented_body_is_parsed() {
        let body = br#"{"error_code":"9000","error_type":"validation","error_message":"name: bad.","error_details":{"name":["bad"]}}"#;
        let e = ApiError::from_answer(422, body, Some("r1".into()), None, &Secrets::default());
        assert_eq!(e.error_code.as_deref(), Some("9000"));
        assert_eq!(e.error_type.as_deref(), Some("validation"));
        assert_eq!(e.error_details["name"][0], "bad");
        let text = e.to_string();
        assert!(
            text.contains("422") && text.contains("r1") && text.contains("error_details"),
            "{text}"
        );
    }

    #[test]
    fn other_bodies_keep_the_status_and_an_excerpt() {
        let e = answer(502, b"<html>Bad gateway</html>");
        assert_eq!((e.error_code, e.error_type), (None, None));
        assert_eq!(
            e.error_message,
            "Bad Gateway; the body starts: <html>Bad gateway</html>"
        );
        assert_eq!(e.error_details, serde_json::json!({}));
        assert_eq!(
            answer(503, b"").error_message,
            "Service Unavailable (empty body)"
        );
        assert_eq!(answer(599, b" ").error_message, "Error (empty body)");
        let no_message = answer(409, br#"{"error_code":"7","error_message":" "}"#);
        assert_eq!(no_message.error_code.as_deref(), Some("7"));
        assert_eq!(no_message.error_message, " ", "the API's own text, kept");
        assert!(
            Error::Api(no_message)
                .to_string()
                .starts_with("Claid API answered 409 (error 7): Conflict."),
            "an empty message reads as the status's reason"
        );
    }

    #[test]
    fn excerpt_is_short_and_cut_on_a_char_boundary() {
        let body = "é".repeat(300);
        let ex = excerpt(body.as_bytes(), &Secrets::default());
        assert!(ex.len() <= EXCERPT_BYTES + '…'.len_utf8());
        assert!(ex.ends_with('…'));
        assert_eq!(excerpt(b"short", &Secrets::default()), "short");
        let exact = "x".repeat(EXCERPT_BYTES);
        assert_eq!(excerpt(exact.as_bytes(), &Secrets::default()), exact);
    }

    #[test]
    fn excerpts_cut_secrets_straddling_their_end_whatever_the_body_size() {
        let secret = "s3cr\u{e9}t-value";
        let escaped = r#"s3cr\\u00e9t-value"#;
        let secrets = Secrets::new([secret, "short"]);
        for pad in [0, 150, 190, 199, 200, 250] {
            for tail in [0, 10, 1 << 16] {
                let body = format!("{}{escaped}{}", "x".repeat(pad), "y".repeat(tail));
                let ex = excerpt(body.as_bytes(), &secrets);
                assert!(
                    !ex.contains("s3cr") && !ex.contains("t-val"),
                    "{pad} {tail}: {ex}"
                );
                assert!(ex.len() <= EXCERPT_BYTES + '…'.len_utf8(), "{ex}");
                let whole = secrets.redact(&body).into_owned();
                assert_eq!(
                    ex.ends_with('…'),
                    whole.len() > EXCERPT_BYTES,
                    "{pad} {tail}"
                );
                assert!(whole.starts_with(ex.trim_end_matches('…')));
            }
        }
        // Markers shorter than what they replace pull later text in.
        let many = format!("{}tail-short", "short ".repeat(60));
        let ex = excerpt(many.as_bytes(), &secrets);
        assert!(ex.starts_with("<redacted> <redacted>"), "{ex}");
        assert!(!ex.replace(REDACTED, "").contains("sho"), "{ex}");
    }

    #[test]
    fn hints_match_the_status() {
        for (status, word) in [
            (400, "malformed"),
            (401, "Check the API key"),
            (402, "no API calls left"),
            (403, "lacks the `storage` scope"),
            (405, "method"),
            (407, "proxy URL"),
            (409, "exists already"),
            (422, "error_details"),
            (429, "retry later"),
            (500, "quote the request id"),
            (503, "quote the request id"),
        ] {
            let e = Error::Api(answer(status, b"{}"));
            let hint = e.hint().unwrap();
            assert!(hint.contains(word), "{status}: {hint}");
            assert!(e.to_string().ends_with(hint), "{status}: {e}");
        }
        let e = Error::Api(answer(418, b"{}"));
        assert_eq!(e.hint(), None);
        assert!(e.to_string().ends_with("{}."), "{e}");
    }

    #[test]
    fn a_404_points_at_the_base_url_unless_a_storage_was_named() {
        let documented = br#"{"error_code":"404","error_type":"not_found","error_message":"Storage not found.","error_details":{}}"#;
        let fastapi = br#"{"detail":"Not Found"}"#;
        let hint = |body: &[u8], target| {
            let mut api = answer(404, body);
            api.target = target;
            Error::Api(api).hint().unwrap().to_owned()
        };
        let base_url = "check that the base URL ends in /v1/";
        assert!(hint(documented, Target::Collection).contains(base_url));
        assert!(hint(fastapi, Target::Collection).contains(base_url));
        assert!(hint(fastapi, Target::Storage).contains(base_url));
        assert!(hint(fastapi, Target::Unknown).contains(base_url));
        assert!(hint(b"<html>404</html>", Target::Storage).contains(base_url));
        assert!(hint(documented, Target::Storage).contains("No such storage: check the id"));
        let either = hint(documented, Target::Unknown);
        assert!(
            either.contains("check the path") && either.contains("/v1/"),
            "{either}"
        );
    }

    #[test]
    fn transport_timeout_and_decode_errors_say_what_to_do() {
        let refused = Error::Transport {
            message: "could not connect".into(),
            source: Some(Box::new(ureq::Error::ConnectionFailed)),
        };
        assert!(refused.hint().unwrap().contains("proxy settings"));
        let timeout = Error::Timeout {
            message: "no answer came".into(),
        };
        assert!(
            timeout.to_string().ends_with("raise the timeout."),
            "{timeout}"
        );
        let decode = Error::decode(200, None, "not JSON", b"<html>", &Secrets::default());
        assert!(decode
            .hint()
            .unwrap()
            .contains("base URL points at the Claid API"));
    }

    #[test]
    fn a_value_quoted_in_a_decode_message_is_cut_at_every_depth() {
        // Found by the fuzz target `secrets` (regression input
        // key_quoted_in_decode_message): serde quotes the string it could
        // not read with escapes, one level over the string's own three.
        let secret = "fuzz-key-API";
        let percent: String = secret.bytes().map(|b| format!("%{b:02x}")).collect();
        let html: String = percent
            .chars()
            .map(|c| format!("&#{};", u32::from(c)))
            .collect();
        let json: String = html
            .chars()
            .map(|c| format!("\\u{:04X}", u32::from(c)))
            .collect();
        let message = format!("invalid type: string {json:?}, expected a storage object");
        let secrets = Secrets::new([secret]);
        let e = Error::decode(200, None, message, br#"{"data":1}"#, &secrets);
        let shown = e.to_string();
        assert!(
            shown.contains("invalid type: string \"<redacted>\""),
            "{shown}"
        );
        let again = e.redact(&secrets);
        assert!(again.to_string().contains("string \"<redacted>\""));
        // The same text read as a field is one level too deep to be found.
        assert_eq!(secrets.redact(&format!("{json:?}")), format!("{json:?}"));
    }

    #[test]
    fn redaction_covers_every_field() {
        let body = br#"{"error_code":"c-sk-123","error_type":"t-sk-123","error_message":"bad key sk\u002d123","error_details":{"k":["sk-123"],"sk-123 field":{"n":[1,"q\"sk\/-123"]}}}"#;
        let secrets = Secrets::new(["sk-123", "sk/-123"]);
        let e = ApiError::from_answer(400, body, Some("id-sk-123".into()), None, &secrets);
        let text = format!("{e} {e:?} {}", e.error_details);
        assert!(
            !text.contains("sk-123") && !text.contains("sk/-123"),
            "{text}"
        );
        assert_eq!(e.error_code.as_deref(), Some("c-<redacted>"));
        assert_eq!(e.request_id.as_deref(), Some("id-<redacted>"));
        let decode = Error::decode(200, Some("sk-123".into()), "sk-123", b"x sk-123", &secrets);
        let text = format!("{decode} {decode:?}");
        assert!(!text.contains("sk-123"), "{text}");
        let transport = Error::Transport {
            message: "read sk-123".into(),
            source: Some("sk-123".into()),
        }
        .redact(&secrets);
        assert!(std::error::Error::source(&transport).is_none());
        assert_eq!(transport.to_string().matches("<redacted>").count(), 1);
    }
}
