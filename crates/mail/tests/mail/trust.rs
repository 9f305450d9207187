//! Untrusted server certificates against the Dovecot lab: a `CA:TRUE` self-signed one (as
//! `openssl req -x509` makes), an expired one and one for another name are each refused
//! with the right reason and the certificate's SHA-256 fingerprint (computed here from the
//! DER the lab made); pinning the `CA:TRUE` one by fingerprint logs in and syncs; a pin
//! for another certificate is refused showing both fingerprints.

use mailcall_mail::sync::error_chain;
use mailcall_mail::{
    probe_certificate, CertReason, CertificateCheck, CertificateProblem, Connection, Error,
    Fingerprint, Security, Store,
};
use mailcall_testkit::dovecot::{DovecotLab, LabCertificate, OTHER_NAME};
use mailcall_testkit::fixture::Fixture;
use sha2::{Digest, Sha256};

use crate::remote::{account, options, password, sync, PASSWORD, USER};

/// `SHA256:AB:CD:…` of the lab's certificate, computed without the code under test.
pub fn expected_fingerprint(lab: &DovecotLab) -> String {
    let digest = Sha256::digest(lab.cert_der().as_ref());
    let pairs: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    format!("SHA256:{}", pairs.join(":"))
}

fn lab(certificate: LabCertificate) -> DovecotLab {
    DovecotLab::builder()
        .user(USER, PASSWORD)
        .certificate(certificate)
        .start()
        .expect("the dovecot lab starts")
}

/// The problem a login reports, checked to be an untrusted-certificate error for the lab.
async fn refused(acct: &mailcall_mail::Account) -> CertificateProblem {
    let e = Connection::open(acct, &password())
        .await
        .expect_err("the certificate is refused");
    assert!(!e.is_transient(), "a certificate problem is not retried");
    let text = error_chain(&e);
    match e {
        Error::UntrustedCertificate {
            host,
            port,
            problem,
        } => {
            assert_eq!((host.as_str(), Some(port)), (acct.host.as_str(), acct.port));
            assert!(text.contains(&problem.sha256().to_string()), "{text}");
            *problem
        }
        other => panic!("not an untrusted certificate: {other:?} ({text})"),
    }
}

#[tokio::test]
async fn each_flawed_certificate_says_why_with_its_fingerprint() {
    let ip = "127.0.0.1".to_owned();
    let cases = [
        // (served, reasons without a CA file, reasons with the certificate as CA file)
        (
            LabCertificate::SelfSignedCa,
            vec![CertReason::SelfSigned, CertReason::CaUsedAsEndEntity],
            vec![CertReason::CaUsedAsEndEntity],
        ),
        (
            LabCertificate::Expired,
            vec![CertReason::Expired, CertReason::SelfSigned],
            vec![CertReason::Expired],
        ),
        (
            LabCertificate::OtherName,
            vec![
                CertReason::WrongName {
                    expected: ip.clone(),
                },
                CertReason::SelfSigned,
            ],
            vec![CertReason::WrongName { expected: ip }],
        ),
    ];
    for (served, bare, with_ca) in cases {
        let lab = lab(served);
        let fingerprint = expected_fingerprint(&lab);
        let dir = tempfile::tempdir().expect("tempdir");
        for security in [Security::Tls, Security::Starttls] {
            let mut acct = account(&lab, dir.path(), security);
            let problem = refused(&acct).await;
            assert_eq!(
                problem.reasons, with_ca,
                "{served:?} {security:?} with CA file"
            );
            assert_eq!(problem.sha256().to_string(), fingerprint);

            acct.ca_file = None;
            let problem = refused(&acct).await;
            assert_eq!(problem.reasons, bare, "{served:?} {security:?}");
            assert_eq!(problem.reason, bare[0]);
            assert_eq!(problem.sha256().to_string(), fingerprint);
            assert_eq!(problem.certificate.subject, problem.certificate.issuer);
            assert!(problem.certificate.self_signed);
            assert_eq!(
                problem.certificate.is_ca,
                served == LabCertificate::SelfSignedCa
            );
            let names = &problem.certificate.names;
            match served {
                LabCertificate::OtherName => assert_eq!(names, &[OTHER_NAME.to_owned()]),
                _ => assert!(names.contains(&"127.0.0.1".to_owned()), "{names:?}"),
            }
            if served == LabCertificate::Expired {
                // The lab's expired certificate is valid during 2020 only.
                assert_eq!(
                    (
                        problem.certificate.not_before,
                        problem.certificate.not_after
                    ),
                    (1_577_836_800, 1_609_459_200)
                );
            }

            // The probe, without logging in, finds the same.
            match probe_certificate(&acct).await.expect("probe") {
                CertificateCheck::Untrusted { problem: probed } => assert_eq!(probed, problem),
                other => panic!("{served:?}: probe says {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn pinning_the_ca_true_certificate_logs_in_and_syncs() {
    let mut lab = DovecotLab::builder()
        .user(USER, PASSWORD)
        .certificate(LabCertificate::SelfSignedCa)
        .build()
        .expect("lab builds");
    let manifest = Fixture::new(31)
        .messages(40)
        .write_maildir_with_manifest(
            &lab.maildir(USER),
            &lab.maildir(USER).join("..").join("manifest.json"),
        )
        .expect("fixture written");
    lab.fix_ownership().expect("ownership");
    lab.start().expect("lab starts");
    let fingerprint = expected_fingerprint(&lab);
    let dir = tempfile::tempdir().expect("tempdir");
    for security in [Security::Tls, Security::Starttls] {
        let mut acct = account(&lab, dir.path(), security);
        acct.ca_file = None;
        acct.trusted_certificate = Some(fingerprint.parse().expect("fingerprint"));
        match probe_certificate(&acct).await.expect("probe") {
            CertificateCheck::Trusted { certificate } => {
                assert_eq!(certificate.sha256.to_string(), fingerprint);
            }
            other => panic!("{security:?}: the pinned certificate is not trusted: {other:?}"),
        }
        mailcall_mail::check_login(&acct, &password())
            .await
            .unwrap_or_else(|e| panic!("{security:?}: {}", error_chain(&e)));
    }

    let mut acct = account(&lab, dir.path(), Security::Tls);
    acct.ca_file = None;
    acct.trusted_certificate = Some(fingerprint.parse().expect("fingerprint"));
    acct.validate().expect("a pinned account is valid");
    let mut store = Store::open(acct.cache_file().expect("path"), None).expect("store");
    let report = sync(&acct, &mut store, &options(500), &mut |_| {})
        .await
        .unwrap_or_else(|e| panic!("sync: {}", error_chain(&e)));
    let inserted: u64 = report.folders.iter().map(|f| f.inserted as u64).sum();
    assert_eq!(inserted, manifest.messages);
}

#[tokio::test]
async fn a_pin_for_another_certificate_is_refused_showing_both_fingerprints() {
    let lab = lab(LabCertificate::SelfSignedCa);
    let served = expected_fingerprint(&lab);
    // The fingerprint of the standard lab certificate of another lab: a real, different one.
    let other = expected_fingerprint(&self::lab(LabCertificate::Standard));
    assert_ne!(served, other);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut acct = account(&lab, dir.path(), Security::Tls);
    acct.ca_file = None;
    acct.trusted_certificate = Some(other.parse().expect("fingerprint"));
    let problem = refused(&acct).await;
    let pinned: Fingerprint = other.parse().expect("fingerprint");
    assert_eq!(problem.reason, CertReason::Changed { pinned });
    assert_eq!(problem.pinned(), Some(pinned));
    assert_eq!(problem.sha256().to_string(), served);
    let text = problem.to_string();
    assert!(text.contains(&served) && text.contains(&other), "{text}");

    // A pin and a CA file together are refused before anything connects.
    acct.ca_file = Some(dir.path().join("lab-ca.pem"));
    let e = Connection::open(&acct, &password())
        .await
        .expect_err("pin and CA file exclude each other");
    assert!(matches!(e, Error::InvalidAccount { .. }), "{e:?}");
}
