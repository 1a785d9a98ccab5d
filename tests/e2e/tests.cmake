# End-to-end tests: pytest files in tests/e2e drive the real `ganrun` binary (CLI, exit codes,
# bad input, MPI sweeps under mpiexec, the kill test). Each file is its own ctest test.
set(GANRUN_PYTHON "python3" CACHE FILEPATH "Python of the ganrun venv (h5py, numpy, pytest)")

add_library(ganrun_kill_shim MODULE ${CMAKE_CURRENT_SOURCE_DIR}/tools/kill_shim.c)
target_link_libraries(ganrun_kill_shim PRIVATE dl)
set_target_properties(ganrun_kill_shim PROPERTIES PREFIX "")

# Open MPI refuses root and more ranks than cores unless told: CI and containers run as root.
set(GANRUN_TEST_ENV
  "GANRUN_BIN=$<TARGET_FILE:ganrun>"
  "GANRUN_KILL_SHIM=$<TARGET_FILE:ganrun_kill_shim>"
  "GANRUN_SHARED_DATA=${GANRUN_SHARED_DATA}"
  "GANRUN_FASHION_MNIST=${GANRUN_FASHION_MNIST}"
  "MPIEXEC=${MPIEXEC_EXECUTABLE}"
  "OMPI_ALLOW_RUN_AS_ROOT=1" "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
  "OMPI_MCA_rmaps_base_oversubscribe=1"
  "PYTHONDONTWRITEBYTECODE=1"
  "PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/support")

function(ganrun_add_pytest name file labels)
  add_test(NAME ${name}
    COMMAND ${GANRUN_PYTHON} -m pytest -q -p no:cacheprovider -p ganrun_skip_report
            ${CMAKE_CURRENT_SOURCE_DIR}/e2e/${file})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" ENVIRONMENT "${GANRUN_TEST_ENV}")
endfunction()

ganrun_add_pytest(e2e_cli test_cli.py "e2e")
ganrun_add_pytest(e2e_bad_input test_bad_input.py "e2e")
ganrun_add_pytest(e2e_sweep_mpi test_sweep_mpi.py "e2e;mpi")
ganrun_add_pytest(e2e_scheduling test_scheduling.py "e2e;mpi")
ganrun_add_pytest(e2e_kill test_kill.py "e2e")
ganrun_add_pytest(e2e_resume test_resume.py "e2e;mpi")
ganrun_add_pytest(e2e_preempt test_preempt.py "e2e;mpi")
ganrun_add_pytest(e2e_data_fetch test_data_fetch.py "e2e")
ganrun_add_pytest(e2e_data_commands test_data_commands.py "e2e")
ganrun_add_pytest(e2e_bad_data test_bad_data.py "e2e")
ganrun_add_pytest(e2e_data_parallel test_data_parallel.py "e2e;mpi")
ganrun_add_pytest(e2e_pack test_pack.py "e2e;mpi")
# The reference nets (MNIST's target checked, Fashion-MNIST from 10,000 images) trained once
# into the build tree; the evaluation tests and the learning test use them.
ganrun_add_pytest(e2e_reference_nets test_reference_nets.py "e2e;learning")
set_property(TEST e2e_reference_nets APPEND PROPERTY ENVIRONMENT
  "GANRUN_TEST_REFERENCES=${GANRUN_TEST_REFERENCES}")
set_tests_properties(e2e_reference_nets PROPERTIES FIXTURES_SETUP reference_nets)
ganrun_add_pytest(e2e_eval test_eval.py "e2e;mpi")
set_property(TEST e2e_eval APPEND PROPERTY ENVIRONMENT
  "GANRUN_TEST_REFERENCES=${GANRUN_TEST_REFERENCES}"
  "PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/support:${CMAKE_CURRENT_SOURCE_DIR}/python")
set_tests_properties(e2e_eval PROPERTIES FIXTURES_REQUIRED reference_nets)
# ganrun's commands on a CUDA GPU (skipped where ganrun sees none; bench/gpu_session.sh).
ganrun_add_pytest(e2e_gpu test_gpu.py "gpu;e2e;mpi")
# bench/gpu_session.sh's probe, unpack and configure stages on this machine (downloads the
# carried Debian packages into bench/carry/ first).
ganrun_add_pytest(bench_gpu_session_stages test_gpu_session.py "e2e;bench")
set_property(TEST bench_gpu_session_stages APPEND PROPERTY ENVIRONMENT
  "GANRUN_PYTHON=${GANRUN_PYTHON}" "GANRUN_SHARED_DATA=${GANRUN_SHARED_DATA}")
# Every command of README.md's Usage section, srun on a real single-node Slurm cluster.
ganrun_add_pytest(e2e_readme_usage test_readme_usage.py "e2e;mpi;slurm")
# slurm/'s batch scripts on a real one-node cluster: its daemons and timing want the machine to
# themselves.
ganrun_add_pytest(e2e_slurm_jobs test_slurm_jobs.py "e2e;mpi;slurm")
set_tests_properties(e2e_slurm_jobs PROPERTIES RUN_SERIAL TRUE)
# analysis/ (ganrun_analysis): its loaders and report on small sweeps this build's ganrun writes
# (toy data and a synthetic pack: no download), and the HTML page in headless chromium.
add_test(NAME analysis_pytest
  COMMAND ${GANRUN_PYTHON} -m pytest -q -p no:cacheprovider -p ganrun_skip_report
          ${CMAKE_SOURCE_DIR}/analysis/tests)
set_tests_properties(analysis_pytest PROPERTIES LABELS "e2e;analysis"
  ENVIRONMENT "${GANRUN_TEST_ENV};MPLBACKEND=Agg")
