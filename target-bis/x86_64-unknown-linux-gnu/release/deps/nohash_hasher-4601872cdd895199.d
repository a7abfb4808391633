/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/nohash_hasher-4601872cdd895199.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nohash-hasher-0.2.0/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libnohash_hasher-4601872cdd895199.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nohash-hasher-0.2.0/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libnohash_hasher-4601872cdd895199.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nohash-hasher-0.2.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nohash-hasher-0.2.0/src/lib.rs:
