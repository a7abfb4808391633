/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/pin_project_lite-a01a6eb7fa151836.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libpin_project_lite-a01a6eb7fa151836.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libpin_project_lite-a01a6eb7fa151836.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.17/src/lib.rs:
