//! The fuzzer's seeds and every input it ever failed on, replayed through
//! the body of the `addresses` target.

#[test]
fn address_and_srs_inputs() {
    let n = mismo_testkit::fuzz::replay("addresses", mismo_core::fuzzing::addresses);
    println!("{n} inputs replayed");
}
