//! The fuzzer's seeds and every input it ever failed on, replayed through
//! the bodies of the `imap_command` and `mime` targets.

#[test]
fn imap_command_inputs() {
    let n = mismo_testkit::fuzz::replay("imap_command", imapd::fuzzing::command);
    println!("{n} inputs replayed");
}

#[test]
fn mime_inputs() {
    let n = mismo_testkit::fuzz::replay("mime", imapd::fuzzing::mime);
    println!("{n} inputs replayed");
}
