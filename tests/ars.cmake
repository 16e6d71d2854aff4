# tests/ars.cmake — ARS's unit tests (the policy, statistics and update against hand
# computations, thread invariance, exact resume, checkpoints, bad input, a bounded
# learning test). They use the internal headers in src/ars/.
target_sources(coagent_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/unit/test_ars.cpp)
