/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/futures_io-ad21e0a856dc71e8.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libfutures_io-ad21e0a856dc71e8.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libfutures_io-ad21e0a856dc71e8.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs:
