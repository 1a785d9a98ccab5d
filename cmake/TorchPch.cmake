# cmake/TorchPch.cmake — one precompiled header of the LibTorch includes, compiled once (target
# ganrun_torch_pch) and reused by every translation unit that includes LibTorch, directly or
# through a project header. Parsing <torch/types.h> alone costs ~19 s of CPU per translation unit
# on a CI core; loading the precompiled header costs ~6 s and the whole PCH ~30 s once
# (docs/architecture.md, "Build time"). Sources that reach no LibTorch header skip it, since
# loading it would only slow them down.
#
# The scan of #include lines runs at configure time: a source that starts including LibTorch
# later compiles without the PCH (correct, only slower) until CMake runs again.
option(GANRUN_PCH "Precompile the LibTorch headers once and reuse them in every target" ON)

# The headers ganrun's code includes from LibTorch (a superset is harmless: the PCH is built
# once, and its load time hardly depends on its size).
set(GANRUN_TORCH_PCH_HEADERS
  <ATen/ATen.h> <ATen/CPUGeneratorImpl.h> <torch/types.h> <torch/autograd.h>
  <torch/nn/module.h> <torch/nn/modules/linear.h> <torch/nn/modules/conv.h>
  <torch/nn/modules/batchnorm.h> <torch/nn/modules/normalization.h>
  <torch/nn/modules/dropout.h> <torch/nn/modules/container/sequential.h>
  <torch/nn/functional/activation.h> <torch/nn/functional/loss.h>
  <torch/optim/optimizer.h> <torch/optim/adam.h> <torch/optim/rmsprop.h> <torch/optim/sgd.h>)

# Sets out_var to TRUE when `file` includes <torch/...>, <ATen/...> or <c10/...>, or a project
# header ("dir/name.h", from the source root or the file's own folder) that does. Memoised in
# global properties; a cycle of project headers ends at the header already being scanned.
function(ganrun_includes_torch file out_var)
  get_property(known GLOBAL PROPERTY "_ganrun_torch:${file}" SET)
  if(known)
    get_property(value GLOBAL PROPERTY "_ganrun_torch:${file}")
    set(${out_var} ${value} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "_ganrun_torch:${file}" FALSE)
  set(result FALSE)
  get_filename_component(dir "${file}" DIRECTORY)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  foreach(line IN LISTS lines)
    if(line MATCHES "include[ \t]*<(torch|ATen|c10)/")
      set(result TRUE)
      break()
    elseif(line MATCHES "include[ \t]*\"([^\"]+)\"")
      set(header "${CMAKE_SOURCE_DIR}/${CMAKE_MATCH_1}")
      if(NOT EXISTS "${header}")
        set(header "${dir}/${CMAKE_MATCH_1}")
      endif()
      if(EXISTS "${header}")
        ganrun_includes_torch("${header}" inner)
        if(inner)
          set(result TRUE)
          break()
        endif()
      endif()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "_ganrun_torch:${file}" ${result})
  set(${out_var} ${result} PARENT_SCOPE)
endfunction()

# Gives `target` the shared PCH for its LibTorch sources; the others skip it.
function(ganrun_use_torch_pch target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(any FALSE)
  foreach(src IN LISTS sources)
    if(NOT src MATCHES "\\.(cpp|cc|cxx)$")
      continue()
    endif()
    if(NOT IS_ABSOLUTE "${src}")
      set(src "${source_dir}/${src}")
    endif()
    set(uses_torch FALSE)
    if(EXISTS "${src}")
      ganrun_includes_torch("${src}" uses_torch)
    endif()
    if(uses_torch)
      set(any TRUE)
    else()
      set_source_files_properties("${src}" TARGET_DIRECTORY ${target}
        PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  if(any)
    target_precompile_headers(${target} REUSE_FROM ganrun_torch_pch)
  endif()
endfunction()

# Every C++ library and executable defined under `dir` (recursively).
function(ganrun_collect_targets dir out_var)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    ganrun_collect_targets("${sub}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out_var} ${targets} PARENT_SCOPE)
endfunction()

# Called once at the end of the top-level CMakeLists.txt, when every target exists.
function(ganrun_apply_torch_pch)
  if(NOT GANRUN_PCH)
    message(STATUS "ganrun: precompiled header off (GANRUN_PCH=OFF)")
    return()
  endif()
  add_library(ganrun_torch_pch OBJECT ${CMAKE_SOURCE_DIR}/cmake/torch_pch_anchor.cpp)
  target_link_libraries(ganrun_torch_pch PRIVATE ganrun_options ganrun_torch)
  target_precompile_headers(ganrun_torch_pch PRIVATE ${GANRUN_TORCH_PCH_HEADERS})
  ganrun_collect_targets("${CMAKE_SOURCE_DIR}" targets)
  set(count 0)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(target STREQUAL "ganrun_torch_pch" OR NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      continue()
    endif()
    ganrun_use_torch_pch(${target})
    math(EXPR count "${count} + 1")
  endforeach()
  message(STATUS "ganrun: LibTorch precompiled header shared by the LibTorch sources of ${count} targets")
endfunction()
