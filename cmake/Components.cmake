# Optional components: parts of ganrun that need a library not every machine has (a GPU image
# without apt, a cluster). Each is GANRUN_WITH_<NAME> = AUTO (built when its libraries are
# found), ON (required: configuration stops when one is missing; scripts/setup and CI use ON,
# so a missing package cannot silently drop the component and its tests) or OFF. CMake prints
# each one as built or not, with the reason; common/build_components.h tells the code, and a
# command that needs a component built out exits 2 saying how to build it in.

# Declares the cache option GANRUN_WITH_<name> (AUTO by default).
macro(ganrun_component_option name doc)
  set(GANRUN_WITH_${name} AUTO CACHE STRING "${doc}: AUTO, ON or OFF")
  set_property(CACHE GANRUN_WITH_${name} PROPERTY STRINGS AUTO ON OFF)
  string(TOUPPER "${GANRUN_WITH_${name}}" _ganrun_value)
  if(NOT _ganrun_value MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "ganrun: GANRUN_WITH_${name}=${GANRUN_WITH_${name}}: use AUTO, ON or OFF")
  endif()
endmacro()

# ganrun_component(<name> <what needs it> <Debian packages> <label=found-variable>...)
# Sets GANRUN_<name>_BUILT (0/1) and GANRUN_<name>_REASON in the caller's scope.
function(ganrun_component name what packages)
  string(TOUPPER "${GANRUN_WITH_${name}}" mode)
  set(missing "")
  set(found "")
  foreach(pair IN LISTS ARGN)
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 label)
    list(GET pair 1 var)
    if(${var})
      list(APPEND found ${label})
    else()
      list(APPEND missing ${label})
    endif()
  endforeach()
  string(REPLACE ";" ", " found "${found}")
  string(REPLACE ";" ", " missing "${missing}")
  string(TOLOWER ${name} lower)
  if(mode STREQUAL "OFF")
    set(built 0)
    set(reason "GANRUN_WITH_${name}=OFF")
  elseif(missing)
    if(mode STREQUAL "ON")
      message(FATAL_ERROR "ganrun: GANRUN_WITH_${name}=ON but ${missing} not found (${what}). "
        "Install it: apt-get install ${packages}; or configure with -DGANRUN_WITH_${name}=AUTO.")
    endif()
    set(built 0)
    set(reason "${missing} not found (apt-get install ${packages})")
  else()
    set(built 1)
    set(reason "found ${found}")
  endif()
  if(built)
    message(STATUS "ganrun: component ${lower} (${what}): ON, ${reason}")
  else()
    message(STATUS "ganrun: component ${lower} (${what}): OFF, ${reason}")
  endif()
  set(GANRUN_${name}_BUILT ${built} PARENT_SCOPE)
  set(GANRUN_${name}_REASON "${reason}" PARENT_SCOPE)
endfunction()

# build/generated/common/build_components.h from common/build_components.h.in; rewritten only
# when its text changes, so only the few files that include it recompile.
function(ganrun_write_components_header)
  configure_file(${CMAKE_SOURCE_DIR}/common/build_components.h.in
    ${CMAKE_BINARY_DIR}/generated/common/build_components.h @ONLY)
endfunction()
