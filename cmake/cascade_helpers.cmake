# cascade_add_library(NAME SOURCES ... DEPS ...)
#   One static library per layer; include paths are relative to src/.
function(cascade_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# cascade_add_test(NAME SOURCES ... DEPS ...)
#   A GoogleTest executable registered with CTest. Tests know the source tree and the shared
#   collections through CASCADE_SOURCE_DIR / CASCADE_SHARED_DIR.
function(cascade_add_test name)
  if(NOT CASCADE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    CASCADE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CASCADE_SHARED_DIR="${CASCADE_SHARED_DIR}"
    CASCADE_BINARY_PATH="$<TARGET_FILE:cascade>")
  gtest_discover_tests(${name} WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} DISCOVERY_TIMEOUT 60)
endfunction()
