/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/shared_structs.d: src/lib.rs src/core/mod.rs src/core/alloc.rs src/core/error.rs src/core/gc.rs src/core/layout.rs src/core/park.rs src/core/region.rs src/core/sync.rs src/core/tokens.rs src/core/types.rs src/binding/mod.rs src/binding/arenas.rs src/binding/gc.rs src/binding/heap.rs src/binding/sync.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libshared_structs.so: src/lib.rs src/core/mod.rs src/core/alloc.rs src/core/error.rs src/core/gc.rs src/core/layout.rs src/core/park.rs src/core/region.rs src/core/sync.rs src/core/tokens.rs src/core/types.rs src/binding/mod.rs src/binding/arenas.rs src/binding/gc.rs src/binding/heap.rs src/binding/sync.rs

/work/main/target-bis/x86_64-unknown-linux-gnu/release/deps/libshared_structs.rlib: src/lib.rs src/core/mod.rs src/core/alloc.rs src/core/error.rs src/core/gc.rs src/core/layout.rs src/core/park.rs src/core/region.rs src/core/sync.rs src/core/tokens.rs src/core/types.rs src/binding/mod.rs src/binding/arenas.rs src/binding/gc.rs src/binding/heap.rs src/binding/sync.rs

src/lib.rs:
src/core/mod.rs:
src/core/alloc.rs:
src/core/error.rs:
src/core/gc.rs:
src/core/layout.rs:
src/core/park.rs:
src/core/region.rs:
src/core/sync.rs:
src/core/tokens.rs:
src/core/types.rs:
src/binding/mod.rs:
src/binding/arenas.rs:
src/binding/gc.rs:
src/binding/heap.rs:
src/binding/sync.rs:
