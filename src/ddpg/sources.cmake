# src/ddpg/sources.cmake — the DDPG baseline (backprop): MLP, Adam, replay buffer,
# target networks. Included by the top-level CMakeLists.txt after the `coagent`
# target is defined. Eigen stays a private dependency: no public header includes it
# (an installed static coagent still needs find_dependency(Eigen3) in its config).
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
target_sources(coagent PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/mlp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/agent_core.cpp
  ${CMAKE_CURRENT_LIST_DIR}/agent.cpp
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/learner.cpp
)
target_link_libraries(coagent PRIVATE Eigen3::Eigen)
