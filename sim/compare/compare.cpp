#include "compare/compare.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "costmodel/calibration.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"

namespace infersim {

namespace {

const std::vector<std::string> kKeys = {"hw",     "model", "weights", "kv",         "batch",
                                        "prompt-tokens", "output-tokens", "chips", "tp", "pp",
                                        "ep",     "dp",    "calibration", "memory-bandwidth-scale",
                                        "flops-scale", "interconnect-bandwidth-scale", "label"};

std::string accepted_keys() { return join_alternatives(kKeys); }

long long parse_count(const std::string& key, const std::string& value) {
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty())
    throw InputError("--vs", key, "expected a whole number, found '" + value + "'");
  return v;
}

double parse_scale(const std::string& key, const std::string& value) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || !std::isfinite(v) || v <= 0 || v > 1e6)
    throw InputError("--vs", key, "expected a factor in (0, 1e6], found '" + value + "'");
  return v;
}

void apply(ScenarioOptions& o, HardwareScales& scales, const ScenarioChange& c) {
  const std::string& k = c.key;
  const std::string& v = c.value;
  if (k == "hw") o.hw = v;
  else if (k == "model") o.model = v;
  else if (k == "weights") o.weights = v;
  else if (k == "kv") o.kv = v;
  else if (k == "batch") o.batch = parse_count(k, v);
  else if (k == "prompt-tokens") o.prompt_tokens = parse_count(k, v);
  else if (k == "output-tokens") o.output_tokens = parse_count(k, v);
  else if (k == "chips") o.chips = parse_count(k, v);
  else if (k == "tp") o.tp = parse_count(k, v);
  else if (k == "pp") o.pp = parse_count(k, v);
  else if (k == "ep") o.ep = parse_count(k, v);
  else if (k == "dp") o.dp = parse_count(k, v);
  else if (k == "calibration") o.calibration = load_calibration(v);
  else if (k == "memory-bandwidth-scale") scales.memory_bandwidth = parse_scale(k, v);
  else if (k == "flops-scale") scales.flops = parse_scale(k, v);
  else if (k == "interconnect-bandwidth-scale") scales.interconnect_bandwidth = parse_scale(k, v);
  else throw InputError("--vs", k, "unknown key; expected " + accepted_keys());
}

void scale(Sourced& x, double k, const std::string& what) {
  if (k == 1) return;
  x.value *= k;
  x.low *= k;
  x.high *= k;
  x.provenance.tag = Tag::assumption;
  std::ostringstream note;
  note << "what-if: " << what << " x " << k << " (infersim compare)";
  x.provenance.note = note.str();
}

void apply_scales(Scenario& s, const HardwareScales& k) {
  for (auto& tier : s.hw.tiers) scale(tier.bandwidth_Bps, k.memory_bandwidth, "memory bandwidth");
  for (auto& [precision, peak] : s.hw.peak_flops) scale(peak, k.flops, "peak FLOP/s");
  scale(s.hw.scale_up.bandwidth_Bps, k.interconnect_bandwidth, "scale-up bandwidth");
  if (s.hw.scale_out) scale(s.hw.scale_out->bandwidth_Bps, k.interconnect_bandwidth, "scale-out bandwidth");
}

bool sets_deployment(const ScenarioOptions& o) { return o.chips || o.tp || o.pp; }

std::string deployment_text(const Scenario& s, const Plan& p) {
  std::ostringstream o;
  o << p.chips * s.dp << " (" << (s.dp > 1 ? std::to_string(s.dp) + "x" : std::string()) << "tp" << p.tp;
  if (p.pp > 1) o << " pp" << p.pp;
  if (p.ep > 1) o << " ep" << p.ep;
  o << ")";
  return o.str();
}

struct TermOf {
  const char* name;
  Seconds StepTerms::*member;
};
const TermOf kTerms[] = {{"weights read", &StepTerms::weights_read},
                         {"KV read", &StepTerms::kv_read},
                         {"GEMM math", &StepTerms::gemm_math},
                         {"attention math", &StepTerms::attention_math},
                         {"collectives", &StepTerms::collectives},
                         {"pipeline sends", &StepTerms::pipeline_sends},
                         {"fixed overheads", &StepTerms::fixed}};

std::string ratio_text(double r) { return "x" + format_number(r); }

}  // namespace

const std::vector<std::string>& change_keys() { return kKeys; }

VariantSpec parse_variant(const std::string& text) {
  VariantSpec v;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      throw InputError("--vs", text, "expected key=value[,key=value...], found '" + item + "'; keys: " + accepted_keys());
    ScenarioChange c{item.substr(0, eq), item.substr(eq + 1)};
    if (std::find(kKeys.begin(), kKeys.end(), c.key) == kKeys.end()) {
      const std::string near = closest_match(c.key, kKeys);
      throw InputError("--vs", c.key, "unknown key" + (near.empty() ? "" : " (did you mean " + near + "?)") +
                                          "; expected " + accepted_keys());
    }
    if (c.key == "label") v.label = c.value;
    else v.changes.push_back(std::move(c));
  }
  if (v.changes.empty() && v.label.empty())
    throw InputError("--vs", text, "expected at least one key=value; keys: " + accepted_keys());
  return v;
}

Attribution attribute(const Projection& b, long long batch_b, const Projection& v, long long batch_v) {
  Attribution a;
  if (!b.plan.fits || !v.plan.fits || b.decode.total.si() <= 0 || v.decode.total.si() <= 0) return a;
  a.available = true;
  a.tok_s_per_chip_ratio = v.decode_tok_s_per_chip / b.decode_tok_s_per_chip;
  a.factors.push_back({"batch", static_cast<double>(batch_v) / static_cast<double>(batch_b), 0, 0});
  a.factors.push_back(
      {"chips per replica", static_cast<double>(b.plan.chips) / static_cast<double>(v.plan.chips), 0, 0});
  const double step_b = b.decode.total.si(), step_v = v.decode.total.si();
  const double step_ratio = step_b / step_v;
  const double delta = step_v - step_b;
  for (const auto& t : kTerms) {
    const double tb = (b.decode.terms.*(t.member)).si(), tv = (v.decode.terms.*(t.member)).si();
    // Exact shares of the step's change; when the step did not change the terms' moves cancel and
    // each carries a factor of 1.
    const double share = delta != 0 ? (tv - tb) / delta : 0.0;
    a.factors.push_back({t.name, std::pow(step_ratio, share), tb, tv});
  }
  return a;
}

Comparison compare(const ScenarioOptions& baseline, const std::vector<VariantSpec>& variants,
                   const CompareOptions& options) {
  Comparison c;
  std::vector<VariantSpec> all;
  all.push_back({options.baseline_label, {}});
  for (const auto& v : variants) all.push_back(v);
  for (const auto& v : all) {
    ComparedScenario x;
    x.options = baseline;
    std::string changes;
    for (const auto& ch : v.changes) {
      apply(x.options, x.scales, ch);
      changes += (changes.empty() ? "" : ", ") + ch.key + "=" + ch.value;
    }
    x.changes = changes.empty() ? "baseline" : changes;
    x.label = !v.label.empty() ? v.label : changes;
    x.scenario = resolve_scenario(x.options);
    apply_scales(x.scenario, x.scales);
    const Plan own = make_plan(x.scenario);
    x.own_chips = own.fits ? own.chips : 0;
    x.projection = project(x.scenario, own);
    x.deployment_note = sets_deployment(x.options) ? "as given" : "its own fewest chips";
    c.scenarios.push_back(std::move(x));
  }
  // Equal chips: the fewest that hold the largest scenario without a deployment of its own.
  long long equal = 0;
  bool all_fit = true;
  for (const auto& x : c.scenarios)
    if (!sets_deployment(x.options)) {
      equal = std::max(equal, x.own_chips);
      all_fit = all_fit && x.own_chips > 0;
    }
  if (options.equal_chips && equal > 0) {
    for (auto& x : c.scenarios) {
      if (sets_deployment(x.options) || x.own_chips == equal || x.own_chips == 0) {
        if (!sets_deployment(x.options) && x.own_chips == equal) x.deployment_note = "equal chips";
        continue;
      }
      Scenario s = x.scenario;
      s.chips = equal;
      try {
        const Plan p = make_plan(s);
        x.projection = project(s, p);
        x.scenario = s;
        x.deployment_note = "equal chips (its own plan: " + std::to_string(x.own_chips) + ")";
      } catch (const InputError& e) {
        x.deployment_note = "its own fewest chips: " + std::to_string(equal) + " chips cannot be split (" +
                            e.message() + ")";
      }
    }
    c.chips_policy = "at equal chips: " + std::to_string(equal) +
                     " per replica for every scenario that does not set its deployment (the fewest that hold the "
                     "largest of them" +
                     std::string(all_fit ? "" : "; scenarios that fit nowhere keep their own plan") + ")";
  } else {
    c.chips_policy = "each scenario on its own plan (fewest chips that hold it, or its deployment as given)";
  }
  const ComparedScenario& base = c.scenarios.front();
  for (const auto& x : c.scenarios)
    c.attributions.push_back(attribute(base.projection, base.scenario.batch, x.projection, x.scenario.batch));
  return c;
}

namespace {
double ratio_or_nan(double v, double b) { return b != 0 ? v / b : std::nan(""); }

nlohmann::json terms_json(const StepTerms& t) {
  nlohmann::json j;
  for (const auto& term : kTerms) {
    std::string key = term.name;
    std::replace(key.begin(), key.end(), ' ', '_');
    j[key + "_s"] = (t.*(term.member)).si();
  }
  return j;
}
}  // namespace

nlohmann::json to_json(const Comparison& c) {
  using nlohmann::json;
  json out;
  out["schema"] = "infersim-compare/1";
  out["chips_policy"] = c.chips_policy;
  out["metric_of_attribution"] = "decode_tok_s_per_chip";
  json rows = json::array();
  const Projection& b = c.scenarios.front().projection;
  for (size_t i = 0; i < c.scenarios.size(); ++i) {
    const ComparedScenario& x = c.scenarios[i];
    const Projection& p = x.projection;
    json r = to_json(x.scenario, p);
    r["label"] = x.label;
    r["changes"] = x.changes;
    r["deployment_note"] = x.deployment_note;
    r["own_fewest_chips_per_replica"] = x.own_chips;
    r["what_if_scales"] = {{"memory_bandwidth", x.scales.memory_bandwidth},
                           {"flops", x.scales.flops},
                           {"interconnect_bandwidth", x.scales.interconnect_bandwidth}};
    if (p.plan.fits) r["decode_step_terms"] = terms_json(p.decode.terms);
    if (p.plan.fits && b.plan.fits) {
      r["ratio_to_baseline"] = {{"decode_tok_s_per_stream", ratio_or_nan(p.decode_tok_s_per_stream, b.decode_tok_s_per_stream)},
                                {"decode_tok_s_per_chip", ratio_or_nan(p.decode_tok_s_per_chip, b.decode_tok_s_per_chip)},
                                {"decode_tok_s_deployment", ratio_or_nan(p.decode_tok_s_deployment, b.decode_tok_s_deployment)},
                                {"ttft_s", ratio_or_nan(p.ttft_s, b.ttft_s)},
                                {"energy_J_per_token", ratio_or_nan(p.energy_J_per_token, b.energy_J_per_token)},
                                {"usd_per_mtok", ratio_or_nan(p.usd_per_mtok_capex, b.usd_per_mtok_capex)}};
    }
    const Attribution& a = c.attributions[i];
    if (i > 0 && a.available) {
      json f = json::array();
      for (const auto& factor : a.factors) {
        json e = {{"term", factor.term}, {"ratio", factor.ratio}};
        if (factor.term != "batch" && factor.term != "chips per replica") {
          e["baseline_s"] = factor.baseline_s;
          e["variant_s"] = factor.variant_s;
        }
        f.push_back(e);
      }
      r["attribution"] = {{"decode_tok_s_per_chip_ratio", a.tok_s_per_chip_ratio}, {"factors", f}};
    }
    rows.push_back(r);
  }
  out["scenarios"] = rows;
  return out;
}

namespace {
std::string fmt_ratio(double v, double b) { return b > 0 && v > 0 ? ratio_text(v / b) : "-"; }
std::string fmt_ratio(double v, double b, bool baseline_fits) { return baseline_fits ? fmt_ratio(v, b) : "-"; }
}  // namespace

std::string render_text(const Comparison& c) {
  std::ostringstream o;
  const ComparedScenario& base = c.scenarios.front();
  o << "Closed-form comparison against the baseline (" << to_string(base.scenario.weights) << " "
    << base.scenario.model.id << " on " << base.scenario.hw.id << ", batch " << base.scenario.batch << ", prompt "
    << base.scenario.prompt_tokens << " + output " << base.scenario.output_tokens << ", calibration "
    << base.scenario.calibration.name << "), " << c.chips_policy << ".\n\n";
  Table t({"scenario", "chips", "tok/s/stream", "ratio", "tok/s/chip", "ratio", "TTFT ms", "ratio", "J/token", "ratio",
           "$/Mtok", "ratio", "bound"});
  const Projection& b = base.projection;
  for (const auto& x : c.scenarios) {
    const Projection& p = x.projection;
    if (!p.plan.fits) {
      t.add_row({x.label, "-", "does not fit", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"});
      continue;
    }
    t.add_row({x.label, deployment_text(x.scenario, p.plan), format_number(p.decode_tok_s_per_stream),
               fmt_ratio(p.decode_tok_s_per_stream, b.decode_tok_s_per_stream, b.plan.fits), format_number(p.decode_tok_s_per_chip),
               fmt_ratio(p.decode_tok_s_per_chip, b.decode_tok_s_per_chip, b.plan.fits), format_number(p.ttft_s * 1e3),
               fmt_ratio(p.ttft_s, b.ttft_s, b.plan.fits), format_number(p.energy_J_per_token),
               fmt_ratio(p.energy_J_per_token, b.energy_J_per_token, b.plan.fits), format_number(p.usd_per_mtok_capex),
               fmt_ratio(p.usd_per_mtok_capex, b.usd_per_mtok_capex, b.plan.fits), p.decode.bound});
  }
  o << t.render();
  for (const auto& x : c.scenarios)
    if (x.deployment_note != "equal chips" && x.deployment_note != "its own fewest chips")
      o << "  * " << x.label << ": " << x.deployment_note << "\n";
  for (const auto& x : c.scenarios)
    if (x.scenario.calibration.name != base.scenario.calibration.name)
      o << "  * " << x.label << ": calibration " << x.scenario.calibration.name << "\n";
  for (const auto& x : c.scenarios)
    if (x.scales.memory_bandwidth != 1 || x.scales.flops != 1 || x.scales.interconnect_bandwidth != 1)
      o << "  * " << x.label << ": hardware scaled by hand (memory bandwidth x" << format_number(x.scales.memory_bandwidth)
        << ", peak FLOP/s x" << format_number(x.scales.flops) << ", interconnect x"
        << format_number(x.scales.interconnect_bandwidth) << "): those numbers are assumptions\n";
  for (size_t i = 1; i < c.scenarios.size(); ++i) {
    const Attribution& a = c.attributions[i];
    const ComparedScenario& x = c.scenarios[i];
    o << "\nWhy " << x.label << " differs (decode tok/s per chip " << (a.available ? ratio_text(a.tok_s_per_chip_ratio) : "-")
      << "; the factors multiply to it):\n";
    if (!a.available) {
      o << "  not available: " << (x.projection.plan.fits ? "the baseline" : "this scenario") << " does not fit\n";
      continue;
    }
    Table w({"term", "baseline ms", "variant ms", "change ms", "factor"});
    // Changes below a part in 10^9 of the step are rounding (the same bytes read a different way).
    const double noise_s = 1e-9 * std::max(b.decode.total.si(), x.projection.decode.total.si());
    auto change_ms = [&](double from_s, double to_s) {
      return format_number(std::abs(to_s - from_s) < noise_s ? 0.0 : (to_s - from_s) * 1e3);
    };
    for (const auto& f : a.factors) {
      const bool step_term = f.term != "batch" && f.term != "chips per replica";
      if (step_term && f.baseline_s == 0 && f.variant_s == 0) continue;
      w.add_row({f.term, step_term ? format_number(f.baseline_s * 1e3) : "-",
                 step_term ? format_number(f.variant_s * 1e3) : "-",
                 step_term ? change_ms(f.baseline_s, f.variant_s) : "-", ratio_text(f.ratio)});
    }
    w.add_row({"step (all terms)", format_number(b.decode.total.si() * 1e3),
               format_number(x.projection.decode.total.si() * 1e3),
               change_ms(b.decode.total.si(), x.projection.decode.total.si()),
               ratio_text(b.decode.total.si() / x.projection.decode.total.si())});
    o << w.render();
  }
  return o.str();
}

std::string render_csv(const Comparison& c) {
  // One row per scenario; the attribution's factors as columns (1 for the baseline).
  std::vector<std::string> header = {"label", "changes", "hardware", "model", "weights_precision", "kv_precision",
                                     "batch", "fits", "chips", "tp", "pp", "ep", "dp", "calibration",
                                     "decode_tok_s_per_stream", "decode_tok_s_per_chip", "decode_tok_s_deployment",
                                     "ttft_s", "energy_J_per_token", "usd_per_mtok", "decode_step_s", "bound",
                                     "ratio_decode_tok_s_per_chip"};
  const std::vector<std::string> factor_names = {"batch", "chips per replica", "weights read", "KV read", "GEMM math",
                                                 "attention math", "collectives", "pipeline sends", "fixed overheads"};
  for (auto n : factor_names) {
    std::replace(n.begin(), n.end(), ' ', '_');
    header.push_back("factor_" + n);
  }
  std::ostringstream o;
  for (size_t i = 0; i < header.size(); ++i) o << (i ? "," : "") << header[i];
  o << "\n";
  for (size_t i = 0; i < c.scenarios.size(); ++i) {
    const ComparedScenario& x = c.scenarios[i];
    const Projection& p = x.projection;
    const Scenario& s = x.scenario;
    const Attribution& a = c.attributions[i];
    auto num = [](double v) {
      std::ostringstream n;
      n.precision(17);
      n << v;
      return n.str();
    };
    std::vector<std::string> cells = {csv_escape(x.label), csv_escape(x.changes), s.hw.id, s.model.id,
                                      to_string(s.weights), to_string(s.kv), std::to_string(s.batch),
                                      p.plan.fits ? "true" : "false", std::to_string(p.plan.chips * s.dp),
                                      std::to_string(p.plan.tp), std::to_string(p.plan.pp), std::to_string(p.plan.ep),
                                      std::to_string(s.dp), csv_escape(s.calibration.name)};
    if (p.plan.fits) {
      for (double v : {p.decode_tok_s_per_stream, p.decode_tok_s_per_chip, p.decode_tok_s_deployment, p.ttft_s,
                       p.energy_J_per_token, p.usd_per_mtok_capex, p.decode.total.si()})
        cells.push_back(num(v));
      cells.push_back(p.decode.bound);
    } else {
      for (int k = 0; k < 8; ++k) cells.push_back("");
    }
    cells.push_back(a.available ? num(a.tok_s_per_chip_ratio) : "");
    for (size_t k = 0; k < factor_names.size(); ++k)
      cells.push_back(a.available && k < a.factors.size() ? num(a.factors[k].ratio) : "");
    for (size_t k = 0; k < cells.size(); ++k) o << (k ? "," : "") << cells[k];
    o << "\n";
  }
  return o.str();
}

}  // namespace infersim
