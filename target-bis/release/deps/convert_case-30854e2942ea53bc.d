/work/main/target-bis/release/deps/convert_case-30854e2942ea53bc.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/boundary.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/case.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/converter.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/pattern.rs

/work/main/target-bis/release/deps/libconvert_case-30854e2942ea53bc.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/boundary.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/case.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/converter.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/pattern.rs

/work/main/target-bis/release/deps/libconvert_case-30854e2942ea53bc.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/boundary.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/case.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/converter.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/pattern.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/boundary.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/case.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/converter.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/convert_case-0.12.0/src/pattern.rs:
