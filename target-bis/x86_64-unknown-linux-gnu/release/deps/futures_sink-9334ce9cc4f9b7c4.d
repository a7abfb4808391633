/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/futures_sink-9334ce9cc4f9b7c4.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libfutures_sink-9334ce9cc4f9b7c4.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libfutures_sink-9334ce9cc4f9b7c4.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs:
