#include "cli/scenario_options.hpp"

#include <CLI/CLI.hpp>

#include "validation/calibrate.hpp"

namespace infersim::cli {

std::string check_seed(const std::string& text) {
  const std::string accepted = "expected a decimal integer in 0..18446744073709551615, found '" + text + "'";
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) return accepted;
  if (text.size() == 20 && text > "18446744073709551615") return accepted;
  return "";
}

std::string check_not_empty(const std::string& text) {
  return text.empty() ? "expected a bundled id or a file path, found an empty string" : "";
}

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o) {
  cmd->add_option("--hw", o.hw, "Hardware: a bundled id (`infersim hw list`) or the path of a JSON descriptor")
      ->capture_default_str()->check(check_not_empty);
  cmd->add_option("--model", o.model, "Model: a bundled id (`infersim model list`) or the path of a JSON descriptor")
      ->capture_default_str()->check(check_not_empty);
  cmd->add_option("--weights", o.weights, "Weight precision: bf16, fp8 or fp4")->capture_default_str();
  cmd->add_option("--kv", o.kv, "KV-cache precision: bf16, fp8 or fp4")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Concurrent requests decoded together (1..1e6)")->capture_default_str();
  cmd->add_option("--prompt-tokens", o.prompt_tokens, "Prompt (input) tokens per request")->capture_default_str();
  cmd->add_option("--output-tokens", o.output_tokens, "Generated tokens per request")->capture_default_str();
  cmd->add_option("--chips", o.chips, "Chips in the deployment (default: the fewest that hold weights + KV)");
  cmd->add_option("--tp", o.tp, "Tensor-parallel degree (divides the attention heads)");
  cmd->add_option("--pp", o.pp, "Pipeline-parallel degree (stages, at most one per layer)");
  cmd->add_option("--ep", o.ep, "Expert-parallel degree (MoE only): 1, the tensor-parallel degree, or a multiple of it (attention data parallelism: ep/tp copies of the attention share the experts; analytic engine only)");
  cmd->add_option("--dp", o.dp, "Data-parallel replicas of the tp x pp plan (the deployment has dp x tp x pp chips)")
      ->capture_default_str();
  add_calibration_option(cmd, o.calibration);
  add_economics_options(cmd, o.economics);
}

void add_calibration_option(CLI::App* cmd, Calibration& c) {
  cmd->add_option_function<std::string>(
         "--calibration", [&c](const std::string& v) { c = load_calibration(v); },
         "Software calibration: ideal (default: the uncalibrated roofline bound), auto (the fitted family "
         "calibration for the hardware: TensorRT-LLM 2025 on NVIDIA, vLLM on AMD, the vendor stacks on "
         "Cerebras and Groq), a bundled id (hardware/calibration/*.json) or the path of a JSON file")
      ->default_str("ideal");
}

void add_economics_options(CLI::App* cmd, Economics& e) {
  auto* g = "Economics";
  cmd->add_option("--lifetime-years", e.lifetime_years, "Hardware amortisation period, years")
      ->capture_default_str()->group(g);
  cmd->add_option("--utilization", e.utilization, "Share of time the deployment serves at this rate (0..1]")
      ->capture_default_str()->group(g);
  cmd->add_option("--usd-per-kwh", e.usd_per_kWh, "Electricity price, USD per kWh")->capture_default_str()->group(g);
  cmd->add_option("--pue", e.pue, "Datacenter power usage effectiveness (>= 1)")->capture_default_str()->group(g);
  cmd->add_option("--stream-tok-s", e.stream_tok_s, "Tokens/s one interactive stream consumes (agent density)")
      ->capture_default_str()->group(g);
}

}  // namespace infersim::cli
