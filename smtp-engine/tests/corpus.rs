//! Real-world MIME shapes, sent with smtplib to the MX port as strangers'
//! mail arrives, compared byte for byte with what the store holds.

mod common;

use common::{queue_id, start, strip_received};

#[tokio::test]
async fn every_mime_shape_is_stored_byte_exact() {
    let e = start(&[("SMTP_MAX_MESSAGE_SIZE", "32M")]).await;
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 6);

    // A 20 MB attachment, generated here rather than kept in the repository.
    let big = e.server.data_dir().join("big-attachment.eml");
    std::fs::write(&big, big_message()).unwrap();
    files.push(big);

    let port = e.mx.port().to_string();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let sent = std::fs::read(file).unwrap();
        let mut args = vec![
            "127.0.0.1",
            &port,
            "starttls",
            "-",
            "-",
            "sender@far.test",
            "bob@example.org,anyone@catch.test",
        ];
        let path = file.display().to_string();
        args.push(&path);
        if name.starts_with("utf8") {
            args.push("SMTPUTF8");
        }
        let (code, out) = e.python("send.py", &args);
        assert_eq!(code, 0, "{name}: {out}");
        assert!(
            out.contains("DATA 250 2.0.0 Ok: queued as"),
            "{name}: {out}"
        );
        let id = queue_id(&out);
        let stored = e.raw(&id).await;
        assert!(
            strip_received(&stored) == sent.as_slice(),
            "{name}: stored bytes differ from the sent ones"
        );
        let msg = e.queued_one(&id).await;
        assert_eq!(msg.recipients.len(), 2, "{name}");
        assert_eq!(msg.blob.size as usize, stored.len());

        match name.as_str() {
            "multipart-mixed.eml" => {
                let names: Vec<_> = msg
                    .attachments
                    .iter()
                    .map(|a| (a.name.clone().unwrap_or_default(), a.content_type.clone()))
                    .collect();
                assert_eq!(
                    names,
                    [
                        ("report.pdf".to_string(), "application/pdf".to_string()),
                        ("chart.png".into(), "image/png".into())
                    ]
                );
                assert_eq!(msg.attachments[0].size, 9 + 256 * 8);
                assert_eq!(msg.headers.subject.as_deref(), Some("Quarterly report"));
                assert_eq!(
                    msg.headers.from.as_deref(),
                    Some("Alice Sender <alice@far.test>")
                );
            }
            "multipart-alternative.eml" => {
                assert_eq!(msg.headers.subject.as_deref(), Some("Grüße aus München"));
                assert!(msg.attachments.is_empty());
            }
            "utf8-headers.eml" => {
                assert_eq!(msg.headers.subject.as_deref(), Some("Grüße, 你好, привет"));
                assert_eq!(
                    msg.headers.from.as_deref(),
                    Some("Jürgen Müller <jürgen@far.test>")
                );
            }
            "forwarded-rfc822.eml" => assert_eq!(msg.attachments.len(), 1),
            "big-attachment.eml" => {
                assert_eq!(msg.attachments.len(), 1);
                assert_eq!(msg.attachments[0].size, 20 << 20);
                assert_eq!(msg.attachments[0].name.as_deref(), Some("data.bin"));
                assert!(msg.blob.chunks > 1, "stored in several chunks");
            }
            _ => {}
        }
    }
}

fn big_message() -> Vec<u8> {
    use base64::Engine;
    let data: Vec<u8> = (0..20u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
    let mut out = b"From: zoe@example.org\r\nTo: bob@example.org\r\nSubject: 20 MB\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
    for line in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--b--\r\n");
    out
}
