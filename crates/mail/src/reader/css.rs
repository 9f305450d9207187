//! CSS from a message (`<style>` sheets and `style` attributes), rewritten token by token
//! with cssparser. The tokenizer decodes CSS escapes (`\75 rl(`, `\68 ttp`) before a URL
//! is judged, so no escaped spelling hides a load; the output is written from the decoded
//! tokens, so what the frame reads is exactly what was judged.
//!
//! Rewrites: `url()` / `src()`, the strings of `image-set()` and any string that is a
//! remote or `cid:` URL (a custom property can feed one to `image-set(var(--x))`) go through
//! [`Rewriter::load`] (a blocked reference becomes `none`); `@import` is removed (its
//! remote URL counted), `@namespace` dropped, `expression()` becomes `none`. Comments,
//! `<!--`/`-->` and bad tokens are dropped, and no `<` is ever written, so a sheet cannot
//! close its `<style>` element.

use std::fmt::Write;

use cssparser::{serialize_identifier, serialize_string, ParseError, Parser, ToCss, Token};

use super::urls::{self, Rewriter, UrlKind};

/// Larger sheets are dropped whole: no mail needs them, and the walk is per token.
const MAX_CSS_BYTES: usize = 1024 * 1024;
/// Blocks nested deeper than this are emptied (bounded recursion on hostile input).
const MAX_DEPTH: usize = 24;

type Nested = Result<(), ParseError<()>>;

/// A style sheet or a declaration list, rewritten.
pub(crate) fn rewrite(css: &str, refs: &mut Rewriter) -> String {
    if css.len() > MAX_CSS_BYTES {
        return String::new();
    }
    let mut parser = Parser::new(css);
    let mut out = String::with_capacity(css.len());
    walk(&mut parser, &mut out, refs, 0, Mode::Plain);
    // Belt and braces: the writers below never emit `<`, but an escaped unit or
    // identifier could carry one; in CSS `\3c ` reads as the same character.
    if out.contains('<') {
        out = out.replace('<', "\\3c ");
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    /// Inside `image-set()`: bare strings are image URLs.
    ImageSet,
}

fn walk<'i>(p: &mut Parser<'i>, out: &mut String, refs: &mut Rewriter, depth: usize, mode: Mode) {
    loop {
        let token = match p.next_including_whitespace() {
            Ok(t) => t.clone(),
            Err(_) => return,
        };
        match token {
            Token::AtKeyword(name) if name.eq_ignore_ascii_case("import") => {
                skip_rule(p, refs, true);
            }
            Token::AtKeyword(name)
                if name.eq_ignore_ascii_case("namespace")
                    || name.eq_ignore_ascii_case("charset") =>
            {
                skip_rule(p, refs, false);
            }
            Token::UnquotedUrl(url) => write_url(out, refs.load(&url).keep()),
            Token::QuotedString(s) if mode == Mode::ImageSet => {
                write_url(out, refs.load(&s).keep())
            }
            Token::Function(name) => function(p, out, refs, depth, &name),
            Token::ParenthesisBlock => block(p, out, refs, depth, "(", ")", mode),
            Token::SquareBracketBlock => block(p, out, refs, depth, "[", "]", mode),
            Token::CurlyBracketBlock => block(p, out, refs, depth, "{", "}", Mode::Plain),
            Token::Ident(s) => {
                let _ = serialize_identifier(&s, out);
            }
            // A string can become a URL later: `--x: "http://..."` used as
            // `image-set(var(--x))`, or `image("...")`. Remote and `cid:` strings go
            // through the rewriter like `url()`; other strings (font names, `content`)
            // stay.
            Token::QuotedString(s) => match urls::classify(&s) {
                UrlKind::Remote(_) | UrlKind::Cid(_) => {
                    let replaced = refs.load(&s).keep().unwrap_or_default();
                    let _ = serialize_string(&replaced, out);
                }
                _ => {
                    let _ = serialize_string(&s, out);
                }
            },
            Token::Delim('<')
            | Token::BadUrl(_)
            | Token::BadString(_)
            | Token::CDO
            | Token::CDC
            | Token::Comment(_)
            | Token::CloseParenthesis
            | Token::CloseSquareBracket
            | Token::CloseCurlyBracket => out.push(' '),
            other => {
                let _ = other.to_css(out);
            }
        }
    }
}

/// `url("x")`, `src("x")`, `image-set(...)`, `expression(...)` or any other function.
fn function(p: &mut Parser<'_>, out: &mut String, refs: &mut Rewriter, depth: usize, name: &str) {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "url" | "src" => {
            let mut arg = None;
            let _ = p.parse_nested_block(|p| -> Nested {
                while let Ok(t) = p.next() {
                    if let Token::QuotedString(s) = t {
                        arg.get_or_insert_with(|| s.to_string());
                    }
                }
                Ok(())
            });
            write_url(out, arg.and_then(|a| refs.load(&a).keep()));
        }
        "expression" | "-moz-binding" | "behavior" => {
            let _ = p.parse_nested_block(|_| -> Nested { Ok(()) });
            out.push_str("none");
        }
        _ => {
            let image_set = lower.ends_with("image-set");
            let mode = if image_set {
                Mode::ImageSet
            } else {
                Mode::Plain
            };
            let blocked_before = refs.tally.blocked;
            let mut inner = String::new();
            if depth < MAX_DEPTH {
                let _ = p.parse_nested_block(|p| -> Nested {
                    walk(p, &mut inner, refs, depth + 1, mode);
                    Ok(())
                });
            }
            if image_set && refs.tally.blocked > blocked_before {
                // One candidate blocked: the whole set goes, so no fallback loads it.
                out.push_str("none");
            } else {
                let _ = serialize_identifier(name, out);
                out.push('(');
                out.push_str(&inner);
                out.push(')');
            }
        }
    }
}

fn block(
    p: &mut Parser<'_>,
    out: &mut String,
    refs: &mut Rewriter,
    depth: usize,
    open: &str,
    close: &str,
    mode: Mode,
) {
    out.push_str(open);
    if depth < MAX_DEPTH {
        let _ = p.parse_nested_block(|p| -> Nested {
            walk(p, out, refs, depth + 1, mode);
            Ok(())
        });
    }
    out.push_str(close);
}

/// Skips an at-rule up to its `;` (or its block), counting the remote URLs it names
/// when `count` (an `@import` is a load; `@namespace` only names a namespace).
fn skip_rule(p: &mut Parser<'_>, refs: &mut Rewriter, count: bool) {
    loop {
        let token = match p.next_including_whitespace() {
            Ok(t) => t.clone(),
            Err(_) => return,
        };
        match token {
            Token::Semicolon | Token::CurlyBracketBlock => return,
            Token::UnquotedUrl(u) | Token::QuotedString(u) if count => refs.never_loaded(&u),
            Token::Function(_) if count => {
                let _ = p.parse_nested_block(|p| -> Nested {
                    while let Ok(t) = p.next() {
                        if let Token::QuotedString(s) = t {
                            refs.never_loaded(&s.clone());
                        }
                    }
                    Ok(())
                });
            }
            _ => {}
        }
    }
}

fn write_url(out: &mut String, url: Option<String>) {
    match url {
        Some(url) => {
            out.push_str("url(");
            let _ = serialize_string(&url, out);
            out.push(')');
        }
        None => {
            let _ = write!(out, "none");
        }
    }
}
