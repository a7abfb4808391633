/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/scopeguard-6759276a3e27d240.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libscopeguard-6759276a3e27d240.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libscopeguard-6759276a3e27d240.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs:
