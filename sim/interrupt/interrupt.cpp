#include "interrupt/interrupt.hpp"

#include <csignal>

namespace infersim {

namespace {
// The one mutable global the house style allows: written by the handler, read between steps.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void infersim_on_stop_signal(int sig) {
  if (g_stop_signal != 0) {
    // Second signal: the first was not seen in time (no step boundary yet); end now.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_stop_signal = sig;
}
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = infersim_on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() { return g_stop_signal != 0; }
int stop_signal() { return g_stop_signal; }

}  // namespace infersim
