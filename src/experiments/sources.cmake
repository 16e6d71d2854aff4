# src/experiments/sources.cmake — Experiment 1 (sub-critics per actor layer) and the
# gradient-alignment probe, on top of the DDPG baseline. Included by the top-level
# CMakeLists.txt after src/ddpg/sources.cmake (which links Eigen3::Eigen privately).
target_sources(coagent PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/common.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parallel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sub_critic.cpp
  ${CMAKE_CURRENT_LIST_DIR}/exp1.cpp
  ${CMAKE_CURRENT_LIST_DIR}/probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/exp2.cpp
)
