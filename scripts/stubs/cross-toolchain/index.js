'use strict';
throw new Error('shared-structs: @napi-rs/cross-toolchain is stubbed out (see scripts/stubs/README.md); cross-compiled and WASI builds are not supported');
