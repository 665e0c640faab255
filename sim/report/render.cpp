// results.csv, report.md and report.html from the results document.
//
// report.md and report.html are two renderings of one document (a list of blocks built once from
// the results), so the page cannot say less than the Markdown: the only markup in its text is
// `code` and **bold**, which the HTML turns into elements. The document opens with a summary
// computed from the rows (what was compared, the leader per metric and its margin, how far to trust
// it, what is projection), before any table or figure.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
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

// A field of a row, null when the row does not have it (results of an older build).
json field(const json& row, const std::string& key) { return row.value(key, json()); }

// "mid [low–high]" for a metric of a row.
std::string ranged(const json& row, const std::string& m, double scale = 1.0) {
  const json mid = field(row, m + "_mid");
  if (mid.is_null()) return "—";
  const double lo = row[m + "_low"].get<double>() * scale, md = mid.get<double>() * scale,
               hi = row[m + "_high"].get<double>() * scale;
  if (format_number(lo) == format_number(hi)) return format_number(md);
  return format_number(md) + " [" + format_number(lo) + "–" + format_number(hi) + "]";
}

bool hypothetical(const json& row) { return row.value("hypothetical", false); }
bool vendor_only(const json& row) { return row.value("vendor_claims_only", false); }
bool vendor_claim(const json& row) { return row.value("unaudited", false) && !vendor_only(row); }
// Not products with audited or spec-sheet inputs: never ranked beside those, and drawn apart.
bool apart(const json& row) { return hypothetical(row) || vendor_only(row); }

// The platform as every table names it: a short tag after the id, spelled out in the legend, so
// the column stays narrow and the label is in every row.
constexpr const char* kHypTag = " (HYPOTHETICAL)";
constexpr const char* kVendorOnlyTag = " ⚠ UNAUDITED";
constexpr const char* kVendorClaimTag = " ⚠ vendor claim";
std::string platform(const json& row) {
  std::string s = row["hardware"].get<std::string>();
  if (hypothetical(row)) s += kHypTag;
  if (vendor_only(row)) s += kVendorOnlyTag;
  else if (vendor_claim(row)) s += kVendorClaimTag;
  return s;
}

struct Column {
  std::string header;
  std::string metric;
  double scale;
};
// Each workload's numbers in four tables of at most seven columns, so that every table fits a
// 1,280 px screen and an A4 page without hiding a column; the platform column repeats in each.
const std::vector<Column> kClosedForm = {
    {"decode tok/s per chip", "decode_tok_s_per_chip", 1},
    {"decode tok/s per deployment", "decode_tok_s_deployment", 1},
    {"tok/s per stream (batch 1)", "decode_tok_s_per_stream_batch1", 1},
    {"TTFT ms (batch 1)", "ttft_s", 1e3},
    {"J/token", "energy_J_per_token", 1},
    {"$/M tokens (CapEx)", "usd_per_mtok_capex", 1},
};
const std::vector<Column> kOfflineServer = {
    {"Offline tok/s per chip", "offline_output_tok_s_per_chip", 1},
    {"Offline tok/s per deployment", "offline_output_tok_s_deployment", 1},
    {"Server max req/s", "server_max_rate_req_s", 1},
    {"Server tok/s per chip", "server_output_tok_s_per_chip", 1},
    {"Server tok/s per deployment", "server_output_tok_s_deployment", 1},
};
const std::vector<Column> kStreamInteractive = {
    {"SingleStream p90 latency s", "single_stream_e2e_p90_s", 1},
    {"Interactive max req/s", "interactive_max_rate_req_s", 1},
    {"Interactive tok/s per chip", "interactive_output_tok_s_per_chip", 1},
    {"Interactive tok/s per deployment", "interactive_output_tok_s_deployment", 1},
};

std::string deployment_cell(const json& row) {
  if (row["chips"].is_null()) return "—";
  const long long n = row["chips"].get<long long>();
  std::string chips = std::to_string(n) + (n == 1 ? " chip" : " chips");
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

// `code` and **bold** as elements, everything else escaped: the only markup the document uses.
std::string inline_html(const std::string& s) {
  std::string o;
  bool code = false, bold = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '`') {
      o += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && s.compare(i, 2, "**") == 0) {
      o += bold ? "</strong>" : "<strong>";
      bold = !bold;
      ++i;
    } else {
      o += html_escape(std::string(1, s[i]));
    }
  }
  if (code) o += "</code>";
  if (bold) o += "</strong>";
  return o;
}

std::string pct(double fraction) { return format_number(fraction * 100) + " %"; }
// A limit as the suite wrote it (2, 0.45), not padded to three digits.
std::string plain(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep, const std::string& last_sep) {
  std::string o;
  for (size_t i = 0; i < parts.size(); ++i) o += (i == 0 ? "" : i + 1 == parts.size() ? last_sep : sep) + parts[i];
  return o;
}

std::vector<std::string> workloads_of(const json& results) {
  std::vector<std::string> ids;
  for (const auto& row : results["rows"]) {
    const std::string id = row["workload"].get<std::string>();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

// The first row of each platform, in the suite's order.
std::vector<const json*> platforms_of(const json& results) {
  std::vector<const json*> out;
  std::set<std::string> seen;
  for (const auto& row : results["rows"])
    if (seen.insert(row["hardware"].get<std::string>()).second) out.push_back(&row);
  return out;
}

// The document: blocks that report.md and report.html both render.
struct Table {
  std::vector<std::string> headers;
  std::string align;  // per column: 'l' text, 'n' number (right-aligned; "mid [low–high]" stacks in HTML)
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row_class;  // HTML styling only; the tags in the text say the same
};
struct Block {
  enum class Kind { kHeading, kParagraph, kList, kTable, kFigure };
  Kind kind = Kind::kParagraph;
  int level = 0;             // heading
  std::string text;          // heading, paragraph, figure caption
  std::string css;           // paragraph: an HTML class
  std::vector<std::string> items;
  Table table;
  std::string figure;        // figure id
};
struct Document {
  std::vector<Block> blocks;
  Block& add(Block::Kind kind) {
    blocks.emplace_back();
    blocks.back().kind = kind;
    return blocks.back();
  }
  void heading(int level, std::string text) {
    Block& b = add(Block::Kind::kHeading);
    b.level = level;
    b.text = std::move(text);
  }
  void paragraph(std::string text, std::string css = "") {
    Block& b = add(Block::Kind::kParagraph);
    b.text = std::move(text);
    b.css = std::move(css);
  }
  void list(std::vector<std::string> items) {
    if (!items.empty()) add(Block::Kind::kList).items = std::move(items);
  }
  void table(Table t) { add(Block::Kind::kTable).table = std::move(t); }
  void figure(std::string id, std::string caption) {
    Block& b = add(Block::Kind::kFigure);
    b.figure = std::move(id);
    b.text = std::move(caption);
  }
};

std::string row_class(const json& row) {
  if (!row["fits"].get<bool>()) return "nofit";
  if (hypothetical(row)) return "hyp";
  return row.value("unaudited", false) ? "vendor" : "";
}

// The tags a set of rows uses, spelled out (after every group of tables that shows them).
std::string legend(const std::vector<const json*>& rows) {
  bool hyp = false, only = false, claim = false;
  for (const json* r : rows) {
    hyp = hyp || hypothetical(*r);
    only = only || vendor_only(*r);
    claim = claim || vendor_claim(*r);
  }
  std::vector<std::string> parts;
  if (hyp) parts.push_back("(HYPOTHETICAL): a design target, not a product; every number an assumption");
  if (only) parts.push_back("⚠ UNAUDITED: vendor claims only, nothing audited or on a spec sheet");
  if (claim) parts.push_back("⚠ vendor claim: some inputs rest on an unaudited vendor claim");
  if (parts.empty()) return "";
  return "Tags: " + join(parts, "; ", "; ") + ".";
}

// The validation summary as plain lines: median and worst |relative error| per tag, rows skipped,
// and the calibration used. Empty when validation did not run.
std::vector<std::string> validation_lines(const json& r) {
  std::vector<std::string> lines;
  if (!r.contains("validation") || !r["validation"].value("available", false)) return lines;
  const json& v = r["validation"]["result"];
  if (!v.contains("summary")) return lines;
  lines.push_back("Predictions of the " + v.value("engine", std::string("analytic")) + " engine with calibration `" +
                  v.value("calibration", std::string("ideal")) + "` against `" + v.value("measurements_file", std::string("?")) + "`:");
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

bool calibrated(const json& row) { return row.value("accuracy_audited_rows", 0LL) > 0; }

// How well the model predicts a platform today, in a few words.
std::string accuracy_words(const json& row) {
  if (calibrated(row)) return pct(row["accuracy_held_out_median"].get<double>()) + " held out";
  return field(row, "accuracy_note").is_string() && row["accuracy_note"].get<std::string>().rfind("accuracy not stated", 0) == 0
             ? "not stated"
             : "uncalibrated projection";
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
    << "⚠ marks figures that rest on an unaudited vendor claim. Hypothetical hardware is drawn apart, in a panel and "
    << "on a scale of its own, in every figure; vendor-claims-only hardware likewise, except in the radar, which "
    << "leaves it out. Economics: "
    << r["economics"]["lifetime_years"].get<double>() << "-year life, utilization " << r["economics"]["utilization"].get<double>()
    << ", $" << r["economics"]["usd_per_kWh"].get<double>() << "/kWh.";
  return o.str();
}

// --- The summary ---------------------------------------------------------------------------------

struct Lead {
  std::string label, metric;
  bool higher;  // higher is better
};
const std::vector<Lead> kLeads = {
    {"Offline tok/s per chip", "offline_output_tok_s_per_chip", true},
    {"Server tok/s per chip", "server_output_tok_s_per_chip", true},
    {"$/M tokens (CapEx)", "usd_per_mtok_capex", false},
    {"J/token", "energy_J_per_token", false},
};

bool has_value(const json& row, const std::string& metric) {
  const json v = field(row, metric + "_mid");
  return row["fits"].get<bool>() && v.is_number() && v.get<double>() > 0;
}
double mid(const json& row, const std::string& m) { return row[m + "_mid"].get<double>(); }

// The rows of a workload with a value for the metric, best first (ties keep the suite's order).
std::vector<const json*> ranking(const json& r, const std::string& w, const Lead& lead, bool want_apart) {
  std::vector<const json*> out;
  for (const auto& row : r["rows"])
    if (row["workload"] == w && apart(row) == want_apart && has_value(row, lead.metric)) out.push_back(&row);
  std::stable_sort(out.begin(), out.end(), [&](const json* a, const json* b) {
    return lead.higher ? mid(*a, lead.metric) > mid(*b, lead.metric) : mid(*a, lead.metric) < mid(*b, lead.metric);
  });
  return out;
}
// How many times better a is than b (>= 1 when a leads).
double advantage(const json& a, const json& b, const Lead& lead) {
  return lead.higher ? mid(a, lead.metric) / mid(b, lead.metric) : mid(b, lead.metric) / mid(a, lead.metric);
}
bool ranges_overlap(const json& a, const json& b, const std::string& m) {
  return a[m + "_low"].get<double>() <= b[m + "_high"].get<double>() && b[m + "_low"].get<double>() <= a[m + "_high"].get<double>();
}
std::string times(double x) { return format_number(x) + "×"; }

void summary(Document& d, const json& r) {
  const auto platforms = platforms_of(r);
  const auto workloads = workloads_of(r);
  std::vector<const json*> all_rows;
  for (const auto& row : r["rows"]) all_rows.push_back(&row);
  std::vector<std::string> products, not_ranked;
  for (const json* p : platforms) (apart(*p) ? not_ranked : products).push_back((*p)["hardware"].get<std::string>());
  std::vector<std::string> not_ranked_tagged;
  for (const json* p : platforms)
    if (apart(*p)) not_ranked_tagged.push_back(platform(*p));

  d.heading(2, "Summary");
  // What was compared.
  std::ostringstream what;
  const json& sc = r.value("scenarios", json::object());
  auto slo = [&](const char* s) {
    if (!sc.contains(s) || !sc[s].contains("ttft_p99_s")) return std::string();
    return " (p99 TTFT ≤ " + plain(sc[s]["ttft_p99_s"].get<double>()) + " s, TPOT ≤ " +
           plain(sc[s]["tpot_p99_s"].get<double>()) + " s)";
  };
  what << "**What was compared.** " << platforms.size() << " platforms on " << workloads.size()
       << (workloads.size() == 1 ? " workload" : " workloads")
       << ", each in the closed form (decode at the workload's batch, with Monte Carlo ranges) and in four MLPerf-style "
          "serving scenarios simulated on the workload's request shapes: Offline, Server" << slo("server")
       << ", SingleStream and Interactive" << slo("interactive")
       << "; a workload may set its own limits (the lines under its tables say which). Baseline: `"
       << r.value("baseline_hardware", std::string("—")) << "`; calibration: `" << r["calibration"].get<std::string>() << "`.";
  d.paragraph(what.str());
  std::vector<std::string> plat_items;
  for (const json* p : platforms) {
    std::string unit;
    for (const auto& row : r["rows"])
      if (row["hardware"] == (*p)["hardware"] && row.value("deployment_policy", std::string()) == "server") {
        unit = "; unit: " + row.value("deployment_what", std::string("—"));
        break;
      }
    plat_items.push_back(platform(*p) + ": " + p->value("hardware_name", std::string("—")) + unit);
  }
  d.paragraph("Platforms:");
  d.list(plat_items);
  std::vector<std::string> work_items;
  for (const auto& w : workloads) {
    const json* f = nullptr;
    for (const auto& row : r["rows"])
      if (row["workload"] == w) { f = &row; break; }
    work_items.push_back(w + ": " + (*f)["model"].get<std::string>() + ", " + (*f)["weights_precision"].get<std::string>() +
                         " weights, " + f->value("kv_precision", std::string("?")) + " KV, batch " +
                         std::to_string((*f)["batch"].get<long long>()) + ", prompt " +
                         std::to_string((*f)["prompt_tokens"].get<long long>()) + " + output " +
                         std::to_string((*f)["output_tokens"].get<long long>()) + " tokens, `" +
                         (*f)["serving_workload"].get<std::string>() + "` request shapes; " +
                         ((*f)["deployment_policy"] == "server" ? "each platform's unit as sold"
                                                                : "on the fewest chips that hold the model"));
  }
  d.paragraph("Workloads:");
  d.list(work_items);

  // The yardstick of the model's error on a platform it has not seen: the largest held-out median
  // of the calibrated platforms (held out = left out of the fit).
  double yardstick = -1;
  std::vector<std::string> calibrated_names;
  for (const json* p : platforms)
    if (calibrated(*p)) {
      yardstick = std::max(yardstick, (*p)["accuracy_held_out_median"].get<double>());
      calibrated_names.push_back((*p)["hardware"].get<std::string>());
    }

  // The leaders.
  std::ostringstream lead_intro;
  lead_intro << "**Leaders.** Ranked among the " << products.size() << " products";
  if (!not_ranked_tagged.empty())
    lead_intro << "; " << join(not_ranked_tagged, ", ", " and ") << (not_ranked_tagged.size() == 1 ? " is" : " are")
               << " not ranked beside them, the last column says where " << (not_ranked_tagged.size() == 1 ? "it" : "they")
               << " would lead";
  lead_intro << ". Values at mid; margin = the leader over the runner-up (higher is better for tok/s, lower for "
                "$/M tokens and J/token).";
  d.paragraph(lead_intro.str());
  Table t;
  t.headers = {"workload", "metric", "leader", "margin", "runner-up", "leader's accuracy today"};
  t.align = "llllll";
  if (!not_ranked.empty()) {
    t.headers.push_back("not ranked (hypothetical, vendor claims only)");
    t.align += "l";
  }
  int leads = 0, leads_uncalibrated = 0, leads_vendor = 0, leads_close = 0;
  std::vector<std::string> without_claims;  // where the leader rests on a vendor claim: the best that does not
  std::map<std::string, int> apart_would_lead;
  for (const auto& w : workloads)
    for (const auto& lead : kLeads) {
      const auto ranked = ranking(r, w, lead, false);
      const auto others = ranking(r, w, lead, true);
      std::vector<std::string> row = {w, lead.label};
      const json* top = ranked.empty() ? nullptr : ranked[0];
      if (!top) {
        row.insert(row.end(), {"no product has a value", "—", "—", "—"});
      } else {
        ++leads;
        if (!calibrated(*top)) ++leads_uncalibrated;
        if (top->value("unaudited", false)) {
          ++leads_vendor;
          const auto clean = std::find_if(ranked.begin(), ranked.end(), [](const json* x) { return !x->value("unaudited", false); });
          without_claims.push_back(w + " " + lead.label + ": " +
                                   (clean == ranked.end() ? std::string("none")
                                                          : platform(**clean) + " (" + format_number(mid(**clean, lead.metric)) + ")"));
        }
        row.push_back(platform(*top) + ": " + format_number(mid(*top, lead.metric)));
        if (ranked.size() > 1) {
          const json& second = *ranked[1];
          const double m = advantage(*top, second, lead);
          std::vector<std::string> why;
          if (ranges_overlap(*top, second, lead.metric)) why.push_back("ranges overlap");
          if (yardstick >= 0 && m - 1 < yardstick) why.push_back("within model error");
          if (!why.empty()) ++leads_close;
          row.push_back(times(m) + (why.empty() ? "" : " (" + join(why, ", ", ", ") + ")"));
          row.push_back(platform(second) + ": " + format_number(mid(second, lead.metric)));
        } else {
          row.push_back("—");
          row.push_back("none (the only product with a value)");
        }
        row.push_back(accuracy_words(*top));
      }
      if (!not_ranked.empty()) {
        if (others.empty()) {
          row.push_back("no value");
        } else if (!top || advantage(*others[0], *top, lead) > 1) {
          ++apart_would_lead[(*others[0])["hardware"].get<std::string>()];
          row.push_back("would lead: " + platform(*others[0]) + ": " + format_number(mid(*others[0], lead.metric)) +
                        (top ? ", " + times(advantage(*others[0], *top, lead)) + " the leader" : ""));
        } else {
          row.push_back("best: " + platform(*others[0]) + ": " + format_number(mid(*others[0], lead.metric)) +
                        ", behind the leader");
        }
      }
      t.rows.push_back(std::move(row));
      t.row_class.push_back("");
    }
  d.table(std::move(t));
  std::string notes = "A platform with no value for a metric (the model does not fit, or no arrival rate meets the "
                      "scenario's SLO) is not ranked on it. Ranges overlap: the Monte Carlo ranges of the leader and "
                      "the runner-up overlap, so the inputs' uncertainty alone could reverse the order.";
  if (yardstick >= 0)
    notes += " Within model error: the margin is smaller than the model's held-out median |error| (" + pct(yardstick) +
             (calibrated_names.size() == 1 ? ", on " + calibrated_names[0] : ", the largest among the calibrated platforms") +
             "), so its error on a platform it has not seen could reverse it.";
  d.paragraph(notes);
  const std::string tags = legend(all_rows);
  if (!tags.empty()) d.paragraph(tags, "legend");

  // How far to trust them.
  std::ostringstream trust;
  trust << "**How far to trust the leaders.** ";
  if (r.value("accuracy", json()).is_null()) {
    trust << "The suite names no calibrate summary, so the report does not state how well the model predicts any "
             "platform: every number is a projection.";
  } else if (calibrated_names.empty()) {
    trust << "No platform in this suite has an audited measurement: every number is an uncalibrated projection.";
  } else {
    std::vector<std::string> each;
    for (const json* p : platforms)
      if (calibrated(*p))
        each.push_back((*p)["hardware"].get<std::string>() + " (" + std::to_string((*p)["accuracy_audited_rows"].get<long long>()) +
                       " audited rows; median |error| " + pct((*p)["accuracy_held_out_median"].get<double>()) +
                       " held out, " + pct((*p)["accuracy_fitted_median"].get<double>()) + " fitted)");
    trust << "The model is checked against audited measurements on " << calibrated_names.size() << " of "
          << platforms.size() << " platforms: " << join(each, ", ", " and ") << ".";
  }
  if (leads > 0 && !r.value("accuracy", json()).is_null())
    trust << " Of the " << leads << " leads above, " << leads_uncalibrated << " go to platforms with no audited "
          << "measurement (uncalibrated projections), " << leads_vendor << " rest on unaudited vendor claims and "
          << leads_close << " are close calls (ranges overlap or within model error).";
  if (!without_claims.empty())
    trust << " Where the leader rests on a vendor claim, the best product that does not: " << join(without_claims, "; ", "; ")
          << ".";
  d.paragraph(trust.str());

  // What is projection and what is calibrated.
  std::vector<std::string> items;
  if (!calibrated_names.empty()) items.push_back("Calibrated against audited measurements: " + join(calibrated_names, ", ", " and ") + ".");
  std::vector<std::string> uncal;
  for (const json* p : platforms)
    if (!calibrated(*p)) uncal.push_back((*p)["hardware"].get<std::string>() + " (`" + p->value("calibration", std::string("ideal")) + "`)");
  if (!uncal.empty())
    items.push_back("Uncalibrated projections (no audited measurement; each runs with the calibration named): " +
                    join(uncal, ", ", " and ") + ".");
  std::vector<std::string> claim, only, hyp;
  for (const json* p : platforms) {
    const std::string hw = (*p)["hardware"].get<std::string>();
    bool any_claim = false;
    for (const json* row : all_rows) any_claim = any_claim || ((*row)["hardware"] == hw && vendor_claim(*row));
    if (hypothetical(*p)) hyp.push_back(hw);
    else if (vendor_only(*p)) only.push_back(hw);
    else if (any_claim) claim.push_back(hw);
  }
  if (!claim.empty()) items.push_back("Resting in part on unaudited vendor claims (ranked, tagged ⚠ vendor claim): " + join(claim, ", ", " and ") + ".");
  if (!only.empty()) items.push_back("Vendor claims only, nothing audited (tagged ⚠ UNAUDITED, not ranked): " + join(only, ", ", " and ") + ".");
  if (!hyp.empty())
    items.push_back("Hypothetical design targets, every number an assumption (tagged (HYPOTHETICAL), not ranked): " +
                    join(hyp, ", ", " and ") + ".");
  std::vector<std::string> nofit;
  for (const json* p : platforms) {
    std::vector<std::string> where;
    for (const json* row : all_rows)
      if ((*row)["hardware"] == (*p)["hardware"] && !(*row)["fits"].get<bool>()) {
        std::string s = (*row)["status"].get<std::string>();
        if (s.rfind("does not fit: ", 0) == 0) s = s.substr(14);
        where.push_back((*row)["workload"].get<std::string>() + " (" + s + ")");
      }
    if (!where.empty()) nofit.push_back((*p)["hardware"].get<std::string>() + " on " + join(where, ", ", " and "));
  }
  if (!nofit.empty()) items.push_back("No numbers where the model does not fit: " + join(nofit, "; ", "; ") + ".");
  if (!not_ranked.empty() && leads > 0) {
    std::vector<std::string> would;
    for (const json* p : platforms)
      if (apart(*p))
        would.push_back(platform(*p) + " on " + std::to_string(apart_would_lead[(*p)["hardware"].get<std::string>()]) +
                        " of the " + std::to_string(workloads.size() * kLeads.size()) + " metrics");
    items.push_back("Would lead if ranked: " + join(would, "; ", "; ") +
                    ". Not products with audited or spec-sheet numbers: tagged in every table and drawn apart in "
                    "every figure.");
  }
  d.paragraph("**What is projection and what is calibrated.**");
  d.list(items);
}

// --- The rest of the document --------------------------------------------------------------------

Table metric_table(const json& r, const std::string& w, const std::vector<Column>& columns, bool with_status) {
  Table t;
  t.headers = {"platform"};
  t.align = "l";
  if (with_status) {
    t.headers.push_back("status");
    t.align += "l";
  }
  for (const auto& c : columns) {
    t.headers.push_back(c.header);
    t.align += "n";
  }
  for (const auto& row : r["rows"]) {
    if (row["workload"] != w) continue;
    std::vector<std::string> cells = {platform(row)};
    if (with_status) cells.push_back(row["status"].get<std::string>());
    for (const auto& c : columns) cells.push_back(ranged(row, c.metric, c.scale));
    t.rows.push_back(std::move(cells));
    t.row_class.push_back(row_class(row));
  }
  return t;
}

// The captions say what the figures draw for this suite: which hardware is set apart, and why.
std::vector<std::pair<std::string, std::string>> figure_captions(const json& r) {
  bool hyp = false, only = false;
  for (const auto& row : r["rows"]) {
    hyp = hyp || hypothetical(row);
    only = only || vendor_only(row);
  }
  const std::string kinds = hyp && only ? "Hypothetical and vendor-claims-only hardware"
                            : hyp       ? "Hypothetical hardware"
                                        : "Vendor-claims-only hardware";
  const std::string kinds_lower = hyp && only ? "hypothetical and vendor-claims-only hardware"
                                  : hyp       ? "hypothetical hardware"
                                              : "vendor-claims-only hardware";
  const std::string radar_apart = hyp ? " Products on the left; the hypothetical design target on the right with the "
                                        "baseline for reference, each panel on its own scale."
                                      : "";
  return {
      {"fig1_radar", "Fig. 1: six-axis radar, per deployment, normalised to the baseline (log scale; software maturity "
                     "absolute 0–10); band = Monte Carlo low–high." + radar_apart +
                     (only ? " Vendor-claims-only hardware excluded." : "")},
      {"fig2_usd_per_mtok", "Fig. 2: CapEx-amortised $ per million decoded tokens (log scale), per workload. Hatched "
                            "= rests on an unaudited vendor claim; dotted outline = rests on assumptions (projection); "
                            "solid = spec-sheet inputs only; whiskers = Monte Carlo low–high." +
                            (hyp || only ? " " + kinds + " in the shaded right-hand panel, on its own scale." : "")},
      {"fig3_J_per_token", "Fig. 3: energy per decoded token (J, log scale); same conventions as Fig. 2."},
      {"fig4_pareto", "Fig. 4: batch-vs-latency Pareto curves (offline, batch cap swept): throughput per chip "
                      "against p99 TPOT; frontier points filled." +
                      (hyp || only ? " Products on the left; " + kinds_lower +
                                         " on the right with the baseline for reference, each on its own scale."
                                   : "")},
      {"fig5_validation", "Fig. 5: validation, predicted / measured per published measurement (1 = exact), "
                          "throughput and latency metrics in separate panels, each on its own scale."}};
}

Document build(const json& r) {
  Document d;
  d.heading(1, "infersim report: suite `" + r["suite"]["id"].get<std::string>() + "`");
  d.paragraph(r["suite"]["description"].get<std::string>() + ".");
  summary(d, r);

  d.heading(2, "How to read this report");
  d.paragraph(intro(r), "note");
  std::vector<const json*> all_rows;
  for (const auto& row : r["rows"]) all_rows.push_back(&row);
  const std::string tags = legend(all_rows);
  if (!tags.empty()) d.paragraph(tags, "legend");
  d.paragraph("Units: tok/s = output tokens per second; per chip = per accelerator as its descriptor counts one "
              "(a whole wafer, for a wafer-scale part); per deployment = the whole deployment named in its row; per stream = one "
              "request's decode speed; TTFT = time to first token; TPOT = time per output token; req/s = the highest "
              "arrival rate that meets the scenario's p99 limits; J/token = energy per output token; $/M tokens = "
              "CapEx amortised per million output tokens; k tokens = thousands of tokens. — = no number (the model "
              "does not fit, or no rate meets the limits).",
              "legend");
  d.paragraph("Inputs, build and command line: `manifest.json` (re-run and compare: `infersim report --verify "
              "manifest.json`). Machine-readable results: `results.json`, `results.csv` (same fields).");

  d.heading(2, "How well the model predicts each platform today");
  d.paragraph("Median |error| against audited MLPerf results, computed by `infersim calibrate`" +
              (r.value("accuracy", json()).is_null() ? std::string() : " (`" + r["accuracy"].get<std::string>() + "`)") +
              ": held out = the platform left out of the fit (what to expect of a platform the model has not seen), "
              "fitted = in-sample. A platform with no audited measurement is an uncalibrated projection.");
  Table acc;
  acc.headers = {"platform", "calibration", "audited rows", "held out", "fitted"};
  acc.align = "llnnn";
  for (const json* p : platforms_of(r)) {
    const json& row = *p;
    const long long n = row.value("accuracy_audited_rows", 0LL);
    const json held = field(row, "accuracy_held_out_median"), fit = field(row, "accuracy_fitted_median");
    acc.rows.push_back({platform(row), row.value("calibration", std::string("ideal")), std::to_string(n),
                        n == 0 ? std::string("uncalibrated projection") : held.is_null() ? "—" : pct(held.get<double>()),
                        fit.is_null() ? "—" : pct(fit.get<double>())});
    acc.row_class.push_back(hypothetical(row) ? "hyp" : row.value("unaudited", false) ? "vendor" : "");
  }
  d.table(std::move(acc));

  d.heading(2, "Figures");
  for (const auto& [id, caption] : figure_captions(r)) d.figure(id, caption);

  for (const auto& w : workloads_of(r)) {
    const json* first = nullptr;
    std::vector<const json*> rows;
    for (const auto& row : r["rows"])
      if (row["workload"] == w) {
        if (!first) first = &row;
        rows.push_back(&row);
      }
    const std::string batch = std::to_string((*first)["batch"].get<long long>());
    d.heading(2, w + ": " + (*first)["model"].get<std::string>() + " (" + (*first)["weights_precision"].get<std::string>() +
                     " weights), batch " + batch + ", prompt " + std::to_string((*first)["prompt_tokens"].get<long long>()) +
                     " + output " + std::to_string((*first)["output_tokens"].get<long long>()) + " tokens; deployment: " +
                     ((*first)["deployment_policy"] == "server" ? "the suite's per-platform unit (as sold)"
                                                                : "the fewest chips that hold the model"));
    d.heading(3, "Deployment");
    Table dep;
    dep.headers = {"platform", "deployment", "status", "context supported (k tokens)", "weakest tag"};
    dep.align = "lllnl";
    for (const json* row : rows) {
      dep.rows.push_back({platform(*row), deployment_cell(*row), (*row)["status"].get<std::string>(),
                          ranged(*row, "context_tokens_supported", 1e-3),
                          (*row)["weakest_tag"].is_null() ? "—" : (*row)["weakest_tag"].get<std::string>()});
      dep.row_class.push_back(row_class(*row));
    }
    d.table(std::move(dep));
    d.heading(3, "Closed form (decode at batch " + batch + ")");
    d.table(metric_table(r, w, kClosedForm, false));
    d.heading(3, "MLPerf-style scenarios: Offline and Server (serving simulation, `" +
                     (*first)["serving_workload"].get<std::string>() + "` request shapes)");
    d.table(metric_table(r, w, kOfflineServer, false));
    d.heading(3, "MLPerf-style scenarios: SingleStream and Interactive");
    d.table(metric_table(r, w, kStreamInteractive, false));
    const std::string tags_here = legend(rows);
    if (!tags_here.empty()) d.paragraph(tags_here, "legend");
    d.paragraph("The scenarios' limits and how each rate was found:");
    std::vector<std::string> slo;
    for (const json* row : rows) {
      if (!(*row)["fits"].get<bool>()) continue;
      slo.push_back(platform(*row) + ": Server " + (*row)["server_status"].get<std::string>() + "; Interactive " +
                    (*row)["interactive_status"].get<std::string>());
    }
    d.list(slo);
  }
  d.heading(2, "Validation");
  d.paragraph(r.contains("validation") ? r["validation"]["note"].get<std::string>() : "—");
  d.list(validation_lines(r));
  // The validation command runs its own calibration; say so where it is not the tables' one, or a
  // reader would take its errors for the errors of the numbers above.
  if (r.contains("validation") && r["validation"].value("available", false) && r["validation"]["result"].contains("calibration")) {
    const std::string vc = r["validation"]["result"]["calibration"].get<std::string>(), rc = r["calibration"].get<std::string>();
    if (vc != rc)
      d.paragraph("These predictions use calibration `" + vc + "`, not the tables' `" + rc + "`: they measure that " +
                  "model, and Fig. 5 shows them; how well the tables' model predicts each platform is the held-out " +
                  "column of \"How well the model predicts each platform today\".");
  }
  return d;
}

std::string md_cell(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
  return o;
}

std::string markdown(const Document& d) {
  std::ostringstream o;
  for (const auto& b : d.blocks) {
    switch (b.kind) {
      case Block::Kind::kHeading: o << std::string(b.level, '#') << " " << b.text << "\n\n"; break;
      case Block::Kind::kParagraph: o << b.text << "\n\n"; break;
      case Block::Kind::kList:
        for (const auto& i : b.items) o << "- " << i << "\n";
        o << "\n";
        break;
      case Block::Kind::kTable: {
        const Table& t = b.table;
        o << "|";
        for (const auto& h : t.headers) o << " " << md_cell(h) << " |";
        o << "\n|";
        for (char a : t.align) o << (a == 'n' ? "---:|" : "---|");
        o << "\n";
        for (const auto& row : t.rows) {
          o << "|";
          for (const auto& c : row) o << " " << md_cell(c) << " |";
          o << "\n";
        }
        o << "\n";
        break;
      }
      case Block::Kind::kFigure: o << "![" << b.figure << "](figures/" << b.figure << ".png)\n\n" << b.text << "\n\n"; break;
    }
  }
  std::string s = o.str();
  while (s.size() > 1 && s[s.size() - 1] == '\n' && s[s.size() - 2] == '\n') s.pop_back();
  return s;
}

// A "mid [low–high]" cell as the mid over its range, which halves the column's width.
std::string html_number(const std::string& s) {
  const size_t p = s.find(" [");
  if (p == std::string::npos || s.back() != ']') return inline_html(s);
  return inline_html(s.substr(0, p)) + " <span class=\"rng\">" + inline_html(s.substr(p + 1)) + "</span>";
}

// Tables wrap instead of scrolling (no column is ever hidden behind a scroll bar); the same rules
// serve print and a narrow window, so a window A4's text width wide shows what the printed page will.
constexpr const char* kCss =
    "*,*::before,*::after{box-sizing:border-box}\n"
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;"
    "color:#1a1a1a;line-height:1.45}\n"
    "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #ddd}h3{font-size:1.05em;color:#444}\n"
    "h2,h3{break-after:avoid}\n"
    "table{border-collapse:collapse;font-size:0.82em;margin:0.5em 0 1em;max-width:100%}\n"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:break-word}\n"
    "th{background:#f2f2f2;font-weight:600}th.n,td.n{text-align:right}td.n{white-space:nowrap}\n"
    ".rng{display:block;color:#555;font-size:0.88em}\n"
    "tr.vendor td{background:#fff1f0}tr.hyp td{background:#eef2fb}tr.nofit td{color:#777;font-style:italic}\n"
    "tr{break-inside:avoid}\n"
    ".note{background:#f6f8fa;border-left:4px solid #888;padding:0.6em 1em}\n"
    ".legend{font-size:0.88em;color:#333}\n"
    "figure{margin:1.5em 0;break-inside:avoid}figure img{max-width:100%;height:auto;border:1px solid #eee}"
    "figcaption{font-size:0.9em;color:#444}\n"
    ".warn{color:#b00020;font-weight:600}\n"
    "@page{size:A4;margin:12mm}\n"
    "@media print,screen and (max-width:760px){body{margin:0 auto;padding:0 0.3em;font-size:10pt}"
    "table{font-size:7.5pt}th,td{padding:2px 3px}.rng{white-space:normal}h2{margin-top:1.2em}}\n";

std::string html(const Document& d, const json& r, const std::map<std::string, std::string>& figure_svgs) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>infersim report: " << html_escape(r["suite"]["id"].get<std::string>()) << "</title>\n<style>\n"
    << kCss << "</style></head><body>\n";
  for (const auto& b : d.blocks) {
    switch (b.kind) {
      case Block::Kind::kHeading:
        o << "<h" << b.level << ">" << inline_html(b.text) << "</h" << b.level << ">\n";
        break;
      case Block::Kind::kParagraph:
        o << (b.css.empty() ? std::string("<p>") : "<p class=\"" + b.css + "\">") << inline_html(b.text) << "</p>\n";
        break;
      case Block::Kind::kList:
        o << "<ul>\n";
        for (const auto& i : b.items) o << "<li>" << inline_html(i) << "</li>\n";
        o << "</ul>\n";
        break;
      case Block::Kind::kTable: {
        const Table& t = b.table;
        o << "<table><thead><tr>";
        for (size_t i = 0; i < t.headers.size(); ++i)
          o << (t.align[i] == 'n' ? "<th class=\"n\">" : "<th>") << inline_html(t.headers[i]) << "</th>";
        o << "</tr></thead><tbody>\n";
        for (size_t k = 0; k < t.rows.size(); ++k) {
          o << (t.row_class[k].empty() ? std::string("<tr>") : "<tr class=\"" + t.row_class[k] + "\">");
          for (size_t i = 0; i < t.rows[k].size(); ++i)
            o << (t.align[i] == 'n' ? "<td class=\"n\">" + html_number(t.rows[k][i]) : "<td>" + inline_html(t.rows[k][i]))
              << "</td>";
          o << "</tr>\n";
        }
        o << "</tbody></table>\n";
        break;
      }
      case Block::Kind::kFigure: {
        auto it = figure_svgs.find(b.figure);
        o << "<figure>";
        if (it == figure_svgs.end())
          o << "<p class=\"warn\">figure " << b.figure << " not drawn (scripts/figures.py did not run)</p>";
        else
          o << "<img alt=\"" << b.figure << "\" src=\"data:image/svg+xml;base64," << it->second << "\">";
        o << "<figcaption>" << inline_html(b.text) << "</figcaption></figure>\n";
        break;
      }
    }
  }
  o << "</body></html>\n";
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

std::string results_markdown(const json& r) { return markdown(build(r)); }

std::string results_html(const json& r, const std::map<std::string, std::string>& figure_svgs) {
  return html(build(r), r, figure_svgs);
}

}  // namespace infersim::report
