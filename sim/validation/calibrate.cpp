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
constexpr double kUnrunnablePenalty = 2.302585092994046 * 2.302585092994046;  // (ln 10)^2
constexpr double kInitialStep = 0.6;           // initial simplex edge in the transformed space
constexpr double kMinPositive = 1e-12;
double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) {
  p = std::clamp(p, 1e-6, 1.0 - 1e-6);
  return std::log(p / (1.0 - p));
}
}  // namespace

const std::vector<FittedTerm>& fitted_terms() {
  // Each term: its name, whether it is an efficiency (logistic map) or a positive scale (exp map
  // around `scale`), and how to read and write it on a Calibration.
  static const std::vector<FittedTerm> terms = {
      {"compute_efficiency", true, 1.0, [](const Calibration& c) { return c.compute_efficiency; },
       [](Calibration& c, double v) { c.compute_efficiency = v; }},
      {"weight_bandwidth_efficiency", true, 1.0, [](const Calibration& c) { return c.weight_bandwidth_efficiency; },
       [](Calibration& c, double v) { c.weight_bandwidth_efficiency = v; }},
      {"kv_bandwidth_efficiency", true, 1.0, [](const Calibration& c) { return c.kv_bandwidth_efficiency; },
       [](Calibration& c, double v) { c.kv_bandwidth_efficiency = v; }},
      {"gemm_half_tokens", false, 32.0, [](const Calibration& c) { return c.gemm_half_tokens; },
       [](Calibration& c, double v) { c.gemm_half_tokens = v; }},
      {"layer_overhead_s", false, 1e-5, [](const Calibration& c) { return c.layer_overhead.si(); },
       [](Calibration& c, double v) { c.layer_overhead = Seconds(v); }},
      {"moe_layer_overhead_s", false, 1e-5, [](const Calibration& c) { return c.moe_layer_overhead.si(); },
       [](Calibration& c, double v) { c.moe_layer_overhead = Seconds(v); }},
      {"step_overhead_s", false, 1e-3, [](const Calibration& c) { return c.step_overhead.si(); },
       [](Calibration& c, double v) { c.step_overhead = Seconds(v); }},
      {"sequence_overhead_s", false, 1e-6, [](const Calibration& c) { return c.sequence_overhead.si(); },
       [](Calibration& c, double v) { c.sequence_overhead = Seconds(v); }},
  };
  return terms;
}

namespace {
using Point = std::vector<double>;

Calibration from_point(const Point& x, const Calibration& start, const std::vector<size_t>& which) {
  Calibration c = start;
  const auto& terms = fitted_terms();
  for (size_t k = 0; k < which.size(); ++k) {
    const FittedTerm& t = terms[which[k]];
    t.set(c, t.efficiency ? logistic(x[k]) : t.scale * std::exp(x[k]));
  }
  return c;
}
Point to_point(const Calibration& c, const std::vector<size_t>& which) {
  Point x;
  const auto& terms = fitted_terms();
  for (size_t i : which) {
    const FittedTerm& t = terms[i];
    const double v = t.get(c);
    x.push_back(t.efficiency ? logit(v) : std::log(std::max(v, kMinPositive) / t.scale));
  }
  return x;
}
std::vector<size_t> term_indices(const std::vector<std::string>& names) {
  std::vector<size_t> out;
  const auto& terms = fitted_terms();
  for (const auto& n : names) {
    size_t i = 0;
    while (i < terms.size() && terms[i].name != n) ++i;
    if (i == terms.size()) {
      std::vector<std::string> valid;
      for (const auto& t : terms) valid.push_back(t.name);
      throw InputError("--fit", n, "unknown term; accepted values: " + join_alternatives(valid));
    }
    out.push_back(i);
  }
  return out;
}
}  // namespace

double mean_squared_log_error(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                              const Calibration& c, const std::vector<double>& correction) {
  if (rows.empty()) return 0;
  PredictOptions o = base;
  o.calibration = c;
  // Each row's term is computed independently (validation.hpp for_each_index), then summed in row
  // order: the same sum whatever the scheduling.
  std::vector<double> terms(rows.size(), 0.0);
  for_each_index(rows.size(), [&](size_t k) {
    Prediction p;
    try {
      p = predict(set.rows.at(rows[k]), o);
    } catch (const std::exception&) {
      p.ran = false;  // a candidate the row cannot run at
    }
    const double k_corr = correction.empty() ? 1.0 : correction[k];
    terms[k] = p.ran ? std::pow(std::log(p.predicted * k_corr / p.measured), 2) : kUnrunnablePenalty;
  });
  double sum = 0;
  for (double t : terms) sum += t;
  return sum / static_cast<double>(rows.size());
}

FitResult fit_calibration(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                          const FitOptions& fit) {
  FitResult out;
  for (size_t i : rows) out.rows.push_back(set.rows.at(i).id);
  const std::vector<size_t> which = term_indices(fit.terms);
  const size_t n = which.size();
  auto f = [&](const Point& x) {
    ++out.evaluations;
    return mean_squared_log_error(set, rows, base, from_point(x, fit.start, which), fit.correction);
  };
  // Nelder-Mead, standard coefficients (reflection 1, expansion 2, contraction 0.5, shrink 0.5).
  std::vector<Point> simplex(n + 1);
  std::vector<double> value(n + 1);
  simplex[0] = to_point(fit.start, which);
  for (size_t i = 0; i < n; ++i) {
    simplex[i + 1] = simplex[0];
    simplex[i + 1][i] += kInitialStep;
  }
  for (size_t i = 0; i <= n; ++i) value[i] = f(simplex[i]);
  out.objective_start = value[0];
  while (n > 0 && out.evaluations < fit.max_evaluations) {
    std::vector<size_t> order(n + 1);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return value[a] < value[b]; });
    const size_t best = order[0], worst = order[n], second = order[n - 1];
    if (value[worst] - value[best] < fit.tolerance) break;
    Point centroid(n, 0.0);
    for (size_t k = 0; k < n; ++k) {
      const size_t i = order[k];
      for (size_t d = 0; d < n; ++d) centroid[d] += simplex[i][d] / static_cast<double>(n);
    }
    auto along = [&](double t) {
      Point p(n);
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
  out.fitted = from_point(simplex[best], fit.start, which);
  out.objective = value[best];
  return out;
}

}  // namespace infersim

namespace infersim {

const CalibrationFamily* family_of(const Measurement& m) { return family_for(m.hardware, m.software, m.id); }

Calibration auto_calibration_for(const Measurement& m) { return auto_calibration_for(m.hardware, m.software, m.id); }

}  // namespace infersim
