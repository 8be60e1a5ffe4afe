# ctest api_openapi_lint: `redocly lint` (npm @redocly/cli, pinned in scripts/setup.sh) on
# api/openapi.json with api/redocly.yaml's rule set must report zero errors and zero warnings.
# Args: -DREDOCLY=<path of the redocly program> -DCONFIG=<redocly.yaml> -DDOC=<openapi.json>
if(NOT EXISTS "${REDOCLY}")
  message(FATAL_ERROR "redocly is not installed at ${REDOCLY}: run scripts/setup.sh test (it runs "
                      "npm install --prefix build/tools @redocly/cli@2.77.0)")
endif()
execute_process(COMMAND "${REDOCLY}" lint --format=json --config "${CONFIG}" "${DOC}"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
string(JSON errors ERROR_VARIABLE bad GET "${out}" totals errors)
if(bad)
  message(FATAL_ERROR "redocly printed no JSON report (exit ${rc}):\n${out}\n${err}")
endif()
string(JSON warnings GET "${out}" totals warnings)
if(NOT errors EQUAL 0 OR NOT warnings EQUAL 0 OR NOT rc EQUAL 0)
  execute_process(COMMAND "${REDOCLY}" lint --config "${CONFIG}" "${DOC}")
  message(FATAL_ERROR "redocly lint: ${errors} errors, ${warnings} warnings (exit ${rc})")
endif()
message(STATUS "redocly lint: 0 errors, 0 warnings")
