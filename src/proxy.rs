//! Which proxy, if any, a client goes through: chosen from the environment
//! as curl chooses, once, for the client's one host.
//!
//! - A loopback host (`localhost`, `127.0.0.0/8`, `::1`) never uses a proxy.
//! - `NO_PROXY`/`no_proxy`: a comma-separated list of host names (each also
//!   matching its subdomains; a leading `.` or `*.` is ignored) or `*` for all.
//! - `https` base URLs use `HTTPS_PROXY`/`https_proxy`; `http` ones use
//!   `http_proxy` only in lower case (curl ignores `HTTP_PROXY`, which a CGI
//!   environment may set from a request header); either falls back to
//!   `ALL_PROXY`/`all_proxy`.

use std::net::IpAddr;

use ureq::Proxy;

use crate::Error;

/// The proxy for `host`, reached over `scheme`, reading variables through `env`.
pub(crate) fn select(
    scheme: &str,
    host: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, Error> {
    if is_loopback(host) {
        return Ok(None);
    }
    let var = |names: &[&str]| names.iter().find_map(|n| env(n).filter(|v| !v.is_empty()));
    if var(&["no_proxy", "NO_PROXY"]).is_some_and(|list| no_proxy_matches(&list, host)) {
        return Ok(None);
    }
    let specific: &[&str] = if scheme == "https" {
        &["https_proxy", "HTTPS_PROXY"]
    } else {
        &["http_proxy"]
    };
    let Some(url) = var(specific).or_else(|| var(&["all_proxy", "ALL_PROXY"])) else {
        return Ok(None);
    };
    // The value may hold a password: say which variable, never its content.
    Proxy::new(&url).map(Some).map_err(|_| {
        Error::invalid_input(
            "the proxy set in the environment (HTTPS_PROXY, http_proxy or ALL_PROXY) is not a valid proxy URL; fix or unset it",
        )
    })
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .to_ascii_lowercase();
        !entry.is_empty()
            && (host == entry
                || host
                    .strip_suffix(entry.as_str())
                    .is_some_and(|rest| rest.ends_with('.')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn proxied(scheme: &str, host: &str, vars: &[(&str, &str)]) -> bool {
        select(scheme, host, env(vars)).unwrap().is_some()
    }

    #[test]
    fn scheme_specific_variables_as_curl_reads_them() {
        let p = [("HTTPS_PROXY", "http://proxy:3128")];
        assert!(proxied("https", "api.claid.ai", &p));
        assert!(!proxied("http", "api.claid.ai", &p));
        assert!(!proxied(
            "http",
            "api.claid.ai",
            &[("HTTP_PROXY", "http://proxy:3128")]
        ));
        assert!(proxied(
            "http",
            "api.claid.ai",
            &[("http_proxy", "http://proxy:3128")]
        ));
        assert!(proxied(
            "http",
            "api.claid.ai",
            &[("ALL_PROXY", "http://proxy:3128")]
        ));
        assert!(!proxied("https", "api.claid.ai", &[]));
    }

    #[test]
    fn no_proxy_and_loopback_go_direct() {
        let p = |no: &'static str| [("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", no)];
        assert!(!proxied("https", "api.claid.ai", &p("claid.ai")));
        assert!(!proxied(
            "https",
            "api.claid.ai",
            &p("example.com, .claid.ai")
        ));
        assert!(!proxied("https", "api.claid.ai", &p("*")));
        assert!(proxied(
            "https",
            "api.claid.ai",
            &p("notclaid.ai,other.com")
        ));
        assert!(proxied("https", "api.claid.ai", &p("ai.claid.ai")));
        for host in ["127.0.0.1", "localhost", "[::1]", "127.3.2.1"] {
            assert!(
                !proxied("http", host, &[("ALL_PROXY", "http://proxy:3128")]),
                "{host}"
            );
        }
    }

    #[test]
    fn a_bad_proxy_url_is_refused_without_echoing_it() {
        let err = select(
            "https",
            "api.claid.ai",
            env(&[("HTTPS_PROXY", "ftp://user:pw@x")]),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("pw"), "{err}");
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.9.9.9",
            "[::1]",
            "app.localhost",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["api.claid.ai", "10.0.0.1", "localhost.evil.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
