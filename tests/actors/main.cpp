// The actor tests run on CAF's own unit-test framework, because caf/test/dsl.hpp
// (expect, inject, allow, test_coordinator_fixture) reports through it. Debian ships
// no libcaf_test: its implementation is this header, compiled here once, with its main.
#include <caf/test/unit_test_impl.hpp>
