//! Where requests go: the base URL, checked once when the client is built,
//! and the caller-given paths below it (`JsonApi::request`, `claid_request`),
//! checked on every call. Both rules exist for one reason: the API key in
//! the `Authorization` header must only ever reach the host the user named.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use ureq::http::Uri;

use crate::Error;

/// Characters a caller may write in a path but a request line cannot carry:
/// they are percent-encoded (as UTF-8, like every character outside ASCII).
/// `%` is left alone, so an already encoded path goes out unchanged.
const NOT_IN_A_URL: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A checked base URL: `http` or `https`, a host, a port in `1..=65535` when
/// one is given, no user information, no query, no fragment; kept with
/// exactly one trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    /// E.g. `https://api.claid.ai/v1/`.
    text: String,
    scheme: &'static str,
    /// The host as written in the URL (an IPv6 address keeps its brackets).
    host: String,
    /// The authority (`host[:port]`) every request must keep.
    authority: String,
}

impl BaseUrl {
    /// Checks `raw` (surrounding ASCII blanks ignored).
    ///
    /// The path may hold any character but a control character (C0, DEL,
    /// C1): characters outside ASCII, and the few ASCII ones a URL cannot
    /// hold (a space, `"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`), are
    /// percent-encoded as UTF-8, so the request line carries ASCII only; a
    /// `%` must start an encoded byte (`%2F`), and an encoded path is kept
    /// as it is. A host outside ASCII is refused rather than converted: the
    /// IDNA mapping that would turn it into its `xn--` form is not in this
    /// client's dependencies, and guessing could send the key to another
    /// host.
    ///
    /// Errors are [`Error::InvalidInput`] naming the part that is wrong; the
    /// URL itself is never repeated, since it may carry a password.
    pub(crate) fn parse(raw: &str) -> Result<BaseUrl, Error> {
        let bad = |why: &str| {
            Error::invalid_input(format!(
                "the base URL {why}; use one like \"https://api.claid.ai/v1/\""
            ))
        };
        // ASCII blanks only: U+0085 is Unicode white space, and a C1 control.
        let raw = raw.trim_matches(|c: char| c.is_ascii_whitespace());
        if let Some((at, c)) = raw.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(bad(&format!(
                "holds a control character (U+{:04X}) at position {}",
                u32::from(c),
                at + 1
            )));
        }
        let Some((scheme, rest)) = raw.split_once("://") else {
            return Err(bad("must start with http:// or https://"));
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        if !authority.is_ascii() {
            return Err(bad(
                "has a host outside ASCII; write an internationalized name in its ASCII (xn--) form",
            ));
        }
        if !percent_signs_encode(path) {
            return Err(bad(
                "has a '%' not followed by two hex digits; write a literal '%' as %25",
            ));
        }
        // The request line carries ASCII only: the rest of the path is
        // encoded as UTF-8 (a '%' is kept, so an encoded path is unchanged).
        let encoded = format!(
            "{scheme}://{authority}{}",
            utf8_percent_encode(path, NOT_IN_A_URL)
        );
        let raw = encoded.as_str();
        if raw.contains('#') {
            return Err(bad("must not have a fragment (#...)"));
        }
        let uri: Uri = raw
            .parse()
            .map_err(|_| bad("is not a valid URL (scheme://host/path)"))?;
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => "https",
            Some(s) if s.eq_ignore_ascii_case("http") => "http",
            _ => return Err(bad("must start with http:// or https://")),
        };
        let Some(authority) = uri.authority() else {
            return Err(bad("has no host"));
        };
        if authority.as_str().contains('@') {
            return Err(bad(
                "must not carry a user name or password (the API key is the only credential)",
            ));
        }
        let host = uri.host().unwrap_or_default();
        if host.is_empty() || host == "[]" {
            return Err(bad("has no host"));
        }
        // `http::Uri` keeps a port it cannot represent as "no port", which
        // would send the key to the scheme's default port instead.
        if let Some((_, port)) = authority.as_str().rsplit_once(':').filter(|_| {
            // An IPv6 host's own colons are inside its brackets.
            !authority.as_str().ends_with(']')
        }) {
            match port {
                "" => return Err(bad("has a ':' but no port after it")),
                port if !is_port(port) => return Err(bad("has a port outside 1 to 65535")),
                _ => {}
            }
        }
        if uri.query().is_some() || raw.contains('?') {
            return Err(bad("must not have a query (?...)"));
        }
        let path = uri.path().trim_end_matches('/');
        Ok(BaseUrl {
            text: format!("{scheme}://{}{path}/", authority.as_str()),
            scheme,
            host: host.to_owned(),
            authority: authority.as_str().to_owned(),
        })
    }

    /// The URL, ending in `/`.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// `"http"` or `"https"`.
    pub(crate) fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// The host, e.g. `api.claid.ai`, `127.0.0.1` or `[::1]`.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// The full URL of `path`, one of this crate's own (already valid) paths.
    pub(crate) fn join(&self, path: &str) -> String {
        let mut url = String::with_capacity(self.text.len() + path.len());
        url.push_str(&self.text);
        url.push_str(path);
        url
    }

    /// Checks a caller-given path and gives it back ready to append: without
    /// its leading `/`, characters outside ASCII (and the few ASCII ones a
    /// URL cannot hold, such as a space) percent-encoded as UTF-8.
    ///
    /// Refused, as [`Error::InvalidInput`]: absolute URLs (`https://...`,
    /// `//host/...`, a scheme such as `mailto:`), `..` segments in any
    /// spelling (`%2e%2E`, or hidden behind an encoded `/` or `\`), control
    /// characters, and a fragment (`#`, never sent to a server). A `:` in a
    /// later segment or in the query is fine.
    pub(crate) fn relative_path(&self, path: &str) -> Result<String, Error> {
        if let Some((at, c)) = path.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(Error::invalid_input(format!(
                "the path holds a control character (U+{:04X}) at position {}; percent-encode it",
                u32::from(c),
                at + 1
            )));
        }
        let absolute = || {
            Error::invalid_input(
                "the path must be relative to the base URL (e.g. \"storage/storages\"), not an absolute URL",
            )
        };
        if path.starts_with("//") {
            return Err(absolute());
        }
        let path = path.strip_prefix('/').unwrap_or(path);
        if path.contains('#') {
            return Err(Error::invalid_input(
                "the path holds a fragment (#...), which is never sent; percent-encode '#' as %23 if it is part of a name",
            ));
        }
        let (route, _query) = path.split_once('?').unwrap_or((path, ""));
        let first = route.split('/').next().unwrap_or_default();
        if first.contains(':') {
            return Err(absolute());
        }
        if route.split('/').any(is_dot_dot) {
            return Err(Error::invalid_input(
                "the path must not contain \"..\" segments (in any spelling, such as %2e%2e)",
            ));
        }
        let encoded = utf8_percent_encode(path, NOT_IN_A_URL).to_string();
        // The checks above leave nothing that could move the request to
        // another host; this one makes sure of it.
        match self.join(&encoded).parse::<Uri>() {
            Ok(uri) if uri.authority().map(|a| a.as_str()) == Some(self.authority.as_str()) => {
                Ok(encoded)
            }
            _ => Err(Error::invalid_input(
                "the path does not make a valid URL below the base URL",
            )),
        }
    }
}

/// Whether every `%` in `text` starts a percent-encoded byte (`%` and two
/// hex digits), as a URL requires.
fn percent_signs_encode(text: &str) -> bool {
    text.split('%')
        .skip(1)
        .all(|after| after.len() >= 2 && after.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit))
}

/// Whether `port`, as written after a host's `:`, is a port: decimal digits
/// only and from 1 to 65535. Rust's integer parser also takes a leading `+`,
/// which `http::Uri` keeps in the authority but cannot read as a port, so the
/// request would go to the scheme's default port instead.
pub(crate) fn is_port(port: &str) -> bool {
    port.bytes().all(|b| b.is_ascii_digit()) && matches!(port.parse::<u32>(), Ok(1..=65535))
}

/// Whether a path segment means "the parent" to a server that decodes it:
/// `..` itself, percent-encoded in any case, or inside the segment behind an
/// encoded `/` or `\` that the server may split on.
fn is_dot_dot(segment: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    decoded.split(['/', '\\']).any(|part| part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<impl std::fmt::Debug, Error>) -> String {
        match r {
            Err(Error::InvalidInput { message }) => message,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn base_url_gets_one_trailing_slash_and_a_lower_case_scheme() {
        for raw in [
            "http://127.0.0.1:9/v1",
            "http://127.0.0.1:9/v1/",
            "http://127.0.0.1:9/v1//",
            " HTTP://127.0.0.1:9/v1 ",
        ] {
            assert_eq!(
                BaseUrl::parse(raw).unwrap().as_str(),
                "http://127.0.0.1:9/v1/"
            );
        }
        let v6 = BaseUrl::parse("https://[::1]:65535/v1").unwrap();
        assert_eq!(v6.as_str(), "https://[::1]:65535/v1/");
        assert_eq!((v6.scheme(), v6.host()), ("https", "[::1]"));
        assert_eq!(
            BaseUrl::parse("https://api.claid.ai").unwrap().as_str(),
            "https://api.claid.ai/"
        );
    }

    #[test]
    fn base_url_faults_are_named() {
        for (raw, why) in [
            ("ftp://x/", "http:// or https://"),
            ("127.0.0.1:80", "http:// or https://"),
            ("", "http:// or https://"),
            ("http://", "not a valid URL"),
            ("http:///v1", "not a valid URL"),
            ("http://u:p@h/v1", "user name or password"),
            ("http://u@h/v1", "user name or password"),
            ("http://h/v1?x=1", "query"),
            ("http://h/v1?", "query"),
            ("http://h/v1#x", "fragment"),
            ("http://127.0.0.1:99999/v1/", "port outside 1 to 65535"),
            ("http://127.0.0.1:65536/v1/", "port outside 1 to 65535"),
            ("http://127.0.0.1:0/v1/", "port outside 1 to 65535"),
            ("http://[::1]:0/v1/", "port outside 1 to 65535"),
            ("http://h:/v1/", "no port"),
        ] {
            let m = message(BaseUrl::parse(raw));
            assert!(m.contains(why), "{raw:?}: {m}");
        }
        let m = message(BaseUrl::parse("http://user:hunter2@example.com/v1"));
        assert!(!m.contains("hunter2"), "{m}");
        for (raw, why) in [
            (
                "http://h/v\n1/",
                "control character (U+000A) at position 11",
            ),
            ("http://h/v1\u{7f}/", "control character (U+007F)"),
            ("http://h/v1/\u{85}", "control character (U+0085)"),
            ("http://h\t/v1/", "control character (U+0009)"),
            ("http://bücher.example/v1/", "host outside ASCII"),
            ("http://ｅxample.com/v1/", "host outside ASCII"),
            ("http://h/v%/", "'%' not followed by two hex digits"),
            ("http://h/v1/%", "'%' not followed by two hex digits"),
            ("http://h/v%4/", "'%' not followed by two hex digits"),
            ("http://h/v%zz/", "'%' not followed by two hex digits"),
            ("http://h w/v1/", "not a valid URL"),
        ] {
            let m = message(BaseUrl::parse(raw));
            assert!(m.contains(why), "{raw:?}: {m}");
        }
    }

    #[test]
    fn base_url_paths_are_sent_as_ascii() {
        for (raw, text) in [
            ("http://h/vé1/", "http://h/v%C3%A91/"),
            ("http://h/v é/", "http://h/v%20%C3%A9/"),
            ("http://h/v%C3%A91/", "http://h/v%C3%A91/"),
            ("http://h/a%2Fb%25", "http://h/a%2Fb%25/"),
            ("http://h/日本/", "http://h/%E6%97%A5%E6%9C%AC/"),
            ("http://h/{x}|^`", "http://h/%7Bx%7D%7C%5E%60/"),
            ("http://[::1]:8080/ü", "http://[::1]:8080/%C3%BC/"),
        ] {
            let url = BaseUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(url.as_str(), text);
            assert!(url.as_str().is_ascii());
        }
    }

    #[test]
    fn relative_paths_are_encoded_and_stay_below_the_base_url() {
        let base = BaseUrl::parse("https://api.claid.ai/v1").unwrap();
        for (given, sent) in [
            ("/storage/storages", "storage/storages"),
            ("storage/s?x=1", "storage/s?x=1"),
            (
                "storage/storage-types?at=12:00",
                "storage/storage-types?at=12:00",
            ),
            ("storage/a:b", "storage/a:b"),
            ("storage/é", "storage/%C3%A9"),
            ("storage/s?name=a b", "storage/s?name=a%20b"),
            ("storage/%2Fx", "storage/%2Fx"),
            ("storage/...", "storage/..."),
        ] {
            assert_eq!(base.relative_path(given).unwrap(), sent, "{given:?}");
        }
        assert_eq!(
            base.join("storage/storages"),
            "https://api.claid.ai/v1/storage/storages"
        );
        for (bad, why) in [
            ("https://evil.example/x", "absolute URL"),
            ("//evil.example/x", "absolute URL"),
            ("http:evil", "absolute URL"),
            ("/mailto:x", "absolute URL"),
            ("storage/../../x", "\"..\""),
            ("..", "\"..\""),
            ("a/%2e%2E/b", "\"..\""),
            ("a/.%2E", "\"..\""),
            ("a/x%2F..%2Fy", "\"..\""),
            ("a/x%5C..", "\"..\""),
            ("storage/\nx", "control character (U+000A) at position 9"),
            ("a\u{7f}", "control character (U+007F)"),
            ("a\u{85}", "control character (U+0085)"),
            ("storages#frag", "fragment"),
        ] {
            let m = message(base.relative_path(bad));
            assert!(m.contains(why), "{bad:?}: {m}");
        }
        assert_eq!(
            base.relative_path("storage/s?q=..").unwrap(),
            "storage/s?q=.."
        );
    }
}
