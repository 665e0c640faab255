#include "audit/audit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
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

constexpr double kBitsPerByte = 8.0;
constexpr double kBitsPerMib = 1048576.0;  // 2^20
constexpr double kUm2PerMm2 = 1e6;
constexpr double kJoulesPerKWh = 3.6e6;

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
      {"chips_to_hold", {"model_bytes", "bytes_per_chip"},
       "ceil(model_bytes / bytes_per_chip): the fewest chips (or nodes) whose memory holds the weights alone",
       chips_to_hold},
      {"midpoint", {"low_end", "high_end"}, "(low_end + high_end) / 2: the midpoint of a stated range",
       [](const Inputs& i) { return (i.at("low_end") + i.at("high_end")) / 2; }},
      {"capex_per_token_ratio", {"capex_usd_a", "tok_s_a", "capex_usd_b", "tok_s_b"},
       "(capex_usd_a / tok_s_a) / (capex_usd_b / tok_s_b): a's CapEx per token over b's at one lifetime and utilization",
       [](const Inputs& i) {
         return (i.at("capex_usd_a") / i.at("tok_s_a")) / (i.at("capex_usd_b") / i.at("tok_s_b"));
       }},
      {"bandwidth_needed_Bps", {"params", "bytes_per_param", "tok_s"},
       "params * bytes_per_param * tok_s: the weight bandwidth one stream at tok_s reads",
       [](const Inputs& i) { return i.at("params") * i.at("bytes_per_param") * i.at("tok_s"); }},
      // SRAM plausibility. Densities in Mib/mm2 (2^20 bits per mm2), as the foundry figures are quoted;
      // bit cells in um2 (1 mm2 = 1e6 um2); capacities in bytes (8 bits).
      {"sram_bytes_in_area", {"area_mm2", "density_Mib_per_mm2"},
       "area_mm2 * density_Mib_per_mm2 * 2^20 / 8: the most SRAM an area holds at an array density (periphery included)",
       [](const Inputs& i) { return i.at("area_mm2") * i.at("density_Mib_per_mm2") * kBitsPerMib / kBitsPerByte; }},
      {"sram_bytes_in_area_bitcell", {"area_mm2", "bitcell_um2"},
       "area_mm2 * 1e6 / bitcell_um2 / 8: the most SRAM an area holds if it were bit cells alone (no periphery)",
       [](const Inputs& i) { return i.at("area_mm2") * kUm2PerMm2 / i.at("bitcell_um2") / kBitsPerByte; }},
      {"sram_area_mm2", {"sram_bytes", "density_Mib_per_mm2"},
       "sram_bytes * 8 / (density_Mib_per_mm2 * 2^20): the silicon area an SRAM capacity needs at an array density",
       [](const Inputs& i) { return i.at("sram_bytes") * kBitsPerByte / (i.at("density_Mib_per_mm2") * kBitsPerMib); }},
      {"sram_area_at_reference_mm2", {"sram_bytes", "reference_sram_bytes", "reference_area_mm2"},
       "sram_bytes * reference_area_mm2 / reference_sram_bytes: the area at a shipping chip's whole-die SRAM density (logic included)",
       [](const Inputs& i) { return i.at("sram_bytes") * i.at("reference_area_mm2") / i.at("reference_sram_bytes"); }},
      {"sram_wafer_cost_usd", {"sram_bytes", "density_Mib_per_mm2", "wafer_area_mm2", "wafer_usd"},
       "sram_bytes * 8 / (density_Mib_per_mm2 * 2^20) / wafer_area_mm2 * wafer_usd: processed-wafer cost of the SRAM array alone (no logic, yield, package or margin)",
       [](const Inputs& i) {
         return i.at("sram_bytes") * kBitsPerByte / (i.at("density_Mib_per_mm2") * kBitsPerMib) / i.at("wafer_area_mm2") *
                i.at("wafer_usd");
       }},
      {"usd_per_sram_GB", {"capex_usd", "chips", "sram_GB_per_chip"},
       "capex_usd / (chips * sram_GB_per_chip): price per GB of on-die SRAM of a deployment",
       [](const Inputs& i) { return i.at("capex_usd") / (i.at("chips") * i.at("sram_GB_per_chip")); }},
      // NRE (non-recurring engineering: masks, design, tape-out) spread over the nodes shipped.
      {"nre_cost_multiplier", {"nre_usd", "volume_nodes", "capex_usd_per_node"},
       "1 + nre_usd / (volume_nodes * capex_usd_per_node): CapEx per token with NRE amortised, over CapEx per token without",
       [](const Inputs& i) { return 1 + i.at("nre_usd") / (i.at("volume_nodes") * i.at("capex_usd_per_node")); }},
      {"nre_volume_for_multiplier", {"nre_usd", "multiplier", "capex_usd_per_node"},
       "nre_usd / ((multiplier - 1) * capex_usd_per_node): the nodes shipped at which NRE alone multiplies CapEx per token by multiplier (> 1)",
       [](const Inputs& i) {
         const double m = i.at("multiplier");
         return m > 1 ? i.at("nre_usd") / ((m - 1) * i.at("capex_usd_per_node")) : NAN;
       }},
      {"energy_usd_per_mtok", {"power_W", "tok_s", "usd_per_kWh"},
       "power_W / tok_s * 1e6 / 3.6e6 * usd_per_kWh: the electricity part of the OpEx per million tokens",
       [](const Inputs& i) { return i.at("power_W") / i.at("tok_s") * 1e6 / kJoulesPerKWh * i.at("usd_per_kWh"); }},
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

const std::vector<std::string>& input_tag_names() {
  static const std::vector<std::string> kTags = {"paper", "derived", "external, published", "external, reported",
                                                 "assumption"};
  return kTags;
}

AuditInput read_input(ObjectReader& r, const std::string& key, const std::string& claim_id) {
  ObjectReader v = r.object(key);
  AuditInput out;
  out.name = key;
  if (v.has("value")) {
    out.low = out.high = v.require_number("value", true);
  } else {
    out.low = v.require_number("low", true);
    out.high = v.require_number("high", true);
    if (out.low > out.high) v.fail("low", "claim '" + claim_id + "': low must not exceed high");
  }
  out.tag = v.enum_or("tag", input_tag_names(), "paper");
  out.source = v.string_or("source", "");
  if (out.tag != "paper" && out.source.empty())
    v.fail("source", "claim '" + claim_id + "': an input tagged '" + out.tag +
                         "' needs a non-empty \"source\" saying where the figure comes from");
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
  } else if (compare == "above_bound") {
    // The recomputed figure is a floor: a stated figure wholly below it cannot be met.
    if (shi >= rlo) {
      c.verdict = Verdict::consistent;
      why << "stated " << fmt_range(slo, shi) << " reaches the floor of " << fmt_range(c.recomputed_low, c.recomputed_high)
          << " (its lowest corner, " << fmt(c.recomputed_low) << ", is " << fmt(c.recomputed_low / shi * 100)
          << " % of the stated high end)";
    } else {
      c.verdict = Verdict::inconsistent;
      why << "stated " << fmt_range(slo, shi) << " is below the floor of " << fmt(c.recomputed_low) << " by "
          << fmt((1 - shi / c.recomputed_low) * 100) << " % even at the floor's most favourable corner";
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
  c.method = f.name;
  ObjectReader in = r.object("inputs");
  for (const auto& name : f.inputs) c.inputs.push_back(read_input(in, name, c.id));
  in.finish();
  // Every corner of the input box; the formulas are monotone in each input.
  c.recomputed_low = INFINITY;
  c.recomputed_high = -INFINITY;
  const size_t corners = size_t{1} << c.inputs.size();
  for (size_t mask = 0; mask < corners; ++mask) {
    Inputs values;
    for (size_t k = 0; k < c.inputs.size(); ++k)
      values[c.inputs[k].name] = (mask >> k) & 1 ? c.inputs[k].high : c.inputs[k].low;
    double v = f.eval(values);
    if (!std::isfinite(v))
      r.fail("inputs", "claim '" + c.id + "': formula " + f.name + " (" + f.definition +
                           ") is not defined at every corner of these inputs");
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
  c.method = "engine";
  c.details = {{"engine",
                {{"hw", o.hw}, {"model", o.model}, {"weights", o.weights}, {"kv", o.kv}, {"batch", o.batch},
                 {"chips", o.chips ? nlohmann::json(*o.chips) : nlohmann::json("fewest that hold the model")},
                 {"field", field}}}};
  Scenario s = resolve_scenario(o);
  Plan plan = make_plan(s);
  if (field == "fits") {
    c.has_recomputed = true;
    c.recomputed_low = c.recomputed_high = plan.fits ? 1 : 0;
    if (!has_stated_bool) r.fail("stated", "an engine claim on 'fits' needs \"stated\": {\"fits\": true|false}");
    c.stated_text = stated_bool ? "fits" : "does not fit";
    c.recomputed_text = plan.fits ? "fits" : "does not fit";
    std::string detail;
    if (!plan.fits) {
      ScenarioOptions free = o;
      free.chips.reset();
      Plan needed = make_plan(resolve_scenario(free));
      detail = "; " + s.hw.id + " x " + std::to_string(plan.chips) + " misses " +
               fmt(plan.missing_bytes_per_chip.si() / 1e9) + " GB per chip; the fewest chips that hold " + s.model.id +
               " at " + o.weights + " is " + std::to_string(needed.chips);
      c.details["fewest_chips_that_hold"] = needed.chips;
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

Severity read_severity(ObjectReader& r, const std::string& claim_id) {
  std::vector<std::string> names;
  for (const auto& [name, def] : audit_severities()) names.push_back(name);
  if (!r.has("severity"))
    r.fail("severity", "claim '" + claim_id + "' has no severity (required); accepted values: " + join_alternatives(names));
  std::string value;
  try {
    value = r.require_string("severity");
  } catch (const InputError&) {
    r.fail("severity", "claim '" + claim_id + "': severity must be a string; accepted values: " + join_alternatives(names));
  }
  for (size_t k = 0; k < names.size(); ++k)
    if (value == names[k]) return static_cast<Severity>(k);
  std::string hint = closest_match(value, names);
  r.fail("severity", "claim '" + claim_id + "': unknown severity '" + value + "'" +
                         (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; accepted values: " +
                         join_alternatives(names));
}
}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::consistent: return "consistent";
    case Verdict::inconsistent: return "inconsistent";
    case Verdict::underdetermined: return "underdetermined";
    case Verdict::derived: return "derived";
  }
  return "?";
}

const char* to_string(Severity s) {
  switch (s) {
    case Severity::high: return "high";
    case Severity::medium: return "medium";
    case Severity::low: return "low";
  }
  return "?";
}

std::vector<std::pair<std::string, std::string>> audit_verdicts() {
  return {
      {"consistent", "the figure recomputed from its stated inputs agrees with the stated one (overlap, within a bound, or reproduced)"},
      {"inconsistent", "it does not: the paper's own inputs (or the external facts named) do not give the stated figure"},
      {"underdetermined", "the paper omits an input the figure needs (the claim names it): neither confirmed nor refuted"},
      {"derived", "a figure the paper implies but does not state, computed for the reader (e.g. a capacity-corrected value)"},
  };
}

std::vector<std::pair<std::string, std::string>> audit_severities() {
  return {
      {"high", "a headline figure (abstract multiples, Table 2, Appendix C's densities and 50x, the reference ASIC's feasibility, the registry counts the abstract rests on): if it fails, a conclusion changes"},
      {"medium", "a figure the headline ones are built from or a reader would quote (Table 1 rows, §1's baseline, a worked example's input), or a registry record a reader relies on"},
      {"low", "arithmetic, rounding, cross-references and presentation; registry hygiene that changes no number"},
  };
}

std::vector<std::pair<std::string, std::string>> audit_input_tags() {
  return {
      {"paper", "stated in the paper (the default)"},
      {"derived", "computed by the audit from stated figures (the source says how)"},
      {"external, published", "a datasheet, paper or vendor specification (source required)"},
      {"external, reported", "press or analyst reports (source required)"},
      {"assumption", "ours, where no figure is published (source says why)"},
  };
}

std::vector<std::pair<std::string, std::string>> audit_formulas() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : formulas()) out.emplace_back(f.name, f.definition);
  return out;
}

AuditDocument read_audit_document(const std::string& path) {
  nlohmann::json doc = read_json_file(path);
  ObjectReader root(doc, path, "");
  root.require_enum("schema", {"infersim-claims/1"});
  AuditDocument out;
  out.path = path;
  out.document = root.require_string("document");
  std::set<std::string> ids;
  for (auto r : root.array_of_objects("claims")) {
    ClaimResult c;
    c.id = r.require_string("id");
    if (!ids.insert(c.id).second) r.fail("id", "claim id '" + c.id + "' is used twice; ids must be unique");
    c.section = r.require_string("section");
    c.statement = r.require_string("statement");
    c.quantity = r.require_string("quantity");
    c.severity = read_severity(r, c.id);
    std::string kind = r.require_enum("kind", {"formula", "engine", "underdetermined", "derived"});
    c.method = kind;
    std::string note = r.string_or("note", "");
    std::string missing = r.string_or("missing_input", "");
    if (kind == "derived") {
      for (const char* key : {"stated", "compare", "approx_tolerance", "missing_input"})
        if (r.has(key))
          r.fail(key, "claim '" + c.id + "': a derived claim states no figure, so it takes no \"" + key + "\"");
      c.has_stated = false;
      run_formula(c, r);
      c.verdict = Verdict::derived;
      c.reason = "computed for the reader: " + fmt_range(c.recomputed_low, c.recomputed_high) + " (" + c.quantity + ")";
      if (!note.empty()) c.reason += "; " + note;
      r.finish();
      out.claims.push_back(c);
      continue;
    }
    std::string compare = r.enum_or("compare", {"overlap", "below_bound", "above_bound", "reproduces"}, "overlap");
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
      } else if (r.has("formula")) {
        run_formula(c, r);
        c.reason = "for information, the inputs given (see inputs) give " + fmt_range(c.recomputed_low, c.recomputed_high);
      }
      c.method = "underdetermined";
      c.verdict = Verdict::underdetermined;
      c.reason = "the paper does not state " + missing + (c.reason.empty() ? "" : "; " + c.reason);
    }
    if (!note.empty()) c.reason += "; " + note;
    r.finish();
    out.claims.push_back(c);
  }
  if (root.has("headline_findings")) {
    out.headline = root.string_array("headline_findings");
    if (out.headline.size() > 10) root.fail("headline_findings", "at most 10 claim ids");
    for (const auto& id : out.headline)
      if (!ids.count(id))
        root.fail("headline_findings", "'" + id + "' is not the id of a claim in this file");
  }
  root.finish();
  return out;
}

std::vector<ClaimResult> audit_claims_file(const std::string& path) { return read_audit_document(path).claims; }

AuditSummary summarize(const std::vector<ClaimResult>& results) {
  AuditSummary s;
  for (const auto& c : results) {
    const int v = static_cast<int>(c.verdict), k = static_cast<int>(c.severity);
    s.total++;
    s.by_verdict[v]++;
    s.by_severity[k]++;
    s.cross[v][k]++;
  }
  return s;
}

nlohmann::json to_json(const ClaimResult& c) {
  nlohmann::json j = {{"id", c.id},
                      {"origin", c.origin},
                      {"section", c.section},
                      {"statement", c.statement},
                      {"quantity", c.quantity},
                      {"method", c.method},
                      {"verdict", to_string(c.verdict)},
                      {"severity", to_string(c.severity)},
                      {"reason", c.reason}};
  if (c.has_stated) {
    if (!c.stated_text.empty()) j["stated_text"] = c.stated_text;
    else {
      j["stated_low"] = c.stated_low;
      j["stated_high"] = c.stated_high;
    }
  }
  if (c.has_recomputed) {
    j["recomputed_low"] = c.recomputed_low;
    j["recomputed_high"] = c.recomputed_high;
  }
  if (!c.recomputed_text.empty()) j["recomputed_text"] = c.recomputed_text;
  if (!c.inputs.empty()) {
    nlohmann::json in = nlohmann::json::array();
    for (const auto& i : c.inputs) {
      nlohmann::json x = {{"name", i.name}, {"low", i.low}, {"high", i.high}, {"tag", i.tag}};
      if (!i.source.empty()) x["source"] = i.source;
      in.push_back(x);
    }
    j["inputs"] = in;
  }
  if (!c.details.is_null()) j["details"] = c.details;
  return j;
}

nlohmann::json to_json(const std::vector<ClaimResult>& results) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : results) arr.push_back(to_json(c));
  return arr;
}

nlohmann::json to_json(const AuditSummary& s) {
  nlohmann::json by_verdict = nlohmann::json::object(), by_severity = nlohmann::json::object(),
                 cross = nlohmann::json::object();
  for (int v = 0; v < kVerdictCount; ++v) {
    by_verdict[to_string(static_cast<Verdict>(v))] = s.by_verdict[v];
    nlohmann::json row = nlohmann::json::object();
    for (int k = 0; k < kSeverityCount; ++k) row[to_string(static_cast<Severity>(k))] = s.cross[v][k];
    cross[to_string(static_cast<Verdict>(v))] = row;
  }
  for (int k = 0; k < kSeverityCount; ++k) by_severity[to_string(static_cast<Severity>(k))] = s.by_severity[k];
  return {{"total", s.total}, {"by_verdict", by_verdict}, {"by_severity", by_severity}, {"verdict_by_severity", cross}};
}

}  // namespace infersim
