# Configures the whole project with the Unix Makefiles generator into a scratch directory and builds
# dais_dashboard there: configure covers every CMakeLists.txt, and the dashboard is the one target
# whose custom commands (npm ci in a folder of the build tree, esbuild, embedding) depend on what the
# generator does for them. C++ targets compile the same under any generator, so building them here
# would only cost time. Run by ctest:
#   cmake -DSOURCE_DIR=<repo> -DSCRATCH_DIR=<dir> -DCXX_COMPILER=<c++> -DBUILD_TYPE=<type> -P unix_makefiles.cmake
# The scratch directory is removed first (a fresh configure) and again when everything passed.
foreach(required SOURCE_DIR SCRATCH_DIR CXX_COMPILER BUILD_TYPE)
  if(NOT ${required})
    message(FATAL_ERROR "unix_makefiles.cmake: ${required} is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${SCRATCH_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status}); the build tree is kept in ${SCRATCH_DIR}")
  endif()
endfunction()

run_step("configure with Unix Makefiles"
         ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${SCRATCH_DIR} -G "Unix Makefiles"
         -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
run_step("building dais_dashboard with Unix Makefiles"
         ${CMAKE_COMMAND} --build ${SCRATCH_DIR} --target dais_dashboard)

file(REMOVE_RECURSE ${SCRATCH_DIR})
