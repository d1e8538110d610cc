#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| imapd::fuzzing::command(data));
