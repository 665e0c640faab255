#include "serving/router.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim {

std::string RoutingSkew::describe() const {
  switch (kind) {
    case Kind::uniform: return "uniform";
    case Kind::zipf: {
      std::ostringstream o;
      o << "zipf:" << zipf_s;
      return o.str();
    }
    case Kind::file: return "file (" + std::to_string(popularity.size()) + " experts)";
  }
  return "?";
}

RoutingSkew parse_routing_skew(const std::string& option, const std::string& text) {
  RoutingSkew r;
  if (text == "uniform") return r;
  if (text.rfind("zipf:", 0) == 0) {
    r.kind = RoutingSkew::Kind::zipf;
    const std::string num = text.substr(5);
    char* end = nullptr;
    r.zipf_s = std::strtod(num.c_str(), &end);
    if (num.empty() || end != num.c_str() + num.size() || !std::isfinite(r.zipf_s) || r.zipf_s < 0)
      throw InputError(option, text, "expected zipf:<exponent >= 0>, e.g. zipf:1.2");
    return r;
  }
  if (text.find('/') == std::string::npos && text.find('.') == std::string::npos)
    throw InputError(option, text,
                     "unknown routing skew; accepted values: uniform, zipf:<s> (e.g. zipf:1.2), or the path of a "
                     "popularity file (JSON array of per-expert weights)");
  nlohmann::json j = read_json_file(text);
  if (!j.is_array() || j.empty())
    throw InputError(text, "/", "expected a non-empty JSON array of per-expert weights, found " + json_type_name(j));
  r.kind = RoutingSkew::Kind::file;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number() || j[i].get<double>() < 0 || !std::isfinite(j[i].get<double>()))
      throw InputError(text, "/" + std::to_string(i), "expected a weight >= 0, found " + j[i].dump());
    r.popularity.push_back(j[i].get<double>());
  }
  if (std::accumulate(r.popularity.begin(), r.popularity.end(), 0.0) <= 0)
    throw InputError(text, "/", "the weights sum to 0");
  return r;
}

Router::Router(long long experts, long long top_k, long long ranks, const RoutingSkew& skew, std::uint64_t seed)
    : experts_(experts), top_k_(std::min(top_k, experts)), ranks_(std::max<long long>(ranks, 1)),
      uniform_(skew.kind == RoutingSkew::Kind::uniform), rng_(seed) {
  const size_t e = static_cast<size_t>(experts);
  expert_load_.assign(e, 0);
  rank_load_.assign(static_cast<size_t>(ranks_), 0);
  rank_touched_.assign(static_cast<size_t>(ranks_), 0);
  taken_.assign(e, 0);
  perm_.resize(e);
  std::iota(perm_.begin(), perm_.end(), 0);
  if (!uniform_) {
    std::vector<double> w(e, 0.0);
    if (skew.kind == RoutingSkew::Kind::zipf) {
      // Popularity ranks shuffled once (seeded), so that the hot experts land on arbitrary ranks.
      std::vector<long long> order(e);
      std::iota(order.begin(), order.end(), 0);
      for (size_t i = e; i > 1; --i) std::swap(order[i - 1], order[rng_.below(i)]);
      for (size_t r = 0; r < e; ++r) w[static_cast<size_t>(order[r])] = 1.0 / std::pow(static_cast<double>(r + 1), skew.zipf_s);
    } else {
      if (skew.popularity.size() != e)
        throw InputError("--routing", "popularity file",
                         "has " + std::to_string(skew.popularity.size()) + " weights; the model has " +
                             std::to_string(experts) + " routed experts");
      w = skew.popularity;
    }
    // Without replacement needs at least top_k experts of non-zero weight.
    const long long nonzero = std::count_if(w.begin(), w.end(), [](double x) { return x > 0; });
    if (nonzero < top_k_)
      throw InputError("--routing", "popularity",
                       "only " + std::to_string(nonzero) + " experts have a non-zero weight; top-k needs " +
                           std::to_string(top_k_));
    cumulative_.resize(e);
    std::partial_sum(w.begin(), w.end(), cumulative_.begin());
  }
}

long long Router::pick_weighted(const std::vector<char>& taken) {
  // Rejection against the full distribution: equivalent to renormalising over the untaken experts.
  const double total = cumulative_.back();
  for (;;) {
    const double u = rng_.uniform01() * total;
    const long long e = static_cast<long long>(std::upper_bound(cumulative_.begin(), cumulative_.end(), u) -
                                               cumulative_.begin());
    const long long idx = std::min(e, experts_ - 1);
    if (!taken[static_cast<size_t>(idx)]) return idx;
  }
}

RouteResult Router::route(long long tokens) {
  std::fill(expert_load_.begin(), expert_load_.end(), 0);
  std::fill(rank_load_.begin(), rank_load_.end(), 0);
  std::fill(rank_touched_.begin(), rank_touched_.end(), 0);
  const long long per_rank = (experts_ + ranks_ - 1) / ranks_;
  std::vector<long long> chosen(static_cast<size_t>(top_k_));
  const double p_pick = static_cast<double>(top_k_) / static_cast<double>(experts_);
  const bool aggregate = uniform_ && static_cast<double>(tokens) * p_pick >= kAggregateMeanLoad;
  if (aggregate) {
    // Large uniform batches (router.hpp): each expert's load is Binomial(tokens, k/E); drawn as a
    // normal in turn, conditioned on what is left of the tokens x k assignments (the fixed total
    // shrinks each conditional variance by (m-1)/m, m the experts still to draw), the last taking
    // the rest. O(experts) a step instead of O(tokens x k).
    long long left = tokens * top_k_;
    const double var_each = static_cast<double>(tokens) * p_pick * (1.0 - p_pick);
    for (long long e = 0; e < experts_; ++e) {
      const long long m = experts_ - e;
      long long load = left;
      if (m > 1) {
        const double mean = static_cast<double>(left) / static_cast<double>(m);
        const double sd = std::sqrt(var_each * static_cast<double>(m - 1) / static_cast<double>(m));
        load = std::llround(mean + sd * rng_.normal());
        load = std::clamp<long long>(load, 0, std::min(left, tokens));
      }
      expert_load_[static_cast<size_t>(e)] = load;
      left -= load;
    }
  }
  for (long long t = 0; !aggregate && t < tokens; ++t) {
    if (uniform_) {
      // Partial Fisher-Yates: the first k entries of a fresh uniform permutation prefix.
      for (long long i = 0; i < top_k_; ++i) {
        const size_t j = static_cast<size_t>(i) + rng_.below(static_cast<std::uint64_t>(experts_ - i));
        std::swap(perm_[static_cast<size_t>(i)], perm_[j]);
        chosen[static_cast<size_t>(i)] = perm_[static_cast<size_t>(i)];
      }
    } else {
      for (long long i = 0; i < top_k_; ++i) {
        chosen[static_cast<size_t>(i)] = pick_weighted(taken_);
        taken_[static_cast<size_t>(chosen[static_cast<size_t>(i)])] = 1;
      }
      for (long long e : chosen) taken_[static_cast<size_t>(e)] = 0;
    }
    for (long long e : chosen) ++expert_load_[static_cast<size_t>(e)];
  }
  RouteResult r;
  long long expert_max = 0;
  for (long long e = 0; e < experts_; ++e) {
    const long long load = expert_load_[static_cast<size_t>(e)];
    if (load == 0) continue;
    r.experts_touched += 1;
    rank_load_[static_cast<size_t>(e / per_rank)] += load;
    rank_touched_[static_cast<size_t>(e / per_rank)] += 1;
    expert_max = std::max(expert_max, load);
  }
  const double assignments = static_cast<double>(tokens * top_k_);
  r.rank_assignments_max = static_cast<double>(*std::max_element(rank_load_.begin(), rank_load_.end()));
  r.rank_experts_max = static_cast<double>(*std::max_element(rank_touched_.begin(), rank_touched_.end()));
  if (assignments > 0) {
    r.rank_imbalance = r.rank_assignments_max / (assignments / static_cast<double>(ranks_));
    r.expert_imbalance = static_cast<double>(expert_max) / (assignments / static_cast<double>(experts_));
  }
  return r;
}

RouteResult Router::route_into(StepShape& shape) {
  RouteResult r = route(static_cast<long long>(std::llround(shape.new_tokens)));
  shape.moe_routed = true;
  shape.moe_experts_touched = r.experts_touched;
  shape.moe_rank_experts_max = r.rank_experts_max;
  shape.moe_rank_assignments_max = r.rank_assignments_max;
  if (ranks_ > 1) {
    shape.moe_rank_assignments.assign(rank_load_.begin(), rank_load_.end());
    shape.moe_rank_experts.assign(rank_touched_.begin(), rank_touched_.end());
  }
  return r;
}

}  // namespace infersim
