//! The engine under both views of a client (typed [`Client`](crate::Client)
//! and [`JsonApi`](crate::JsonApi)): it sends an [`Operation`], retries it
//! as the policy allows, and turns the final answer into a value or an
//! error with every secret cut out. The views only choose the operation and
//! decode the `data` they get back, as ureq's `Agent` is a handle over its
//! request loop.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use ureq::http::Method;

use crate::cancel::{Calls, Canceller};
use crate::config::{Config, RetryHook};
use crate::operation::{Operation, Target};
use crate::retry::{Decision, Failure, Idempotency, Jitter, RetryEvent, RetryPolicy, StdJitter};
use crate::secrets::Secrets;
use crate::secrets::REDACTED;
use crate::transport::{Answer, Transport};
use crate::url::BaseUrl;
use crate::{ApiError, Error};

/// The `{"data": ...}` envelope of every successful answer.
#[derive(Deserialize)]
pub(crate) struct Envelope<T> {
    pub data: T,
}

/// The answer to a delete: an object, with its `data` member if it has one
/// and whether it has a member of an error body (`error_code`, `error_type`,
/// `error_message`, `detail`). Other members are unknown content, which never
/// fails decoding. Keys are read as bytes, so one that is not valid Unicode
/// (a lone surrogate escape) is passed over like any other.
struct DeleteAnswer<'a> {
    data: Option<&'a RawValue>,
    error_member: bool,
}

/// The members of the error bodies the API documents (see `crate::error_body`).
const ERROR_MEMBERS: [&[u8]; 4] = [b"error_code", b"error_type", b"error_message", b"detail"];

impl<'de> Deserialize<'de> for DeleteAnswer<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        enum Member {
            Data,
            Error,
            Other,
        }
        impl<'de> Deserialize<'de> for Member {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = Member;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a member name")
                    }
                    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Member, E> {
                        Ok(if v == b"data" {
                            Member::Data
                        } else if ERROR_MEMBERS.contains(&v) {
                            Member::Error
                        } else {
                            Member::Other
                        })
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<Member, E> {
                        self.visit_bytes(v.as_bytes())
                    }
                }
                d.deserialize_bytes(V)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DeleteAnswer<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut answer = DeleteAnswer {
                    data: None,
                    error_member: false,
                };
                while let Some(member) = map.next_key()? {
                    match member {
                        Member::Data => {
                            crate::storage::once(&mut answer.data, map.next_value()?, "data")?
                        }
                        Member::Error => {
                            map.next_value::<IgnoredAny>()?;
                            answer.error_member = true;
                        }
                        Member::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(answer)
            }
        }
        d.deserialize_map(V)
    }
}

/// Sends operations for one client; shared by its clones.
pub(crate) struct Engine {
    transport: Transport,
    /// The calls in flight, which a [`Canceller`] stops.
    calls: Arc<Calls>,
    /// The bound on one attempt, cut to what is left of the deadline.
    timeout: Duration,
    base_url: BaseUrl,
    retry: RetryPolicy,
    jitter: Box<dyn Jitter>,
    on_retry: Option<RetryHook>,
    /// The API key, as a secret to keep out of error text.
    key: Secrets,
}

impl Engine {
    pub(crate) fn new(config: Config) -> Result<Engine, Error> {
        let calls = Arc::new(Calls::default());
        Ok(Engine {
            transport: Transport::new(&config, Arc::clone(&calls))?,
            calls,
            timeout: config.timeout,
            key: Secrets::new([config.api_key.as_str()]),
            base_url: config.base_url,
            retry: config.retry,
            jitter: Box::new(StdJitter::new()),
            on_retry: config.on_retry,
        })
    }

    pub(crate) fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }

    pub(crate) fn max_retries(&self) -> u32 {
        self.retry.max_retries
    }

    pub(crate) fn canceller(&self) -> Canceller {
        Canceller::new(Arc::clone(&self.calls))
    }

    /// Runs `steps` (several requests, as a workflow sends) as one call: a
    /// cancel while any of them is in flight stops the rest too.
    pub(crate) fn call<T>(&self, steps: impl FnOnce() -> T) -> T {
        let _call = self.calls.begin();
        steps()
    }

    /// Sends a request, retrying as the policy allows, and returns the first
    /// 2xx answer; any other final answer becomes [`Error::Api`].
    ///
    /// A storage delete that is answered 404 after an attempt whose outcome
    /// is unknown (a timeout, a lost connection, a 5xx) has done its job: the
    /// earlier attempt deleted it. It answers as an empty 2xx would.
    pub(crate) fn send(&self, op: &Operation<'_>) -> Result<Answer, Error> {
        let method = &op.method;
        let body = op.body.as_deref();
        let url = self.base_url.join(&op.path);
        let idempotency = if method == Method::GET || method == Method::DELETE {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        let gone_is_done = method == Method::DELETE && op.target == Target::Storage;
        let call = self.calls.begin();
        let cancelled = || Error::cancelled(method.as_str());
        let deadline = self.retry.deadline;
        let started = Instant::now();
        let mut retries = 0;
        let mut maybe_done = false;
        loop {
            if call.cancelled() {
                return Err(cancelled());
            }
            let left = deadline.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(deadline_passed(deadline));
            }
            // Cut only when needed: an attempt with the client's own timeout
            // costs nothing extra.
            let budget = (left < self.timeout).then_some(left);
            let attempt = self.transport.attempt(method, &url, body, budget);
            if call.cancelled() {
                return Err(cancelled());
            }
            let (failure, error) = match attempt {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(answer),
                Ok(answer) if answer.status == 404 && gone_is_done && maybe_done => {
                    return Ok(Answer {
                        status: 204,
                        body: Vec::new(),
                        ..answer
                    })
                }
                Ok(answer) => (
                    Failure::Status {
                        status: answer.status,
                        wait: answer.wait,
                    },
                    self.api_error(op, answer),
                ),
                Err(e)
                    if matches!(e.error, Error::Timeout { .. })
                        && started.elapsed() >= deadline =>
                {
                    return Err(deadline_passed(deadline))
                }
                // An API error is redacted as it is read; others here.
                Err(e) => (e.failure, self.redact(e.error, &op.secrets)),
            };
            maybe_done |= failure.outcome_unknown();
            let elapsed = started.elapsed();
            match self
                .retry
                .decide(idempotency, failure, retries, elapsed, &*self.jitter)
            {
                Decision::GiveUp => return Err(error),
                Decision::RetryAfter(wait) => {
                    retries += 1;
                    if let Some(hook) = &self.on_retry {
                        hook(&RetryEvent {
                            method: method.as_str(),
                            path: &op.path,
                            retry: retries,
                            wait,
                            error: &error,
                        });
                    }
                    if call.wait(wait) {
                        return Err(cancelled());
                    }
                }
            }
        }
    }

    /// The error for a non-2xx answer: the body read (every secret cut from
    /// every field that holds the server's text) and the advice aimed at
    /// what the operation targets.
    fn api_error(&self, op: &Operation<'_>, answer: Answer) -> Error {
        let mut api = ApiError::from_answer(
            answer.status,
            &answer.body,
            answer.request_id,
            answer.wait,
            &self.key.and(&op.secrets),
        );
        api.target = op.target;
        Error::Api(api)
    }

    /// Decodes a 2xx answer, or says what did not match, secrets cut out.
    pub(crate) fn decode<'a, T: Deserialize<'a>>(
        &self,
        answer: &'a Answer,
        secrets: &Secrets,
    ) -> Result<T, Error> {
        serde_json::from_slice(&answer.body).map_err(|e| {
            self.decode_error(
                answer,
                format!("the body is not what this operation returns ({e})"),
                secrets,
            )
        })
    }

    /// Checks the answer to a delete, which the API sends as `{"data": null}`:
    /// an object holding `data`, or one without it and without the members
    /// of an error body (`{}`, unknown members only), is a success and gives
    /// back `data` when there is one; so is a 204 (No Content) with an empty
    /// body. Anything else (an empty 200, an HTML page, an error object with a
    /// 2xx status) is a [`Error::Decode`].
    pub(crate) fn deleted<'a>(
        &self,
        answer: &'a Answer,
        secrets: &Secrets,
    ) -> Result<Option<&'a RawValue>, Error> {
        if answer.status == 204 && answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let not_envelope = |detail: String| {
            self.decode_error(
                answer,
                format!("the answer to a delete is not {{\"data\": ...}} or {{}} ({detail})"),
                secrets,
            )
        };
        let object: DeleteAnswer<'_> =
            serde_json::from_slice(&answer.body).map_err(|e| not_envelope(e.to_string()))?;
        match object {
            DeleteAnswer {
                data: Some(data), ..
            } => Ok(Some(data)),
            DeleteAnswer {
                error_member: false,
                ..
            } => Ok(None),
            DeleteAnswer {
                error_member: true, ..
            } => Err(not_envelope("an error body without \"data\"".to_owned())),
        }
    }

    /// A decode error for `answer`, with the API key, `secrets` and every
    /// credential string the answer itself carries (a get answer shows the
    /// access key) cut from its message, excerpt and request id.
    pub(crate) fn decode_error(
        &self,
        answer: &Answer,
        message: String,
        secrets: &Secrets,
    ) -> Error {
        self.body_decode_error(
            answer.status,
            answer.request_id.clone(),
            &answer.body,
            message,
            secrets,
        )
    }

    /// A decode error for `body`, an answer (or part of one) already read,
    /// cut as [`Engine::decode_error`] cuts.
    pub(crate) fn body_decode_error(
        &self,
        status: u16,
        request_id: Option<String>,
        body: &[u8],
        message: String,
        secrets: &Secrets,
    ) -> Error {
        Error::decode(status, request_id, message, body, &self.key.and(secrets))
    }

    /// Keeps the API key and the request's secrets out of an error's text,
    /// in one pass: one may hold the other, and the longer is cut first.
    pub(crate) fn redact(&self, error: Error, secrets: &Secrets) -> Error {
        error.redact(&self.key.and(secrets))
    }
}

/// The error of a call whose deadline ran out.
fn deadline_passed(deadline: Duration) -> Error {
    Error::Timeout {
        message: format!(
            "the call's deadline of {deadline:?} ran out, attempts and waits included"
        ),
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &REDACTED)
            .field("max_retries", &self.retry.max_retries)
            .finish_non_exhaustive()
    }
}
