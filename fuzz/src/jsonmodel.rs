//! A small JSON reader of the oracle's own: numbers kept as written (the
//! library must send `1e400` as `1e400`), objects compared as the last
//! value of each name wins, and where each string sits in the text, so a
//! credential can be found and swapped out.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// A string value and the byte span of its literal (quotes included).
#[derive(Clone, Debug)]
pub struct Spot {
    pub value: String,
    pub span: (usize, usize),
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    depth: usize,
    /// String values under a `credentials` member, or of a `secret_access_key` or `api_key`.
    secret_spots: Vec<Spot>,
}

/// Reads `text`, which must be one JSON value and nothing else; `None` when
/// it is not JSON. Also gives the credential strings and where they are.
pub fn parse(text: &str) -> Option<(J, Vec<Spot>)> {
    let mut r = Reader {
        b: text.as_bytes(),
        at: 0,
        depth: 0,
        secret_spots: Vec::new(),
    };
    let v = r.value(false)?;
    r.ws();
    (r.at == r.b.len()).then_some((v, r.secret_spots))
}

impl Reader<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self, secret: bool) -> Option<J> {
        self.ws();
        self.depth += 1;
        if self.depth > 200 {
            return None;
        }
        let v = match *self.b.get(self.at)? {
            b'n' => self.word(b"null", J::Null),
            b't' => self.word(b"true", J::Bool(true)),
            b'f' => self.word(b"false", J::Bool(false)),
            b'"' => {
                let start = self.at;
                let s = self.string()?;
                if secret {
                    self.secret_spots.push(Spot {
                        value: s.clone(),
                        span: (start, self.at),
                    });
                }
                Some(J::Str(s))
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.at) == Some(&b']') {
                    self.at += 1;
                } else {
                    loop {
                        items.push(self.value(secret)?);
                        self.ws();
                        match self.b.get(self.at)? {
                            b',' => self.at += 1,
                            b']' => {
                                self.at += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Some(J::Arr(items))
            }
            b'{' => {
                self.at += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.at) == Some(&b'}') {
                    self.at += 1;
                } else {
                    loop {
                        self.ws();
                        if self.b.get(self.at) != Some(&b'"') {
                            return None;
                        }
                        let name = self.string()?;
                        self.ws();
                        if self.b.get(self.at) != Some(&b':') {
                            return None;
                        }
                        self.at += 1;
                        let inner = secret
                            || name == "credentials"
                            || name == "secret_access_key"
                            || name == "api_key";
                        let v = self.value(inner)?;
                        members.push((name, v));
                        self.ws();
                        match self.b.get(self.at)? {
                            b',' => self.at += 1,
                            b'}' => {
                                self.at += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Some(J::Obj(members))
            }
            _ => self.number(),
        };
        self.depth -= 1;
        v
    }

    fn word(&mut self, w: &[u8], v: J) -> Option<J> {
        if self.b[self.at..].starts_with(w) {
            self.at += w.len();
            Some(v)
        } else {
            None
        }
    }

    fn number(&mut self) -> Option<J> {
        let start = self.at;
        let digits = |r: &mut Self| {
            let s = r.at;
            while r.b.get(r.at).is_some_and(u8::is_ascii_digit) {
                r.at += 1;
            }
            r.at > s
        };
        if self.b.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        if self.b.get(self.at) == Some(&b'0') {
            self.at += 1;
        } else if !digits(self) {
            return None;
        }
        if self.b.get(self.at) == Some(&b'.') {
            self.at += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.b.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.b.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        Some(J::Num(
            String::from_utf8_lossy(&self.b[start..self.at]).into_owned(),
        ))
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.b.get(self.at..self.at + 4)?;
        if !h.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.b.get(self.at)?;
            self.at += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.b.get(self.at)?;
                    self.at += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi)
                                && self.b.get(self.at..self.at + 2) == Some(b"\\u")
                            {
                                let save = self.at;
                                self.at += 2;
                                match self.hex4() {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => char::from_u32(
                                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                                    )?,
                                    _ => {
                                        self.at = save;
                                        '\u{FFFD}'
                                    }
                                }
                            } else {
                                char::from_u32(hi).unwrap_or('\u{FFFD}')
                            }
                        }
                        _ => return None,
                    };
                    out.extend_from_slice(ch.to_string().as_bytes());
                }
                0..=0x1f => return None,
                other => out.push(other),
            }
        }
    }
}

/// The same value, reading each object as its last member of each name.
pub fn same(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Arr(x), J::Arr(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (J::Obj(x), J::Obj(y)) => {
            let x: BTreeMap<&str, &J> = x.iter().map(|(k, v)| (k.as_str(), v)).collect();
            let y: BTreeMap<&str, &J> = y.iter().map(|(k, v)| (k.as_str(), v)).collect();
            x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        (J::Num(x), J::Num(y)) => number_value(x) == number_value(y),
        _ => a == b,
    }
}

/// A JSON number's exact value, whatever its spelling: the sign, the
/// significant digits and the power of ten (`1e21`, `1e+21` and `10e20`
/// agree; every zero is the same zero). The contract asks that a number's
/// value is sent unchanged, not its spelling. An exponent too large for
/// i128 keeps the number's text, so it only equals itself.
fn number_value(text: &str) -> Result<(bool, String, i128), String> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, "0"),
    };
    let mut exponent: i128 = exponent.parse().map_err(|_| text.to_owned())?;
    let negative = mantissa.starts_with('-');
    let mantissa = mantissa.trim_start_matches('-');
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    exponent -= frac.len() as i128;
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok((false, String::new(), 0));
    }
    let kept = digits.trim_end_matches('0');
    exponent += (digits.len() - kept.len()) as i128;
    Ok((negative, kept.to_owned(), exponent))
}

/// Whether an object has a member name twice (at any depth).
pub fn has_duplicate_names(v: &J) -> bool {
    match v {
        J::Arr(items) => items.iter().any(has_duplicate_names),
        J::Obj(members) => {
            let mut names = std::collections::HashSet::new();
            members.iter().any(|(k, _)| !names.insert(k.as_str()))
                || members.iter().any(|(_, v)| has_duplicate_names(v))
        }
        _ => false,
    }
}

/// Whether `text` is one JSON value (RFC 8259), at any depth: checked
/// without recursion, as answers may nest deeper than any parser's limit.
pub fn is_json(text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum In {
        Array,
        Object,
    }
    let b = text.as_bytes();
    let mut at = 0;
    let mut stack: Vec<In> = Vec::new();
    let ws = |at: &mut usize| {
        while matches!(b.get(*at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            *at += 1;
        }
    };
    // Reads one scalar, or opens a container; false on anything else.
    loop {
        ws(&mut at);
        // A value is expected here.
        match b.get(at) {
            Some(b'[') => {
                at += 1;
                ws(&mut at);
                if b.get(at) == Some(&b']') {
                    at += 1;
                } else {
                    stack.push(In::Array);
                    continue;
                }
            }
            Some(b'{') => {
                at += 1;
                ws(&mut at);
                if b.get(at) == Some(&b'}') {
                    at += 1;
                } else {
                    if b.get(at) != Some(&b'"') {
                        return false;
                    }
                    let mut r = Reader {
                        b,
                        at,
                        depth: 0,
                        secret_spots: Vec::new(),
                    };
                    if r.string().is_none() {
                        return false;
                    }
                    at = r.at;
                    ws(&mut at);
                    if b.get(at) != Some(&b':') {
                        return false;
                    }
                    at += 1;
                    stack.push(In::Object);
                    continue;
                }
            }
            Some(_) => {
                let mut r = Reader {
                    b,
                    at,
                    depth: 0,
                    secret_spots: Vec::new(),
                };
                let ok = match b[at] {
                    b'"' => r.string().is_some(),
                    b'n' => r.word(b"null", J::Null).is_some(),
                    b't' => r.word(b"true", J::Null).is_some(),
                    b'f' => r.word(b"false", J::Null).is_some(),
                    _ => r.number().is_some(),
                };
                if !ok {
                    return false;
                }
                at = r.at;
            }
            None => return false,
        }
        // After a value: close containers or go on to the next member.
        loop {
            ws(&mut at);
            match (stack.last(), b.get(at)) {
                (None, None) => return true,
                (None, Some(_)) => return false,
                (Some(In::Array), Some(b']')) | (Some(In::Object), Some(b'}')) => {
                    stack.pop();
                    at += 1;
                }
                (Some(In::Array), Some(b',')) => {
                    at += 1;
                    break;
                }
                (Some(In::Object), Some(b',')) => {
                    at += 1;
                    ws(&mut at);
                    if b.get(at) != Some(&b'"') {
                        return false;
                    }
                    let mut r = Reader {
                        b,
                        at,
                        depth: 0,
                        secret_spots: Vec::new(),
                    };
                    if r.string().is_none() {
                        return false;
                    }
                    at = r.at;
                    ws(&mut at);
                    if b.get(at) != Some(&b':') {
                        return false;
                    }
                    at += 1;
                    break;
                }
                _ => return false,
            }
        }
    }
}
