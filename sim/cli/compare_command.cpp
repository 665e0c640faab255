// `infersim compare`: a baseline and variants side by side on the closed form, ratios to the
// baseline, and each variant's difference in decode tok/s per chip attributed to the step's terms
// (compare/compare.hpp). --plot draws the attribution as a waterfall (scripts/compare_figure.py).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/figure.hpp"
#include "cli/output_options.hpp"
#include "cli/scenario_options.hpp"
#include "compare/compare.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"

namespace infersim::cli {

namespace {
struct CompareArgs {
  ScenarioOptions scenario;
  std::vector<std::string> variants;
  bool own_chips = false;
  OutputOptions output;
  std::string plot;
};

void run_compare(const CompareArgs& a, CommandResult& result) {
  std::vector<VariantSpec> variants;
  for (const auto& v : a.variants) variants.push_back(parse_variant(v));
  CompareOptions options;
  options.equal_chips = !a.own_chips;
  const Comparison c = compare(a.scenario, variants, options);
  std::string output = a.output.json() ? to_json(c).dump(2) + "\n"
                       : a.output.csv() ? render_csv(c)
                               : render_text(c) + (c.chips_policy.rfind("at equal chips", 0) == 0
                                                      ? "(--own-chips: each scenario on its own fewest chips)\n"
                                                      : "");
  if (!a.plot.empty()) draw_figure("compare_figure.py", a.plot, to_json(c));
  emit(a.output, output);
  if (!a.plot.empty() && a.output.text()) std::cerr << "figure: " << a.plot << "\n";
  result.exit_code = 0;
}
}  // namespace

void register_compare_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand(
      "compare",
      "What-if: a baseline scenario (the usual scenario options) and one or more variants (--vs), side by\n"
      "side on the closed form with ratios to the baseline, at equal chips unless told otherwise, and for\n"
      "each variant a waterfall of what changed decode tok/s per chip: batch, chips per replica, and the\n"
      "step's terms (weights read, KV read, GEMM math, attention math, collectives, pipeline sends, fixed\n"
      "overheads), whose factors multiply to the ratio.\n"
      "Examples:\n"
      "  infersim compare --hw h100-sxm --model llama-3.1-70b --weights fp8 --batch 64 --vs hw=b200\n"
      "  infersim compare --hw b200 --model llama-3.1-405b --weights fp8 --vs weights=fp4 --plot fp4.png\n"
      "  infersim compare --hw h100-sxm --batch 64 --vs memory-bandwidth-scale=2,label=2x-HBM --vs flops-scale=2");
  add_scenario_options(cmd, args->scenario);
  cmd->add_option("--vs", args->variants,
                  "A variant: key=value[,key=value...] changing the baseline (repeatable). Keys: " +
                      join_alternatives(change_keys()) +
                      ". The *-scale keys multiply the hardware's numbers (a what-if no descriptor states); "
                      "label names the row")
      ->required();
  cmd->add_flag("--own-chips", args->own_chips,
                "Let each scenario take its own fewest chips instead of the equal chip count (compares "
                "deployments rather than the change)");
  add_output_options(cmd, args->output, formats::json | formats::csv,
                     {"schema infersim-compare/1; field names carry units",
                      "one row per scenario, the attribution's factors as columns", "", ""});
  cmd->add_option("--plot", args->plot, "Also draw the attribution as a waterfall figure (.png or .svg)");
  cmd->callback([args, &result] { run_compare(*args, result); });
}

}  // namespace infersim::cli
