//! A finished client configuration: every value checked, the proxy chosen.
//!
//! [`ClientBuilder::build`](crate::ClientBuilder::build) makes one; the
//! engine and the transport are built from it and never see the builder, as
//! ureq builds its agent from a finished `Config`.

use std::time::Duration;

use ureq::Proxy;

use crate::retry::{RetryEvent, RetryPolicy};
use crate::url::BaseUrl;
use crate::Error;

/// The longest timeout accepted: longer ones would overflow the clock
/// arithmetic of the HTTP layer, and no API call needs them.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

pub(crate) type RetryHook = std::sync::Arc<dyn Fn(&RetryEvent<'_>) + Send + Sync>;

/// Everything a client needs, checked.
pub(crate) struct Config {
    /// Visible ASCII only (see [`check_api_key`]).
    pub api_key: String,
    pub base_url: BaseUrl,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
    /// `None` when the base URL goes direct (no proxy set, `NO_PROXY`, loopback).
    pub proxy: Option<Proxy>,
    pub retry: RetryPolicy,
    pub on_retry: Option<RetryHook>,
}

/// The API key: present, non-empty, visible ASCII only (`!` to `~`), as the
/// keys Claid issues are. Anything else is a copy-and-paste accident (a
/// non-breaking space, a newline, a typographic quote) that would otherwise
/// fail every call as a network problem. The error gives the position of
/// the bad character, never the key.
pub(crate) fn check_api_key(key: Option<&str>) -> Result<String, Error> {
    let key = match key {
        None | Some("") => return Err(Error::invalid_input(
            "the API key is empty; pass the key from the Claid dashboard (or set CLAID_API_KEY)",
        )),
        Some(key) => key,
    };
    if let Some(at) = key.chars().position(|c| !c.is_ascii_graphic()) {
        let total = key.chars().count();
        return Err(Error::invalid_input(format!(
            "the API key has a character that is not visible ASCII (a space, a line break or a \
             pasted non-ASCII character) at position {} of {total}; copy the key again without it",
            at + 1
        )));
    }
    Ok(key.to_owned())
}

/// The `User-Agent`: visible ASCII and spaces, so it fits in a header as is.
pub(crate) fn check_user_agent(agent: &str) -> Result<String, Error> {
    match agent
        .chars()
        .position(|c| !(c.is_ascii_graphic() || c == ' '))
    {
        Some(at) => Err(Error::invalid_input(format!(
            "the user agent may hold only visible ASCII characters and spaces; position {} is not one",
            at + 1
        ))),
        None => Ok(agent.to_owned()),
    }
}

/// A timeout: longer than zero, at most 24 hours.
pub(crate) fn check_timeout(timeout: Duration) -> Result<Duration, Error> {
    if timeout.is_zero() || timeout > MAX_TIMEOUT {
        return Err(Error::invalid_input(
            "timeouts must be longer than zero and at most 24 hours",
        ));
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
        match r {
            Err(Error::InvalidInput { message }) => message,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn api_keys_are_visible_ascii_and_errors_give_the_position() {
        assert_eq!(check_api_key(Some("sk-1~!")).unwrap(), "sk-1~!");
        assert!(message(check_api_key(None)).contains("empty"));
        assert!(message(check_api_key(Some(""))).contains("empty"));
        for (key, at) in [
            ("sk\u{a0}SECRET", "position 3 of 9"),
            ("é", "position 1 of 1"),
            ("sk-SECRET\n", "position 10 of 10"),
            (" sk-SECRET", "position 1 of 10"),
            ("sk SECRET", "position 3 of 9"),
            ("sk\u{7f}SECRET", "position 3 of 9"),
            ("sk-SECRET\u{201d}", "position 10 of 10"),
        ] {
            let m = message(check_api_key(Some(key)));
            assert!(m.contains(at), "{key:?}: {m}");
            assert!(!m.contains("SECRET") && !m.contains('é'), "{m}");
        }
    }

    #[test]
    fn user_agents_are_visible_ascii_and_spaces() {
        assert_eq!(
            check_user_agent("my tool/1.0 (x)").unwrap(),
            "my tool/1.0 (x)"
        );
        for (agent, at) in [
            ("a\tb", "position 2"),
            ("tool/é", "position 6"),
            ("x\r\n", "position 2"),
        ] {
            let m = message(check_user_agent(agent));
            assert!(m.contains(at), "{agent:?}: {m}");
        }
    }

    #[test]
    fn timeouts_are_bounded() {
        assert!(message(check_timeout(Duration::ZERO)).contains("longer than zero"));
        assert!(message(check_timeout(MAX_TIMEOUT + Duration::from_nanos(1))).contains("24 hours"));
        assert_eq!(check_timeout(MAX_TIMEOUT).unwrap(), MAX_TIMEOUT);
    }
}
