// runner/command.h — the `ganrun` command line: subcommand dispatch, exit codes.
#pragma once

namespace ganrun {

// Exit codes (README "Exit codes").
inline constexpr int kExitOk = 0;         // every run completed or diverged
inline constexpr int kExitRunFailed = 1;  // at least one run failed
inline constexpr int kExitBadInput = 2;   // bad input or usage; nothing written
inline constexpr int kExitInterrupted = 75;

int run_command(int argc, char** argv);

}  // namespace ganrun
