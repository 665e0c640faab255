// Contract: the one SIGINT/SIGTERM stop flag of the process (tests/ROBUSTNESS.md, "Signals").
//
// install_stop_handlers() makes the first SIGINT or SIGTERM set the flag; every long-running loop
// (the serving loop, the DES static batches, report cells, sweep points) polls stop_requested()
// between steps and ends cleanly, marking what it kept as partial. A second signal ends the process
// at once with the signal's default action, so a loop that is not polling (a platform being built,
// a library call) can still be stopped. Async-signal-safe: the handler only stores to a sig_atomic_t
// and, the second time, resets the disposition and re-raises.
//
// Every interrupted command exits kExitInterrupted (130, whichever of the two signals it was), with
// a line on stderr saying what was kept and how it is marked.
#pragma once

namespace infersim {

constexpr int kExitInterrupted = 130;

void install_stop_handlers();
bool stop_requested();
// The signal that set the flag (SIGINT or SIGTERM), 0 when none.
int stop_signal();

}  // namespace infersim
