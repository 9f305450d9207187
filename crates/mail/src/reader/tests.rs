//! The hostile-HTML corpus: every known way to load remote content or run script in a
//! mail reader, each checked for no surviving remote URL or script and the exact count
//! of blocked references; then `cid:` images, attachments, charsets and sizes.
//!
//! Every remote URL in the corpus is on `evil.example`; links the reader must keep are
//! on `links.example`.

use std::collections::HashMap;

use base64::Engine;

use super::*;

fn html_mail(html: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@example.org>\r\nTo: me@example.org\r\nSubject: hostile\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}"
    )
    .into_bytes()
}

/// Nothing in `out` loads from, or names, a remote host, and nothing can run.
fn assert_safe(out: &str, case: &str) {
    let lower = out.to_ascii_lowercase();
    for bad in [
        "evil.example",
        "<script",
        "javascript:",
        "vbscript:",
        "data:text/html",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<svg",
        "<math",
        "<link",
        "<meta",
        "<base",
        "<image",
        "expression(",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "alert(",
    ] {
        assert!(!lower.contains(bad), "{case}: `{bad}` survived in {out}");
    }
}

/// What the document holds after its own head.
fn body_of(document: &str) -> &str {
    document
        .split_once("</head>")
        .map_or(document, |(_, body)| body)
}

fn check(html: &str, blocked: usize, case: &str) -> Reading {
    let r = render(&html_mail(html), &RemotePolicy::Block);
    let out = r.html.clone().unwrap_or_default();
    assert_safe(&out, case);
    assert_safe(body_of(&r.document), case);
    assert_eq!(r.blocked_remote, blocked, "{case}: blocked count in {out}");
    r
}

#[test]
fn remote_references_are_blocked_and_counted() {
    let cases: &[(&str, &str, usize)] = &[
        ("img src", r#"<img src="http://evil.example/a.png" alt="a">"#, 1),
        ("img src https", r#"<IMG SRC=https://evil.example/CAPS.png>"#, 1),
        ("srcset", r#"<img srcset="http://evil.example/a.png 1x, http://evil.example/b.png 2x">"#, 2),
        ("background", r#"<table background="http://evil.example/bg.png"><tr><td background="https://evil.example/td.png">x</td></tr></table>"#, 2),
        ("poster", r#"<video poster="http://evil.example/p.png"></video>"#, 1),
        ("image tag", r#"<image src="http://evil.example/i.png">"#, 1),
        ("svg image", r#"<svg><image href="http://evil.example/s.png"/><image xlink:href="http://evil.example/x.png"/></svg>"#, 0),
        ("picture source", r#"<picture><source srcset="http://evil.example/s.webp" type="image/webp"><img src="http://evil.example/f.png"></picture>"#, 2),
        ("css url", r#"<div style="background:url(http://evil.example/c.png)">x</div>"#, 1),
        ("css url quoted", r#"<div style='background-image: url("https://evil.example/q.png")'>x</div>"#, 1),
        ("css escape in url(", r#"<div style="background:\75 rl(http://evil.example/e.png)">x</div>"#, 1),
        ("css escapes in sheet", r#"<style>p{b\61ckground:u\72l("\68ttp://evil.example/e2.png")}</style><p>x</p>"#, 1),
        ("css escaped scheme", r#"<style>p{background:url(\000068ttps://evil.example/e3.png)}</style>"#, 1),
        ("@import", r#"<style>@import url("http://evil.example/i.css"); @import 'http://evil.example/j.css'; p{color:red}</style>"#, 2),
        ("@font-face", r#"<style>@font-face{font-family:x;src:url(http://evil.example/f.woff) format("woff")}</style>"#, 1),
        ("image-set", r#"<div style="background-image:image-set('http://evil.example/1.png' 1x, url(http://evil.example/2.png) 2x)">x</div>"#, 2),
        ("-webkit-image-set", r#"<style>div{background:-webkit-image-set("http://evil.example/w.png" 1x)}</style>"#, 1),
        ("newline in src", "<img src=\"ht\ntp://evil.example/n.png\"><img src=\"  http://evil.\r\nexample/n2.png\t\">", 2),
        ("entity in src", r#"<img src="&#104;ttp://evil.example/ent.png">"#, 1),
        ("scheme-relative", r#"<img src="//evil.example/p.png"><img src="\\evil.example/b.png">"#, 2),
        ("link", r#"<link rel="stylesheet" href="http://evil.example/l.css"><p>x</p>"#, 1),
        ("meta refresh", r#"<meta http-equiv="refresh" content="0; url=http://evil.example/r"><p>x</p>"#, 1),
        ("base", r#"<base href="http://evil.example/"><img src="x.png">"#, 1),
        ("whole document", r#"<html><head><link rel=stylesheet href=http://evil.example/h.css><style>body{background:url(http://evil.example/b.png)}</style></head><body background="http://evil.example/body.png"><p>hi</p></body></html>"#, 2),
        ("list-style and cursor", r#"<ul style="list-style-image:url(http://evil.example/li.png);cursor:url(http://evil.example/c.cur),auto"><li>x</li></ul>"#, 2),
        ("cross-fade", r#"<div style="background:cross-fade(url(http://evil.example/a.png), url(http://evil.example/b.png), 50%)">x</div>"#, 2),
        ("custom property string", r#"<div style='--u:"http://evil.example/v.png";background-image:image-set(var(--u) 1x);font-family:"Arial"'>x</div>"#, 1),
        ("image() string", r#"<div style="background-image:image('https://evil.example/img.png')">x</div>"#, 1),
        ("comment split", r#"<style>p{background:url(http://evil.example/c1.png)/**/}</style><style>/*</style><img src=http://evil.example/c2.png>*/</style>"#, 2),
    ];
    for (case, html, blocked) in cases {
        check(html, *blocked, case);
    }
}

#[test]
fn no_script_survives() {
    let cases: &[(&str, &str)] = &[
        ("script", "<script>alert(1)</script><p>x</p>"),
        ("onerror", "<img src=x onerror=alert(1)>"),
        ("body onload", "<body onload=alert(1)><p>x</p></body>"),
        ("javascript link", r#"<a href="javascript:alert(1)">x</a>"#),
        (
            "javascript with tab",
            r#"<a href="jav&#x09;ascript:alert(1)">x</a>"#,
        ),
        ("vbscript", r#"<a href="vbscript:msgbox(1)">x</a>"#),
        (
            "data html link",
            r#"<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>"#,
        ),
        ("data html img", r#"<img src="data:text/html,alert(1)">"#),
        (
            "iframe",
            r#"<iframe src="http://evil.example/f"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe>"#,
        ),
        (
            "object embed",
            r#"<object data="http://evil.example/o.swf"></object><embed src="http://evil.example/e.swf">"#,
        ),
        (
            "form",
            r#"<form action="http://evil.example/post"><input name=a><button formaction="http://evil.example/b">go</button></form>"#,
        ),
        (
            "svg script",
            "<svg><script>alert(1)</script><a xlink:href=\"javascript:alert(1)\">x</a></svg>",
        ),
        ("svg onload", "<svg onload=alert(1)></svg>"),
        (
            "css expression",
            r#"<div style="width:expression(alert(1))">x</div>"#,
        ),
        (
            "mxss math",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        ),
        (
            "noscript",
            r#"<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>"#,
        ),
        // The sheet's string stays a string (`\3c ` written for `<`), so it cannot close the element.
        (
            "style breakout",
            r#"<style>p{content:"\3c/style><script>run()</script>"}</style>"#,
        ),
        (
            "style breakout ident",
            r#"<style>p{font-family:\3c\2fstyle\3e\3cscript\3e alert\28 1\29}</style>"#,
        ),
        (
            "meta refresh js",
            r#"<meta http-equiv="refresh" content="0;url=javascript:alert(1)">"#,
        ),
        ("template", "<template><script>alert(1)</script></template>"),
    ];
    for (case, html) in cases {
        check(html, 0, case);
    }
}

#[test]
fn malformed_html_is_contained() {
    let cases: &[(&str, &str, usize)] = &[
        (
            "unterminated attribute",
            r#"<p>x<img src="http://evil.example/x.png"#,
            0,
        ),
        (
            "double brackets",
            "<<img src=http://evil.example/y.png>>",
            1,
        ),
        ("slash separator", "<img/src=http://evil.example/z.png>", 1),
        // A tag cut off by the end of input is dropped by the tokenizer, as browsers do.
        (
            "unclosed everything",
            "<div><table><tr><td><b><i>x<img src=http://evil.example/u.png",
            0,
        ),
        (
            "query string",
            "<img src=http://evil.example/q.png?a=1&b=2>",
            1,
        ),
        // NUL becomes U+FFFD: an unknown tag, and a host no browser can reach.
        (
            "nul bytes",
            "<im\0g src=http://evil.example/n.png><img src=\"http://evil.exa\0mple/m.png\">",
            0,
        ),
        ("deep nesting", &"<div>".repeat(5000), 0),
        (
            "deep css",
            &format!(
                "<div style=\"{}url(http://evil.example/d.png)\">x</div>",
                "(".repeat(5000)
            ),
            0,
        ),
    ];
    for (case, html, blocked) in cases {
        let r = check(html, *blocked, case);
        assert!(r.document.starts_with(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\""
        ));
    }
}

#[test]
fn links_keep_their_real_url_and_blocked_images_are_marked() {
    let r = check(
        r#"<a href="https://links.example/page?x=1&amp;y=2">read</a><img src="http://evil.example/t.gif" width=1 height=1>"#,
        1,
        "link",
    );
    let html = r.html.expect("html");
    assert!(
        html.contains(r#"href="https://links.example/page?x=1&amp;y=2""#),
        "{html}"
    );
    assert!(html.contains(r#"data-remote-blocked="src""#), "{html}");
    assert_eq!(r.remote_urls, vec!["http://evil.example/t.gif".to_owned()]);
    assert_eq!(r.subject, "hostile");
    assert_eq!(r.from[0].addr, "sender@example.org");
}

#[test]
fn the_document_starts_with_the_csp() {
    let r = render(&html_mail("<p>hello</p>"), &RemotePolicy::Block);
    assert!(r.document.starts_with(&format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
    )));
    assert!(r.document.contains("<p>hello</p>"));
    assert_eq!(r.text.trim(), "hello");
}

#[test]
fn allowed_remote_content_is_inlined_from_the_fetched_copies() {
    let html = r#"<img src="http://evil.example/a.png"><div style="background:url(http://evil.example/a.png)">x</div><img src="http://evil.example/failed.png"><style>@import url(http://evil.example/s.css);</style>"#;
    let blocked = render(&html_mail(html), &RemotePolicy::Block);
    assert_eq!(blocked.blocked_remote, 4);
    assert_eq!(
        blocked.remote_urls,
        vec![
            "http://evil.example/a.png".to_owned(),
            "http://evil.example/failed.png".to_owned()
        ]
    );
    let data = "data:image/png;base64,iVBORw0KGgo=".to_owned();
    let map = HashMap::from([("http://evil.example/a.png".to_owned(), data.clone())]);
    let r = render(&html_mail(html), &RemotePolicy::Inline(map));
    let out = r.html.expect("html");
    assert_safe(&out, "allowed");
    assert_eq!(out.matches(&data).count(), 2, "{out}");
    // The image that did not load and the stylesheet stay blocked.
    assert_eq!(r.blocked_remote, 2);
}

fn related_mail(image: &[u8], extra: &str) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(image);
    format!(
        "From: a@example.org\r\nSubject: logo\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/related; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <p>logo:</p><img src=\"cid:logo@example.org\"><div style=\"background:url('cid:LOGO@example.org')\">x</div>{extra}\r\n\
         --B\r\nContent-Type: image/png\r\nContent-ID: <logo@example.org>\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--B--\r\n"
    )
    .into_bytes()
}

#[test]
fn cid_images_are_inlined() {
    let image = b"\x89PNG\r\n\x1a\nfake image bytes";
    let r = render(&related_mail(image, ""), &RemotePolicy::Block);
    let html = r.html.expect("html");
    let data = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(image)
    );
    assert_eq!(html.matches(&data).count(), 2, "{html}");
    assert!(!html.contains("cid:"));
    assert_eq!(r.blocked_remote, 0);
    assert_eq!(r.attachments.len(), 1);
    let a = &r.attachments[0];
    assert_eq!(
        (a.mime.as_str(), a.content_id.as_deref(), a.inline, a.size),
        (
            "image/png",
            Some("logo@example.org"),
            true,
            image.len() as u64
        )
    );
}

#[test]
fn huge_inline_parts_are_not_inlined() {
    let image = vec![7u8; MAX_INLINE_PART_BYTES + 1];
    let r = render(
        &related_mail(&image, "<img src=\"cid:missing@x\">"),
        &RemotePolicy::Block,
    );
    let html = r.html.expect("html");
    assert!(
        !html.contains("data:image/png"),
        "the oversized part was inlined"
    );
    assert!(!html.contains("cid:"));
    assert!(html.len() < 10_000);
    assert_eq!(r.blocked_remote, 0);
    assert_eq!(r.attachments[0].size, image.len() as u64);
}

#[test]
fn attachments_are_listed_and_extracted() {
    let pdf = b"%PDF-1.4 not really a pdf \x00\x01\x02";
    let b64 = base64::engine::general_purpose::STANDARD.encode(pdf);
    let raw = format!(
        "From: a@example.org\r\nSubject: report\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n\
         --M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n\
         --M\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"../../etc/report.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--M--\r\n"
    )
    .into_bytes();
    let r = render(&raw, &RemotePolicy::Block);
    assert_eq!(r.html, None);
    assert!(r.text.contains("See attached."));
    assert!(r
        .document
        .contains("<pre class=\"mailcall-text\">See attached."));
    assert_eq!(r.attachments.len(), 1);
    let a = &r.attachments[0];
    assert_eq!(a.index, 0);
    assert_eq!(a.filename.as_deref(), Some("../../etc/report.pdf"));
    assert_eq!(
        (a.mime.as_str(), a.size, a.inline),
        ("application/pdf", pdf.len() as u64, false)
    );
    let saved = attachment(&raw, 0).expect("attachment");
    assert_eq!(saved.filename, "report.pdf");
    assert_eq!(saved.mime, "application/pdf");
    assert_eq!(saved.bytes, pdf);
    match attachment(&raw, 3) {
        Err(Error::NoAttachment { index: 3, count: 1 }) => {}
        other => panic!("expected NoAttachment, got {other:?}"),
    }
}

#[test]
fn broken_charsets_and_garbage_still_render() {
    let raw = b"From: a@example.org\r\nSubject: =?x-unknown?q?broken?=\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/html; charset=x-no-such-charset\r\n\r\n<p>caf\xe9 \xff\xfe <img src=http://evil.example/c.png></p>";
    let r = render(raw, &RemotePolicy::Block);
    let html = r.html.clone().expect("html");
    assert_safe(&html, "charset");
    assert!(html.contains("caf"));
    assert_eq!(r.blocked_remote, 1);

    for garbage in [
        &b""[..],
        b"\xff\xfe\x00",
        b"no header at all",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
    ] {
        let r = render(garbage, &RemotePolicy::Block);
        assert_safe(body_of(&r.document), "garbage");
        assert!(r.document.starts_with("<!DOCTYPE html>"));
    }
}

#[test]
fn ordinary_styles_and_strings_are_kept() {
    let r = check(
        r#"<style>p{font-family:"Helvetica Neue",Arial;color:#333}@media (max-width:600px){p{margin:0}}</style><p style='content:"hello";padding:4px'>x</p>"#,
        0,
        "plain styles",
    );
    let html = r.html.expect("html");
    assert!(
        html.contains(r#"font-family:"Helvetica Neue",Arial"#),
        "{html}"
    );
    assert!(
        html.contains("@media (max-width:600px){p{margin:0}}"),
        "{html}"
    );
    assert!(
        html.contains(r#"content:&quot;hello&quot;;padding:4px"#),
        "{html}"
    );
}
