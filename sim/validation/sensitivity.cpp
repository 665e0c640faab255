#include "validation/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "analytic/projection.hpp"
#include "descriptors/input_error.hpp"

namespace infersim {

namespace {
struct Field {
  std::string name;
  std::function<Sourced&(Hardware&)> get;
};

std::vector<Field> fields(const Hardware& hw) {
  std::vector<Field> f;
  for (const auto& [prec, value] : hw.peak_flops) {
    (void)value;
    const Precision p = prec;
    f.push_back({std::string("/compute/peak_flops/") + to_string(p), [p](Hardware& h) -> Sourced& { return h.peak_flops.at(p); }});
  }
  for (size_t i = 0; i < hw.tiers.size(); ++i) {
    const std::string base = "/memory/tiers/" + std::to_string(i) + " (" + hw.tiers[i].name + ")";
    f.push_back({base + "/capacity_bytes", [i](Hardware& h) -> Sourced& { return h.tiers[i].capacity_bytes; }});
    f.push_back({base + "/bandwidth_Bps", [i](Hardware& h) -> Sourced& { return h.tiers[i].bandwidth_Bps; }});
    if (hw.tiers[i].access_energy_per_byte_J)
      f.push_back({base + "/access_energy_per_byte_J", [i](Hardware& h) -> Sourced& { return *h.tiers[i].access_energy_per_byte_J; }});
  }
  f.push_back({"/compute/sustained_matmul_fraction", [](Hardware& h) -> Sourced& { return h.sustained_matmul_fraction; }});
  f.push_back({"/memory/usable_fraction", [](Hardware& h) -> Sourced& { return h.usable_memory_fraction; }});
  f.push_back({"/power/chip_W", [](Hardware& h) -> Sourced& { return h.chip_power_W; }});
  if (hw.static_power_W) f.push_back({"/power/static_W", [](Hardware& h) -> Sourced& { return *h.static_power_W; }});
  f.push_back({"/power/system_W_per_chip", [](Hardware& h) -> Sourced& { return h.system_power_W_per_chip; }});
  f.push_back({"/cost/system_usd_per_chip", [](Hardware& h) -> Sourced& { return h.system_cost_usd_per_chip; }});
  f.push_back({"/network/scale_up/bandwidth_Bps", [](Hardware& h) -> Sourced& { return h.scale_up.bandwidth_Bps; }});
  f.push_back({"/network/scale_up/latency_s", [](Hardware& h) -> Sourced& { return h.scale_up.latency_s; }});
  if (hw.scale_out) {
    f.push_back({"/network/scale_out/bandwidth_Bps", [](Hardware& h) -> Sourced& { return h.scale_out->bandwidth_Bps; }});
    f.push_back({"/network/scale_out/latency_s", [](Hardware& h) -> Sourced& { return h.scale_out->latency_s; }});
  }
  return f;
}

double metric_of(const Scenario& s, const std::string& metric, bool* fits) {
  const Plan plan = make_plan(s);
  *fits = plan.fits;
  if (!plan.fits) return 0;
  const Projection p = project(s, plan);
  if (metric == "decode_tok_s_per_chip") return p.decode_tok_s_per_chip;
  if (metric == "decode_tok_s_per_stream") return p.decode_tok_s_per_stream;
  if (metric == "decode_tok_s_deployment") return p.decode_tok_s_deployment;
  if (metric == "ttft_s") return p.ttft_s;
  if (metric == "usd_per_mtok") return p.usd_per_mtok_capex;
  if (metric == "usd_per_mtok_all_in") return p.usd_per_mtok_all_in;
  if (metric == "energy_J_per_token") return p.energy_J_per_token;
  return 0;
}
}  // namespace

std::vector<std::string> sensitivity_metric_names() {
  return {"decode_tok_s_per_chip", "decode_tok_s_per_stream", "decode_tok_s_deployment", "ttft_s",
          "usd_per_mtok",          "usd_per_mtok_all_in",     "energy_J_per_token"};
}

SensitivityResult sensitivity(const Scenario& s, const std::string& metric) {
  const auto names = sensitivity_metric_names();
  if (std::find(names.begin(), names.end(), metric) == names.end())
    throw InputError("--metric", metric, "unknown metric; accepted values: " + join_alternatives(names));
  SensitivityResult r;
  r.metric = metric;
  bool fits = false;
  r.base = metric_of(s, metric, &fits);
  if (!fits) throw InputError("--model", s.model.id, "does not fit on " + s.hw.id + ": no result to analyse");
  for (const Field& f : fields(s.hw)) {
    Scenario t = s;
    Sourced& q = f.get(t.hw);
    SensitivityRow row;
    row.field = f.name;
    row.tag = to_string(q.provenance.tag);
    row.source = q.provenance.source;
    row.value = q.value;
    row.low = q.low;
    row.high = q.high;
    row.has_range = q.has_range();
    row.result_at_low = row.result_at_high = r.base;
    if (row.has_range) {
      bool fits_low = false, fits_high = false;
      q.value = row.low;
      row.result_at_low = metric_of(t, metric, &fits_low);
      q.value = row.high;
      row.result_at_high = metric_of(t, metric, &fits_high);
      row.swing = std::fabs(row.result_at_high - row.result_at_low);
      row.relative_swing = r.base != 0 ? row.swing / std::fabs(r.base) : 0;
    }
    r.rows.push_back(row);
  }
  std::stable_sort(r.rows.begin(), r.rows.end(), [](const SensitivityRow& a, const SensitivityRow& b) {
    if (a.has_range != b.has_range) return a.has_range;
    return a.swing > b.swing;
  });
  return r;
}

nlohmann::json to_json(const SensitivityResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& x : r.rows) {
    nlohmann::json j = {{"field", x.field}, {"tag", x.tag}, {"source", x.source}, {"has_range", x.has_range},
                        {"value", x.value}};
    if (x.has_range) {
      j["low"] = x.low;
      j["high"] = x.high;
      j["result_at_low"] = x.result_at_low;
      j["result_at_high"] = x.result_at_high;
      j["swing"] = x.swing;
      j["relative_swing"] = x.relative_swing;
    } else {
      j["exact"] = true;
    }
    rows.push_back(j);
  }
  return {{"metric", r.metric}, {"base", r.base}, {"fields", rows}};
}

}  // namespace infersim
