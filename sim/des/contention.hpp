// Contract: contention the closed form cannot see, measured on the DES's own platform and checked
// against answers derived independently of the engine (queueing theory on the route the platform
// built), so that the DES's sharing is validated, not only its agreement with the formula it shares.
//
// On one scale-up domain of the hardware (a switched fabric: each chip one split-duplex port into a
// non-blocking switch; at most kMaxContentionChips chips), chip 0 receives:
//   incast       n-1 chips send S bytes each to chip 0 at once (a decode chip taking the KV of
//                several prefills, an expert rank taking a hot expert's tokens). The closed form
//                charges each transfer alone: L + S/B (collectives.hpp point_to_point_time). Max-min
//                fair sharing of chip 0's port gives every flow B/(n-1): all end at L + (n-1) S/B.
//   stream rho   Poisson arrivals of S-byte transfers into chip 0 (the senders in turn) at offered
//                load rho = lambda S / B of its port. Flows that share one bottleneck fairly form a
//                processor-sharing queue, whose mean time in system is L + (S/B) / (1 - rho) for
//                M/G/1-PS whatever the service distribution (Kleinrock, Queueing Systems II, 1976,
//                §4.4); the closed form still charges L + S/B. The first tenth of each stream's
//                transfers is a warm-up and not counted; `replications` independent streams give the
//                mean and its standard error (at rho = 0.8 one stream of 20,000 transfers is within
//                about 3 % of the answer: busy periods are long and correlated).
// L and B come from the route (Host::route_to: its latencies summed, its narrowest link), not from
// the engine's sharing. Other fabrics (rings, tori, wafers, dragonflies) route chip 0's traffic over
// several of its links, which the one-bottleneck answers do not cover: they are reported as not run.
// Runs one SimGrid engine: call at most once per process (validate runs it in a child).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"

namespace infersim {

inline constexpr long long kMaxContentionChips = 16;

struct ContentionOptions {
  double bytes = 64.0 * 1024 * 1024;  // S: one transfer (64 MiB: the KV of ~500 tokens of a 70B model)
  long long transfers = 20000;        // per replication of a stream experiment
  long long replications = 4;         // independent streams per load (their spread gives the error)
  std::vector<double> loads = {0.5, 0.8};
  std::uint64_t seed = 1;
};

struct ContentionCase {
  std::string hardware;
  std::string experiment;   // "incast", "stream rho=0.5", ...
  long long chips = 0;      // in the domain used
  long long flows = 0;      // incast: concurrent flows; stream: transfers counted
  double bytes = 0;         // per transfer
  double route_latency_s = 0, bottleneck_Bps = 0;
  double closed_form_s = 0;  // the transfer alone, as the closed form charges it
  double des_s = 0;          // incast: the last flow's end; stream: mean time in system
  double des_standard_error_s = 0;  // stream: standard error of des_s over the replications (0: exact)
  double expected_s = 0;     // the independent answer
  std::string expected_by;   // its derivation, one line
  std::string not_run;       // why the experiment does not apply to this fabric ("" when it ran)
  double des_vs_expected() const { return expected_s > 0 ? des_s / expected_s - 1.0 : 0.0; }
  double des_vs_closed_form() const { return closed_form_s > 0 ? des_s / closed_form_s - 1.0 : 0.0; }
};

std::vector<ContentionCase> contention_experiments(const Scenario& s, const ContentionOptions& o);
nlohmann::json to_json(const ContentionCase& c);

}  // namespace infersim
