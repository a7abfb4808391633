/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/cfg_if-86c9fdd93f2c4382.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libcfg_if-86c9fdd93f2c4382.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libcfg_if-86c9fdd93f2c4382.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs:
