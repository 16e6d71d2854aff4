# src/envs/mujoco/mujoco.cmake — Gymnasium's MuJoCo tasks as part of coagent_envs,
# included by the top CMakeLists.txt after the envs layer. With MuJoCo (the pip wheel,
# cmake/FindMujocoWheel.cmake) the tasks are built and linked; without it only
# unavailable.cpp is, whose make_mujoco_env says in one line how to get them.
#   COAGENT_MUJOCO=OFF           never build them
#   coagent_mujoco_rpath(TARGET) installed binaries find libmujoco (the wheel's folder)
option(COAGENT_MUJOCO "build Gymnasium's MuJoCo tasks when the Python package mujoco is found" ON)
set(COAGENT_HAVE_MUJOCO OFF)
if(COAGENT_MUJOCO)
  find_package(MujocoWheel)
endif()

if(COAGENT_MUJOCO AND MujocoWheel_FOUND)
  set(COAGENT_HAVE_MUJOCO ON)
  set(_mj ${CMAKE_CURRENT_LIST_DIR})
  # Every source of the folder but unavailable.cpp: a task is a file and a row of
  # registry.cpp's table.
  file(GLOB _mj_sources CONFIGURE_DEPENDS ${_mj}/*.cpp)
  list(REMOVE_ITEM _mj_sources ${_mj}/unavailable.cpp)
  target_sources(coagent_envs PRIVATE ${_mj_sources})
  target_link_libraries(coagent_envs PRIVATE mujoco::mujoco)
  # The reward arithmetic mirrors NumPy's operation by operation: no FMA contraction.
  set_source_files_properties(${_mj_sources} PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
  set_property(SOURCE ${_mj}/mujoco_env.cpp APPEND PROPERTY COMPILE_DEFINITIONS
               "COAGENT_MUJOCO_ASSETS_DEFAULT=\"${MujocoWheel_ASSETS_DIR}\"")
  message(STATUS "coagent: MuJoCo ${MujocoWheel_VERSION} (${MujocoWheel_LIBRARY}); "
                 "models from '${MujocoWheel_ASSETS_DIR}'")
  if(NOT MujocoWheel_ASSETS_DIR)
    message(WARNING "coagent: gymnasium is not installed, so its MuJoCo models are not found: "
                    "the tasks read them from $COAGENT_MUJOCO_ASSETS at run time")
  endif()
else()
  target_sources(coagent_envs PRIVATE ${CMAKE_CURRENT_LIST_DIR}/unavailable.cpp)
  message(STATUS "coagent: no MuJoCo (pip install 'coagent[mujoco]'); its tasks are not built")
endif()

function(coagent_mujoco_rpath target)
  if(COAGENT_HAVE_MUJOCO)
    set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH "${MujocoWheel_LIBRARY_DIR}")
  endif()
endfunction()
