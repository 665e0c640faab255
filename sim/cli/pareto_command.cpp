// `infersim pareto`: the batch-vs-latency study (registry B7) over arrival rate or batch cap, with
// the Pareto frontier of throughput against p99 TPOT, and the highest rate meeting the workload's
// SLO (MLPerf server-style search).
#include <CLI/CLI.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/figure.hpp"
#include "cli/output_options.hpp"
#include "cli/scenario_options.hpp"
#include "cli/serving_options.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "serving/pareto.hpp"

namespace infersim::cli {

namespace {
struct ParetoArgs {
  ScenarioOptions scenario;
  ServingArgs serving;
  std::string over = "rate";
  std::vector<double> values;
  double rate_min = 0.25, rate_max = 16;
  int points = 7;
  bool search = false;
  int bisections = 8;
  OutputOptions output;
  std::string plot;
  std::vector<std::string> plot_with;
};

void run_pareto(const ParetoArgs& a, CommandResult& result) {
  if (scheduler_help_requested(a.serving)) return;
  for (const auto& f : a.plot_with)  // before the runs, not after them
    if (std::error_code ec; !std::filesystem::is_regular_file(f, ec))
      throw InputError(f, "(file)",
                       "no such file (--plot-with takes the JSON of an earlier pareto run: --json --out FILE)");
  Scenario s = resolve_scenario(a.scenario);
  Plan plan = make_plan(s);
  WorkloadSpec w = load_workload(a.serving.workload);
  ServingOptions o = resolve_serving_options(a.serving);
  SweepAxis axis;
  if (a.over == "rate") axis = SweepAxis::rate;
  else if (a.over == "batch") axis = SweepAxis::batch;
  else throw InputError("--over", a.over, "unknown axis; accepted values: rate or batch");
  std::vector<double> values = a.values;
  if (values.empty()) {
    if (axis == SweepAxis::rate) {
      if (!(a.rate_min > 0 && a.rate_max >= a.rate_min) || a.points < 1 || a.points > 1000)
        throw InputError("--rate-min/--rate-max/--points", std::to_string(a.rate_min),
                         "expected 0 < rate-min <= rate-max and 1..1000 points");
      for (int i = 0; i < a.points; ++i)
        values.push_back(a.points == 1 ? a.rate_min
                                       : a.rate_min * std::pow(a.rate_max / a.rate_min, static_cast<double>(i) / (a.points - 1)));
    } else {
      for (long long b = 1; b <= 512; b *= 2) values.push_back(static_cast<double>(b));
    }
  }
  for (double v : values)
    if (!(v > 0) || !std::isfinite(v)) throw InputError("--values", std::to_string(v), "expected values > 0");
  std::vector<ParetoPoint> points = sweep(s, plan, w, o, axis, values);
  nlohmann::json j;
  j["hardware"] = s.hw.id;
  j["model"] = s.model.id;
  j["chips"] = plan.chips;
  j["workload"] = w.id;
  j["scheduler"] = o.scheduler;
  j["seed"] = o.seed;
  j["over"] = a.over;
  j["points"] = to_json(points);
  RateSearch rs;
  if (a.search) {
    rs = max_rate_meeting_slo(s, plan, w, o, o.rate_req_s > 0 ? o.rate_req_s : w.rate_req_s, a.bisections);
    j["slo"] = {{"ttft_p99_s", w.slo.ttft_p99_s}, {"tpot_p99_s", w.slo.tpot_p99_s}};
    j["max_rate_meeting_slo_req_s"] = rs.found ? nlohmann::json(rs.max_rate_req_s) : nlohmann::json();
    j["first_failing_rate_req_s"] = rs.first_failing_req_s;
    j["search_runs"] = rs.runs;
  } else if (w.slo.any()) {
    j["slo"] = {{"ttft_p99_s", w.slo.ttft_p99_s}, {"tpot_p99_s", w.slo.tpot_p99_s}};
  }
  if (!a.plot.empty()) draw_figure("pareto_figure.py", a.plot, j, a.plot_with);
  if (a.output.json()) {
    emit(a.output, j.dump(2) + "\n");
    result.exit_code = 0;
    return;
  }
  if (a.output.csv()) {
    auto num = [](double v) { return nlohmann::json(v).dump(); };
    std::ostringstream c;
    c << "rate_req_s,max_batch,output_tok_s_deployment,output_tok_s_per_chip,tpot_p99_s,ttft_p99_s,goodput_req_s,"
         "slo_met,on_frontier\n";
    for (const auto& p : points)
      c << num(p.rate_req_s) << ',' << p.max_batch << ',' << num(p.output_tok_s_deployment) << ','
        << num(p.output_tok_s_per_chip) << ',' << num(p.tpot_p99_s) << ',' << num(p.ttft_p99_s) << ','
        << num(p.goodput_req_s) << ',' << (p.slo_met ? "true" : "false") << ',' << (p.on_frontier ? "true" : "false")
        << '\n';
    emit(a.output, c.str());
    result.exit_code = 0;
    return;
  }
  std::ostringstream os;
  os << "Batch-vs-latency (B7): '" << w.id << "' on " << plan.chips << " x " << s.hw.id << " " << s.model.id
     << ", scheduler " << o.scheduler << ", over " << a.over << " (* = on the Pareto frontier of output tok/s vs p99 TPOT)\n\n";
  Table t({"", "rate req/s", "max batch", "tok/s/deploy", "tok/s/chip", "p99 TPOT ms", "p99 TTFT ms", "goodput req/s", "SLO"});
  for (const auto& p : points)
    t.add_row({p.on_frontier ? "*" : "", format_number(p.rate_req_s), std::to_string(p.max_batch),
               format_number(p.output_tok_s_deployment), format_number(p.output_tok_s_per_chip),
               format_number(p.tpot_p99_s * 1e3), format_number(p.ttft_p99_s * 1e3), format_number(p.goodput_req_s),
               w.slo.any() ? (p.slo_met ? "met" : "missed") : "-"});
  os << t.render();
  if (a.search) {
    if (rs.found)
      os << "\nHighest rate meeting p99 TTFT <= " << w.slo.ttft_p99_s << " s and p99 TPOT <= " << w.slo.tpot_p99_s
         << " s: " << format_number(rs.max_rate_req_s, 4) << " req/s (first failing " << format_number(rs.first_failing_req_s, 4)
         << "; " << rs.runs << " runs; sustainable at most " << format_number(rs.sustainable_rate_req_s, 4)
         << " req/s, the completion rate with every request queued at once)\n";
    else
      os << "\nNo rate meets the SLO (tried down to " << format_number(rs.first_failing_req_s) << " req/s).\n";
  }
  emit(a.output, os.str());
  result.exit_code = 0;
}
}  // namespace

void register_pareto_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<ParetoArgs>();
  auto* cmd = app.add_subcommand(
      "pareto",
      "Batch-vs-latency study (registry B7): serving runs over arrival rate (or --over batch: the batch cap),\n"
      "the Pareto frontier of throughput against p99 TPOT, and with --search the highest rate meeting the\n"
      "workload's SLO (MLPerf server-style). Example: infersim pareto --model llama-2-70b --tp 4 --workload mlperf-server --search");
  add_scenario_options(cmd, args->scenario);
  add_serving_options(cmd, args->serving);
  cmd->add_option("--over", args->over, "Axis: rate or batch")->capture_default_str();
  cmd->add_option("--values", args->values, "Explicit points of the axis (comma-separated)")->delimiter(',');
  cmd->add_option("--rate-min", args->rate_min, "Lowest rate, req/s (geometric grid)")->capture_default_str();
  cmd->add_option("--rate-max", args->rate_max, "Highest rate, req/s")->capture_default_str();
  cmd->add_option("--points", args->points, "Points of the rate grid")->capture_default_str();
  cmd->add_flag("--search", args->search, "Binary-search the highest rate meeting the workload's SLO");
  cmd->add_option("--bisections", args->bisections, "Bisection steps of the search")->capture_default_str()->check(CLI::Range(0, kMaxBisections));
  add_output_options(cmd, args->output, formats::json | formats::csv,
                     {"the points, the frontier and the search (what --plot-with reads)",
                      "one row per point (the search's result is in the JSON and the text)", "", ""});
  cmd->add_option("--plot", args->plot,
                  "Also draw tok/s per chip against p99 TPOT and TTFT (.png or .svg): points labelled by rate or "
                  "batch cap, the frontier joined, SLO limits drawn");
  cmd->add_option("--plot-with", args->plot_with,
                  "Earlier runs' JSON (--json --out FILE) to draw on the same figure, one series each "
                  "(comma-separated)")
      ->delimiter(',');
  cmd->callback([args, &result] { run_pareto(*args, result); });
}

}  // namespace infersim::cli
