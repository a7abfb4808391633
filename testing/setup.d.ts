// shared-structs/vitest and shared-structs/jest are setup files: importing one installs the
// equality tester and snapshot serializer of shared-structs/testing and scopes registry keys
// to the running test file. They export nothing.
export {};
