# tests/ddpg.cmake — the DDPG baseline's unit tests (finite differences, Adam, replay,
# serialisation, a learning smoke test). The tests use the internal headers in
# src/ddpg/, hence Eigen.
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
target_sources(coagent_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/unit/test_ddpg.cpp)
target_link_libraries(coagent_tests PRIVATE Eigen3::Eigen)
