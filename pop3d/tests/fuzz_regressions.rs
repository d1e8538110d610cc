//! The fuzzer's seeds and every input it ever failed on, replayed through
//! the same POP3 session driver the `pop3_session` target runs.

#[test]
fn pop3_session_inputs() {
    let n = mismo_testkit::fuzz::replay("pop3_session", pop3d::fuzzing::session);
    println!("{n} inputs replayed");
}
