# Metrics files and pictures (src/cli/metrics*.cpp, visuals*.cpp), included by the
# top-level CMakeLists.txt right after the coagent_cli target.
target_sources(coagent_cli PRIVATE ${CMAKE_CURRENT_LIST_DIR}/metrics.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/metrics_read.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/visuals.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/visuals_curve.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/visuals_policy.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/visuals_episode.cpp)
