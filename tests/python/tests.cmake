# Python (h5py) checks of the HDF5 files ganrun writes: a small C++ program writes a run file
# through RunFileWriter, pytest reads it with h5py. Included from tests/CMakeLists.txt.
add_executable(write_sample_run_file ${CMAKE_CURRENT_SOURCE_DIR}/tools/write_sample_run_file.cpp)
target_link_libraries(write_sample_run_file PRIVATE ganrun_runner)
# ganrun's trace of a few collection iterations (tools/collection_trace.cpp), for the independent
# PyTorch version of the collection's training code in python/test_collection_iterations.py.
add_executable(collection_trace ${CMAKE_CURRENT_SOURCE_DIR}/tools/collection_trace.cpp)
target_link_libraries(collection_trace PRIVATE ganrun_runner)

if(GANRUN_PYTHON)
  # -p no:cacheprovider: pytest's rootdir is the source folder; keep .pytest_cache out of it.
  add_test(NAME pytest_run_file
    COMMAND ${GANRUN_PYTHON} -m pytest -q -p no:cacheprovider -p ganrun_skip_report
            ${CMAKE_CURRENT_SOURCE_DIR}/python/test_run_file_h5py.py
            --writer $<TARGET_FILE:write_sample_run_file>)
  set_tests_properties(pytest_run_file PROPERTIES LABELS unit
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/support")
  # The independent FD / KID / PRDC / class-statistics implementations the evaluation tests
  # compare ganrun with, checked against hand-worked values and the prdc package.
  add_test(NAME pytest_eval_reference
    COMMAND ${GANRUN_PYTHON} -m pytest -q -p no:cacheprovider -p ganrun_skip_report
            ${CMAKE_CURRENT_SOURCE_DIR}/python/test_eval_reference.py)
  set_tests_properties(pytest_eval_reference PROPERTIES LABELS unit
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/support")
  # The venv's torch (the wheel LibTorch comes from) runs the collection's code; one thread.
  add_test(NAME pytest_collection_iterations
    COMMAND ${GANRUN_PYTHON} -m pytest -q -p no:cacheprovider -p ganrun_skip_report
            ${CMAKE_CURRENT_SOURCE_DIR}/python/test_collection_iterations.py
            --trace-program $<TARGET_FILE:collection_trace>)
  set_tests_properties(pytest_collection_iterations PROPERTIES LABELS unit
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/support;OMP_NUM_THREADS=1")
else()
  message(STATUS "ganrun: GANRUN_PYTHON is not set; the h5py test pytest_run_file is skipped")
endif()
