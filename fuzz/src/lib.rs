//! What the fuzz targets share: a scripted loopback server and the oracles
//! (secret spellings, JSON as written, `NO_PROXY`), each written apart from
//! the library code it checks.

pub mod jsonmodel;
pub mod loopback;
pub mod no_proxy;
pub mod spelling;

/// An HTTP/1.1 answer with `Content-Length` and `Connection: close`.
pub fn answer(status: u16, headers: &[(String, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Fuzz\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}
