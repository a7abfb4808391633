/work/main/target-bis/release/deps/napi_build-759bf9a6649f7f10.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/android.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/windows.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi_heap_sync_exports.o

/work/main/target-bis/release/deps/libnapi_build-759bf9a6649f7f10.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/android.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/windows.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi_heap_sync_exports.o

/work/main/target-bis/release/deps/libnapi_build-759bf9a6649f7f10.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/lib.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/android.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/windows.rs /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi_heap_sync_exports.o

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/lib.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/android.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/windows.rs:
/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/napi-build-2.6.0/src/wasi_heap_sync_exports.o:
