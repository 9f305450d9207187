//! Encoding and decoding edge cases; the expected spellings are worked out by hand from
//! RFC 3501 §5.1.3 (UTF-16BE, base64 with `,` for `/`, no padding).

use super::*;

const PAIRS: &[(&str, &str)] = &[
    ("INBOX", "INBOX"),
    ("", ""),
    ("R&D", "R&-D"),
    ("&", "&-"),
    ("&&", "&-&-"),
    ("Entwürfe", "Entw&APw-rfe"),
    ("Personal.Família", "Personal.Fam&AO0-lia"),
    ("日本語", "&ZeVnLIqe-"),
    ("théâtre", "th&AOkA4g-tre"),
    ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
    // Outside the BMP: a surrogate pair (U+1F4E7 = D83D DCE7).
    ("📧 Mail", "&2D3c5w- Mail"),
    ("A&B日本", "A&-B&ZeVnLA-"),
    // A tab is not printable ASCII, so it is encoded too.
    ("a\tb", "a&AAk-b"),
];

#[test]
fn encodes_and_decodes_known_spellings() {
    for (name, spelt) in PAIRS {
        assert_eq!(encode(name), *spelt, "encode {name:?}");
        assert_eq!(decode(spelt).as_deref(), Ok(*name), "decode {spelt:?}");
    }
}

#[test]
fn round_trips_every_kind_of_character() {
    let samples = [
        "~ ! \" # $ % & ' ( ) * + , - . / : ; < = > ? @ [ \\ ] ^ _ ` { | }",
        "ÄÖÜäöüß",
        "a日b本c語d",
        "𝄞𝄞𝄞",
        "\u{7f}\u{80}\u{ff}\u{100}",
        "-&-&--",
    ];
    for s in samples {
        assert_eq!(decode(&encode(s)).as_deref(), Ok(s), "{s:?}");
    }
}

#[test]
fn invalid_spellings_are_refused_with_the_position() {
    let err = |raw: &str| decode(raw).expect_err(raw);
    assert!(matches!(
        err("Fam&AO0lia"),
        InvalidName::Unterminated { at: 3, .. }
    ));
    assert!(matches!(
        err("a&A*A-"),
        InvalidName::BadBase64 { at: 3, .. }
    ));
    // `/` is standard base64 but not modified base64.
    assert!(matches!(
        err("&BB4EQgQ/BEA-"),
        InvalidName::BadBase64 { .. }
    ));
    // Five bits left over, or non-zero padding bits.
    assert!(matches!(err("&AOkA-"), InvalidName::BadBase64 { .. }));
    assert!(matches!(err("&AO1-"), InvalidName::BadBase64 { .. }));
    // A lone high surrogate (D83D).
    assert!(matches!(err("&2D0-"), InvalidName::BadUtf16 { at: 0, .. }));
    // 8-bit text is not modified UTF-7.
    assert!(matches!(
        err("Família"),
        InvalidName::NotAscii { at: 3, .. }
    ));
    // "a" (0061) hidden in base64, and one run split in two.
    assert!(matches!(err("&AGE-"), InvalidName::NotCanonical { .. }));
    assert!(matches!(
        err("&AOk-&AOI-"),
        InvalidName::NotCanonical { .. }
    ));
    let message = err("Fam&AO0lia").to_string();
    assert!(
        message.contains("Fam&AO0lia") && message.contains("byte 3"),
        "{message}"
    );
}

#[test]
fn a_person_may_type_either_spelling() {
    assert_eq!(from_user("Personal.Família"), "Personal.Família");
    assert_eq!(from_user("Personal.Fam&AO0-lia"), "Personal.Família");
    assert_eq!(from_user("R&-D"), "R&D");
    // Not valid modified UTF-7: kept as typed.
    assert_eq!(from_user("R&D"), "R&D");
    assert_eq!(from_user("INBOX"), "INBOX");
}

#[test]
fn a_session_spells_names_by_what_the_server_enabled() {
    let utf7 = ServerNames { utf8: false };
    let utf8 = ServerNames { utf8: true };
    assert_eq!(utf7.to_server("Entwürfe"), "Entw&APw-rfe");
    assert_eq!(utf7.to_server("R&D"), "R&-D");
    assert_eq!(utf8.to_server("Entwürfe"), "Entwürfe");
    assert_eq!(utf8.to_server("R&D"), "R&D");
    assert_eq!(utf7.from_server("&ZeVnLIqe-"), "日本語");
    // With UTF8=ACCEPT names arrive as they are; `&` means itself.
    assert_eq!(utf8.from_server("R&D"), "R&D");
    assert_eq!(utf8.from_server("日本語"), "日本語");
    // A name that does not decode is kept as the server spelt it.
    assert_eq!(utf7.from_server("broken&name"), "broken&name");
}
