// runner/subcommands.h — `ganrun train` (one run from flags) and `ganrun sample` (a fresh grid
// from a finished run's generator). argv[0] is the subcommand's name.
#pragma once

#include "launch/mpi_session.h"

namespace ganrun {

int train_main(int argc, char** argv, launch::MpiSession& mpi);
int sample_main(int argc, char** argv, launch::MpiSession& mpi);
// `ganrun data list|fetch|verify|pack|show` (runner/data_command.cpp); one process only.
int data_main(int argc, char** argv, launch::MpiSession& mpi);
// `ganrun eval RUN.h5 | --real | train-reference | export-reference | import-reference`
// (runner/eval_command.cpp); one process only.
int eval_main(int argc, char** argv, launch::MpiSession& mpi);
// `ganrun presets [NAME]` (runner/presets_command.cpp).
int presets_main(int argc, char** argv, launch::MpiSession& mpi);
// `ganrun status OUT [--watch [SECONDS]]` (runner/status_command.cpp).
int status_main(int argc, char** argv, launch::MpiSession& mpi);

}  // namespace ganrun
