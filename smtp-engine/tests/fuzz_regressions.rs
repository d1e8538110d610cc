//! The fuzzer's seeds and every input it ever failed on, replayed through
//! the same SMTP session driver the `smtp_session` target runs.

#[test]
fn smtp_session_inputs() {
    let n = mismo_testkit::fuzz::replay("smtp_session", smtp_engine::fuzzing::session);
    println!("{n} inputs replayed");
}
