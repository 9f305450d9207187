//! The pure decision: is a sender a machine or a person, given what the mailbox shows.
//!
//! Order of the rules (the first that applies decides; every rule that fired is kept
//! in `why`):
//! 1. A do-not-reply address is a machine: nobody reads what is sent back.
//! 2. Evidence of a conversation makes a person: I wrote to them, one of their threads
//!    holds a message of mine, or I answered one of their messages.
//! 3. Automation headers (`List-*`, `Precedence`, `Auto-Submitted`) on most of their
//!    messages make a machine.
//! 4. One-way volume makes a machine: at least [`MIN_VOLUME`] messages, almost none of
//!    them a reply, and the subjects repeat one template, or they arrive at regular
//!    intervals, or there are [`BULK_VOLUME`] or more of them.
//! 5. Everyone else is a person: someone who writes once, writes replies, or writes a
//!    few varied messages is a person unless the headers say otherwise.

use serde::{Deserialize, Serialize};

/// Fewer messages than this are never called a machine by volume alone.
pub const MIN_VOLUME: u64 = 5;
/// One-way messages from one address at or above this count are bulk mail.
pub const BULK_VOLUME: u64 = 20;

/// What the mailbox shows about one sender. Counts marked "recent" cover the newest
/// `window` messages of the sender, which bounds the cost of a decision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Every cached message from the sender.
    pub messages: u64,
    /// Recent messages examined.
    pub window: u64,
    /// Recent messages with automation headers.
    pub header_automated: u64,
    /// The address reads as "do not reply".
    pub no_reply_address: bool,
    /// Messages of mine addressed to the sender (To or Cc).
    pub written_to: u64,
    /// Recent threads of the sender that also hold a message of mine.
    pub threads_with_me: u64,
    /// Recent messages carrying `\Answered`.
    pub answered: u64,
    /// Recent messages that answer another message (`In-Reply-To`).
    pub replies: u64,
    /// Recent messages sharing the most common subject shape (see [`subject_shape`]).
    pub top_shape: u64,
    /// Coefficient of variation of the gaps between recent messages; `None` under
    /// [`MIN_VOLUME`] messages.
    pub interval_cv: Option<f64>,
}

/// Machine or person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Person,
    Machine,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderKind::Person => "person",
            SenderKind::Machine => "machine",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<SenderKind> {
        match s {
            "person" => Some(SenderKind::Person),
            "machine" => Some(SenderKind::Machine),
            _ => None,
        }
    }
}

/// A machine-readable reason for a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A person set the class.
    Override,
    NoReplyAddress,
    IWroteTo,
    ConversationWithMe,
    Answered,
    Headers,
    NeverAnswered,
    TemplateSubjects,
    RegularIntervals,
    BulkVolume,
    WritesOnce,
    WritesReplies,
    FewMessages,
}

/// One reason: its code and the same in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub text: String,
}

fn reason(code: ReasonCode, text: String) -> Reason {
    Reason { code, text }
}

/// The decision about one sender and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderClass {
    pub kind: SenderKind,
    pub why: Vec<Reason>,
}

/// Decides machine or person from `e` (see the module doc for the rules).
pub fn classify_sender(e: &Evidence) -> SenderClass {
    use ReasonCode::*;
    if e.no_reply_address {
        return SenderClass {
            kind: SenderKind::Machine,
            why: vec![reason(
                NoReplyAddress,
                "the address says replies are not read".into(),
            )],
        };
    }
    let mut why = Vec::new();
    if e.written_to > 0 {
        why.push(reason(
            IWroteTo,
            format!("I wrote to this address {} time(s)", e.written_to),
        ));
    }
    if e.threads_with_me > 0 {
        why.push(reason(
            ConversationWithMe,
            format!(
                "{} of their threads hold a message of mine",
                e.threads_with_me
            ),
        ));
    }
    if e.answered > 0 {
        why.push(reason(
            Answered,
            format!("{} of their messages are marked answered", e.answered),
        ));
    }
    if !why.is_empty() {
        return person(why);
    }
    if e.window > 0 && e.header_automated * 2 > e.window {
        why.push(reason(
            Headers,
            format!(
                "{} of {} recent messages carry list, bulk or auto-submitted headers",
                e.header_automated, e.window
            ),
        ));
        return machine(why);
    }
    let one_way = e.messages >= MIN_VOLUME && e.replies * 10 < e.window;
    if one_way {
        if e.window >= MIN_VOLUME && e.top_shape * 10 >= e.window * 3 {
            why.push(reason(
                TemplateSubjects,
                format!(
                    "{} of {} recent subjects share one template",
                    e.top_shape, e.window
                ),
            ));
        }
        if e.interval_cv.is_some_and(|cv| cv < 0.25) {
            why.push(reason(
                RegularIntervals,
                "messages arrive at regular intervals".into(),
            ));
        }
        if e.messages >= BULK_VOLUME {
            why.push(reason(
                BulkVolume,
                format!("{} messages, none in a conversation", e.messages),
            ));
        }
        if !why.is_empty() {
            why.insert(
                0,
                reason(
                    NeverAnswered,
                    "I never wrote to them and none of their threads holds a message of mine"
                        .into(),
                ),
            );
            return machine(why);
        }
    }
    let (code, text) = if e.messages <= 1 {
        (
            WritesOnce,
            "wrote once, with no automation headers".to_owned(),
        )
    } else if e.replies * 10 >= e.window && e.window > 0 {
        (
            WritesReplies,
            format!("{} of {} recent messages are replies", e.replies, e.window),
        )
    } else {
        (
            FewMessages,
            format!("{} varied messages, no automation headers", e.messages),
        )
    };
    person(vec![reason(code, text)])
}

fn person(why: Vec<Reason>) -> SenderClass {
    SenderClass {
        kind: SenderKind::Person,
        why,
    }
}

fn machine(why: Vec<Reason>) -> SenderClass {
    SenderClass {
        kind: SenderKind::Machine,
        why,
    }
}

/// The template of a subject: reply and forward prefixes dropped, lower case, every run
/// of digits one `#`, and only the first three words, so `Order #1234 shipped` and
/// `Order #98 shipped` share a shape while people's subjects rarely do.
pub fn subject_shape(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.get(..4).map(str::to_ascii_lowercase);
        match lower.as_deref() {
            Some("re: ") | Some("fw: ") => s = s[4..].trim_start(),
            Some("fwd:") => s = s[4..].trim_start(),
            _ => break,
        }
    }
    let mut out = String::new();
    for word in s.split_whitespace().take(3) {
        if !out.is_empty() {
            out.push(' ');
        }
        let mut digits = false;
        for c in word.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_digit() {
                if !digits {
                    out.push('#');
                }
                digits = true;
            } else {
                out.push(c);
                digits = false;
            }
        }
    }
    out
}

/// Coefficient of variation (standard deviation over mean) of the gaps between sorted
/// `dates`; `None` for fewer than [`MIN_VOLUME`] dates or no time passing.
pub fn interval_cv(dates: &[i64]) -> Option<f64> {
    if (dates.len() as u64) < MIN_VOLUME {
        return None;
    }
    let gaps: Vec<f64> = dates.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    Some(var.sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_way(messages: u64) -> Evidence {
        Evidence {
            messages,
            window: messages,
            ..Evidence::default()
        }
    }

    fn codes(c: &SenderClass) -> Vec<ReasonCode> {
        c.why.iter().map(|r| r.code).collect()
    }

    #[test]
    fn no_reply_address_is_a_machine_even_when_answered() {
        let e = Evidence {
            no_reply_address: true,
            written_to: 3,
            ..one_way(2)
        };
        let c = classify_sender(&e);
        assert_eq!(c.kind, SenderKind::Machine);
        assert_eq!(codes(&c), [ReasonCode::NoReplyAddress]);
    }

    #[test]
    fn someone_i_wrote_to_is_a_person_despite_volume_and_templates() {
        let e = Evidence {
            written_to: 1,
            top_shape: 50,
            ..one_way(50)
        };
        let c = classify_sender(&e);
        assert_eq!(c.kind, SenderKind::Person);
        assert_eq!(codes(&c), [ReasonCode::IWroteTo]);
    }

    #[test]
    fn a_thread_with_me_or_an_answer_makes_a_person() {
        let c = classify_sender(&Evidence {
            threads_with_me: 2,
            answered: 1,
            ..one_way(30)
        });
        assert_eq!(c.kind, SenderKind::Person);
        assert_eq!(
            codes(&c),
            [ReasonCode::ConversationWithMe, ReasonCode::Answered]
        );
    }

    #[test]
    fn headers_on_most_messages_make_a_machine() {
        let c = classify_sender(&Evidence {
            header_automated: 2,
            ..one_way(3)
        });
        assert_eq!(c.kind, SenderKind::Machine);
        assert_eq!(codes(&c), [ReasonCode::Headers]);
        // One out-of-office reply among many messages does not.
        let c = classify_sender(&Evidence {
            header_automated: 1,
            replies: 5,
            ..one_way(10)
        });
        assert_eq!(c.kind, SenderKind::Person);
    }

    #[test]
    fn templated_one_way_mail_is_a_machine() {
        let c = classify_sender(&Evidence {
            top_shape: 4,
            ..one_way(8)
        });
        assert_eq!(c.kind, SenderKind::Machine);
        assert_eq!(
            codes(&c),
            [ReasonCode::NeverAnswered, ReasonCode::TemplateSubjects]
        );
    }

    #[test]
    fn regular_one_way_mail_is_a_machine() {
        let c = classify_sender(&Evidence {
            interval_cv: Some(0.05),
            top_shape: 1,
            ..one_way(6)
        });
        assert_eq!(c.kind, SenderKind::Machine);
        assert!(codes(&c).contains(&ReasonCode::RegularIntervals));
    }

    #[test]
    fn bulk_volume_is_a_machine_even_with_varied_subjects() {
        let c = classify_sender(&Evidence {
            top_shape: 2,
            interval_cv: Some(1.0),
            ..one_way(BULK_VOLUME)
        });
        assert_eq!(c.kind, SenderKind::Machine);
        assert_eq!(
            codes(&c),
            [ReasonCode::NeverAnswered, ReasonCode::BulkVolume]
        );
    }

    #[test]
    fn a_sender_who_writes_follow_ups_is_a_person() {
        // Cold outreach: a template and volume, but every third message is a follow-up.
        let c = classify_sender(&Evidence {
            top_shape: 30,
            replies: 10,
            ..one_way(30)
        });
        assert_eq!(c.kind, SenderKind::Person);
        assert_eq!(codes(&c), [ReasonCode::WritesReplies]);
    }

    #[test]
    fn few_or_single_messages_are_a_person() {
        let c = classify_sender(&one_way(1));
        assert_eq!(c.kind, SenderKind::Person);
        assert_eq!(codes(&c), [ReasonCode::WritesOnce]);
        let c = classify_sender(&Evidence {
            top_shape: 4,
            ..one_way(4)
        });
        assert_eq!(c.kind, SenderKind::Person);
        assert_eq!(codes(&c), [ReasonCode::FewMessages]);
    }

    #[test]
    fn shapes_ignore_numbers_prefixes_and_tails() {
        assert_eq!(
            subject_shape("Re: Order #1234 shipped today"),
            subject_shape("Order #98 shipped yesterday")
        );
        assert_eq!(subject_shape("FWD: ** PROBLEM alert"), "** problem alert");
        assert_ne!(
            subject_shape("Lunch on Friday?"),
            subject_shape("Notes from Monday")
        );
    }

    #[test]
    fn interval_regularity() {
        let daily: Vec<i64> = (0..10).map(|i| i * 86_400).collect();
        assert!(interval_cv(&daily).is_some_and(|cv| cv < 0.01));
        let bursty = [0, 10, 20, 86_400, 86_410, 400_000];
        assert!(interval_cv(&bursty).is_some_and(|cv| cv > 1.0));
        assert_eq!(interval_cv(&[0, 1, 2]), None);
    }
}
