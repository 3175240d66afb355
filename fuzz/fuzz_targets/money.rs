#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| village_ledger_fuzz::money(data));
