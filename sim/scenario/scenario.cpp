#include "scenario/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"

namespace infersim {

namespace {

Precision option_precision(const std::string& option, const std::string& value) {
  Precision p;
  if (!parse_precision(value, &p))
    throw InputError(option, value, "unknown precision; accepted values: " + join_alternatives(precision_names()));
  return p;
}

long long option_count(const std::string& option, long long value, long long minimum, long long maximum) {
  if (value < minimum || value > maximum)
    throw InputError(option, std::to_string(value),
                     "expected an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum));
  return value;
}

void option_range(const std::string& option, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high) {
    std::ostringstream range;
    range << "expected a number in [" << low << ", " << high << "] (a documented range)";
    std::ostringstream given;
    given << value;
    throw InputError(option, given.str(), range.str());
  }
}

std::string gib(Bytes b) {
  std::ostringstream o;
  o.precision(4);
  o << b.si() / 1e9 << " GB";
  return o.str();
}
}  // namespace

Scenario resolve_scenario(const ScenarioOptions& o) {
  Scenario s;
  s.hw = load_hardware(o.hw);
  s.model = load_model(o.model);
  s.weights = option_precision("--weights", o.weights);
  s.kv = option_precision("--kv", o.kv);
  s.batch = option_count("--batch", o.batch, 1, kMaxBatch);
  s.prompt_tokens = option_count("--prompt-tokens", o.prompt_tokens, 1, kMaxTokens);
  s.output_tokens = option_count("--output-tokens", o.output_tokens, 1, kMaxTokens);
  if (o.chips) s.chips = option_count("--chips", *o.chips, 1, kMaxChips);
  if (o.tp) s.tp = option_count("--tp", *o.tp, 1, kMaxChips);
  if (o.pp) s.pp = option_count("--pp", *o.pp, 1, kMaxChips);
  if (o.ep) s.ep = option_count("--ep", *o.ep, 1, kMaxChips);
  // Documented cap (tests/ROBUSTNESS.md): the replicated serving loop is quadratic in replicas
  // (--dp 10000 took 91 s), so 1000 (about a second) is what it can do.
  constexpr long long kMaxDp = 10000;
  s.dp = option_count("--dp", o.dp, 1, kMaxDp);
  // Documented ranges (tests/ROBUSTNESS.md): past them the derived $/token and agent densities
  // overflowed to inf or printed null (--lifetime-years 1e-300, --utilization 1e-300).
  option_range("--lifetime-years", o.economics.lifetime_years, 0.01, 100);
  option_range("--utilization", o.economics.utilization, 0.001, 1);
  option_range("--usd-per-kwh", o.economics.usd_per_kWh, 1e-6, 1000);
  option_range("--pue", o.economics.pue, 1, 10);
  option_range("--stream-tok-s", o.economics.stream_tok_s, 0.001, 1e6);
  s.economics = o.economics;
  // "auto": the calibration of the software family that runs this hardware today (calibration.hpp).
  s.calibration = o.calibration.name == "auto" ? auto_calibration_for_hardware(s.hw.id) : o.calibration;
  check_calibration(s.calibration, "calibration '" + s.calibration.name + "'");
  return s;
}

const NetworkLevel& network_for(const Hardware& hw, bool over_scale_out) {
  return over_scale_out && hw.scale_out ? *hw.scale_out : hw.scale_up;
}

NetworkLevel effective_network(const Scenario& s, bool over_scale_out) {
  NetworkLevel n = network_for(s.hw, over_scale_out);
  n.bandwidth_Bps.value *= s.calibration.network_efficiency;
  return n;
}

long long chips_per_scale_up_domain(const Hardware& hw, long long chips) {
  return hw.scale_out ? std::clamp<long long>(hw.scale_up.domain_chips, 1, std::max<long long>(1, chips)) : chips;
}

long long kv_shards(const Model& m, long long tp) {
  if (m.attention == AttentionKind::mla) return 1;
  return std::min(tp, m.kv_heads);
}

long long replica_chips(long long tp, long long pp, long long ep) { return std::max(tp, ep) * pp; }

double kv_bytes_per_token_per_chip(const Scenario& s, const Plan& plan) {
  const Model& m = s.model;
  return m.kv_elements_per_token() * bytes_per_element(s.kv) * static_cast<double>(plan.layers_per_stage) /
         static_cast<double>(m.layers) / static_cast<double>(kv_shards(m, plan.tp)) /
         static_cast<double>(plan.attention_dp());
}

namespace {
// The plan's numbers without its explanation: the planner's search evaluates hundreds of candidates
// and formatting text for each dominated its cost.
Plan plan_numbers(const Scenario& s, long long tp, long long pp, long long ep) {
  const Model& m = s.model;
  const Hardware& hw = s.hw;
  Plan plan;
  plan.tp = tp;
  plan.pp = pp;
  plan.ep = ep;
  plan.chips = replica_chips(tp, pp, ep);
  plan.layers_per_stage = (m.layers + pp - 1) / pp;
  // The routed experts spread over the stage's chips; everything else over its tensor-parallel
  // group (each attention data-parallel copy holds its own).
  const double routed = m.moe ? static_cast<double>(m.moe_layers() * m.moe->experts) * m.expert_params() : 0.0;
  const double per_stage_chip = (m.total_params() - routed) / static_cast<double>(tp) +
                                routed / static_cast<double>(plan.stage_chips());
  plan.weights_bytes_per_chip = Bytes(per_stage_chip * bytes_per_element(s.weights) / static_cast<double>(pp));
  plan.kv_bytes_per_chip =
      Bytes(static_cast<double>(s.batch) * s.max_context_tokens() * kv_bytes_per_token_per_chip(s, plan));
  // An all-to-all or all-reduce over the stage's chips leaves the domain when the stage does.
  plan.tp_over_scale_out = plan.stage_chips() > hw.scale_up.domain_chips;
  plan.pp_over_scale_out = plan.chips > hw.scale_up.domain_chips;

  // Fill the tiers fastest first: weights, then the KV cache in what is left.
  double weights_left = plan.weights_bytes_per_chip.si();
  double kv_left = plan.kv_bytes_per_chip.si();
  double usable_total = 0;
  for (const auto& tier : hw.tiers) {
    double usable = tier.capacity_bytes.value * hw.usable_memory_fraction.value;
    usable_total += usable;
    double w = std::min(weights_left, usable);
    weights_left -= w;
    double kv = std::min(kv_left, usable - w);
    kv_left -= kv;
    plan.placement.weight_bytes_per_tier.push_back(Bytes(w));
    plan.placement.kv_bytes_per_tier.push_back(Bytes(kv));
  }
  plan.usable_bytes_per_chip = Bytes(usable_total);
  double missing = weights_left + kv_left;
  plan.missing_bytes_per_chip = Bytes(missing);
  plan.fits = missing <= 0;
  return plan;
}

void explain(Plan& plan) {
  std::ostringstream why;
  const long long tp = plan.tp, pp = plan.pp, ep = plan.ep;
  why << "tp=" << tp << " pp=" << pp << " ep=" << ep << " on " << plan.chips << " chip(s): weights "
      << gib(plan.weights_bytes_per_chip) << " + KV " << gib(plan.kv_bytes_per_chip) << " per chip, usable "
      << gib(plan.usable_bytes_per_chip);
  if (!plan.fits) why << "; missing " << gib(plan.missing_bytes_per_chip) << " per chip";
  plan.explanation = why.str();
}
}  // namespace

Plan plan_with(const Scenario& s, long long tp, long long pp, long long ep) {
  Plan plan = plan_numbers(s, tp, pp, ep);
  explain(plan);
  return plan;
}

namespace {
// Tensor-parallel degrees worth trying: divisors of the head count (each chip gets whole heads).
std::vector<long long> tp_candidates(const Model& m, long long limit) {
  std::vector<long long> out;
  for (long long tp = 1; tp <= std::min(limit, m.attention_heads); ++tp)
    if (m.attention_heads % tp == 0) out.push_back(tp);
  return out;
}

long long default_ep(const Model& m, long long tp) {
  return (m.moe && tp > 1 && m.moe->experts % tp == 0) ? tp : 1;
}

void check_degrees(const Scenario& s, long long tp, long long pp, long long ep) {
  const Model& m = s.model;
  if (m.attention_heads % tp != 0)
    throw InputError("--tp", std::to_string(tp),
                     "must divide the model's " + std::to_string(m.attention_heads) + " attention heads");
  if (pp > m.layers)
    throw InputError("--pp", std::to_string(pp),
                     "exceeds the model's " + std::to_string(m.layers) + " layers (one layer per stage at most)");
  if (ep != 1 && ep % tp != 0)
    throw InputError("--ep", std::to_string(ep),
                     "accepted values 1, --tp (" + std::to_string(tp) +
                         ") or a multiple of it (ep/tp attention data-parallel copies share the experts)");
  if (ep > 1 && (!m.moe || m.moe->experts % ep != 0))
    throw InputError("--ep", std::to_string(ep),
                     m.moe ? "must divide the model's " + std::to_string(m.moe->experts) + " experts"
                           : "the model has no experts; accepted value 1");
}
}  // namespace

Plan make_plan(const Scenario& s) {
  const Model& m = s.model;
  const long long domain = s.hw.scale_up.domain_chips;
  // Fully specified, or specified enough to derive the rest.
  if (s.tp || s.pp || s.chips) {
    long long tp = s.tp.value_or(0), pp = s.pp.value_or(0);
    if (s.chips) {
      long long chips = *s.chips;
      // With attention data parallelism (--ep a multiple of --tp above it) a replica has ep x pp chips.
      const long long dp_attention = (tp && s.ep && *s.ep > tp && *s.ep % tp == 0) ? *s.ep / tp : 1;
      const std::string product =
          "--tp x --pp" + std::string(dp_attention > 1 ? " x --ep/--tp (" + std::to_string(dp_attention) + ")" : "");
      if ((tp && pp && tp * pp * dp_attention != chips) || chips % dp_attention != 0)
        throw InputError("--chips", std::to_string(chips), "must equal " + product);
      chips /= dp_attention;  // the chips of one attention copy: tp x pp
      if (!tp && pp) tp = chips / pp;
      if (!tp) {
        // The largest tensor-parallel degree that divides the chips and fits the domain.
        for (long long c : tp_candidates(m, std::min(domain, chips)))
          if (chips % c == 0) tp = c;
      }
      if (!pp) pp = chips / tp;
      if (tp * pp != chips)
        throw InputError("--chips", std::to_string(*s.chips),
                         "cannot be split into tensor x pipeline degrees for this model (tp must divide " +
                             std::to_string(m.attention_heads) + " heads); give --tp and --pp");
    }
    if (!tp) tp = 1;
    if (!pp) pp = 1;
    long long ep = s.ep.value_or(default_ep(m, tp));
    check_degrees(s, tp, pp, ep);
    Plan plan = plan_with(s, tp, pp, ep);
    plan.explanation = "as requested: " + plan.explanation;
    return plan;
  }
  // Fewest chips that hold weights and KV cache; among equal counts, the least pipelining.
  Plan best;
  bool found = false;
  for (long long pp = 1; pp <= m.layers; ++pp) {
    for (long long tp : tp_candidates(m, std::max<long long>(domain, 1))) {
      long long ep = s.ep.value_or(default_ep(m, tp));
      if (ep != 1 && ep != tp) continue;
      Plan p = plan_numbers(s, tp, pp, ep);
      if (!p.fits) continue;
      if (!found || p.chips < best.chips) {
        best = p;
        found = true;
      }
    }
    // Once a fit exists, more pipelining can only help if it lowers the chip count; stop when the
    // smallest possible count at this pp (1 chip per stage) exceeds the best.
    if (found && pp + 1 > best.chips) break;
  }
  if (found) {
    explain(best);
    best.explanation = "fewest chips that hold the weights and the KV cache: " + best.explanation;
    return best;
  }
  // Nothing fits even at one layer per stage across the whole domain: report the largest attempt.
  long long tp = tp_candidates(m, domain).back();
  Plan p = plan_with(s, tp, m.layers, s.ep.value_or(default_ep(m, tp)));
  p.explanation = "does not fit even at one layer per pipeline stage: " + p.explanation;
  return p;
}

}  // namespace infersim
