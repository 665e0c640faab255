// `infersim simulate`: the discrete-event engine (des/) on one scenario, with a minimal static-batch
// workload, an optional HDF5 trace, and the same result fields as `infersim project`.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/scenario_options.hpp"
#include "cli/serving_options.hpp"
#include "des/des.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "interrupt/interrupt.hpp"

namespace infersim::cli {

namespace {
struct SimulateArgs {
  ScenarioOptions scenario;
  std::uint64_t seed = 1;
  std::string trace;
  std::string detail = "event";
  std::string collectives = "measured";
  long long requests = 1;
  bool requests_given = false;
  long long micro_batches = 1;
  OutputOptions output;
  bool timing = false;
  std::vector<std::string> cfg, log;
  // Serving mode (--workload given): the serve loop on the DES, with the serving options.
  std::string workload;
  std::string scheduler = "continuous";
  std::optional<double> rate;
};

std::string gb(double bytes) {
  std::ostringstream o;
  o.precision(4);
  o << bytes / 1e9 << " GB";
  return o.str();
}

void run_simulate(const SimulateArgs& a, CommandResult& result) {
  if (!a.workload.empty()) {
    ServeRun run;
    run.scenario = a.scenario;
    run.serving.workload = a.workload;
    run.serving.options.scheduler = a.scheduler;
    run.serving.options.seed = a.seed;
    if (a.requests_given) run.serving.options.requests = a.requests;
    if (a.rate) run.serving.options.rate_req_s = *a.rate;
    run.engine = "des";
    run.trace = a.trace;
    run.detail = a.detail;
    run.output = a.output;
    run_serve(run, result);
    return;
  }
  Scenario s = resolve_scenario(a.scenario);
  if (s.dp > 1)
    throw InputError("--dp", std::to_string(s.dp),
                     "the DES simulates one replica; `project` and `serve` handle data-parallel replicas");
  Plan plan = make_plan(s);
  if (!plan.fits) {
    std::ostringstream msg;
    msg << "infersim: error: " << s.model.id << " does not fit on " << plan.chips << " x " << s.hw.id
        << " (tp=" << plan.tp << " pp=" << plan.pp << "): missing " << gb(plan.missing_bytes_per_chip.si())
        << " per chip (" << plan.explanation << ").";
    Scenario free = s;
    free.chips.reset();
    free.tp.reset();
    free.pp.reset();
    Plan fit = make_plan(free);
    if (fit.fits)
      msg << "\nWhat would fit: " << fit.chips << " chips (--tp " << fit.tp << " --pp " << fit.pp << ").";
    else
      msg << "\nNo plan on this hardware fits it: " << fit.explanation << ".";
    std::cerr << msg.str() << "\n";
    result.exit_code = kExitBadInput;
    return;
  }
  // Documented cap (--help, tests/ROBUSTNESS.md): the DES builds hosts per chip and calibrates collectives over the
  // tensor-parallel group at start-up, which for larger platforms takes minutes to hours and GBs.
  constexpr long long kMaxDesChips = 65'536;
  if (plan.chips > kMaxDesChips)
    throw InputError("--chips", std::to_string(plan.chips),
                     "the discrete-event engine simulates at most " + std::to_string(kMaxDesChips) +
                         " chips; use `infersim project` (closed form) for larger deployments");
  DesOptions o;
  if (!parse_detail(a.detail, &o.detail)) throw InputError("--detail", a.detail, "accepted values: event, step, layer");
  // Layer detail creates actors, mailboxes and activities per chip and layer: at 32,768 and 65,536
  // chips SimGrid aborted on the kernel's memory-map limit, so the documented cap is half of that.
  constexpr long long kMaxLayerDetailChips = 16'384;
  if (o.detail == Detail::layer && plan.chips > kMaxLayerDetailChips)
    throw InputError("--detail", "layer", "layer detail simulates at most " + std::to_string(kMaxLayerDetailChips) +
                                              " chips (the plan has " + std::to_string(plan.chips) +
                                              "); use --detail step");
  o.seed = a.seed;
  o.trace_path = a.trace;
  o.micro_batches = a.micro_batches;
  o.collectives_from_formula = a.collectives == "formula";
  for (const auto& c : a.cfg) o.simgrid_args.push_back("--cfg=" + c);
  for (const auto& l : a.log) o.simgrid_args.push_back("--log=" + l);
  o.stop_on_signals = true;

  const auto wall0 = std::chrono::steady_clock::now();
  nlohmann::json j = simulate_static_batches(s, plan, o, a.requests);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  // An interrupted run (SIGINT/SIGTERM) keeps what it simulated, but must never read as complete:
  // "complete": false in the JSON, a PARTIAL line in the text, exit code 130 (sim/cli/README.md).
  const bool stopped = j["des"]["stopped_early"].get<bool>();
  j["complete"] = !stopped;
  if (a.timing) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double acts = j["des"]["activities"].get<double>();
    const double steps = j["des"]["steps"].get<double>();
    j["performance"] = {{"wall_s", wall},
                        {"activities_per_wall_s", acts / wall},
                        {"iterations_per_wall_s", steps / wall},
                        {"requests_per_wall_s", static_cast<double>(a.requests) / wall},
                        {"peak_rss_bytes", static_cast<double>(ru.ru_maxrss) * 1024.0},
                        {"note", "wall-clock figures: not deterministic, omitted without --timing"}};
  }
  std::string output;
  if (a.output.json()) {
    output = j.dump(2) + "\n";
  } else {
    std::ostringstream out;
    if (stopped) out << "PARTIAL RESULTS: the run was interrupted (signal); the figures below cover only what was simulated\n\n";
    const auto& cf = j["closed_form"];
    out << "DES (" << a.detail << " detail, " << j["des"]["collective_timings"]["source"].get<std::string>()
        << " collectives): " << s.hw.id << " x " << plan.chips << " (tp=" << plan.tp << " pp=" << plan.pp
        << " ep=" << plan.ep << "), " << s.model.id << " " << to_string(s.weights) << ", batch " << s.batch << ", "
        << a.requests << " request(s) of " << s.prompt_tokens << "+" << s.output_tokens << " tokens\n\n";
    Table t({"", "closed form", "DES", "deviation"});
    auto row = [&](const std::string& name, double cf_v, double des_v) {
      t.add_row({name, format_number(cf_v), format_number(des_v),
                 cf_v > 0 ? format_number((des_v / cf_v - 1.0) * 100.0) + " %" : "-"});
    };
    row("decode tok/s per stream", cf["decode_tok_s_per_stream"], j.value("decode_tok_s_per_stream", 0.0));
    row("decode tok/s deployment", cf["decode_tok_s_deployment"], j.value("decode_tok_s_deployment", 0.0));
    row("TTFT ms", cf["ttft_s"].get<double>() * 1e3, j.value("ttft_s", 0.0) * 1e3);
    out << t.render();
    const auto& d = j["des"];
    out << "\nsimulated " << format_number(d["simulated_s"].get<double>()) << " s, " << d["steps"] << " steps, "
        << d["activities"] << " SimGrid activities; energy " << format_number(j.value("energy_J_per_token", 0.0))
        << " J/token, " << format_number(j.value("usd_per_mtok", 0.0)) << " $/Mtok\n";
    if (a.timing)
      out << "wall " << format_number(wall) << " s: "
          << format_number(j["performance"]["activities_per_wall_s"].get<double>()) << " activities/s, "
          << format_number(j["performance"]["iterations_per_wall_s"].get<double>()) << " iterations/s\n";
    if (!a.trace.empty()) out << "trace: " << a.trace << " (infersim trace summary " << a.trace << ")\n";
    output = out.str();
  }
  emit(a.output, output);
  if (stopped) std::cerr << "infersim: interrupted: partial results"
                         << (a.output.out.empty() ? "" : " written to '" + a.output.out + "'")
                         << " (\"complete\": false), exit 130\n";
  result.exit_code = stopped ? kExitInterrupted : 0;
}
}  // namespace

void register_simulate_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = app.add_subcommand(
      "simulate",
      "Discrete-event simulation (SimGrid) of the scenario: the same cost model as `project`, run as\n"
      "activities on a platform built from the descriptors, so that contention, communication and\n"
      "pipeline bubbles emerge. Results carry the same fields as `project --json` plus \"des\".\n"
      "At most 65,536 chips (16,384 with --detail layer). Ctrl-C/SIGTERM stops between steps with partial results (\"complete\": false,\n"
      "exit 130); a second signal ends the process at once.\n"
      "Example: infersim simulate --hw h100-sxm --model llama-3.1-70b --tp 8 --requests 4 --trace run.h5");
  add_scenario_options(cmd, args->scenario);
  cmd->add_option("--requests", args->requests,
                  "Requests to serve: static batches of --batch, or the workload's requests with --workload")
      // Documented cap (tests/ROBUSTNESS.md): the results list every request, ~2.2 KB each in memory
      // (10^6 requests peaked at 2.19 GB; the former 10^8 would have needed ~220 GB).
      ->capture_default_str()->check(CLI::Range(1LL, 1000000LL))
      ->each([args](const std::string&) { args->requests_given = true; });
  cmd->add_option("--workload", args->workload,
                  "Serve a workload (bundled id or file) with a batch scheduler on the DES, as `serve --engine des` "
                  "(the full serving options are on `serve`)");
  cmd->add_option("--scheduler", args->scheduler, "With --workload: the batch scheduler (`serve --scheduler help`)")
      ->capture_default_str();
  cmd->add_option("--rate", args->rate, "With --workload: arrival rate in requests/s (overrides the workload's)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args->seed, "Random seed (workload arrivals and lengths; recorded)")
      ->capture_default_str()->check(check_seed);
  cmd->add_option("--detail", args->detail,
                  "Granularity: event (folded steps costed in advance, one activity per stretch between "
                  "events: fastest), step (the reference: every folded step executed, ~3 activities) or layer "
                  "(per layer, per chip, real comms)")
      ->capture_default_str()->transform(CLI::IsMember({"event", "step", "layer"}, CLI::ignore_case));
  cmd->add_option("--micro-batches", args->micro_batches,
                  "Pipeline micro-batches per step (pp > 1): bubbles emerge; 1 = the closed form's schedule")
      ->capture_default_str()->check(CLI::Range(1LL, 1000000LL));
  cmd->add_option("--collectives", args->collectives,
                  "Step detail: collective times measured on the platform at start-up (measured) or "
                  "from the textbook formulas (formula)")
      ->capture_default_str()->transform(CLI::IsMember({"measured", "formula"}, CLI::ignore_case));
  cmd->add_option("--trace", args->trace, "Write every activity and request to this HDF5 file");
  cmd->add_flag("--timing", args->timing, "Add wall-clock performance (activities/s, peak RSS) to the results");
  add_output_options(cmd, args->output, formats::json,
                     {"the fields of `project --json` plus \"des\" (with --workload: those of `serve --json`)",
                      "", "", ""});
  cmd->add_option("--cfg", args->cfg, "SimGrid configuration item, forwarded as --cfg=VALUE (repeatable)")
      ->group("SimGrid");
  cmd->add_option("--log", args->log, "SimGrid log control, forwarded as --log=VALUE (repeatable)")
      ->group("SimGrid");
  cmd->callback([args, &result] { run_simulate(*args, result); });
}

}  // namespace infersim::cli
