# Helpers shared by every folder: our own code compiles with warnings as errors; every
# *_test.cc becomes one GoogleTest executable whose tests ctest discovers.

get_filename_component(STAYAWAY_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

function(stayaway_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wimplicit-fallthrough -Werror)
  # GCC 12 at -O3 (Release) reports -Wrestrict on `"text" + std::string` inside libstdc++
  # (GCC bug 105329, a false positive fixed in GCC 13); -O2 builds never saw it.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()

# stayaway_test_optimisation(TARGET): with STAYAWAY_UNOPTIMISED_TESTS, TARGET's own sources
# are compiled at -O0. scripts/test sets it in every stage: under clang's sanitizers a test
# file spends three quarters of its compile time optimising instrumented code that only
# drives the libraries under test, and under gcc -O0 halves a test file's compile time.
# The libraries keep their optimisation, so what is tested is still the optimised product.
function(stayaway_test_optimisation target)
  if(STAYAWAY_UNOPTIMISED_TESTS)
    target_compile_options(${target} PRIVATE -O0)
  endif()
endfunction()

# stayaway_library(NAME SOURCES ... DEPS ...)
function(stayaway_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${STAYAWAY_ROOT})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  stayaway_warnings(${name})
endfunction()

# stayaway_test(SOURCE DEPS ...): one executable per test file, named after it.
function(stayaway_test source)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  get_filename_component(name ${source} NAME_WE)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  stayaway_warnings(${name})
  # The source tree is compiled in (tests read examples/ from it): a second variable in
  # ENVIRONMENT below would be split off as a property of its own by gtest_discover_tests.
  target_compile_definitions(${name} PRIVATE STAYAWAY_SOURCE_DIR="${STAYAWAY_ROOT}")
  stayaway_test_optimisation(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "STAYAWAY_BIN_DIR=${PROJECT_BINARY_DIR}/tools")
endfunction()
