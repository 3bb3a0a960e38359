# cascade_add_library(NAME SOURCES ... DEPS ...)
#   One static library per layer. Its callers see only the public API (include/, as
#   <cascade/...>); the layers' own headers (src/, as "layer/file.hpp") are a PRIVATE include
#   path of each library, so no target outside the libraries reaches them by accident.
function(cascade_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  cascade_use_internals(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# cascade_use_internals(TARGET)
#   Puts the layers' own headers (src/) on TARGET's include path: for the libraries, the tests
#   beside them, and the benchmark and fuzz programs that measure internals on purpose.
function(cascade_use_internals target)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
endfunction()

# cascade_add_test(NAME [PUBLIC_API] SOURCES ... DEPS ...)
#   A GoogleTest executable registered with CTest. Tests know the source tree and the shared
#   collections through CASCADE_SOURCE_DIR / CASCADE_SHARED_DIR. A test beside its layer may
#   use the layers' own headers and the shared test helpers (tests/); a PUBLIC_API test sees
#   only include/, exactly as the `cascade` binary and users of the library do.
function(cascade_add_test name)
  if(NOT CASCADE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "PUBLIC_API" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  if(NOT ARG_PUBLIC_API)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
    cascade_use_internals(${name})
  endif()
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    CASCADE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CASCADE_SHARED_DIR="${CASCADE_SHARED_DIR}"
    CASCADE_BINARY_PATH="$<TARGET_FILE:cascade>")
  gtest_discover_tests(${name} WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} DISCOVERY_TIMEOUT 60)
endfunction()
