# Every external dependency, found in one place, each as an imported target.
# A missing one stops configuration with the Debian package (or set-up step) that provides it.

function(ganrun_require found what fix)
  if(NOT ${found})
    message(FATAL_ERROR "ganrun: ${what} not found. ${fix}")
  endif()
endfunction()

# --- LibTorch from the pinned torch wheel -------------------------------------------------
# The PyPI wheel is a CUDA build: Torch's CMake wants the CUDA toolkit. CMake 3.25 cannot run
# Torch's CUDA20 architecture probe, so the list is fixed here (never empty: nvcc 13 rejects
# compute_50). ganrun still runs on machines without a GPU.
if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT TORCH_CUDA_ARCH_LIST)
  set(TORCH_CUDA_ARCH_LIST "9.0" CACHE STRING "CUDA architectures for Torch's CMake")
endif()
find_package(Torch QUIET)
ganrun_require(Torch_FOUND "LibTorch (torch's CMake package)"
  "Run scripts/setup, or pass -DCMAKE_PREFIX_PATH=$(python -c 'import torch;print(torch.utils.cmake_prefix_path)').")

# The wheel's own CUDA/NCCL libraries sit beside torch in site-packages/nvidia/*/lib and find
# each other by relative rpath. The linker must resolve libtorch_cuda's dependencies there,
# not in /usr/local/cuda (whose older libnccl lacks symbols the wheel needs), and ganrun must
# find them at run time without LD_LIBRARY_PATH.
get_filename_component(GANRUN_SITE_PACKAGES "${Torch_DIR}/../../../.." ABSOLUTE)
file(GLOB GANRUN_WHEEL_LIB_DIRS LIST_DIRECTORIES true "${GANRUN_SITE_PACKAGES}/nvidia/*/lib")
set(GANRUN_TORCH_LIB_DIR "${GANRUN_SITE_PACKAGES}/torch/lib")
add_library(ganrun_torch INTERFACE)
set(_nccl_include "${GANRUN_SITE_PACKAGES}/nvidia/nccl/include")
if(EXISTS "${_nccl_include}")
  # Put the wheel's nccl.h ahead of the toolkit's (torch's include flags list /usr/local/cuda first).
  target_include_directories(ganrun_torch SYSTEM BEFORE INTERFACE "${_nccl_include}")
endif()
target_link_libraries(ganrun_torch INTERFACE ${TORCH_LIBRARIES})
foreach(dir IN LISTS GANRUN_WHEEL_LIB_DIRS)
  target_link_options(ganrun_torch INTERFACE "LINKER:-rpath-link,${dir}")
endforeach()
set(CMAKE_BUILD_RPATH "${GANRUN_TORCH_LIB_DIR};${GANRUN_WHEEL_LIB_DIRS}")
set(CMAKE_INSTALL_RPATH "${CMAKE_BUILD_RPATH}")
# Torch headers are not warning-clean under -Wextra; treat them as system headers.
get_target_property(_torch_inc torch INTERFACE_INCLUDE_DIRECTORIES)
if(_torch_inc)
  set_target_properties(torch PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${_torch_inc}")
endif()

# --- MPI (Open MPI from Debian) -----------------------------------------------------------
find_package(MPI COMPONENTS C)
ganrun_require(MPI_C_FOUND "MPI" "Install it: apt-get install libopenmpi-dev openmpi-bin")

# --- HDF5 (serial C library from Debian) --------------------------------------------------
find_package(HDF5 COMPONENTS C)
ganrun_require(HDF5_FOUND "HDF5" "Install it: apt-get install libhdf5-dev hdf5-tools")
add_library(ganrun_hdf5 INTERFACE)
target_include_directories(ganrun_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS})
target_link_libraries(ganrun_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
target_compile_definitions(ganrun_hdf5 INTERFACE ${HDF5_C_DEFINITIONS})

# --- Boost.Program_options, yaml-cpp, zlib, OpenSSL, stb ------------------------------------
# Found in CMAKE_PREFIX_PATH first, so a prefix of unpacked Debian packages (bench/gpu_deps.sh:
# a GPU image without them) wins over the system; Boost in config mode, so the 1.74 library
# comes with its own headers, never another version's.
find_package(Boost CONFIG COMPONENTS program_options)
ganrun_require(Boost_FOUND "Boost.Program_options" "Install it: apt-get install libboost-program-options-dev")
find_package(yaml-cpp)
ganrun_require(yaml-cpp_FOUND "yaml-cpp" "Install it: apt-get install libyaml-cpp-dev")
find_package(ZLIB)
ganrun_require(ZLIB_FOUND "zlib" "Install it: apt-get install zlib1g-dev")
find_package(OpenSSL COMPONENTS Crypto)
ganrun_require(OpenSSL_FOUND "OpenSSL (libcrypto)" "Install it: apt-get install libssl-dev")
find_path(STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb)
find_library(STB_LIBRARY stb)
ganrun_require(STB_INCLUDE_DIR "stb_image_write.h" "Install it: apt-get install libstb-dev")
ganrun_require(STB_LIBRARY "libstb" "Install it: apt-get install libstb-dev")
add_library(ganrun_stb INTERFACE)
target_include_directories(ganrun_stb SYSTEM INTERFACE ${STB_INCLUDE_DIR})
target_link_libraries(ganrun_stb INTERFACE ${STB_LIBRARY})

# --- {fmt}: header-only, from the copy the torch wheel ships -------------------------------
# torch/include holds fmt 12 and comes first on every LibTorch consumer's include path, so a
# system libfmt would be compiled against v12 headers and linked as another version. Header-only
# from torch's copy is one fmt everywhere, on every machine that has the wheel.
find_path(GANRUN_FMT_INCLUDE_DIR fmt/format.h HINTS ${_torch_inc} NO_DEFAULT_PATH)
ganrun_require(GANRUN_FMT_INCLUDE_DIR "fmt/format.h in the torch wheel's include folder"
  "Use a torch wheel that ships it (2.11 or newer), found through CMAKE_PREFIX_PATH.")
add_library(ganrun_fmt INTERFACE)
target_include_directories(ganrun_fmt SYSTEM INTERFACE ${GANRUN_FMT_INCLUDE_DIR})
target_compile_definitions(ganrun_fmt INTERFACE FMT_HEADER_ONLY=1)

# --- Optional components, each GANRUN_WITH_<NAME> = AUTO | ON | OFF (cmake/Components.cmake) -
include(${CMAKE_CURRENT_LIST_DIR}/Components.cmake)
# fetch: libcurl (downloads) + libarchive (the CIFAR-10 tarball); only `ganrun data fetch`.
ganrun_component_option(FETCH "ganrun data fetch (libcurl + libarchive)")
if(GANRUN_WITH_FETCH)
  find_package(CURL QUIET)
  find_package(LibArchive QUIET)
endif()
ganrun_component(FETCH "ganrun data fetch" "libcurl4-openssl-dev libarchive-dev"
  "libcurl=CURL_FOUND" "libarchive=LibArchive_FOUND")
add_library(ganrun_fetch_libs INTERFACE)
if(GANRUN_FETCH_BUILT)
  target_link_libraries(ganrun_fetch_libs INTERFACE CURL::libcurl LibArchive::LibArchive)
endif()
# matio: MATLAB .mat toy files. It links Debian's HDF5, so it stays off where HDF5 is another's.
ganrun_component_option(MATIO "MATLAB .mat toy files (libmatio)")
if(GANRUN_WITH_MATIO)
  find_path(MATIO_INCLUDE_DIR matio.h)
  find_library(MATIO_LIBRARY matio)
endif()
ganrun_component(MATIO "MATLAB .mat toy files" "libmatio-dev"
  "matio.h=MATIO_INCLUDE_DIR" "libmatio=MATIO_LIBRARY")
add_library(ganrun_matio INTERFACE)
if(GANRUN_MATIO_BUILT)
  target_include_directories(ganrun_matio SYSTEM INTERFACE ${MATIO_INCLUDE_DIR})
  target_link_libraries(ganrun_matio INTERFACE ${MATIO_LIBRARY})
endif()
ganrun_write_components_header()

if(GANRUN_BUILD_TESTS)
  find_package(GTest)
  ganrun_require(GTest_FOUND "GoogleTest" "Install it: apt-get install libgtest-dev")
endif()

# --- NCCL (gradient all-reduce of data-parallel runs on GPUs) -----------------------------
# The libnccl.so.2 that libtorch_cuda resolves: the wheel's (site-packages/nvidia/nccl) when
# present, else the system's (a GPU machine whose torch links the system NCCL). A process holds
# one libnccl.so.2, so ganrun must compile against the same nccl.h. Without NCCL ganrun still
# builds; a data-parallel group on GPUs is then refused with a message.
find_path(GANRUN_NCCL_INCLUDE_DIR nccl.h HINTS "${GANRUN_SITE_PACKAGES}/nvidia/nccl/include"
  NO_DEFAULT_PATH)
find_path(GANRUN_NCCL_INCLUDE_DIR nccl.h HINTS /usr/local/cuda/include)
find_library(GANRUN_NCCL_LIBRARY NAMES nccl libnccl.so.2
  HINTS "${GANRUN_SITE_PACKAGES}/nvidia/nccl/lib" NO_DEFAULT_PATH)
find_library(GANRUN_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS /usr/local/cuda/lib64)
add_library(ganrun_nccl INTERFACE)
if(GANRUN_NCCL_INCLUDE_DIR AND GANRUN_NCCL_LIBRARY)
  target_include_directories(ganrun_nccl SYSTEM BEFORE INTERFACE "${GANRUN_NCCL_INCLUDE_DIR}")
  target_link_libraries(ganrun_nccl INTERFACE "${GANRUN_NCCL_LIBRARY}")
  target_compile_definitions(ganrun_nccl INTERFACE GANRUN_HAVE_NCCL=1)
  message(STATUS "ganrun: NCCL ${GANRUN_NCCL_LIBRARY}")
else()
  message(STATUS "ganrun: NCCL not found: data-parallel runs on GPUs are unavailable")
endif()

# --- Where each dependency came from ---------------------------------------------------------
# One line each, so a build on another image (bench/gpu_session.sh, which checks that carried
# packages were used) or a cluster shows which copy it compiled and linked against.
list(GET HDF5_C_LIBRARIES 0 _hdf5_library)  # the rest are HDF5's own link dependencies
if(TARGET Boost::program_options)
  get_target_property(_po_location Boost::program_options LOCATION)
endif()
foreach(_dep IN ITEMS
    "torch ${Torch_VERSION}: ${Torch_DIR}"
    "fmt (header-only): ${GANRUN_FMT_INCLUDE_DIR}"
    "mpi ${MPI_C_VERSION}: ${MPI_C_LIBRARIES}"
    "hdf5 ${HDF5_VERSION}: ${_hdf5_library}"
    "boost ${Boost_VERSION}: ${Boost_DIR} (program_options ${_po_location})"
    "yaml-cpp ${yaml-cpp_VERSION}: ${yaml-cpp_DIR}"
    "stb: ${STB_INCLUDE_DIR} ${STB_LIBRARY}"
    "zlib ${ZLIB_VERSION_STRING}: ${ZLIB_INCLUDE_DIRS} ${ZLIB_LIBRARIES}"
    "openssl ${OPENSSL_VERSION}: ${OPENSSL_INCLUDE_DIR} ${OPENSSL_CRYPTO_LIBRARY}")
  message(STATUS "ganrun: dependency ${_dep}")
endforeach()
if(GANRUN_BUILD_TESTS)
  message(STATUS "ganrun: dependency gtest ${GTest_VERSION}: ${GTest_DIR}${GTEST_INCLUDE_DIRS}")
endif()
