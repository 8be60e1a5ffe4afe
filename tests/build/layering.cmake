# Checks the one-way dependencies between layers where the compiler enforces them: with each
# layer's own include path (INCLUDES_<layer>, '|'-separated), a probe source asks __has_include
# for one header of every layer; its own layer and common must be visible, the forbidden ones
# must not. Then no layer source may step around its include path with a relative "../" include.
# Run by ctest:
#   cmake -DSOURCE_DIR=<repo> -DSCRATCH_DIR=<dir> -DCXX_COMPILER=<c++> -DINCLUDES_agents=... -P layering.cmake
set(header_common common/sha256.h)
set(header_agents agents/traffic.h)
set(header_eventstore eventstore/store.h)
set(header_projections projections/projections.h)
set(header_events events/events.h)
set(header_api api/server.h)
set(header_server server/run.h)

set(forbidden_agents eventstore events projections api)
set(forbidden_eventstore agents events projections api server)
set(forbidden_projections eventstore api server)
set(forbidden_api server)
set(forbidden_events common agents eventstore projections api server)

file(REMOVE_RECURSE ${SCRATCH_DIR})
file(MAKE_DIRECTORY ${SCRATCH_DIR})
set(failures "")
foreach(layer agents eventstore events projections api)
  set(probe "// ${layer}: which layers its include path reaches.\n")
  set(visible_layers ${layer} common)
  if(layer STREQUAL "events")
    set(visible_layers events)  # the vocabulary stands on nothing of DAIS, not even common
  endif()
  foreach(visible ${visible_layers})
    set(header ${header_${visible}})
    string(APPEND probe "#if !__has_include(\"${header}\")\n#error ${layer} cannot see ${header}\n#endif\n")
  endforeach()
  foreach(other ${forbidden_${layer}})
    string(APPEND probe "#if __has_include(\"${header_${other}}\")\n#error ${layer} can include ${header_${other}}\n#endif\n")
  endforeach()
  file(WRITE ${SCRATCH_DIR}/${layer}_probe.cpp "${probe}")

  string(REPLACE "|" ";" include_dirs "${INCLUDES_${layer}}")
  list(TRANSFORM include_dirs PREPEND "-I")
  execute_process(COMMAND ${CXX_COMPILER} -std=c++20 -fsyntax-only ${include_dirs} ${SCRATCH_DIR}/${layer}_probe.cpp
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT status EQUAL 0)
    string(APPEND failures "${output}")
  endif()
endforeach()

foreach(layer common config eventstore agents events projections intel api server tools)
  file(GLOB_RECURSE sources ${SOURCE_DIR}/${layer}/*.h ${SOURCE_DIR}/${layer}/*.cpp)
  foreach(source ${sources})
    file(STRINGS ${source} escapes REGEX "^[ \t]*#[ \t]*include[ \t]*\"\\.\\./")
    if(escapes)
      string(APPEND failures "${source}: an include outside its layer's include path: ${escapes}\n")
    endif()
  endforeach()
endforeach()

if(failures)
  message(FATAL_ERROR "layering violated:\n${failures}")
endif()
file(REMOVE_RECURSE ${SCRATCH_DIR})
