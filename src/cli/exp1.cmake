# src/cli/exp1.cmake — the `coagent exp1` subcommand (Experiment 1 and the
# gradient-alignment probe), included by the top-level CMakeLists.txt after the
# coagent_cli target.
target_sources(coagent_cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/exp1.cpp ${CMAKE_CURRENT_LIST_DIR}/exp1_files.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/exp2.cpp)
