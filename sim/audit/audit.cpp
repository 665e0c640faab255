#include "audit/audit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include "analytic/projection.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "format/format.hpp"
#include "units/units.hpp"

namespace infersim {

namespace {
using Inputs = std::map<std::string, double>;

struct Formula {
  const char* name;
  std::vector<std::string> inputs;
  const char* definition;
  std::function<double(const Inputs&)> eval;
};

// The fewest chips whose memory holds the model's bytes (weights alone: a lower bound).
double chips_to_hold(const Inputs& i) { return std::ceil(i.at("model_bytes") / i.at("bytes_per_chip") - 1e-12); }

const std::vector<Formula>& formulas() {
  static const std::vector<Formula> kFormulas = {
      {"weights_bytes", {"params", "bytes_per_param"}, "params * bytes_per_param",
       [](const Inputs& i) { return i.at("params") * i.at("bytes_per_param"); }},
      {"bandwidth_bound_tok_s", {"params", "bytes_per_param", "bandwidth_Bps"},
       "bandwidth_Bps / (params * bytes_per_param): one stream reads every weight once per token",
       [](const Inputs& i) { return i.at("bandwidth_Bps") / (i.at("params") * i.at("bytes_per_param")); }},
      {"usd_per_mtok_from_hourly", {"usd_per_hour", "tok_s"}, "usd_per_hour / 3600 / tok_s * 1e6",
       [](const Inputs& i) { return i.at("usd_per_hour") / kSecondsPerHour / i.at("tok_s") * 1e6; }},
      {"energy_J_per_token", {"power_W", "tok_s"}, "power_W / tok_s",
       [](const Inputs& i) { return i.at("power_W") / i.at("tok_s"); }},
      {"ratio", {"numerator", "denominator"}, "numerator / denominator",
       [](const Inputs& i) { return i.at("numerator") / i.at("denominator"); }},
      {"product", {"a", "b"}, "a * b", [](const Inputs& i) { return i.at("a") * i.at("b"); }},
      {"capex_usd_per_mtok", {"capex_usd", "lifetime_years", "utilization", "tok_s"},
       "capex_usd / (lifetime_years * 365 * 86400 * utilization * tok_s) * 1e6",
       [](const Inputs& i) {
         return i.at("capex_usd") / (i.at("lifetime_years") * kSecondsPerYear * i.at("utilization") * i.at("tok_s")) * 1e6;
       }},
      {"agent_density", {"capex_usd", "tok_s", "stream_tok_s", "utilization"},
       "(1e6 / capex_usd) * (tok_s / stream_tok_s) * utilization  (seed paper Appendix C)",
       [](const Inputs& i) {
         return (1e6 / i.at("capex_usd")) * (i.at("tok_s") / i.at("stream_tok_s")) * i.at("utilization");
       }},
      // Capacity-corrected versions of a stated figure: the deployment the statement names cannot
      // hold the model, so the same figure is recomputed on the fewest chips that can (weights
      // alone: ceil(model_bytes / bytes_per_chip), a lower bound), with power or cost scaled from
      // the stated deployment's and everything else as stated.
      {"energy_J_per_token_at_capacity", {"power_W", "chips_stated", "model_bytes", "bytes_per_chip", "tok_s"},
       "power_W * ceil(model_bytes / bytes_per_chip) / chips_stated / tok_s",
       [](const Inputs& i) {
         return i.at("power_W") * chips_to_hold(i) / i.at("chips_stated") / i.at("tok_s");
       }},
      {"agent_density_at_capacity", {"capex_usd_per_chip", "model_bytes", "bytes_per_chip", "tok_s", "stream_tok_s", "utilization"},
       "(1e6 / (capex_usd_per_chip * ceil(model_bytes / bytes_per_chip))) * (tok_s / stream_tok_s) * utilization",
       [](const Inputs& i) {
         return (1e6 / (i.at("capex_usd_per_chip") * chips_to_hold(i))) * (i.at("tok_s") / i.at("stream_tok_s")) *
                i.at("utilization");
       }},
      // A ratio of two stated ranges matched endpoint to endpoint (low over low, high over high):
      // position 0..1 walks both ranges together, so the corners are the two matched ratios (a
      // linear-fractional function of the position is monotone). The full cross range of the same
      // ranges is `ratio` with ranged inputs.
      {"ratio_endpoint_matched", {"numerator_low", "numerator_high", "denominator_low", "denominator_high", "position"},
       "(numerator_low + position * (numerator_high - numerator_low)) / (denominator_low + position * (denominator_high - denominator_low)), position 0..1",
       [](const Inputs& i) {
         const double p = i.at("position");
         return (i.at("numerator_low") + p * (i.at("numerator_high") - i.at("numerator_low"))) /
                (i.at("denominator_low") + p * (i.at("denominator_high") - i.at("denominator_low")));
       }},
      {"agent_density_ratio",
       {"capex_usd_a", "tok_s_a", "utilization_a", "capex_usd_b", "tok_s_b", "utilization_b", "stream_tok_s"},
       "agent_density(a) / agent_density(b) at one stream rate stream_tok_s (Appendix C's D for each)",
       [](const Inputs& i) {
         auto d = [&](const char* c, const char* t, const char* u) {
           return (1e6 / i.at(c)) * (i.at(t) / i.at("stream_tok_s")) * i.at(u);
         };
         return d("capex_usd_a", "tok_s_a", "utilization_a") / d("capex_usd_b", "tok_s_b", "utilization_b");
       }},
      {"bit_width_speedup", {"bits_from", "bits_to"},
       "bits_from / bits_to: the most a memory-bound decode gains from narrower weights",
       [](const Inputs& i) { return i.at("bits_from") / i.at("bits_to"); }},
  };
  return kFormulas;
}

const Formula& find_formula(ObjectReader& r, const std::string& name) {
  for (const auto& f : formulas())
    if (name == f.name) return f;
  std::vector<std::string> names;
  for (const auto& f : formulas()) names.emplace_back(f.name);
  r.fail("formula", "unknown formula '" + name + "'; accepted values: " + join_alternatives(names));
}

struct Range {
  double low, high;
};

Range read_range(ObjectReader& r, const std::string& key) {
  const auto& parent_key = key;
  ObjectReader v = r.object(parent_key);
  Range out;
  if (v.has("value")) {
    out.low = out.high = v.require_number("value", true);
  } else {
    out.low = v.require_number("low", true);
    out.high = v.require_number("high", true);
    if (out.low > out.high) v.fail("low", "low must not exceed high");
  }
  v.finish();
  return out;
}

std::string fmt(double x) { return format_number(x, 3); }
std::string fmt_range(double lo, double hi) { return lo == hi ? fmt(lo) : fmt(lo) + "–" + fmt(hi); }

void judge(ClaimResult& c, const std::string& compare, double tolerance) {
  const double slo = c.stated_low, shi = c.stated_high;
  const double rlo = c.recomputed_low * (1 - tolerance), rhi = c.recomputed_high * (1 + tolerance);
  std::ostringstream why;
  if (compare == "reproduces") {
    // The stated range is what this convention gives: each end within the tolerance (rounding).
    const double tol = tolerance > 0 ? tolerance : 1e-9;
    const bool low_ok = std::abs(slo - c.recomputed_low) <= tol * std::abs(c.recomputed_low);
    const bool high_ok = std::abs(shi - c.recomputed_high) <= tol * std::abs(c.recomputed_high);
    c.verdict = low_ok && high_ok ? Verdict::consistent : Verdict::inconsistent;
    why << "this convention gives " << fmt_range(c.recomputed_low, c.recomputed_high) << (low_ok && high_ok ? ", which reproduces" : ", which does not reproduce")
        << " stated " << fmt_range(slo, shi) << " (" << fmt(tol * 100) << " % allowed at each end: low "
        << (low_ok ? "matches" : "differs") << ", high " << (high_ok ? "matches" : "differs") << ")";
  } else if (compare == "below_bound") {
    // The recomputed figure is a physical ceiling: a stated figure above it cannot be reached.
    if (slo <= rhi) {
      c.verdict = Verdict::consistent;
      why << "stated " << fmt_range(slo, shi) << " is within the ceiling of " << fmt(c.recomputed_high);
    } else {
      c.verdict = Verdict::inconsistent;
      why << "stated " << fmt_range(slo, shi) << " exceeds the ceiling of " << fmt(c.recomputed_high) << " by "
          << fmt((slo / c.recomputed_high - 1) * 100) << " %: the paper's own inputs cannot reach it";
    }
  } else {
    if (shi >= rlo && slo <= rhi) {
      c.verdict = Verdict::consistent;
      why << "recomputed " << fmt_range(c.recomputed_low, c.recomputed_high) << " overlaps stated "
          << fmt_range(slo, shi);
    } else {
      c.verdict = Verdict::inconsistent;
      double off = slo > rhi ? (slo / c.recomputed_high - 1) : (shi / c.recomputed_low - 1);
      why << "recomputed " << fmt_range(c.recomputed_low, c.recomputed_high) << " vs stated " << fmt_range(slo, shi)
          << " (" << (off > 0 ? "stated is " + fmt(off * 100) + " % higher" : "stated is " + fmt(-off * 100) + " % lower")
          << ")";
    }
  }
  c.reason = why.str() + (c.reason.empty() ? "" : "; " + c.reason);
}

void run_formula(ClaimResult& c, ObjectReader& r) {
  const Formula& f = find_formula(r, r.require_string("formula"));
  ObjectReader in = r.object("inputs");
  std::vector<std::pair<std::string, Range>> ranges;
  for (const auto& name : f.inputs) ranges.emplace_back(name, read_range(in, name));
  in.finish();
  // Every corner of the input box; the formulas are monotone in each input.
  c.recomputed_low = INFINITY;
  c.recomputed_high = -INFINITY;
  const size_t corners = size_t{1} << ranges.size();
  for (size_t mask = 0; mask < corners; ++mask) {
    Inputs values;
    for (size_t k = 0; k < ranges.size(); ++k)
      values[ranges[k].first] = (mask >> k) & 1 ? ranges[k].second.high : ranges[k].second.low;
    double v = f.eval(values);
    c.recomputed_low = std::min(c.recomputed_low, v);
    c.recomputed_high = std::max(c.recomputed_high, v);
  }
  c.has_recomputed = true;
}

void run_engine(ClaimResult& c, ObjectReader& r, bool stated_bool, bool has_stated_bool) {
  ObjectReader e = r.object("engine");
  ScenarioOptions o;
  o.hw = e.require_string("hw");
  o.model = e.require_string("model");
  o.weights = e.string_or("weights", "bf16");
  o.kv = e.string_or("kv", o.weights);
  o.batch = e.int_or("batch", 1);
  o.prompt_tokens = e.int_or("prompt_tokens", 128);
  o.output_tokens = e.int_or("output_tokens", 128);
  if (e.has("chips")) o.chips = e.require_int("chips");
  std::string field = e.require_enum("field", {"fits", "chips", "decode_tok_s_per_stream", "decode_tok_s_per_chip"});
  e.finish();
  Scenario s = resolve_scenario(o);
  Plan plan = make_plan(s);
  if (field == "fits") {
    c.has_recomputed = true;
    c.recomputed_low = c.recomputed_high = plan.fits ? 1 : 0;
    if (!has_stated_bool) r.fail("stated", "an engine claim on 'fits' needs \"stated\": {\"fits\": true|false}");
    std::string detail;
    if (!plan.fits) {
      ScenarioOptions free = o;
      free.chips.reset();
      Plan needed = make_plan(resolve_scenario(free));
      detail = "; " + s.hw.id + " x " + std::to_string(plan.chips) + " misses " +
               fmt(plan.missing_bytes_per_chip.si() / 1e9) + " GB per chip; the fewest chips that hold " + s.model.id +
               " at " + o.weights + " is " + std::to_string(needed.chips);
    }
    c.verdict = plan.fits == stated_bool ? Verdict::consistent : Verdict::inconsistent;
    c.reason = std::string("the engine finds it ") + (plan.fits ? "fits" : "does not fit") + " (" +
               plan.explanation + ")" + detail;
    return;
  }
  c.has_recomputed = true;
  if (field == "chips") {
    c.recomputed_low = c.recomputed_high = static_cast<double>(plan.chips);
    c.reason = plan.explanation;
    return;
  }
  Projection p = project(s, plan);
  double v = field == "decode_tok_s_per_stream" ? p.decode_tok_s_per_stream : p.decode_tok_s_per_chip;
  c.recomputed_low = c.recomputed_high = v;
  c.reason = "ideal roofline on the bundled " + s.hw.id + " descriptor, " + plan.explanation;
}
}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::consistent: return "consistent";
    case Verdict::inconsistent: return "inconsistent";
    case Verdict::underdetermined: return "underdetermined";
  }
  return "?";
}

std::vector<std::pair<std::string, std::string>> audit_formulas() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : formulas()) out.emplace_back(f.name, f.definition);
  return out;
}

std::vector<ClaimResult> audit_claims_file(const std::string& path) {
  nlohmann::json doc = read_json_file(path);
  ObjectReader root(doc, path, "");
  root.require_enum("schema", {"infersim-claims/1"});
  root.require_string("document");
  std::vector<ClaimResult> out;
  for (auto r : root.array_of_objects("claims")) {
    ClaimResult c;
    c.id = r.require_string("id");
    c.section = r.require_string("section");
    c.statement = r.require_string("statement");
    c.quantity = r.require_string("quantity");
    std::string kind = r.require_enum("kind", {"formula", "engine", "underdetermined"});
    std::string compare = r.enum_or("compare", {"overlap", "below_bound", "reproduces"}, "overlap");
    double tolerance = r.number_or("approx_tolerance", 0.0, true);
    bool stated_bool = false, has_stated_bool = false;
    ObjectReader stated = r.object("stated");
    if (stated.has("fits")) {
      stated_bool = stated.bool_or("fits", false);
      has_stated_bool = true;
    } else if (stated.has("value")) {
      c.stated_low = c.stated_high = stated.require_number("value", true);
      // "~x": the statement is approximate; widen it by the tolerance.
      c.stated_low *= 1 - tolerance;
      c.stated_high *= 1 + tolerance;
    } else {
      c.stated_low = stated.require_number("low", true);
      c.stated_high = stated.require_number("high", true);
    }
    stated.finish();
    std::string note = r.string_or("note", "");
    std::string missing = r.string_or("missing_input", "");
    if (kind == "formula") {
      run_formula(c, r);
      judge(c, compare, compare == "reproduces" ? tolerance : 0.0);
    } else if (kind == "engine") {
      run_engine(c, r, stated_bool, has_stated_bool);
      if (!has_stated_bool && !(c.quantity.empty())) judge(c, compare, 0.0);
    } else {
      if (missing.empty()) r.fail("missing_input", "an underdetermined claim must name the input the paper omits");
      if (r.has("engine")) {
        run_engine(c, r, false, false);
        c.reason = "for information, infersim's assumption gives " + fmt(c.recomputed_low) + " (" + c.reason + ")";
      }
      c.verdict = Verdict::underdetermined;
      c.reason = "the paper does not state " + missing + (c.reason.empty() ? "" : "; " + c.reason);
    }
    if (!note.empty()) c.reason += "; " + note;
    r.finish();
    out.push_back(c);
  }
  root.finish();
  return out;
}

nlohmann::json to_json(const std::vector<ClaimResult>& results) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : results) {
    nlohmann::json j = {{"id", c.id},
                        {"section", c.section},
                        {"statement", c.statement},
                        {"quantity", c.quantity},
                        {"stated_low", c.stated_low},
                        {"stated_high", c.stated_high},
                        {"verdict", to_string(c.verdict)},
                        {"reason", c.reason}};
    if (c.has_recomputed) {
      j["recomputed_low"] = c.recomputed_low;
      j["recomputed_high"] = c.recomputed_high;
    }
    arr.push_back(j);
  }
  return arr;
}

}  // namespace infersim
