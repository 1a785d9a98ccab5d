# MPI tests: C++ programs run under mpiexec (label mpi). Each checks its own invariants on every
# rank and exits non-zero with a message on any mismatch; rank 0 prints the summary.

add_executable(ganrun_pack_shard_test ${CMAKE_CURRENT_SOURCE_DIR}/mpi/pack_shard_test.cpp)
target_link_libraries(ganrun_pack_shard_test PRIVATE ganrun_runner MPI::MPI_C)

# Open MPI refuses root and more ranks than cores unless told: CI and containers run as root.
add_test(NAME mpi_pack_shard_np2
  COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} 2 ${MPIEXEC_PREFLAGS}
          $<TARGET_FILE:ganrun_pack_shard_test> ${MPIEXEC_POSTFLAGS})
set_tests_properties(mpi_pack_shard_np2 PROPERTIES LABELS "mpi" TIMEOUT 300
  ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1;GANRUN_SHARED_DATA=${GANRUN_SHARED_DATA}")
