//! Word segmentation for scripts written without spaces, applied before text reaches
//! the FTS5 `unicode61` tokenizer, which would otherwise index a whole Japanese or
//! Chinese sentence as one token and never find a word inside it.
//!
//! Design: overlapping bigrams at write time (the CJK approach of Lucene's bigram
//! filter). A run of such characters `c1 c2 .. cn` is indexed as the tokens
//! `c1c2 c2c3 .. c(n-1)cn cn`; the trailing single character lets a one-character query
//! match anywhere as a prefix (`c*`). A query run of two or more characters becomes the
//! phrase of its bigrams, which matches exactly where the run occurs. One FTS table
//! serves every script; a trigram table beside it would be about three times larger
//! and cannot match two-character words, which are common in Japanese and Chinese.
//!
//! Invariant: the same character classes are used on both sides, so a query run always
//! meets the tokens its text was indexed as.

use std::borrow::Cow;

/// Scripts that separate words without spaces (or, for Hangul, attach particles to
/// words): Han, kana, Hangul, Thai, Lao, Khmer, Myanmar.
pub(crate) fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF        // Thai, Lao
        | 0x1000..=0x109F      // Myanmar
        | 0x1100..=0x11FF      // Hangul Jamo
        | 0x1780..=0x17FF      // Khmer
        | 0x2E80..=0x2FDF      // CJK radicals
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3100..=0x318F      // Bopomofo, Hangul compatibility Jamo
        | 0x31A0..=0x31FF      // Bopomofo ext., Katakana ext.
        | 0x3400..=0x4DBF      // CJK ext. A
        | 0x4E00..=0x9FFF      // CJK unified
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK compatibility
        | 0xFF66..=0xFF9F      // half-width Katakana
        | 0x20000..=0x3134F    // CJK ext. B..G
    )
}

/// Text as it is written into the FTS index: unspaced runs become bigrams plus the
/// run's last character. Borrowed when there is nothing to do.
pub(crate) fn for_index(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unspaced) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 3);
    let mut run: Vec<char> = Vec::new();
    for c in text.chars() {
        if is_unspaced(c) {
            run.push(c);
        } else {
            flush_index(&mut run, &mut out);
            out.push(c);
        }
    }
    flush_index(&mut run, &mut out);
    Cow::Owned(out)
}

fn flush_index(run: &mut Vec<char>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    out.push(' ');
    for pair in run.windows(2) {
        out.extend(pair);
        out.push(' ');
    }
    if let Some(last) = run.last() {
        out.push(*last);
    }
    out.push(' ');
    run.clear();
}

/// A query word or phrase as a sequence of FTS tokens (still to be quoted): spaced
/// text is kept as it is (unicode61 splits it), unspaced runs become their bigrams.
/// The flag is true when the last token is a lone unspaced character, which must be
/// searched as a prefix.
pub(crate) fn for_query(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len() * 3);
    let mut run: Vec<char> = Vec::new();
    let mut lone_last = false;
    for c in text.chars() {
        if is_unspaced(c) {
            run.push(c);
        } else {
            lone_last = flush_query(&mut run, &mut out);
            if !c.is_whitespace() || !out.ends_with(' ') {
                out.push(c);
            }
            if c.is_alphanumeric() {
                lone_last = false;
            }
        }
    }
    if !run.is_empty() {
        lone_last = flush_query(&mut run, &mut out);
    }
    (out.trim().to_owned(), lone_last)
}

/// Writes a query run; returns true when it was a single character.
fn flush_query(run: &mut Vec<char>, out: &mut String) -> bool {
    if run.is_empty() {
        return false;
    }
    out.push(' ');
    let lone = run.len() == 1;
    if lone {
        out.push(run[0]);
    } else {
        for pair in run.windows(2) {
            out.extend(pair);
            out.push(' ');
        }
    }
    out.push(' ');
    run.clear();
    lone
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_is_split_into_bigrams() {
        assert_eq!(
            for_index("会議室の予約")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["会議", "議室", "室の", "の予", "予約", "約"]
        );
        assert_eq!(for_index("plain text"), "plain text");
        assert_eq!(
            for_index("Zoom会議").split_whitespace().collect::<Vec<_>>(),
            ["Zoom", "会議", "議"]
        );
    }

    #[test]
    fn query_runs_become_phrases() {
        assert_eq!(for_query("会議"), ("会議".to_owned(), false));
        let (q, lone) = for_query("会議室");
        assert_eq!(q.split_whitespace().collect::<Vec<_>>(), ["会議", "議室"]);
        assert!(!lone);
        assert!(for_query("会").1);
        assert_eq!(for_query("hello").0, "hello");
    }
}
