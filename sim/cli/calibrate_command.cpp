// `infersim calibrate`: fits a software calibration (efficiencies and overheads) on measurements,
// prints its inputs, the fit and its residuals, and how well the same method predicts rows it never
// saw (leave one software generation out), and writes hardware/calibration/<id>.json's content.
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "validation/calibrate.hpp"
#include "version/version.hpp"

namespace infersim::cli {

namespace {
struct CalibrateArgs {
  std::string measurements;
  std::string id = "fitted";
  std::string description = "fitted by infersim calibrate";
  std::string out;
  int max_evaluations = 100;
  std::string holdout = "software";
  bool json = false;
};

std::string pct(double x) { return format_number(x * 100.0) + " %"; }

double median_abs(std::vector<double> v) {
  if (v.empty()) return 0;
  for (auto& x : v) x = std::fabs(x);
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The software generation a row belongs to: its "software" up to the first comma or parenthesis.
std::string generation(const Measurement& m) {
  std::string s = m.software.empty() ? "(unspecified)" : m.software;
  const auto cut = s.find_first_of(",(");
  if (cut != std::string::npos) s = s.substr(0, cut);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

void run_calibrate(const CalibrateArgs& a, CommandResult& result) {
  const MeasurementSet set = read_measurements(a.measurements);
  PredictOptions base;
  // Inputs: the rows that run uncalibrated (the others are listed with their reason).
  const std::vector<Prediction> ideal = predict_all(set, base);
  std::vector<size_t> rows;
  nlohmann::json skipped = nlohmann::json::array();
  for (size_t i = 0; i < ideal.size(); ++i) {
    if (ideal[i].ran) rows.push_back(i);
    else skipped.push_back({{"id", ideal[i].id}, {"reason", ideal[i].skipped_reason}});
  }
  if (rows.empty()) throw InputError(a.measurements, "/measurements", "no row can be run: nothing to fit");
  FitOptions fo;
  fo.max_evaluations = a.max_evaluations;
  fo.start.compute_efficiency = 0.7;
  fo.start.memory_efficiency = 0.8;
  fo.start.step_overhead = Seconds(1e-3);
  fo.start.layer_overhead = Seconds(1e-5);
  FitResult fit = fit_calibration(set, rows, base, fo);
  fit.fitted.name = a.id;
  PredictOptions with = base;
  with.calibration = fit.fitted;
  nlohmann::json residuals = nlohmann::json::array();
  std::vector<double> before, after;
  std::map<std::string, std::vector<double>> after_by_tag, before_by_tag;
  std::vector<Prediction> fitted_predictions;
  for (size_t i : rows) {
    const Prediction p = predict(set.rows[i], with);
    fitted_predictions.push_back(p);
    const double e0 = ideal[i].relative_error, e1 = p.ran ? p.relative_error : NAN;
    before.push_back(e0);
    after.push_back(e1);
    before_by_tag[p.tag].push_back(e0);
    after_by_tag[p.tag].push_back(e1);
    residuals.push_back({{"id", p.id}, {"tag", p.tag}, {"software", generation(set.rows[i])},
                         {"measured", p.measured}, {"predicted_ideal", ideal[i].predicted},
                         {"relative_error_ideal", e0}, {"predicted_fitted", p.predicted},
                         {"relative_error_fitted", e1}});
  }
  // Held out: refit without each software generation (or each row) and predict what was left out.
  nlohmann::json held = nlohmann::json::array();
  std::vector<double> held_errors;
  std::map<std::string, std::vector<double>> held_by_tag;
  if (a.holdout != "none") {
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i : rows) groups[a.holdout == "row" ? set.rows[i].id : generation(set.rows[i])].push_back(i);
    for (const auto& [name, out_rows] : groups) {
      std::vector<size_t> in_rows;
      for (size_t i : rows)
        if (std::find(out_rows.begin(), out_rows.end(), i) == out_rows.end()) in_rows.push_back(i);
      if (in_rows.empty()) continue;
      FitResult f = fit_calibration(set, in_rows, base, fo);
      PredictOptions po = base;
      po.calibration = f.fitted;
      for (size_t i : out_rows) {
        const Prediction p = predict(set.rows[i], po);
        const double e = p.ran ? p.relative_error : NAN;
        held_errors.push_back(e);
        held_by_tag[p.tag].push_back(e);
        held.push_back({{"held_out", name}, {"id", p.id}, {"tag", p.tag}, {"relative_error", e},
                        {"fit_on_rows", in_rows.size()}, {"compute_efficiency", f.fitted.compute_efficiency},
                        {"memory_efficiency", f.fitted.memory_efficiency},
                        {"step_overhead_s", f.fitted.step_overhead.si()},
                        {"layer_overhead_s", f.fitted.layer_overhead.si()}});
      }
    }
  }
  nlohmann::json by_tag = nlohmann::json::object();
  for (const auto& [tag, v] : after_by_tag)
    by_tag[tag] = {{"median_abs_relative_error_ideal", median_abs(before_by_tag[tag])},
                   {"median_abs_relative_error_fitted", median_abs(v)},
                   {"median_abs_relative_error_held_out", median_abs(held_by_tag[tag])}};
  const nlohmann::json fit_record = {
      {"method", "Nelder-Mead (deterministic: fixed start and simplex, no randomness) on the mean squared log error "
                 "mean(ln(predicted/measured)^2); efficiencies through a logistic map onto (0,1), overheads through exp; "
                 "network_efficiency fixed at 1"},
      {"measurements_file", a.measurements},
      {"build_commit", build_commit()},
      {"rows", fit.rows},
      {"rows_skipped", skipped},
      {"evaluations", fit.evaluations},
      {"objective_start", fit.objective_start},
      {"objective", fit.objective},
      {"median_abs_relative_error_ideal", median_abs(before)},
      {"median_abs_relative_error_fitted", median_abs(after)},
      {"holdout", a.holdout == "software" ? "leave one software generation out" : a.holdout == "row" ? "leave one row out" : "none"},
      {"median_abs_relative_error_held_out", median_abs(held_errors)},
      {"per_tag", by_tag},
      {"residuals", residuals},
      {"held_out", held}};
  const nlohmann::json file =
      calibration_to_json(fit.fitted, {{"description", a.description}, {"software", "see fit.residuals[].software"},
                                       {"fit", fit_record}});
  if (!a.out.empty()) write_file_atomically(a.out, file.dump(2) + "\n");
  if (a.json) {
    std::cout << file.dump(2) << "\n";
    result.exit_code = 0;
    return;
  }
  std::ostringstream o;
  o << "Calibration fit on " << rows.size() << " rows of " << a.measurements << " (" << skipped.size()
    << " skipped), Nelder-Mead on mean(ln(pred/meas)^2), " << fit.evaluations << " evaluations.\n\n";
  Table ft({"parameter", "start", "fitted"});
  ft.add_row({"compute_efficiency", format_number(fo.start.compute_efficiency), format_number(fit.fitted.compute_efficiency)});
  ft.add_row({"memory_efficiency", format_number(fo.start.memory_efficiency), format_number(fit.fitted.memory_efficiency)});
  ft.add_row({"network_efficiency", "1", "1 (fixed)"});
  ft.add_row({"step_overhead_ms", format_number(fo.start.step_overhead.si() * 1e3), format_number(fit.fitted.step_overhead.si() * 1e3)});
  ft.add_row({"layer_overhead_us", format_number(fo.start.layer_overhead.si() * 1e6), format_number(fit.fitted.layer_overhead.si() * 1e6)});
  o << ft.render() << "objective " << format_number(fit.objective_start, 4) << " -> " << format_number(fit.objective, 4) << "\n\n";
  Table rt({"id", "tag", "measured", "ideal", "error", "fitted", "error", "held out error"});
  for (size_t k = 0; k < rows.size(); ++k) {
    const auto& r = residuals[k];
    std::string h = "-";
    for (const auto& x : held)
      if (x["id"] == r["id"]) h = std::isnan(x["relative_error"].get<double>()) ? "skipped" : pct(x["relative_error"].get<double>());
    rt.add_row({r["id"], r["tag"], format_number(r["measured"].get<double>()),
                format_number(r["predicted_ideal"].get<double>()), pct(r["relative_error_ideal"].get<double>()),
                format_number(r["predicted_fitted"].get<double>()), pct(r["relative_error_fitted"].get<double>()), h});
  }
  o << rt.render() << "\n";
  Table st({"tag", "median |error| ideal", "fitted (in-sample)", "held out (" + a.holdout + ")"});
  for (const auto& [tag, v] : after_by_tag)
    st.add_row({tag, pct(median_abs(before_by_tag[tag])), pct(median_abs(v)), pct(median_abs(held_by_tag[tag]))});
  st.add_row({"all", pct(median_abs(before)), pct(median_abs(after)), pct(median_abs(held_errors))});
  o << st.render();
  for (const auto& s : skipped) o << "skipped: " << s["id"].get<std::string>() << ": " << s["reason"].get<std::string>() << "\n";
  if (!a.out.empty()) o << "written: " << a.out << "\n";
  std::cout << o.str();
  result.exit_code = 0;
}
}  // namespace

void register_calibrate_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<CalibrateArgs>();
  auto* cmd = app.add_subcommand(
      "calibrate",
      "Fit a software calibration (compute and memory efficiency, per-step and per-layer overheads) on\n"
      "measurements (schema infersim-measurements/1); prints the fit, its inputs, its residuals and the error on\n"
      "held-out rows (refit without each software generation). Deterministic.\n"
      "Example: infersim calibrate --measurements validation/calibration.json --id trtllm-2024 --out hardware/calibration/trtllm-2024.json");
  cmd->add_option("--measurements", args->measurements, "Measurements to fit on")->required();
  cmd->add_option("--id", args->id, "Id of the fitted calibration")->capture_default_str();
  cmd->add_option("--description", args->description, "One line describing it")->capture_default_str();
  cmd->add_option("--out", args->out, "Write the calibration file (schema infersim-calibration/1) here, atomically");
  cmd->add_option("--max-evaluations", args->max_evaluations, "Objective evaluations per fit")
      ->capture_default_str()->check(CLI::Range(5, 100000));
  cmd->add_option("--holdout", args->holdout,
                  "Out-of-sample check: software (leave one software generation out), row (leave one row out), none")
      ->capture_default_str()->transform(CLI::IsMember({"software", "row", "none"}));
  cmd->add_flag("--json", args->json, "Print the calibration file (with its fit record) as JSON");
  cmd->callback([args, &result] { run_calibrate(*args, result); });
}

}  // namespace infersim::cli
