# Runs quotecast-scenario on a scenario that must fail and checks how it fails:
# exit code 1, the failing step named, expected and arrived payloads shown, and the
# final "0 passed, 1 failed" line.
#   cmake -DRUNNER=... -DBROKER=... -DSCENARIO=... -P expect_failure.cmake
execute_process(COMMAND ${RUNNER} --broker=${BROKER} ${SCENARIO}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit code 1, got ${rc}")
endif()
foreach(needle
    "FAIL wrong_expectation"
    "step 4/5 `expect alice subscribed`"
    "expected: {\"room\":\"lobby\",\"members\":2}"
    "arrived:  {"
    "mismatch: at /members: expected 2, got 1"
    "0 passed, 1 failed")
  string(FIND "${out}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the runner's output lacks: ${needle}")
  endif()
endforeach()
