# MPI tests: C++ programs run under mpiexec (label mpi). Each checks its own invariants on every
# rank and exits non-zero with a message on any mismatch; rank 0 prints the summary.

add_executable(ganrun_pack_shard_test ${CMAKE_CURRENT_SOURCE_DIR}/mpi/pack_shard_test.cpp)
target_link_libraries(ganrun_pack_shard_test PRIVATE ganrun_runner ganrun_skip_log MPI::MPI_C)

# Open MPI refuses root and more ranks than cores unless told: CI and containers run as root.
add_test(NAME mpi_pack_shard_np2
  COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${MPIEXEC_PREFLAGS}
          $<TARGET_FILE:ganrun_pack_shard_test> ${MPIEXEC_POSTFLAGS})
set_tests_properties(mpi_pack_shard_np2 PROPERTIES LABELS "mpi" TIMEOUT 300
  ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1;GANRUN_SHARED_DATA=${GANRUN_SHARED_DATA}")

# Dynamic scheduling, run groups and device binding (launch/ only).
add_executable(ganrun_work_queue_test ${CMAKE_CURRENT_SOURCE_DIR}/mpi/work_queue_test.cpp)
target_link_libraries(ganrun_work_queue_test PRIVATE ganrun_launch MPI::MPI_C)
add_test(NAME mpi_work_queue_np4
  COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 4 ${MPIEXEC_PREFLAGS}
          $<TARGET_FILE:ganrun_work_queue_test> ${MPIEXEC_POSTFLAGS})
set_tests_properties(mpi_work_queue_np4 PROPERTIES LABELS "mpi" TIMEOUT 120
  ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1")

# Data-parallel training: collectives by hand-worked values, and equivalence of 2 and 4 ranks
# with the single-process run (CPU, MPI backend, float64). Not 1 rank: a group of one trains
# through the single-process path, so it would compare that path with itself.
add_executable(ganrun_data_parallel_test ${CMAKE_CURRENT_SOURCE_DIR}/mpi/data_parallel_test.cpp)
target_link_libraries(ganrun_data_parallel_test PRIVATE ganrun_runner MPI::MPI_C)
foreach(ranks 2 4)
  add_test(NAME mpi_data_parallel_np${ranks}
    COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${MPIEXEC_PREFLAGS}
            $<TARGET_FILE:ganrun_data_parallel_test> ${MPIEXEC_POSTFLAGS})
  set_tests_properties(mpi_data_parallel_np${ranks} PROPERTIES LABELS "mpi" TIMEOUT 300
    ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1")
endforeach()

# The NCCL backend (label gpu): skipped (exit 77, with a skip record) where fewer GPUs than
# ranks are visible.
add_executable(ganrun_nccl_test ${CMAKE_CURRENT_SOURCE_DIR}/mpi/nccl_test.cpp)
target_link_libraries(ganrun_nccl_test PRIVATE ganrun_launch ganrun_skip_log MPI::MPI_C)
foreach(ranks 1 2)
  add_test(NAME gpu_nccl_np${ranks}
    COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${MPIEXEC_PREFLAGS}
            $<TARGET_FILE:ganrun_nccl_test> ${MPIEXEC_POSTFLAGS})
  set_tests_properties(gpu_nccl_np${ranks} PROPERTIES LABELS "gpu;mpi" TIMEOUT 120
    ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1")
endforeach()
