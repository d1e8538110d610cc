#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pop3d::fuzzing::session(data));
