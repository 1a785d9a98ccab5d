// runner/stop_request.cpp — graceful stop on SIGTERM, SIGUSR1, SIGINT (see header).
#include "runner/stop_request.h"

#include <csignal>

namespace ganrun {
namespace {

volatile std::sig_atomic_t g_signal = 0;  // the first stop signal, 0 = none

void on_stop_signal(int signal) { g_signal = signal; }  // async-signal-safe: one store

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: a second signal gets the default action. No SA_RESTART needed: nothing
  // ganrun blocks in is interrupted into a wrong result (a step runs to its end).
  action.sa_flags = SA_RESETHAND;
  for (const int signal : {SIGTERM, SIGUSR1, SIGINT}) sigaction(signal, &action, nullptr);
}

bool stop_requested() { return g_signal != 0; }

std::string stop_signal_name() {
  switch (g_signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGINT:
      return "SIGINT";
    case 0:
      return "";
    default:
      return "signal " + std::to_string(static_cast<int>(g_signal));
  }
}

void request_stop_for_test(int signal) { g_signal = signal; }

}  // namespace ganrun
