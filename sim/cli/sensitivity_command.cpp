// `infersim sensitivity`: a tornado table of which descriptor numbers a closed-form result rests on.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output_options.hpp"
#include "cli/scenario_options.hpp"
#include "format/format.hpp"
#include "validation/sensitivity.hpp"

namespace infersim::cli {

namespace {
struct SensitivityArgs {
  ScenarioOptions scenario;
  std::string metric = "decode_tok_s_per_chip";
  OutputOptions output;
};

void run_sensitivity(const SensitivityArgs& a, CommandResult& result) {
  const Scenario s = resolve_scenario(a.scenario);
  const SensitivityResult r = sensitivity(s, a.metric);
  std::string text;
  auto num = [](double v) { return nlohmann::json(v).dump(); };
  if (a.output.json()) {
    nlohmann::json j = to_json(r);
    j["hardware"] = s.hw.id;
    j["model"] = s.model.id;
    j["calibration"] = s.calibration.name;
    text = j.dump(2) + "\n";
  } else if (a.output.csv()) {
    std::ostringstream c;
    c << "metric,base,field,tag,has_range,value,low,high,result_at_low,result_at_high,swing,relative_swing,source\n";
    for (const auto& x : r.rows)
      c << csv_escape(r.metric) << ',' << num(r.base) << ',' << csv_escape(x.field) << ',' << csv_escape(x.tag) << ','
        << (x.has_range ? "true" : "false") << ',' << num(x.value) << ',' << num(x.low) << ',' << num(x.high) << ','
        << num(x.result_at_low) << ',' << num(x.result_at_high) << ',' << num(x.swing) << ',' << num(x.relative_swing)
        << ',' << csv_escape(x.source) << '\n';
    text = c.str();
  } else {
    std::ostringstream o;
    o << "Sensitivity of " << r.metric << " = " << format_number(r.base) << " (" << s.hw.id << ", " << s.model.id << " "
      << to_string(s.weights) << ", batch " << s.batch << ", " << s.prompt_tokens << "+" << s.output_tokens
      << " tokens, calibration " << s.calibration.name << ") to each descriptor field at its low and high value:\n\n";
    Table t({"field", "tag", "low", "high", "result at low", "result at high", "swing", "swing %"});
    for (const auto& x : r.rows) {
      if (x.has_range)
        t.add_row({x.field, x.tag, format_number(x.low), format_number(x.high), format_number(x.result_at_low),
                   format_number(x.result_at_high), format_number(x.swing), format_number(x.relative_swing * 100)});
      else
        t.add_row({x.field, x.tag, "exact", "exact", "-", "-", "0", "0"});
    }
    o << t.render();
    text = o.str();
  }
  emit(a.output, text);
  result.exit_code = 0;
}
}  // namespace

void register_sensitivity_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<SensitivityArgs>();
  auto* cmd = app.add_subcommand(
      "sensitivity",
      "Tornado table: which descriptor numbers (each Sourced field at its low and high value) move a closed-form\n"
      "result most, with each field's tag, so a reader sees which vendor number a conclusion rests on.\n"
      "Example: infersim sensitivity --hw mi300x --model llama-3.1-70b --metric usd_per_mtok");
  add_scenario_options(cmd, args->scenario);
  cmd->add_option("--metric", args->metric,
                  "decode_tok_s_per_chip, decode_tok_s_per_stream, decode_tok_s_deployment, ttft_s, usd_per_mtok, "
                  "usd_per_mtok_all_in or energy_J_per_token")
      ->capture_default_str();
  add_output_options(cmd, args->output, formats::json | formats::csv,
                     {"the metric, its base value and every field's row", "one row per descriptor field", "", ""});
  cmd->callback([args, &result] { run_sensitivity(*args, result); });
}

}  // namespace infersim::cli
