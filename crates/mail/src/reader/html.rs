//! HTML from a message made safe to show, in two passes.
//!
//! 1. ammonia (html5ever, the browsers' parsing algorithm) keeps only a list of tags and
//!    attributes: no script, no event handler, no `<iframe>`/`<object>`/`<embed>`/
//!    `<form>`, no SVG or MathML, no `javascript:`/`vbscript:` links. Its attribute
//!    filter rewrites every URL-bearing attribute and every `style` attribute through
//!    [`Rewriter`], on decoded values, in the tree the frame will rebuild.
//! 2. lol_html, on ammonia's well-formed output, rewrites the text of `<style>` sheets
//!    (which ammonia does not look into), removes the `<link>`/`<meta>`/`<base>` shells
//!    left for counting, and turns blocked markers into `data-remote-blocked` attributes.
//!
//! Why both: ammonia is the tree-level whitelist; lol_html is the streaming tokenizer
//! that can rewrite raw text. Neither sanitizes CSS, which [`super::css`] does.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use lol_html::html_content::ContentType;
use lol_html::{element, rewrite_str, text, RewriteStrSettings};

use super::css;
use super::urls::{self, Loaded, Rewriter};

/// Put in place of a blocked reference by the first pass, turned into a
/// `data-remote-blocked` attribute by the second.
const BLOCKED: &str = "data:,mailcall-remote-blocked";

/// Tags kept. `link`, `meta` and `base` only survive the first pass so that their
/// remote URLs are counted; the second pass removes them.
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "map",
    "mark",
    "nav",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
    "link",
    "meta",
    "base",
];

/// Removed with everything inside them.
const CLEAN_CONTENT: &[&str] = &[
    "script",
    "title",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "template",
    "noembed",
    "noframes",
    "noscript",
    "svg",
    "math",
    "xmp",
    "plaintext",
    "textarea",
    "select",
    "button",
    "form",
    "head",
];

/// Attributes on any kept tag.
const GENERIC: &[&str] = &[
    "align",
    "background",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "class",
    "color",
    "dir",
    "face",
    "height",
    "id",
    "lang",
    "size",
    "style",
    "title",
    "valign",
    "width",
];

/// Attributes of particular tags.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "name"]),
    ("area", &["href", "alt", "shape", "coords"]),
    (
        "img",
        &[
            "src", "srcset", "alt", "sizes", "usemap", "hspace", "vspace",
        ],
    ),
    ("source", &["srcset", "media", "type", "sizes"]),
    ("video", &["poster"]),
    ("map", &["name"]),
    ("td", &["colspan", "rowspan", "nowrap"]),
    ("th", &["colspan", "rowspan", "nowrap", "scope"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("ol", &["start", "type"]),
    ("ul", &["type"]),
    ("li", &["value", "type"]),
    ("font", &["face", "size", "color"]),
    ("link", &["href"]),
    ("meta", &["content"]),
    ("base", &["href"]),
];

/// The sanitized HTML of a message body, with every reference rewritten through `refs`.
pub(crate) fn sanitize(html: &str, refs: Rewriter) -> (String, Rewriter) {
    let shared = Arc::new(Mutex::new(refs));
    let first = {
        let shared = Arc::clone(&shared);
        let tags: HashSet<&'static str> = TAGS.iter().copied().collect();
        let mut builder = ammonia::Builder::empty();
        builder
            .tags(tags.clone())
            .clean_content_tags(CLEAN_CONTENT.iter().copied().collect())
            .generic_attributes(GENERIC.iter().copied().collect())
            .tag_attributes(
                TAG_ATTRIBUTES
                    .iter()
                    .map(|(t, a)| (*t, a.iter().copied().collect()))
                    .collect(),
            )
            .url_schemes(["http", "https", "mailto", "tel", "cid", "data"].into())
            // Relative URLs reach the filter, which drops them (the frame would resolve
            // them against the app) but treats `//host` as remote.
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true)
            .attribute_filter(move |element, attribute, value| {
                if !tags.contains(element) {
                    return None;
                }
                let mut refs = shared.lock().unwrap_or_else(PoisonError::into_inner);
                filter(&mut refs, element, attribute, value)
            });
        builder.clean(html).to_string()
    };
    let mut refs = match Arc::try_unwrap(shared) {
        Ok(m) => m.into_inner().unwrap_or_else(PoisonError::into_inner),
        // The builder (and its filter's clone) is dropped above; unreachable in practice.
        Err(shared) => std::mem::take(&mut *shared.lock().unwrap_or_else(PoisonError::into_inner)),
    };
    let second = second_pass(&first, &mut refs);
    (second, refs)
}

/// The first pass's attribute filter: the new value, or `None` to drop the attribute.
fn filter<'u>(
    refs: &mut Rewriter,
    element: &str,
    attribute: &str,
    value: &'u str,
) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        (_, "style") => Some(css::rewrite(value, refs).into()),
        ("a" | "area", "href") => urls::link(value).map(Cow::Owned),
        ("link" | "base", "href") => {
            refs.never_loaded(value);
            None
        }
        ("meta", "content") => {
            if let Some(target) = refresh_target(value) {
                refs.never_loaded(target);
            }
            None
        }
        (_, "src" | "background" | "poster") => marked(refs.load(value)),
        (_, "srcset") => marked(refs.srcset(value)),
        (_, "href" | "cite" | "action" | "formaction" | "longdesc" | "usemap" | "ping") => None,
        _ => Some(Cow::Borrowed(value)),
    }
}

fn marked<'u>(loaded: Loaded) -> Option<Cow<'u, str>> {
    match loaded {
        Loaded::Keep(v) => Some(Cow::Owned(v)),
        Loaded::Blocked => Some(Cow::Borrowed(BLOCKED)),
        Loaded::Dropped => None,
    }
}

/// The URL of a `<meta http-equiv=refresh content="5; url=...">`.
fn refresh_target(content: &str) -> Option<&str> {
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let rest = match rest.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("url") => rest[3..].trim_start().strip_prefix('=')?,
        _ => rest,
    };
    Some(rest.trim().trim_matches(['"', '\'']))
}

fn second_pass(html: &str, refs: &mut Rewriter) -> String {
    let mut sheet = String::new();
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("link, meta, base", |el| {
            el.remove();
            Ok(())
        }))
        .append_element_content_handler(element!("*", |el| {
            let blocked: Vec<String> = el
                .attributes()
                .iter()
                .filter(|a| a.value() == BLOCKED)
                .map(|a| a.name())
                .collect();
            for name in &blocked {
                el.remove_attribute(name);
            }
            if !blocked.is_empty() {
                el.set_attribute("data-remote-blocked", &blocked.join(" "))?;
            }
            Ok(())
        }))
        .append_element_content_handler(text!("style", |chunk| {
            sheet.push_str(chunk.as_str());
            if chunk.last_in_text_node() {
                let css = css::rewrite(&sheet, refs);
                sheet.clear();
                chunk.replace(&css, ContentType::Html);
            } else {
                chunk.remove();
            }
            Ok(())
        }));
    // lol_html fails only past its memory limits, which are far above a message the
    // first pass produced; an empty body is the safe answer then.
    rewrite_str(html, settings).unwrap_or_default()
}
