#include "validation/calibrate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim {

namespace {
constexpr const char* kSchema = "infersim-calibration/1";
constexpr const char* kKind = "hardware/calibration";
constexpr double kUnrunnablePenalty = 2.302585092994046 * 2.302585092994046;  // (ln 10)^2
constexpr double kOverheadScale_s = 1e-3;      // step overhead = 1 ms * exp(x)
constexpr double kLayerOverheadScale_s = 1e-5; // layer overhead = 10 us * exp(x)
constexpr double kInitialStep = 0.6;           // initial simplex edge in the transformed space
constexpr double kMinOverhead_s = 1e-9;

using Point = std::array<double, 4>;

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) {
  p = std::clamp(p, 1e-6, 1.0 - 1e-6);
  return std::log(p / (1.0 - p));
}

Calibration from_point(const Point& x, const Calibration& start) {
  Calibration c = start;
  c.compute_efficiency = logistic(x[0]);
  c.memory_efficiency = logistic(x[1]);
  c.step_overhead = Seconds(kOverheadScale_s * std::exp(x[2]));
  c.layer_overhead = Seconds(kLayerOverheadScale_s * std::exp(x[3]));
  return c;
}
Point to_point(const Calibration& c) {
  return {logit(c.compute_efficiency), logit(c.memory_efficiency),
          std::log(std::max(c.step_overhead.si(), kMinOverhead_s) / kOverheadScale_s),
          std::log(std::max(c.layer_overhead.si(), kMinOverhead_s) / kLayerOverheadScale_s)};
}
}  // namespace

std::vector<std::string> bundled_calibrations() {
  std::vector<std::string> ids = {"ideal"};
  for (auto& id : bundled_ids(kKind)) ids.push_back(id);
  return ids;
}

Calibration read_calibration_file(const std::string& path) {
  const nlohmann::json doc = read_json_file(path);
  if (!doc.is_object()) throw InputError(path, "", "expected a JSON object (schema " + std::string(kSchema) + ")");
  ObjectReader r(doc, path, "");
  r.require_enum("schema", {kSchema});
  Calibration c;
  c.name = r.require_string("id");
  r.require_string("description");
  r.require_string("software");
  auto efficiency = [&](const std::string& key) {
    const double v = r.require_number(key);
    if (v > 1.0) r.fail(key, "an efficiency is a fraction of peak in (0, 1], found " + std::to_string(v));
    return v;
  };
  c.compute_efficiency = efficiency("compute_efficiency");
  c.memory_efficiency = efficiency("memory_efficiency");
  c.network_efficiency = efficiency("network_efficiency");
  c.step_overhead = Seconds(r.require_number("step_overhead_s", true));
  c.layer_overhead = Seconds(r.require_number("layer_overhead_s", true));
  r.allow({"fit"});  // the fit's record (inputs, residuals): documentation, not read back
  r.finish();
  return c;
}

Calibration load_calibration(const std::string& name_or_path) {
  if (name_or_path == "ideal") return Calibration{};
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".json");
  if (looks_like_path) {
    if (!std::filesystem::exists(name_or_path)) throw InputError(name_or_path, "(file)", "no such file");
    return read_calibration_file(name_or_path);
  }
  const std::filesystem::path bundled = std::filesystem::path(data_dir()) / kKind / (name_or_path + ".json");
  if (std::filesystem::exists(bundled)) return read_calibration_file(bundled.string());
  const auto ids = bundled_calibrations();
  const std::string hint = closest_match(name_or_path, ids);
  throw InputError("--calibration", name_or_path,
                   "unknown calibration" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                       "; accepted values: " + join_alternatives(ids) + "; or the path of a JSON file");
}

double mean_squared_log_error(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                              const Calibration& c) {
  if (rows.empty()) return 0;
  PredictOptions o = base;
  o.calibration = c;
  double sum = 0;
  for (size_t i : rows) {
    const Prediction p = predict(set.rows.at(i), o);
    if (!p.ran) {
      sum += kUnrunnablePenalty;
      continue;
    }
    const double l = std::log(p.predicted / p.measured);
    sum += l * l;
  }
  return sum / static_cast<double>(rows.size());
}

FitResult fit_calibration(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                          const FitOptions& fit) {
  FitResult out;
  for (size_t i : rows) out.rows.push_back(set.rows.at(i).id);
  auto f = [&](const Point& x) {
    ++out.evaluations;
    return mean_squared_log_error(set, rows, base, from_point(x, fit.start));
  };
  // Nelder-Mead, standard coefficients (reflection 1, expansion 2, contraction 0.5, shrink 0.5).
  constexpr size_t n = 4;
  std::array<Point, n + 1> simplex;
  std::array<double, n + 1> value{};
  simplex[0] = to_point(fit.start);
  for (size_t i = 0; i < n; ++i) {
    simplex[i + 1] = simplex[0];
    simplex[i + 1][i] += kInitialStep;
  }
  for (size_t i = 0; i <= n; ++i) value[i] = f(simplex[i]);
  out.objective_start = value[0];
  while (out.evaluations < fit.max_evaluations) {
    std::array<size_t, n + 1> order{};
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return value[a] < value[b]; });
    const size_t best = order[0], worst = order[n], second = order[n - 1];
    if (value[worst] - value[best] < fit.tolerance) break;
    Point centroid{};
    for (size_t k = 0; k < n; ++k) {
      const size_t i = order[k];
      for (size_t d = 0; d < n; ++d) centroid[d] += simplex[i][d] / static_cast<double>(n);
    }
    auto along = [&](double t) {
      Point p;
      for (size_t d = 0; d < n; ++d) p[d] = centroid[d] + t * (simplex[worst][d] - centroid[d]);
      return p;
    };
    const Point reflected = along(-1.0);
    const double fr = f(reflected);
    if (fr < value[best]) {
      const Point expanded = along(-2.0);
      const double fe = f(expanded);
      if (fe < fr) simplex[worst] = expanded, value[worst] = fe;
      else simplex[worst] = reflected, value[worst] = fr;
      continue;
    }
    if (fr < value[second]) {
      simplex[worst] = reflected, value[worst] = fr;
      continue;
    }
    const bool outside = fr < value[worst];
    const Point contracted = along(outside ? -0.5 : 0.5);
    const double fc = f(contracted);
    if (fc < std::min(fr, value[worst])) {
      simplex[worst] = contracted, value[worst] = fc;
      continue;
    }
    for (size_t k = 1; k <= n; ++k) {
      const size_t i = order[k];
      for (size_t d = 0; d < n; ++d) simplex[i][d] = simplex[best][d] + 0.5 * (simplex[i][d] - simplex[best][d]);
      value[i] = f(simplex[i]);
    }
  }
  const size_t best = static_cast<size_t>(std::min_element(value.begin(), value.end()) - value.begin());
  out.fitted = from_point(simplex[best], fit.start);
  out.objective = value[best];
  return out;
}

nlohmann::json calibration_to_json(const Calibration& c, const nlohmann::json& extra) {
  nlohmann::json j = {{"schema", kSchema},
                      {"id", c.name},
                      {"compute_efficiency", c.compute_efficiency},
                      {"memory_efficiency", c.memory_efficiency},
                      {"network_efficiency", c.network_efficiency},
                      {"step_overhead_s", c.step_overhead.si()},
                      {"layer_overhead_s", c.layer_overhead.si()}};
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

}  // namespace infersim
