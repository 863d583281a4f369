# Checks a quotecast-loadgen JSON summary from the smoke run: -DSUMMARY=file
# -DCLIENTS=N (the connections it must have made) -DLABEL=text (for the messages).
file(READ "${SUMMARY}" json)

function(expect key op value)
  string(JSON actual GET "${json}" ${key})
  if(NOT actual ${op} ${value})
    message(FATAL_ERROR "loadgen summary (${LABEL}): expected ${key} ${op} ${value}, got ${actual}\n${json}")
  endif()
endfunction()

expect(connections_made EQUAL ${CLIENTS})
expect(connections_failed EQUAL 0)
expect(loss EQUAL 0)
expect(deliveries GREATER 0)
expect(deliveries_expected GREATER 0)
string(JSON gaps GET "${json}" delivery seq_gaps)
string(JSON samples GET "${json}" latency_ms samples)
string(JSON refused GET "${json}" publisher refused)
string(JSON kb GET "${json}" server kb_per_connection)
if(NOT gaps EQUAL 0 OR NOT samples GREATER 0 OR NOT refused EQUAL 0)
  message(FATAL_ERROR "loadgen summary (${LABEL}): seq_gaps ${gaps}, latency samples ${samples}, "
                      "publishes refused ${refused}\n${json}")
endif()
string(JSON deliveries GET "${json}" deliveries)
string(JSON p99 GET "${json}" latency_ms p99)
message(STATUS "loadgen smoke (${LABEL}): ${deliveries} deliveries, no loss, p99 ${p99} ms, server ${kb} KB/connection")
