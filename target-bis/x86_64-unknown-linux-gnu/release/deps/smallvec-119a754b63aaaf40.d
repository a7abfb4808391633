/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/smallvec-119a754b63aaaf40.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libsmallvec-119a754b63aaaf40.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libsmallvec-119a754b63aaaf40.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.16.5/src/lib.rs:
