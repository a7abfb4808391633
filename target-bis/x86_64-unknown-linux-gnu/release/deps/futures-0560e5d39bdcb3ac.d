/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/futures-0560e5d39bdcb3ac.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-0.3.34/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libfutures-0560e5d39bdcb3ac.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-0.3.34/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libfutures-0560e5d39bdcb3ac.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-0.3.34/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-0.3.34/src/lib.rs:
