// Contract: the straggler penalty of expert parallelism, and the busiest rank's load it comes from.
//
// A decode step of an MoE model on ep expert-parallel ranks waits, at every all-to-all, for the
// rank whose experts drew the most (token, expert) assignments and the most distinct experts. The
// closed form charges every rank the mean (the uniform expectation of step_cost.hpp); a serving run
// draws the routing of each step token by token (router.hpp) and charges the busiest rank. For each
// (ep, batch, routing skew) straggler_study() costs `draws` decode steps of `batch` sequences at the
// scenario's mean decode context (prompt + output/2) both ways, on the deployment the planner picks
// for `ep` on ep chips without pipelining, attention tensor-parallel over min(ep, 8) chips and
// data-parallel across them (the wide-EP layout), unless the options say otherwise, and reports:
//   penalty          mean drawn step time / the closed form's - 1 (> 0: the straggler's cost; < 0
//                    when skew touches fewer distinct experts, so fewer weights are read);
//   rank imbalance   mean over draws of busiest-rank assignments / mean assignments per rank;
//   theory           for uniform routing, the same from the normal limit of the per-rank loads: each
//                    token's k distinct experts put Hypergeometric(E, E/ep, k) picks on a rank, so a
//                    rank's load over T tokens has mean T k / ep and variance
//                    T k (1/ep)(1 - 1/ep)(E - k)/(E - 1), the loads sum to T k, and the busiest is
//                    mean + sd sqrt(ep/(ep-1)) e_ep, e_n the expected maximum of n standard normals
//                    (computed by quadrature): an answer independent of the router's code.
// The study is a closed-form computation (no engine): deterministic for a seed. SIGINT/SIGTERM
// (interrupt/interrupt.hpp) stops it between draws: the points so far are returned, the last one
// with the draws it had.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"
#include "serving/router.hpp"

namespace infersim {

inline constexpr long long kStragglerAttentionTp = 8;  // default attention tensor-parallel degree

struct StragglerOptions {
  std::vector<long long> eps = {8, 32, 64};
  std::vector<long long> batches = {64, 256, 1024};
  std::vector<std::string> skews = {"uniform", "zipf:0.6", "zipf:1.2"};
  long long draws = 200;
  std::uint64_t seed = 1;
};

struct StragglerPoint {
  long long ep = 1, batch = 0;
  std::string skew;
  std::string plan;           // "tp=8 pp=1 ep=64 chips=64"
  bool fits = false;
  std::string not_run;        // why the point was not costed ("" when it was)
  double tokens_per_expert = 0;      // batch x top_k / experts: below the GEMM ridge, weights dominate
  long long draws = 0;               // routing draws costed (fewer than asked when a signal stopped the study)
  double closed_form_step_s = 0;     // every rank the mean load
  double drawn_step_s_mean = 0;      // mean over the draws, the busiest rank charged
  double drawn_step_s_p90 = 0;
  double penalty = 0;                // drawn mean / closed form - 1
  double rank_imbalance_mean = 0;    // busiest rank's assignments / the mean rank's, over the draws
  double theory_rank_imbalance = 0;  // uniform routing only (0 otherwise): the normal-limit answer
};

// E[max of n independent standard normals], by quadrature (n >= 1).
double expected_max_standard_normal(long long n);
// The normal-limit expected busiest-rank load over the mean load, uniform routing (above).
double uniform_rank_imbalance_theory(long long tokens, long long experts, long long top_k, long long ranks);

// `base`: the scenario options (hardware, model, precisions, prompt and output tokens, calibration);
// each point sets ep, chips and batch. Throws InputError for a dense model (no experts to route).
std::vector<StragglerPoint> straggler_study(const ScenarioOptions& base, const StragglerOptions& o);
nlohmann::json to_json(const StragglerPoint& p);

}  // namespace infersim
