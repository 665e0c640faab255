// results.csv, report.md and report.html from the results document.
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
#include <vector>

#include "format/format.hpp"
#include "report/render.hpp"
#include "report/report.hpp"
#include "report/suite.hpp"

namespace infersim::report {

namespace {
using nlohmann::json;

std::string cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv_escape(v.get<std::string>());
  if (v.is_number_float()) {
    char b[40];
    std::snprintf(b, sizeof b, "%.9g", v.get<double>());
    return b;
  }
  return v.dump();
}


// "mid [low–high]" for a metric of a row.
std::string ranged(const json& row, const std::string& m, double scale = 1.0) {
  const json& mid = row[m + "_mid"];
  if (mid.is_null()) return "—";
  const double lo = row[m + "_low"].get<double>() * scale, md = mid.get<double>() * scale,
               hi = row[m + "_high"].get<double>() * scale;
  if (format_number(lo) == format_number(hi)) return format_number(md);
  return format_number(md) + " [" + format_number(lo) + "–" + format_number(hi) + "]";
}

std::string platform(const json& row) {
  std::string s = row["hardware"].get<std::string>();
  if (row.value("hypothetical", false)) s += " (HYPOTHETICAL design target, every number an assumption)";
  if (row["vendor_claims_only"].get<bool>()) s += " ⚠ UNAUDITED (vendor claims only)";
  else if (row["unaudited"].get<bool>()) s += " ⚠ unaudited (rests on a vendor claim)";
  return s;
}

struct Column {
  std::string header;
  std::string metric;
  double scale;
};
const std::vector<Column> kHeadline = {
    {"decode tok/s per chip", "decode_tok_s_per_chip", 1},
    {"decode tok/s per deployment", "decode_tok_s_deployment", 1},
    {"tok/s per stream (batch 1)", "decode_tok_s_per_stream_batch1", 1},
    {"TTFT ms (batch 1)", "ttft_s", 1e3},
    {"J/token", "energy_J_per_token", 1},
    {"$/M tokens (CapEx)", "usd_per_mtok_capex", 1},
    {"context supported (k tokens)", "context_tokens_supported", 1e-3},
};
const std::vector<Column> kScenarios = {
    {"Offline tok/s per chip", "offline_output_tok_s_per_chip", 1},
    {"Offline tok/s per deployment", "offline_output_tok_s_deployment", 1},
    {"Server max req/s", "server_max_rate_req_s", 1},
    {"Server tok/s per chip", "server_output_tok_s_per_chip", 1},
    {"Server tok/s per deployment", "server_output_tok_s_deployment", 1},
    {"SingleStream p90 latency s", "single_stream_e2e_p90_s", 1},
    {"Interactive max req/s", "interactive_max_rate_req_s", 1},
    {"Interactive tok/s per deployment", "interactive_output_tok_s_deployment", 1},
};

std::string deployment_cell(const json& row) {
  if (row["chips"].is_null()) return "—";
  std::string chips = std::to_string(row["chips"].get<long long>()) + " chips";
  if (row["fits"].get<bool>()) {
    chips += ": " + std::to_string(row["replicas"].get<long long>()) + " × (tp " + std::to_string(row["tp"].get<long long>()) +
             " × pp " + std::to_string(row["pp"].get<long long>()) + ")";
    if (row["micro_batch_groups"].get<long long>() > 1)
      chips += ", " + std::to_string(row["micro_batch_groups"].get<long long>()) + " micro-batch groups";
  }
  return chips;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string without_bold(std::string s) {
  for (size_t p; (p = s.find("**")) != std::string::npos;) s.erase(p, 2);
  return s;
}

std::vector<std::string> workloads_of(const json& results) {
  std::vector<std::string> ids;
  for (const auto& row : results["rows"]) {
    const std::string id = row["workload"].get<std::string>();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

// The validation summary as plain lines: median and worst |relative error| per tag, rows skipped,
// and the calibration used. Empty when validation did not run.
std::vector<std::string> validation_lines(const json& r) {
  std::vector<std::string> lines;
  if (!r.contains("validation") || !r["validation"].value("available", false)) return lines;
  const json& v = r["validation"]["result"];
  if (!v.contains("summary")) return lines;
  lines.push_back("Predictions of the " + v.value("engine", std::string("analytic")) + " engine with calibration '" +
                  v.value("calibration", std::string("ideal")) + "' against " + v.value("measurements_file", std::string("?")) + ":");
  for (const auto& [tag, s] : v["summary"].items()) {
    std::ostringstream l;
    l.precision(3);
    l << tag << ": " << s.value("rows", 0) << " rows run, " << s.value("skipped", 0) << " skipped; median |error| "
      << s.value("median_abs_relative_error", 0.0) * 100 << " %, worst " << s.value("worst_abs_relative_error", 0.0) * 100
      << " % (" << s.value("worst_id", std::string("-")) << ")";
    lines.push_back(l.str());
  }
  lines.push_back("Skipped rows and every row's assumptions: `infersim validate --measurements " +
                  v.value("measurements_file", std::string("FILE")) + "`.");
  return lines;
}

// One line per platform (from its first row): the calibration it runs with and how well the model
// predicts it today, for the section that opens the report.
struct AccuracyLine {
  std::string platform, calibration, rows, held_out, fitted, note;
};
std::vector<AccuracyLine> accuracy_lines(const json& r) {
  std::vector<AccuracyLine> out;
  std::set<std::string> seen;
  auto pct = [](const json& v) { return v.is_null() ? std::string("—") : format_number(v.get<double>() * 100) + " %"; };
  for (const auto& row : r["rows"]) {
    const std::string hw = row["hardware"].get<std::string>();
    if (!seen.insert(hw).second) continue;
    out.push_back({platform(row), row.value("calibration", std::string("ideal")),
                   std::to_string(row.value("accuracy_audited_rows", 0LL)), pct(row.value("accuracy_held_out_median", json())),
                   pct(row.value("accuracy_fitted_median", json())), row.value("accuracy_note", std::string())});
  }
  return out;
}

std::string intro(const json& r) {
  std::ostringstream o;
  const json& mc = r["monte_carlo"];
  o << "Every figure is **mid [low–high]**: mid from the descriptors' values, low/high the "
    << mc["quantile_low"].get<double>() * 100 << "th/" << mc["quantile_high"].get<double>() * 100
    << "th percentiles of " << mc["draws"].get<long long>() << " seeded Monte Carlo draws (seed "
    << mc["seed"].get<std::uint64_t>() << ", " << mc["distribution"].get<std::string>()
    << " within each input's [low, high], mode at the value), widened to include mid. "
    << "Serving scenarios are simulated at mid and take the closed form's relative spread. "
    << "All numbers are simulator projections, not measurements: "
    << (r["calibration"].get<std::string>() == "ideal"
            ? std::string("the ideal roofline (calibration `ideal`, no software overheads). ")
            : r["calibration"].get<std::string>() == "auto"
                  ? std::string("each platform runs with the fitted calibration of its software family (named in its "
                                "row; `hardware/calibration/`), and its rows say how well the model predicts it today "
                                "(median |error| against audited MLPerf results with the platform left out of the fit) "
                                "or that it is an uncalibrated projection. ")
                  : "calibration `" + r["calibration"].get<std::string>() + "`. ")
    << "Each platform is deployed as its unit is run: the replica shape, data-parallel replicas and batch an operator "
       "would pick (the planner), not one replica stretched over every chip. "
    << "A deployment that cannot hold the model has no numbers. "
    << "⚠ marks figures that rest on an unaudited vendor claim; vendor-claims-only hardware is kept out of the radar "
    << "and drawn apart in the bar charts. Economics: " << r["economics"]["lifetime_years"].get<double>()
    << "-year life, utilization " << r["economics"]["utilization"].get<double>() << ", $"
    << r["economics"]["usd_per_kWh"].get<double>() << "/kWh.";
  return o.str();
}
}  // namespace

std::string results_csv(const json& results) {
  std::ostringstream o;
  const auto fields = csv_fields();
  for (size_t i = 0; i < fields.size(); ++i) o << (i ? "," : "") << fields[i];
  o << "\n";
  for (const auto& row : results["rows"]) {
    for (size_t i = 0; i < fields.size(); ++i) o << (i ? "," : "") << cell(row.value(fields[i], json()));
    o << "\n";
  }
  return o.str();
}

std::string results_markdown(const json& r) {
  std::ostringstream o;
  o << "# infersim report: suite `" << r["suite"]["id"].get<std::string>() << "`\n\n"
    << r["suite"]["description"].get<std::string>() << ".\n\n" << intro(r) << "\n\n";
  o << "Inputs, build and command line: `manifest.json` (re-run and compare: `infersim report --verify "
       "manifest.json`). Machine-readable results: `results.json`, `results.csv` (same fields).\n\n";
  o << "## How well the model predicts each platform today\n\n"
    << "Median |error| against audited MLPerf results, computed by `infersim calibrate`"
    << (r.value("accuracy", json()).is_null() ? std::string() : " (`" + r["accuracy"].get<std::string>() + "`)")
    << ": held out = the platform left out of the fit (what to expect of a platform the model has not seen), "
       "fitted = in-sample. A platform with no audited measurement is an uncalibrated projection.\n\n"
    << "| platform | calibration | audited rows | held out | fitted |\n|---|---|---:|---:|---:|\n";
  for (const auto& a : accuracy_lines(r))
    o << "| " << a.platform << " | " << a.calibration << " | " << a.rows << " | "
      << (a.rows == "0" ? std::string("uncalibrated projection") : a.held_out) << " | " << a.fitted << " |\n";
  o << "\n";
  for (const auto& w : workloads_of(r)) {
    const json* first = nullptr;
    for (const auto& row : r["rows"])
      if (row["workload"] == w) { first = &row; break; }
    o << "## " << w << ": " << (*first)["model"].get<std::string>() << " ("
      << (*first)["weights_precision"].get<std::string>() << " weights), batch " << (*first)["batch"].get<long long>()
      << ", prompt " << (*first)["prompt_tokens"].get<long long>() << " + output "
      << (*first)["output_tokens"].get<long long>() << " tokens; deployment: "
      << ((*first)["deployment_policy"] == "server" ? "the suite's per-platform unit (as sold)" : "the fewest chips that hold the model")
      << "\n\n### Closed form (decode at batch " << (*first)["batch"].get<long long>() << ")\n\n";
    o << "| platform | deployment | status |";
    for (const auto& c : kHeadline) o << " " << c.header << " |";
    o << " weakest tag |\n|---|---|---|";
    for (size_t i = 0; i < kHeadline.size(); ++i) o << "---:|";
    o << "---|\n";
    for (const auto& row : r["rows"]) {
      if (row["workload"] != w) continue;
      o << "| " << platform(row) << " | " << deployment_cell(row) << " | " << row["status"].get<std::string>() << " |";
      for (const auto& c : kHeadline) o << " " << ranged(row, c.metric, c.scale) << " |";
      o << " " << (row["weakest_tag"].is_null() ? "—" : row["weakest_tag"].get<std::string>()) << " |\n";
    }
    o << "\n### MLPerf-style scenarios (serving simulation, `" << (*first)["serving_workload"].get<std::string>()
      << "` request shapes)\n\n| platform | status |";
    for (const auto& c : kScenarios) o << " " << c.header << " |";
    o << "\n|---|---|";
    for (size_t i = 0; i < kScenarios.size(); ++i) o << "---:|";
    o << "\n";
    for (const auto& row : r["rows"]) {
      if (row["workload"] != w) continue;
      o << "| " << platform(row) << " | " << row["status"].get<std::string>() << " |";
      for (const auto& c : kScenarios) o << " " << ranged(row, c.metric, c.scale) << " |";
      o << "\n";
    }
    o << "\n";
    for (const auto& row : r["rows"]) {
      if (row["workload"] != w || !row["fits"].get<bool>()) continue;
      o << "- " << row["hardware"].get<std::string>() << ": Server " << row["server_status"].get<std::string>()
        << "; Interactive " << row["interactive_status"].get<std::string>() << "\n";
    }
    o << "\n";
  }
  o << "## Figures\n\n";
  for (const char* f : {"fig1_radar", "fig2_usd_per_mtok", "fig3_J_per_token", "fig4_pareto", "fig5_validation"})
    o << "![" << f << "](figures/" << f << ".png)\n\n";
  o << "## Validation\n\n" << (r.contains("validation") ? r["validation"]["note"].get<std::string>() : "—") << "\n\n";
  for (const auto& line : validation_lines(r)) o << "- " << line << "\n";
  return o.str();
}

std::string results_html(const json& r, const std::map<std::string, std::string>& figure_svgs) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>infersim report: " << html_escape(r["suite"]["id"].get<std::string>()) << "</title>\n<style>\n"
    << "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;"
       "color:#1a1a1a;line-height:1.45}\n"
    << "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #ddd}h3{font-size:1.05em;color:#444}\n"
    << "table{border-collapse:collapse;font-size:0.82em;margin:0.5em 0 1em;display:block;overflow-x:auto}\n"
    << "th,td{border:1px solid #ccc;padding:3px 6px;text-align:right;white-space:nowrap}\n"
    << "th{background:#f2f2f2;white-space:normal}td:first-child,td:nth-child(2),td:nth-child(3){text-align:left}\n"
    << "tr.unaudited td{background:#fff1f0}tr.nofit td{color:#777;font-style:italic}\n"
    << ".note{background:#f6f8fa;border-left:4px solid #888;padding:0.6em 1em}\n"
    << "figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:0.9em;color:#444}\n"
    << ".warn{color:#b00020;font-weight:600}\n</style></head><body>\n";
  o << "<h1>infersim report: suite <code>" << html_escape(r["suite"]["id"].get<std::string>()) << "</code></h1>\n"
    << "<p>" << html_escape(r["suite"]["description"].get<std::string>()) << ".</p>\n<p class=\"note\">"
    << html_escape(without_bold(intro(r))) << "</p>\n"
    << "<p>Inputs, build and command line: <code>manifest.json</code>; re-run and compare with <code>infersim report "
       "--verify manifest.json</code>. Machine-readable: <code>results.json</code>, <code>results.csv</code>.</p>\n";
  o << "<h2>How well the model predicts each platform today</h2>\n<p>Median |error| against audited MLPerf results, "
       "computed by <code>infersim calibrate</code>: held out = the platform left out of the fit, fitted = in-sample. "
       "A platform with no audited measurement is an uncalibrated projection.</p>\n"
    << "<table><tr><th>platform</th><th>calibration</th><th>audited rows</th><th>held out</th><th>fitted</th></tr>\n";
  for (const auto& a : accuracy_lines(r))
    o << "<tr><td>" << html_escape(a.platform) << "</td><td>" << html_escape(a.calibration) << "</td><td>" << a.rows
      << "</td><td>" << html_escape(a.rows == "0" ? std::string("uncalibrated projection") : a.held_out) << "</td><td>"
      << html_escape(a.fitted) << "</td></tr>\n";
  o << "</table>\n";
  o << "<h2>Figures</h2>\n";
  const std::vector<std::pair<std::string, std::string>> captions = {
      {"fig1_radar", "Fig. 1: six-axis radar, per deployment, normalised to the baseline (log scale; software maturity "
                     "absolute 0–10); band = Monte Carlo low–high; vendor-claims-only hardware excluded."},
      {"fig2_usd_per_mtok", "Fig. 2: CapEx-amortised $ per million decoded tokens (log scale), per workload. Hatched "
                            "= rests on an unaudited vendor claim; dotted outline = rests on assumptions (projection); "
                            "solid = spec-sheet inputs only; whiskers = Monte Carlo low–high; vendor-claims-only "
                            "hardware isolated on the right."},
      {"fig3_J_per_token", "Fig. 3: energy per decoded token (J, log scale); same conventions as Fig. 2."},
      {"fig4_pareto", "Fig. 4: batch-vs-latency Pareto curves (offline, batch cap swept): throughput per chip "
                      "against p99 TPOT; frontier points filled."},
      {"fig5_validation", "Fig. 5: validation, predicted vs measured."}};
  for (const auto& [id, caption] : captions) {
    auto it = figure_svgs.find(id);
    o << "<figure>";
    if (it == figure_svgs.end()) o << "<p class=\"warn\">figure " << id << " not drawn (scripts/figures.py did not run)</p>";
    else o << "<img alt=\"" << id << "\" src=\"data:image/svg+xml;base64," << it->second << "\">";
    o << "<figcaption>" << html_escape(caption) << "</figcaption></figure>\n";
  }
  for (const auto& w : workloads_of(r)) {
    const json* first = nullptr;
    for (const auto& row : r["rows"])
      if (row["workload"] == w) { first = &row; break; }
    o << "<h2>" << html_escape(w) << ": " << html_escape((*first)["model"].get<std::string>()) << " ("
      << html_escape((*first)["weights_precision"].get<std::string>()) << "), batch " << (*first)["batch"].get<long long>()
      << ", prompt " << (*first)["prompt_tokens"].get<long long>() << " + output "
      << (*first)["output_tokens"].get<long long>() << "</h2>\n<h3>Closed form: per chip and per deployment side by side</h3>\n"
      << "<table><tr><th>platform</th><th>deployment</th><th>status</th>";
    for (const auto& c : kHeadline) o << "<th>" << html_escape(c.header) << "</th>";
    o << "<th>weakest tag</th></tr>\n";
    auto row_class = [](const json& row) {
      if (!row["fits"].get<bool>()) return " class=\"nofit\"";
      return row["unaudited"].get<bool>() ? " class=\"unaudited\"" : "";
    };
    for (const auto& row : r["rows"]) {
      if (row["workload"] != w) continue;
      o << "<tr" << row_class(row) << "><td>" << html_escape(platform(row)) << "</td><td>"
        << html_escape(deployment_cell(row)) << "</td><td>" << html_escape(row["status"].get<std::string>()) << "</td>";
      for (const auto& c : kHeadline) o << "<td>" << html_escape(ranged(row, c.metric, c.scale)) << "</td>";
      o << "<td>" << (row["weakest_tag"].is_null() ? "—" : html_escape(row["weakest_tag"].get<std::string>()))
        << "</td></tr>\n";
    }
    o << "</table>\n<h3>MLPerf-style scenarios (serving simulation)</h3>\n<table><tr><th>platform</th><th>status</th>";
    for (const auto& c : kScenarios) o << "<th>" << html_escape(c.header) << "</th>";
    o << "</tr>\n";
    for (const auto& row : r["rows"]) {
      if (row["workload"] != w) continue;
      o << "<tr" << row_class(row) << "><td>" << html_escape(platform(row)) << "</td><td>"
        << html_escape(row["status"].get<std::string>()) << "</td>";
      for (const auto& c : kScenarios) o << "<td>" << html_escape(ranged(row, c.metric, c.scale)) << "</td>";
      o << "</tr>\n";
    }
    o << "</table>\n";
  }
  o << "<h2>Validation</h2>\n<p>"
    << html_escape(r.contains("validation") ? r["validation"]["note"].get<std::string>() : "—") << "</p>\n<ul>\n";
  for (const auto& line : validation_lines(r)) o << "<li>" << html_escape(line) << "</li>\n";
  o << "</ul>\n";
  o << "</body></html>\n";
  return o.str();
}

}  // namespace infersim::report
