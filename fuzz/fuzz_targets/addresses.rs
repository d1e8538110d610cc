#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mismo_core::fuzzing::addresses(data));
