# The fuzz targets' seed corpora and every crashing input the fuzzers found, run
# through the targets' own entry points in the normal suite (any compiler): see
# tests/unit/test_fuzz_regressions.cpp. Included by tests/CMakeLists.txt.
set(coagent_fuzz_entry_points
  ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_checkpoint.cpp
  ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_config.cpp
  ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_replay.cpp)
# Without COAGENT_FUZZ_NO_MAIN each file would define libFuzzer's entry points.
set_source_files_properties(${coagent_fuzz_entry_points} PROPERTIES
  COMPILE_DEFINITIONS COAGENT_FUZZ_NO_MAIN)
target_sources(coagent_tests_cli PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_fuzz_regressions.cpp
  ${coagent_fuzz_entry_points})
target_compile_definitions(coagent_tests_cli PRIVATE COAGENT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
