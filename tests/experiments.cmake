# tests/experiments.cmake — Experiment 1 and the gradient-alignment probe: statistics,
# the sub-critic's TD step, the local critics, the probe's cosine, tiny end-to-end runs.
# The tests use the internal headers in src/experiments/ and src/ddpg/, hence Eigen.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
target_sources(coagent_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/unit/test_experiments.cpp)
target_link_libraries(coagent_tests PRIVATE Eigen3::Eigen)
