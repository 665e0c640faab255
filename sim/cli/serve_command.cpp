// `infersim serve`: the serving simulation (workload, scheduler, paged KV cache, metrics) of one
// deployment, on the analytic runtime or on the discrete-event engine (--engine des).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/scenario_options.hpp"
#include "cli/serving_options.hpp"
#include "des/des.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "serving/scheduler.hpp"
#include "format/format.hpp"
#include "interrupt/interrupt.hpp"

namespace infersim::cli {

namespace {
std::string ms(double s) { return format_number(s * 1e3); }

// Runs the serving loop on the DES: one engine per process, so this is the process's only run.
ServingResult serve_on_des(const ServeRun& a, const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                           const ServingOptions& o) {
  if (s.dp > 1)
    throw InputError("--dp", std::to_string(s.dp),
                     "the DES simulates one replica; use --engine analytic for data-parallel replicas");
  DesOptions d;
  if (!parse_detail(a.detail, &d.detail)) throw InputError("--detail", a.detail, "accepted values: event, step, layer");
  d.seed = o.seed;
  d.trace_path = a.trace;
  d.stop_on_signals = true;
  ServingResult r;
  bool stopped_inside = false;
  DesRunInfo info;
  if (find_scheduler(o.scheduler).disaggregated) {
    // Two pools, two actors; the KV cache crosses the platform's network as real transfers.
    info = run_pools_in_engine(s, plan, d, [&](ReplicaRuntime& p, ReplicaRuntime& dec, KvTransfer& t, PoolRunner& pr) {
      r = run_serving_disaggregated_concurrent(s, plan, w, o, p, dec, t, pr);
    });
  } else {
    info = run_in_engine(s, plan, d, [&](DesReplicaRuntime& rt) {
      r = run_serving(s, plan, w, o, rt);
      stopped_inside = rt.stop_requested();
    });
  }
  r.json["runtime"] = "des";
  r.json["des"] = {{"detail", a.detail},
                   {"activities", info.counters.activities},
                   {"steps", info.counters.steps},
                   {"deferred_steps", info.counters.deferred_steps},
                   {"event_runs", info.counters.event_runs},
                   {"simulated_s", info.simulated_s},
                   {"collective_timings", info.collectives.source},
                   {"stopped_early", info.stopped || stopped_inside}};
  // Utilisation of the representative chip's resources over the run (busy time / simulated time):
  // compute, each memory tier's bandwidth, and the interconnect (collectives and transfers).
  if (info.simulated_s > 0) {
    nlohmann::json tiers = nlohmann::json::object();
    for (std::size_t t = 0; t < s.hw.tiers.size() && t < info.counters.tier_busy_s.size(); ++t)
      tiers[s.hw.tiers[t].name] = info.counters.tier_busy_s[t] / info.simulated_s;
    r.json["des"]["utilization"] = {{"compute", info.counters.compute_busy_s / info.simulated_s},
                                    {"memory_tiers", tiers},
                                    {"interconnect", info.counters.communication_busy_s / info.simulated_s}};
  }
  if (!a.trace.empty()) r.json["trace"] = a.trace;
  return r;
}
}  // namespace

// --baseline: this run's headline figures beside an earlier run's, with ratios.
const std::pair<const char*, const char*> kBaselineFields[] = {
    {"output_tok_s_per_chip", "output tok/s per chip"},
    {"output_tok_s_deployment", "output tok/s per deployment"},
    {"goodput_req_s", "goodput, req/s"},
    {"ttft_p50_s", "TTFT p50, s"},
    {"ttft_p99_s", "TTFT p99, s"},
    {"tpot_p50_s", "TPOT p50, s"},
    {"tpot_p99_s", "TPOT p99, s"},
    {"energy_J_per_output_token", "J per output token"},
    {"usd_per_mtok", "$ per M output tokens (CapEx)"}};

nlohmann::json read_baseline(const std::string& path) {
  nlohmann::json b = read_json_file(path);
  if (!b.is_object())
    throw InputError(path, "", "expected the JSON object of `infersim serve --json` (or of --json --out FILE)");
  for (const auto& [key, name] : kBaselineFields)
    if (!b.contains(key) || !b[key].is_number())
      throw InputError(path, std::string("/") + key,
                       "expected a number: the baseline is the JSON of `infersim serve --json` (or of --json "
                       "--out FILE)");
  return b;
}

nlohmann::json baseline_comparison(const nlohmann::json& base, const std::string& path, const nlohmann::json& run) {
  nlohmann::json c = {{"file", path}};
  for (const char* who : {"hardware", "model", "weights_precision", "chips", "tp", "pp"})
    if (base.contains(who)) c["baseline_" + std::string(who)] = base[who];
  nlohmann::json ratios;
  for (const auto& [key, name] : kBaselineFields) {
    const double b = base[key].get<double>(), v = run.value(key, 0.0);
    ratios[key] = b != 0 ? nlohmann::json(v / b) : nlohmann::json();
  }
  c["ratio_to_baseline"] = ratios;
  return c;
}

std::string baseline_text(const nlohmann::json& base, const nlohmann::json& run) {
  auto who = [](const nlohmann::json& j) {
    std::ostringstream o;
    o << j.value("chips", 0LL) << " x " << j.value("hardware", std::string("?")) << " (tp=" << j.value("tp", 0LL)
      << " pp=" << j.value("pp", 0LL) << ") " << j.value("model", std::string("?")) << " "
      << j.value("weights_precision", std::string(""));
    return o.str();
  };
  std::ostringstream o;
  o << "\nAgainst the baseline run (" << who(base) << "):\n";
  Table t({"figure", "baseline", "this run", "ratio"});
  for (const auto& [key, name] : kBaselineFields) {
    const double b = base[key].get<double>(), v = run.value(key, 0.0);
    t.add_row({name, format_number(b), format_number(v), b != 0 ? "x" + format_number(v / b) : "-"});
  }
  o << t.render();
  return o.str();
}

void run_serve(const ServeRun& a, CommandResult& result) {
  if (scheduler_help_requested(a.serving)) return;
  Scenario s = resolve_scenario(a.scenario);
  Plan plan = make_plan(s);
  WorkloadSpec w = load_workload(a.serving.workload);
  ServingOptions o = resolve_serving_options(a.serving);
  const nlohmann::json baseline = a.baseline.empty() ? nlohmann::json() : read_baseline(a.baseline);  // before the run
  o.progress = true;  // one run: a bar of finished requests on a terminal's stderr (silent otherwise)
  // Streamed through the one atomic writer: installed only when the run finished and every write
  // succeeded (a full disk or /dev/full is exit 3, never a cut CSV with exit 0).
  std::optional<AtomicOutput> records;
  std::ostringstream line;
  line.precision(9);
  if (!a.records.empty()) {
    records.emplace(a.records);
    records->write("id,arrival_s,scheduled_s,first_token_s,finish_s,prompt_tokens,output_tokens,preemptions,itl_mean_s,itl_max_s\n");
    o.sink = [&records, &line](const RequestRecord& r) {
      line.str("");
      line << r.id << ',' << r.arrival_s << ',' << r.scheduled_s << ',' << r.first_token_s << ',' << r.finish_s << ','
           << r.prompt_tokens << ',' << r.output_tokens << ',' << r.preemptions << ',' << r.itl_mean_s << ','
           << r.itl_max_s << '\n';
      records->write(line.str());
    };
  }
  if (a.engine != "analytic" && a.engine != "des")
    throw InputError("--engine", a.engine, "accepted values: analytic, des");
  if (a.engine == "analytic" && !a.trace.empty())
    throw InputError("--trace", a.trace, "traces come from the DES: add --engine des");
  if (!plan.fits)
    throw InputError("--model", s.model.id, "does not fit: " + plan.explanation);
  // SIGINT/SIGTERM stop the serving loop between steps (either engine); the DES re-installs the
  // handlers after SimGrid's own.
  install_stop_handlers();
  ServingResult r = a.engine == "des" ? serve_on_des(a, s, plan, w, o) : run_serving_analytic(s, plan, w, o);
  const bool stopped = stop_requested();
  if (stopped) {
    r.json["complete"] = false;
    if (r.json.contains("des")) r.json["des"]["stopped_early"] = true;
  }
  // An interrupted stream is not installed: a CSV cannot say that it is partial.
  if (records) {
    if (stopped) records->discard();
    else records->commit();
  }
  if (!a.baseline.empty()) r.json["baseline_comparison"] = baseline_comparison(baseline, a.baseline, r.json);
  auto report_stop = [&] {
    if (!stopped) return;
    std::cerr << "infersim: interrupted (signal " << stop_signal() << "): partial results"
              << (a.output.out.empty() ? "" : " written to '" + a.output.out + "'") << " (\"complete\": false)"
              << (a.records.empty() ? "" : "; '" + a.records + "' not written") << ", exit "
              << kExitInterrupted << "\n";
    result.exit_code = kExitInterrupted;
  };
  if (a.output.json()) {
    emit(a.output, r.json.dump(2) + "\n");
    report_stop();
    return;
  }
  const auto& j = r.json;
  std::ostringstream o2;
  o2 << "Serving '" << w.id << "' on " << j["chips"].get<long long>() << " x " << s.hw.id << " (tp=" << plan.tp
     << " pp=" << plan.pp << " ep=" << plan.ep << ") " << s.model.id << ", scheduler " << o.scheduler << ", seed "
     << o.seed << (a.engine == "des" ? ", discrete-event engine (SimGrid, " + a.detail + " detail)"
                                      : std::string(", analytic runtime (closed-form steps)"))
     << (s.calibration.is_ideal() ? ", ideal roofline" : ", calibration " + s.calibration.name) << ".\n";
  if (stopped) o2 << "  STOPPED EARLY by a signal: the figures below cover the requests finished so far.\n";
  o2 << "  " << r.requests << " requests finished in " << format_number(r.makespan_s) << " s simulated, "
     << r.steps << " steps; " << j["requests_rejected"].get<long long>() << " rejected, "
     << j["preemptions"].get<long long>() << " preemptions; KV cache " << j["kv"]["capacity_tokens"].get<long long>()
     << " tokens.\n\n";
  Table t({"latency (ms)", "mean", "p50", "p90", "p99", "max"});
  const std::pair<const char*, const Distribution*> rows[] = {{"TTFT", &r.ttft_s},  {"TPOT", &r.tpot_s},
                                                               {"ITL", &r.itl_s},    {"end-to-end", &r.e2e_s},
                                                               {"queue wait", &r.queue_s}};
  for (const auto& [name, d] : rows)
    t.add_row({name, ms(d->mean), ms(d->p50), ms(d->p90), ms(d->p99), ms(d->max)});
  o2 << t.render() << "\n";
  o2 << "  output tok/s: " << format_number(r.output_tok_s_deployment) << " per deployment, "
     << format_number(r.output_tok_s_per_chip) << " per chip; goodput " << format_number(r.goodput_req_s)
     << " req/s";
  if (w.slo.any())
    o2 << " (SLO p99 TTFT " << w.slo.ttft_p99_s << " s, p99 TPOT " << w.slo.tpot_p99_s << " s: "
       << (r.slo_met ? "met" : "NOT met") << ")";
  o2 << "\n  utilization " << format_number(j["utilization"].get<double>()) << ", energy "
     << format_number(j["energy_J_per_output_token"].get<double>()) << " J/output token, $"
     << format_number(j["usd_per_mtok"].get<double>()) << "/M output tokens (CapEx), $"
     << format_number(j["usd_per_mtok_all_in"].get<double>()) << " all-in\n";
  if (j.contains("moe"))
    o2 << "  MoE rank load max/mean: p50 " << format_number(j["moe"]["rank_imbalance_max_over_mean"]["p50"].get<double>())
       << ", p99 " << format_number(j["moe"]["rank_imbalance_max_over_mean"]["p99"].get<double>()) << " over "
       << plan.ep << " expert-parallel rank(s)\n";
  if (j.contains("kv_transfer_bytes"))
    o2 << "  KV moved prefill -> decode: " << format_number(j["kv_transfer_bytes"].get<double>() / 1e9) << " GB, "
       << ms(j["kv_transfer_mean_s"].get<double>()) << " ms per request\n";
  if (!a.baseline.empty()) o2 << baseline_text(baseline, j);
  emit(a.output, o2.str());
  result.exit_code = 0;
  report_stop();
}

void register_serve_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<ServeRun>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serving simulation of one deployment: requests from a workload, a batch scheduler, a paged KV cache;\n"
      "TTFT / TPOT / ITL / end-to-end percentiles, throughput per deployment and per chip, goodput, energy, $/M.\n"
      "Example: infersim serve --model llama-2-70b --tp 4 --workload chat --scheduler chunked-prefill --rate 4");
  add_scenario_options(cmd, args->scenario);
  add_serving_options(cmd, args->serving);
  add_output_options(cmd, args->output, formats::json, {"the full result (field names carry units)", "", "", ""});
  cmd->add_option("--records", args->records, "Stream one CSV line per finished request to this file");
  cmd->add_option("--baseline", args->baseline,
                  "The JSON of an earlier serve run (--json, or --json --out FILE): print this run's figures "
                  "beside it, with "
                  "ratios (and add baseline_comparison to the JSON)");
  cmd->add_option("--engine", args->engine, "analytic (closed-form step times) or des (SimGrid discrete-event)")
      ->capture_default_str()->transform(CLI::IsMember({"analytic", "des"}, CLI::ignore_case));
  cmd->add_option("--trace", args->trace, "DES only: write every activity to this HDF5 file");
  cmd->add_option("--detail", args->detail,
                  "DES only: event (folded steps costed in advance, one activity per stretch between events: "
                  "fastest), step (the reference: every folded step executed) or layer (per layer, per chip)")
      ->capture_default_str()->transform(CLI::IsMember({"event", "step", "layer"}, CLI::ignore_case));
  cmd->callback([args, &result] { run_serve(*args, result); });
}

}  // namespace infersim::cli
