# Two helpers so a new component or test is two lines (STYLE.md, Layout).

set(COURIER_WARNINGS -Wall -Wextra -Wpedantic)
if(COURIER_WERROR)
  list(APPEND COURIER_WARNINGS -Werror)
endif()

if(COURIER_SANITIZE_ADDRESS)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(COURIER_SANITIZE_THREAD)
  add_compile_options(-fsanitize=thread)
  add_link_options(-fsanitize=thread)
endif()

# courier_add_library(NAME SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Defines courier_<NAME> with alias courier::<NAME>; public headers live in
# <folder>/include, private sources in <folder>/src.
function(courier_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(courier_${name} STATIC ${ARG_SOURCES})
  add_library(courier::${name} ALIAS courier_${name})
  target_include_directories(courier_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                             PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(courier_${name} PRIVATE ${COURIER_WARNINGS})
  target_link_libraries(courier_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# courier_add_test(NAME LABELS unit|integration|e2e|fault SOURCES ... [DEPS ...])
# One GoogleTest executable registered with CTest under the given labels.
function(courier_add_test name)
  cmake_parse_arguments(ARG "" "" "LABELS;SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${COURIER_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
