// `infersim validate`: --internal (closed form vs DES over the bundled descriptors, with the cause
// of each deviation) and --measurements FILE (predicted vs published, per row, summarised per tag).
#include <CLI/CLI.hpp>
#include <map>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output_options.hpp"
#include "cli/scenario_options.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "validation/des_serving.hpp"
#include "validation/internal.hpp"
#include "validation/validation.hpp"
#include "version/version.hpp"

namespace infersim::cli {

namespace {
struct ValidateArgs {
  bool internal = false;
  bool full = false;
  std::string measurements;
  bool allow_unknown = false;
  bool at_measured_latency = false;
  std::string engine = "analytic";
  Calibration calibration;
  std::vector<std::string> hw, model;
  OutputOptions output;
};

std::string pct(double x) { return format_number(x * 100.0) + " %"; }

// The contention table: transfers that share a link, the closed form's charge, the DES and the
// independently derived answer.
std::string contention_table(const std::vector<ContentionCase>& cases) {
  std::ostringstream out;
  out << "Contention the closed form cannot see: transfers sharing a chip's port on its scale-up fabric (the\n"
         "closed form charges each transfer alone), the DES against queueing theory on the route it built\n"
         "(streams: the mean of independent replications, ± two standard errors).\n\n";
  Table t({"hardware", "experiment", "flows", "closed form", "DES", "answer", "DES vs answer", "DES vs closed form",
           "answer from"});
  std::map<std::string, std::string> not_run;
  for (const auto& c : cases) {
    if (!c.not_run.empty()) {
      not_run[c.hardware] = c.not_run;
      continue;
    }
    t.add_row({c.hardware, c.experiment, std::to_string(c.flows), format_number(c.closed_form_s * 1e3) + " ms",
               format_number(c.des_s * 1e3) + (c.des_standard_error_s > 0 ? " ± " + format_number(2 * c.des_standard_error_s * 1e3) : "") + " ms",
               format_number(c.expected_s * 1e3) + " ms", pct(c.des_vs_expected()),
               pct(c.des_vs_closed_form()), c.expected_by});
  }
  out << t.render() << "\n";
  for (const auto& [hw, why] : not_run) out << "not run on " << hw << ": " << why << "\n";
  return out.str();
}

std::string internal_report(const ValidateArgs& a, const std::vector<InternalPoint>& pts, const InternalOptions& o,
                            const std::vector<ContentionCase>& contention) {
  if (a.output.json()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& p : pts) rows.push_back(to_json(p));
    nlohmann::json shared = nlohmann::json::array();
    for (const auto& c : contention) {
      nlohmann::json j = to_json(c);
      if (c.not_run.empty()) j["expected_by"] = c.expected_by;
      shared.push_back(j);
    }
    return nlohmann::json{{"command", "validate --internal"},
                          {"build_commit", build_commit()},
                          {"calibration", o.calibration.name},
                          {"batches", o.batches},
                          {"prompt_tokens", o.prompts},
                          {"output_tokens", o.output_tokens},
                          {"points", rows},
                          {"contention", shared}}
               .dump(2) + "\n";
  }
  if (a.output.csv()) {
    std::ostringstream c;
    c << "hardware,model,plan,batch,prompt_tokens,output_tokens,closed_form_tok_s_per_stream,integrated_tok_s_per_stream,"
         "des_tok_s_per_stream,decode_deviation,kv_growth,topology,residual,closed_form_ttft_s,des_ttft_s,ttft_deviation,"
         "pipeline_deviation,expected_to_hold,holds,cause\n";
    for (const auto& p : pts) {
      if (!p.fits || !p.error.empty()) continue;
      c << p.hardware << ',' << p.model << ',' << csv_escape(p.plan) << ',' << p.batch << ',' << p.prompt_tokens << ','
        << p.output_tokens << ',' << p.closed_form_tok_s_per_stream << ',' << p.integrated_tok_s_per_stream << ','
        << p.des_tok_s_per_stream << ',' << p.decode_deviation << ',' << p.kv_growth << ',' << p.topology << ','
        << p.residual << ',' << p.closed_form_ttft_s << ',' << p.des_ttft_s << ',' << p.ttft_deviation << ','
        << (p.pipeline_run ? std::to_string(p.pipeline_deviation) : "") << ',' << p.expected_to_hold << ','
        << p.holds << ',' << csv_escape(p.cause) << '\n';
    }
    return c.str();
  }
  std::ostringstream out;
  out << "Internal validation: closed form vs DES (step detail, measured collectives), calibration "
      << o.calibration.name << ", " << o.output_tokens << " output tokens.\n"
      << "decode dev = DES / closed-form tok/s per stream - 1 = (1+KV growth)(1+topology)(1+residual) - 1\n\n";
  Table t({"hardware", "model", "plan", "batch", "prompt", "CF tok/s", "DES tok/s", "decode dev", "KV growth",
           "topology", "TTFT dev", "holds", "cause"});
  long long compared = 0, expected = 0, expected_hold = 0, holding = 0, skipped = 0, errors = 0;
  double worst_expected = 0;
  for (const auto& p : pts) {
    if (!p.fits) {
      ++skipped;
      continue;
    }
    if (!p.error.empty()) {
      ++errors;
      t.add_row({p.hardware, p.model, p.plan, std::to_string(p.batch), std::to_string(p.prompt_tokens), "-", "-", "-",
                 "-", "-", "-", "-", "DES failed: " + p.error});
      continue;
    }
    ++compared;
    if (p.holds) ++holding;
    if (p.expected_to_hold) {
      ++expected;
      if (p.holds) ++expected_hold;
      worst_expected = std::max(worst_expected, std::fabs(p.decode_deviation));
    }
    t.add_row({p.hardware, p.model, p.plan, std::to_string(p.batch), std::to_string(p.prompt_tokens),
               format_number(p.closed_form_tok_s_per_stream), format_number(p.des_tok_s_per_stream),
               pct(p.decode_deviation), pct(p.kv_growth), p.formula_run ? pct(p.topology) : "-",
               pct(p.ttft_deviation), p.holds ? "yes" : "NO", p.cause});
  }
  out << t.render() << "\n";
  out << compared << " points compared (" << skipped << " hardware x model x shape points do not fit and are not run, "
      << errors << " DES failures); decode within 2 %: " << holding << "/" << compared
      << "; where the closed form is expected to hold (batch 1, prompt <= 1024): " << expected_hold << "/" << expected
      << ", worst " << pct(worst_expected) << ".\n\n";
  out << contention_table(contention);
  return out.str();
}

std::string measurements_report(const ValidateArgs& a, const MeasurementSet& set, const std::vector<Prediction>& ps,
                                 const Calibration& cal) {
  const auto summary = summarise(ps);
  if (a.output.json()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& p : ps) rows.push_back(to_json(p));
    return nlohmann::json{{"command", "validate --measurements"},
                          {"build_commit", build_commit()},
                          {"measurements_file", set.file},
                          {"engine", a.engine},
                          {"calibration", cal.name},
                          {"rows", rows},
                          {"summary", to_json(summary)}}
               .dump(2) + "\n";
  }
  if (a.output.csv()) {
    std::ostringstream c;
    c << "id,tag,software,scenario,metric,measured,predicted,relative_error,ran,skipped_reason,deployment,assumptions\n";
    for (const auto& p : ps) {
      std::string as;
      for (const auto& x : p.assumptions) as += (as.empty() ? "" : "; ") + x;
      c << csv_escape(p.id) << ',' << p.tag << ',' << csv_escape(p.software) << ',' << to_string(p.scenario) << ','
        << to_string(p.metric) << ',' << p.measured << ',' << (p.ran ? std::to_string(p.predicted) : "") << ','
        << (p.ran ? std::to_string(p.relative_error) : "") << ',' << p.ran << ',' << csv_escape(p.skipped_reason)
        << ',' << csv_escape(p.deployment) << ',' << csv_escape(as) << '\n';
    }
    return c.str();
  }
  std::ostringstream out;
  out << "Validation against " << set.file << " (" << set.rows.size() << " rows), engine " << a.engine
      << ", calibration " << cal.name << ".\n\n";
  Table t({"id", "tag", "metric", "measured", "predicted", "error", "calibration", "deployment / why skipped"});
  for (const auto& p : ps) {
    if (p.ran)
      t.add_row({p.id, p.tag, to_string(p.metric), format_number(p.measured), format_number(p.predicted),
                 pct(p.relative_error), p.calibration, p.deployment});
    else
      t.add_row({p.id, p.tag, to_string(p.metric), format_number(p.measured), "-", "skipped", "-", p.skipped_reason});
  }
  out << t.render() << "\n";
  Table s({"rows", "rows run", "skipped", "median |error|", "worst |error|", "worst row"});
  for (const auto& [tag, e] : summary)
    s.add_row({tag, std::to_string(e.rows), std::to_string(e.skipped), e.rows ? pct(e.median_abs_error) : "-",
               e.rows ? pct(e.worst_abs_error) : "-", e.worst_id});
  out << s.render();
  bool any_assumption = false;
  for (const auto& p : ps)
    if (p.ran && !p.assumptions.empty()) {
      if (!any_assumption) out << "\nAssumptions where a row is silent:\n";
      any_assumption = true;
      out << "  " << p.id << ": ";
      for (size_t i = 0; i < p.assumptions.size(); ++i) out << (i ? "; " : "") << p.assumptions[i];
      out << "\n";
    }
  return out.str();
}

void run_validate(const ValidateArgs& a, CommandResult& result) {
  if (a.internal == !a.measurements.empty())
    throw InputError("validate", "(options)", "give exactly one of --internal or --measurements FILE");
  std::string text;
  if (a.internal) {
    InternalOptions o;
    o.hardware = a.hw;
    o.models = a.model;
    o.calibration = a.calibration;
    if (a.full) {
      o.batches = {1, 8, 64, 256};
      o.prompts = {128, 2048, 8192};
      o.diagonal = false;
    }
    const auto points = run_internal_validation(o);
    text = internal_report(a, points, o, run_contention_validation(a.hw, a.calibration, ContentionOptions{}));
  } else {
    const MeasurementSet set = read_measurements(a.measurements, a.allow_unknown);
    PredictOptions o;
    o.calibration = a.calibration;
    o.auto_calibration = a.calibration.name == "auto";  // each row: its software family's calibration
    o.engine = a.engine;
    o.at_measured_latency = a.at_measured_latency;
    if (a.engine == "des") o.serve = serve_on_des_in_child;
    text = measurements_report(a, set, predict_all(set, o), a.calibration);
  }
  emit(a.output, text);
  result.exit_code = 0;
}
}  // namespace

void register_validate_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<ValidateArgs>();
  auto* cmd = app.add_subcommand(
      "validate",
      "How accurate is infersim? --internal: the closed form against the DES on every bundled hardware x model\n"
      "pair that fits, with the cause of each deviation. --measurements FILE: predictions against published\n"
      "measurements (schema infersim-measurements/1, see validation/README.md), error per row and per tag.\n"
      "Example: infersim validate --measurements validation/calibration.json --calibration auto");
  cmd->add_flag("--internal", args->internal, "Closed form vs DES over the bundled descriptors");
  cmd->add_flag("--full", args->full, "--internal: the full grid (batch 1/8/64/256 x prompt 128/2048/8192; minutes); default: batch 1 at prompt 128, batch 64 at prompt 8192");
  cmd->add_option("--hw", args->hw, "--internal: only these hardware ids (repeatable)")->delimiter(',');
  cmd->add_option("--model", args->model, "--internal: only these model ids (repeatable)")->delimiter(',');
  cmd->add_option("--measurements", args->measurements, "A measurements file (schema infersim-measurements/1)");
  cmd->add_flag("--at-measured-latency", args->at_measured_latency,
                "Server rows that report their p99 latencies: predict the rate at those latencies (the point the "
                "run measured) instead of at the p99 limits (the deployment's capacity, the default)");
  cmd->add_flag("--skip-unknown", args->allow_unknown,
                "Report rows naming unknown hardware or models as skipped instead of rejecting the file");
  cmd->add_option("--engine", args->engine,
                  "--measurements: serving loop on the analytic runtime (default) or the DES (server rows: analytic only)")
      ->capture_default_str()->transform(CLI::IsMember({"analytic", "des"}));
  add_calibration_option(cmd, args->calibration);
  add_output_options(cmd, args->output, formats::json | formats::csv,
                     {"every row and the summary (field names carry units)",
                      "one row per compared point (--internal) or per measurement (--measurements)", "", ""});
  cmd->callback([args, &result] { run_validate(*args, result); });
}

}  // namespace infersim::cli
