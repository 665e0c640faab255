// `infersim project`: the closed-form engine over one scenario or a hardware x model matrix.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "analytic/projection.hpp"
#include "cli/commands.hpp"
#include "cli/output_options.hpp"
#include "cli/scenario_options.hpp"
#include "compare/compare.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"

namespace infersim::cli {

namespace {
struct ProjectArgs {
  ScenarioOptions scenario;
  OutputOptions output;
  std::string baseline;
};

std::vector<std::string> split_ids(const std::string& kind, const std::string& text) {
  if (text == "all") return bundled_ids(kind);
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

const std::vector<std::string> kCsvFields = {
    "hardware", "model", "weights_precision", "kv_precision", "batch", "prompt_tokens", "output_tokens",
    "fits", "chips", "tp", "pp", "ep", "weights_bytes", "kv_bytes_per_token", "decode_tok_s_per_stream",
    "decode_tok_s_deployment", "decode_tok_s_per_chip", "ttft_s", "energy_J_per_token", "usd_per_mtok",
    "usd_per_mtok_all_in", "agent_density_per_musd"};

std::string csv_cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv_escape(v.get<std::string>());
  return v.dump();
}

// --baseline: the matrix as `infersim compare` shows it, against the named hardware or model.
std::string baseline_view(const ProjectArgs& a) {
  const auto hws = split_ids("hardware", a.scenario.hw);
  const auto models = split_ids("models", a.scenario.model);
  const bool is_hw = std::find(hws.begin(), hws.end(), a.baseline) != hws.end();
  const bool is_model = std::find(models.begin(), models.end(), a.baseline) != models.end();
  if (!is_hw && !is_model)
    throw InputError("--baseline", a.baseline, "expected one of the --hw or --model ids of this run: " +
                                                   join_alternatives(hws) + " or " + join_alternatives(models));
  ScenarioOptions base = a.scenario;
  base.hw = is_hw ? a.baseline : hws.front();
  base.model = is_model && !is_hw ? a.baseline : models.front();
  std::vector<VariantSpec> variants;
  for (const auto& hw : hws)
    for (const auto& model : models) {
      if (hw == base.hw && model == base.model) continue;
      VariantSpec v;
      if (hw != base.hw) v.changes.push_back({"hw", hw});
      if (model != base.model) v.changes.push_back({"model", model});
      variants.push_back(v);
    }
  if (variants.empty()) throw InputError("--baseline", a.baseline, "needs a second --hw or --model to compare with");
  CompareOptions options;
  options.baseline_label = base.hw + (models.size() > 1 ? " " + base.model : "");
  const Comparison c = compare(base, variants, options);
  return a.output.json() ? to_json(c).dump(2) + "\n" : a.output.csv() ? render_csv(c) : render_text(c);
}

void run_project(const ProjectArgs& a, CommandResult& result) {
  if (!a.baseline.empty()) {
    emit(a.output, baseline_view(a));
    result.exit_code = 0;
    return;
  }
  nlohmann::json rows = nlohmann::json::array();
  Table table({"hardware", "model", "wts", "chips", "fits", "tok/s/stream", "tok/s/deploy", "tok/s/chip",
               "TTFT ms", "J/token", "$/Mtok", "agents/$1M", "bound", "weakest tag"});
  std::vector<std::string> notes;
  for (const auto& hw : split_ids("hardware", a.scenario.hw)) {
    for (const auto& model : split_ids("models", a.scenario.model)) {
      ScenarioOptions o = a.scenario;
      o.hw = hw;
      o.model = model;
      Scenario s = resolve_scenario(o);
      Plan plan = make_plan(s);
      Projection p = project(s, plan);
      nlohmann::json j = to_json(s, p);
      rows.push_back(j);
      std::string chips = std::to_string(plan.chips * s.dp) + " (" +
                          (s.dp > 1 ? std::to_string(s.dp) + "x" : std::string()) + std::to_string(plan.tp) + "x" +
                          std::to_string(plan.pp) +
                          (plan.attention_dp() > 1 ? "x" + std::to_string(plan.attention_dp()) + " attn-dp" : "") + ")";
      if (!plan.fits) {
        table.add_row({s.hw.id, s.model.id, to_string(s.weights), chips, "NO", "-", "-", "-", "-", "-", "-", "-",
                       "does not fit", "-"});
        notes.push_back(s.hw.id + " / " + s.model.id + ": " + plan.explanation);
        continue;
      }
      std::string weakest = to_string(p.tags.at("usd_per_mtok_capex").weakest());
      if (s.hw.vendor_claims_only) weakest += " (UNAUDITED)";
      table.add_row({s.hw.id, s.model.id, to_string(s.weights), chips, "yes", format_number(p.decode_tok_s_per_stream),
                     format_number(p.decode_tok_s_deployment), format_number(p.decode_tok_s_per_chip),
                     format_number(p.ttft_s * 1e3), format_number(p.energy_J_per_token),
                     format_number(p.usd_per_mtok_capex), format_number(p.agent_density_per_musd), p.decode.bound,
                     weakest});
      if (s.model.moe)
        notes.push_back(s.hw.id + " / " + s.model.id + ": MoE decode at batch " + std::to_string(s.batch) +
                        " touches " + format_number(p.moe_unique_experts_per_layer) + " of " +
                        std::to_string(s.model.moe->experts) + " experts per layer (top-k alone: " +
                        std::to_string(s.model.moe->top_k) + "); counting top-k only would claim " +
                        format_number(p.moe_topk_decode_tok_s_per_stream) + " tok/s per stream instead of " +
                        format_number(p.decode_tok_s_per_stream));
    }
  }
  std::string output;
  if (a.output.json()) {
    output = rows.dump(2) + "\n";
  } else if (a.output.csv()) {
    std::ostringstream o;
    for (size_t i = 0; i < kCsvFields.size(); ++i) o << (i ? "," : "") << kCsvFields[i];
    o << "\n";
    for (const auto& r : rows) {
      for (size_t i = 0; i < kCsvFields.size(); ++i) o << (i ? "," : "") << csv_cell(r.value(kCsvFields[i], nlohmann::json()));
      o << "\n";
    }
    output = o.str();
  } else {
    std::ostringstream o;
    o << "Closed-form projection: decode at batch " << a.scenario.batch << ", prompt " << a.scenario.prompt_tokens
      << " + output " << a.scenario.output_tokens << " tokens; " << a.scenario.economics.lifetime_years
      << "-year life, utilization " << a.scenario.economics.utilization << ".\n"
      << "Ideal roofline: peak FLOP/s and bandwidth, no software overheads (calibrated results: `infersim validate`).\n\n"
      << table.render();
    for (const auto& n : notes) o << "  * " << n << "\n";
    output = o.str();
  }
  emit(a.output, output);
  result.exit_code = 0;
}
}  // namespace

void register_project_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<ProjectArgs>();
  auto* cmd = app.add_subcommand(
      "project",
      "Closed-form (roofline) projection: weights and KV bytes, whether it fits and on how many chips,\n"
      "decode tok/s per stream / per deployment / per chip, TTFT, energy per token, $/M tokens and agent\n"
      "density. --hw and --model also take comma-separated lists or `all` for a matrix.\n"
      "Example: infersim project --hw h100-sxm,b200 --model llama-3.1-70b --weights fp8 --batch 64");
  add_scenario_options(cmd, args->scenario);
  add_output_options(cmd, args->output, formats::json | formats::csv,
                     {"an array of results, one per hardware x model (field names carry units)",
                      "one row per hardware x model", "", ""});
  cmd->add_option("--baseline", args->baseline,
                  "One of the --hw (or --model) ids: show the matrix as `infersim compare` does, at equal chips, "
                  "with ratios to it and what changed each difference");
  cmd->callback([args, &result] { run_project(*args, result); });
}

}  // namespace infersim::cli
