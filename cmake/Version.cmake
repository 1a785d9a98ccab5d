# Provenance: the ganrun version and the git commit the binary was built from.
# The commit is re-read at every build (not only at configure time), but the generated
# file is rewritten only when it changes, so ccache and Ninja stay warm.
set(GANRUN_VERSION_CPP "${CMAKE_BINARY_DIR}/generated/version_info.cpp")
add_custom_target(ganrun_version_info_gen
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUT=${GANRUN_VERSION_CPP}
          -DVERSION=${PROJECT_VERSION} -P ${CMAKE_SOURCE_DIR}/cmake/WriteVersion.cmake
  BYPRODUCTS ${GANRUN_VERSION_CPP}
  COMMENT "Reading git commit for provenance")
add_library(ganrun_version STATIC ${GANRUN_VERSION_CPP})
add_dependencies(ganrun_version ganrun_version_info_gen)
target_include_directories(ganrun_version PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(ganrun_version PRIVATE ganrun_options)
