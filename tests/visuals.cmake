# Metrics files, learning curves, policy maps and episode animations through the
# real binary (needs gnuplot and python3; exits 77, reported as skipped, without them).
add_test(NAME cli.visuals
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/integration/visuals.sh $<TARGET_FILE:coagent_bin>)
set_tests_properties(cli.visuals PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77)
