# cmake/FindMujocoWheel.cmake — MuJoCo's C library and headers from the pip wheel
# `mujoco` (the library Gymnasium's own MuJoCo environments step), and the directory of
# Gymnasium's MuJoCo models (gymnasium/envs/mujoco/assets). Debian's libmujoco-dev (2.2.2)
# is older than Gymnasium's v5 tasks need, so the wheel is the one source.
#
# Asks a Python interpreter — Python_EXECUTABLE if set, else python3 on PATH — for
#   mujoco.HEADERS_DIR          the C headers (<mujoco/mujoco.h> is under its parent)
#   libmujoco.so.X.Y.Z          in the package directory: the wheel ships only the versioned
#                               name (it is also the library's soname), so it is globbed
#   gymnasium's assets folder   optional: a build without it needs COAGENT_MUJOCO_ASSETS
# If the interpreter cannot import mujoco as run, it is asked again with -E: pip's build
# isolation (`pip install .`) hides the target environment's packages through PYTHONPATH,
# and the library to link is the one that environment keeps, not a temporary copy.
#
# Defines MujocoWheel_FOUND, MujocoWheel_VERSION, MujocoWheel_LIBRARY,
# MujocoWheel_LIBRARY_DIR, MujocoWheel_INCLUDE_DIR, MujocoWheel_ASSETS_DIR (empty when
# gymnasium is not installed) and the IMPORTED target mujoco::mujoco (the name MuJoCo's own
# CMake package exports). A binary linking it finds the library through its build RPATH
# (CMake adds the directory of a library linked by full path); installed binaries need
# INSTALL_RPATH set to MujocoWheel_LIBRARY_DIR (src/envs/mujoco/mujoco.cmake does that).

set(_mjw_python "${Python_EXECUTABLE}")
if(NOT _mjw_python)
  find_program(MujocoWheel_PYTHON NAMES python3 python)
  set(_mjw_python "${MujocoWheel_PYTHON}")
endif()

set(_mjw_script [=[
import glob, os, sys
import mujoco
pkg = os.path.dirname(mujoco.__file__)
libs = sorted(glob.glob(os.path.join(pkg, "libmujoco.so.*")))
if not libs:
    sys.exit("no libmujoco.so.* in " + pkg)
try:
    import gymnasium
    assets = os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets")
except ImportError:
    assets = ""
print(mujoco.__version__, mujoco.HEADERS_DIR, libs[-1], assets, sep=";", end="")
]=])

set(_mjw_out "")
if(_mjw_python)
  foreach(_mjw_flags IN ITEMS "" "-E")
    execute_process(COMMAND "${_mjw_python}" ${_mjw_flags} -c "${_mjw_script}"
                    RESULT_VARIABLE _mjw_rc OUTPUT_VARIABLE _mjw_out ERROR_QUIET)
    if(_mjw_rc EQUAL 0)
      break()
    endif()
    set(_mjw_out "")
  endforeach()
endif()

if(_mjw_out)
  list(GET _mjw_out 0 MujocoWheel_VERSION)
  list(GET _mjw_out 1 _mjw_headers)
  list(GET _mjw_out 2 MujocoWheel_LIBRARY)
  list(GET _mjw_out 3 MujocoWheel_ASSETS_DIR)
  get_filename_component(MujocoWheel_INCLUDE_DIR "${_mjw_headers}" DIRECTORY)
  get_filename_component(MujocoWheel_LIBRARY_DIR "${MujocoWheel_LIBRARY}" DIRECTORY)
  if(MujocoWheel_ASSETS_DIR AND NOT EXISTS "${MujocoWheel_ASSETS_DIR}/half_cheetah.xml")
    set(MujocoWheel_ASSETS_DIR "")
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MujocoWheel
  REQUIRED_VARS MujocoWheel_LIBRARY MujocoWheel_INCLUDE_DIR
  VERSION_VAR MujocoWheel_VERSION
  REASON_FAILURE_MESSAGE "the Python package mujoco is not importable by '${_mjw_python}' (pip install 'coagent[mujoco]')")

if(MujocoWheel_FOUND AND NOT TARGET mujoco::mujoco)
  add_library(mujoco::mujoco SHARED IMPORTED)
  set_target_properties(mujoco::mujoco PROPERTIES
    IMPORTED_LOCATION "${MujocoWheel_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MujocoWheel_INCLUDE_DIR}")
endif()
unset(_mjw_out)
unset(_mjw_script)
