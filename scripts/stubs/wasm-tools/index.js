'use strict';
throw new Error('shared-structs: @napi-rs/wasm-tools is stubbed out (see scripts/stubs/README.md); cross-compiled and WASI builds are not supported');
