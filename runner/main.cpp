// runner/main.cpp — the `ganrun` executable: hands argv to the command dispatcher.
#include "runner/command.h"

int main(int argc, char** argv) { return ganrun::run_command(argc, argv); }
