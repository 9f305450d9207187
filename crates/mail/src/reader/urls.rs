//! What a URL in a message would make a browser do, judged the way browsers read it
//! (WHATWG URL parsing: surrounding spaces and controls trimmed, tabs and newlines inside
//! removed, `//host` and `\\host` taking the document's scheme), and the rewriting of each
//! reference against the reader's policy.
//!
//! Invariant: a reference is kept only as a `data:` image, a `cid:` part turned into one,
//! or (for links) an http/https/mailto/tel URL; every remote load is either replaced by a
//! fetched `data:` URI or counted as blocked.

use std::collections::HashMap;

use url::Url;

/// What one URL is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UrlKind {
    /// http or https: remote content (normalized, as it would be requested).
    Remote(String),
    /// A part of this message, by Content-ID (without angle brackets).
    Cid(String),
    /// A `data:` image, already inline.
    DataImage(String),
    /// Anything else: scripts, other schemes, relative URLs (which in the reader's frame
    /// would resolve against the app itself), non-image `data:`.
    Drop,
}

/// Removes what browsers ignore in a URL attribute: leading and trailing C0 controls
/// and spaces, and every tab and newline inside.
pub(crate) fn clean(value: &str) -> String {
    value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// Classifies a URL as found in an attribute or CSS (entities and CSS escapes already
/// decoded).
pub(crate) fn classify(value: &str) -> UrlKind {
    let s = clean(value);
    let lower = s.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("cid:") {
        let id = percent_decode(&s[s.len() - rest.len()..]);
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        return UrlKind::Cid(id.to_ascii_lowercase());
    }
    if let Some(rest) = lower.strip_prefix("data:") {
        let mime = rest.split([';', ',']).next().unwrap_or("").trim();
        return if mime.starts_with("image/") {
            UrlKind::DataImage(s)
        } else {
            UrlKind::Drop
        };
    }
    match Url::parse(&s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            UrlKind::Remote(u.to_string())
        }
        Ok(_) => UrlKind::Drop,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            // Scheme-relative: the frame's scheme is the app's, but the host is remote.
            if s.starts_with("//")
                || s.starts_with("\\\\")
                || s.starts_with("/\\")
                || s.starts_with("\\/")
            {
                match Url::parse(&format!("https:{s}")) {
                    Ok(u) if u.host().is_some() => UrlKind::Remote(u.to_string()),
                    _ => UrlKind::Drop,
                }
            } else {
                UrlKind::Drop
            }
        }
        Err(_) => UrlKind::Drop,
    }
}

/// A link target the reader keeps (shown to the user before it opens), or `None`.
pub(crate) fn link(value: &str) -> Option<String> {
    let s = clean(value);
    match Url::parse(&s) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "mailto" | "tel") => Some(u.to_string()),
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Remote references seen while rewriting one message.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Remote references left out of the output.
    pub blocked: usize,
    /// Distinct remote URLs that loading remote content would fetch, in document order.
    pub loadable: Vec<String>,
}

/// How references are rewritten for one message.
#[derive(Debug, Default)]
pub(crate) struct Rewriter {
    /// Content-ID (lower-case) -> `data:` URI of the inline part.
    pub cids: HashMap<String, String>,
    /// Remote URL -> fetched `data:` URI; empty when remote content is blocked.
    pub remote: HashMap<String, String>,
    pub tally: Tally,
}

impl Rewriter {
    /// What replaces a reference that loads content (an image, a font, a background).
    /// Blocked remote references are counted.
    pub fn load(&mut self, value: &str) -> Loaded {
        match classify(value) {
            UrlKind::Remote(url) => match self.remote(url, true) {
                Some(data) => Loaded::Keep(data),
                None => Loaded::Blocked,
            },
            UrlKind::Cid(id) => match self.cids.get(&id) {
                Some(data) => Loaded::Keep(data.clone()),
                None => Loaded::Dropped,
            },
            UrlKind::DataImage(data) => Loaded::Keep(data),
            UrlKind::Drop => Loaded::Dropped,
        }
    }

    /// A remote URL: its fetched copy, or counted as blocked. `loadable` says whether
    /// loading remote content would fetch it (images and fonts; not stylesheets, refresh
    /// targets or base URLs, which are never followed).
    pub fn remote(&mut self, url: String, loadable: bool) -> Option<String> {
        if loadable {
            if let Some(data) = self.remote.get(&url) {
                return Some(data.clone());
            }
        }
        self.tally.blocked += 1;
        if loadable
            && !self.tally.loadable.contains(&url)
            && self.tally.loadable.len() < MAX_LOADABLE
        {
            self.tally.loadable.push(url);
        }
        None
    }

    /// Counts a reference that is removed whatever the policy (`<link>`, `@import`,
    /// `<meta http-equiv=refresh>`, `<base>`) when it is remote.
    pub fn never_loaded(&mut self, value: &str) {
        if let UrlKind::Remote(url) = classify(value) {
            self.remote(url, false);
        }
    }

    /// A `srcset` with each candidate's URL rewritten; candidates that must go are left
    /// out. `Blocked` when none is left and one of them was remote.
    pub fn srcset(&mut self, value: &str) -> Loaded {
        let mut blocked = false;
        let mut kept = Vec::new();
        for (url, descriptor) in parse_srcset(value) {
            match self.load(&url) {
                Loaded::Keep(url) if descriptor.is_empty() => kept.push(url),
                Loaded::Keep(url) => kept.push(format!("{url} {descriptor}")),
                Loaded::Blocked => blocked = true,
                Loaded::Dropped => {}
            }
        }
        if !kept.is_empty() {
            Loaded::Keep(kept.join(", "))
        } else if blocked {
            Loaded::Blocked
        } else {
            Loaded::Dropped
        }
    }
}

/// What becomes of one content reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Loaded {
    /// This value (a `data:` URI) goes in its place.
    Keep(String),
    /// Remote and not loaded: counted, and marked so the frame can show a placeholder.
    Blocked,
    /// Not content the reader shows (a script URL, a relative path, a missing or
    /// oversized `cid:` part): removed.
    Dropped,
}

impl Loaded {
    pub fn keep(self) -> Option<String> {
        match self {
            Loaded::Keep(v) => Some(v),
            Loaded::Blocked | Loaded::Dropped => None,
        }
    }
}

/// Distinct remote URLs fetched for one message at most.
pub(crate) const MAX_LOADABLE: usize = 64;

/// The candidates of a `srcset` as (URL, descriptors), following the HTML parsing
/// rules: a URL runs to the next whitespace, trailing commas end it.
pub(crate) fn parse_srcset(value: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = value.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() {
            i += 1;
        }
        let mut url: String = chars[start..i].iter().collect();
        if url.ends_with(',') {
            while url.ends_with(',') {
                url.pop();
            }
            out.push((url, String::new()));
            continue;
        }
        let mut descriptor = String::new();
        let mut depth = 0usize;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            descriptor.push(c);
            i += 1;
        }
        out.push((url, descriptor.trim().to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_as_browsers_read_them() {
        assert_eq!(
            classify(" h\ntt\tp://evil.example/x.png "),
            UrlKind::Remote("http://evil.example/x.png".into())
        );
        assert_eq!(
            classify("//evil.example/x"),
            UrlKind::Remote("https://evil.example/x".into())
        );
        assert_eq!(
            classify("\\\\evil.example/x"),
            UrlKind::Remote("https://evil.example/x".into())
        );
        assert_eq!(
            classify("HTTPS:evil.example"),
            UrlKind::Remote("https://evil.example/".into())
        );
        assert_eq!(classify("java\nscript:alert(1)"), UrlKind::Drop);
        assert_eq!(classify("data:text/html,<script>"), UrlKind::Drop);
        assert_eq!(classify("logo.png"), UrlKind::Drop);
        assert_eq!(classify("cid:%3CLogo@x%3E"), UrlKind::Cid("logo@x".into()));
        assert!(matches!(
            classify("data:image/png;base64,AAAA"),
            UrlKind::DataImage(_)
        ));
    }

    #[test]
    fn srcset_candidates_split_like_html() {
        assert_eq!(
            parse_srcset("a.png 1x, data:image/png;base64,AA,BB 2x,c.png,"),
            vec![
                ("a.png".to_owned(), "1x".to_owned()),
                ("data:image/png;base64,AA,BB".to_owned(), "2x".to_owned()),
                ("c.png".to_owned(), String::new()),
            ]
        );
    }
}
