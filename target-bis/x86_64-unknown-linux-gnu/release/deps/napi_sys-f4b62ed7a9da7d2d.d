/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/napi_sys-f4b62ed7a9da7d2d.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/functions.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/types.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libnapi_sys-f4b62ed7a9da7d2d.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/functions.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/types.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libnapi_sys-f4b62ed7a9da7d2d.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/functions.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/types.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/functions.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-sys-3.4.1/src/types.rs:
