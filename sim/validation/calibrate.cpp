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
       [](Calibration& c, double v) { c.compute_efficiency = v; }, logit(0.75), 1.0,
       "large-batch GEMMs reach 50-75 % of dense peak (MODELING.md: MLPerf implied 40-49 %, BLIS MFU 0.45 prefill); "
       "the term is against the sustained rate (H100 SXM: 80 % of peak), so 62-94 %, centred at 75 %"},
      {"fp4_gemm_efficiency", true, 1.0, [](const Calibration& c) { return c.fp4_gemm_efficiency; },
       [](Calibration& c, double v) { c.fp4_gemm_efficiency = v; }, logit(0.8), 1.0,
       "our assumption: FP4 GEMMs reach somewhat less of their doubled peak than FP8 ones (block scales, epilogues)"},
      {"weight_bandwidth_efficiency", true, 1.0, [](const Calibration& c) { return c.weight_bandwidth_efficiency; },
       [](Calibration& c, double v) { c.weight_bandwidth_efficiency = v; }, logit(0.73), 1.0,
       "BLIS H100 fit: weight loads x1.36 (73 % of peak HBM bandwidth)"},
      {"kv_bandwidth_efficiency", true, 1.0, [](const Calibration& c) { return c.kv_bandwidth_efficiency; },
       [](Calibration& c, double v) { c.kv_bandwidth_efficiency = v; }, logit(0.51), 1.0,
       "BLIS H100 fit: decode KV reads x1.95 (51 %)"},
      {"gemm_half_tokens", false, 32.0, [](const Calibration& c) { return c.gemm_half_tokens; },
       [](Calibration& c, double v) { c.gemm_half_tokens = v; }, 0.0, 1.5,
       "a GEMM fills the tensor cores' tile rows from a few dozen tokens (32, factor 4.5 either way)"},
      {"memory_compute_overlap", true, 1.0, [](const Calibration& c) { return c.memory_compute_overlap; },
       [](Calibration& c, double v) { c.memory_compute_overlap = v; }, logit(0.5), 1.5,
       "no published figure: the roofline overlaps fully (1), BLIS's trained model sums its terms (0); "
       "centred between, wide"},
      {"layer_overhead_s", false, 1e-5, [](const Calibration& c) { return c.layer_overhead.si(); },
       [](Calibration& c, double v) { c.layer_overhead = Seconds(v); }, std::log(3.2), 1.5,
       "BLIS H100 fit: +32 us per layer (kernel launches and synchronisation)"},
      {"moe_layer_overhead_s", false, 1e-5, [](const Calibration& c) { return c.moe_layer_overhead.si(); },
       [](Calibration& c, double v) { c.moe_layer_overhead = Seconds(v); }, std::log(48.2), 2.0,
       "BLIS H100 fit: +482 us per MoE layer (vLLM's routing and grouped GEMM launch)"},
      {"step_overhead_s", false, 1e-3, [](const Calibration& c) { return c.step_overhead.si(); },
       [](Calibration& c, double v) { c.step_overhead = Seconds(v); }, std::log(0.126), 2.0,
       "BLIS H100 fit: +126 us per step (scheduling, sampling, host round trip)"},
      {"sequence_overhead_s", false, 1e-6, [](const Calibration& c) { return c.sequence_overhead.si(); },
       [](Calibration& c, double v) { c.sequence_overhead = Seconds(v); }, std::log(4.4), 2.0,
       "BLIS H100 fit: +4.4 us per request per step"},
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

namespace {
// Per row: the squared log error of its metric, and of its TPOT at the measured load when it has one.
struct RowTerms {
  double metric = 0;
  double tpot = 0;
  bool has_tpot = false;
};
std::vector<RowTerms> row_terms(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                                const Calibration& c, const std::vector<double>& correction) {
  PredictOptions o = base;
  o.calibration = c;
  // Each row's term is computed independently (validation.hpp for_each_index), then summed in row
  // order: the same sum whatever the scheduling.
  std::vector<RowTerms> terms(rows.size());
  for_each_index(rows.size(), [&](size_t k) {
    Prediction p;
    try {
      p = predict(set.rows.at(rows[k]), o);
    } catch (const std::exception&) {
      p.ran = false;  // a candidate the row cannot run at
    }
    const double k_corr = correction.empty() ? 1.0 : correction[k];
    terms[k].metric = p.ran ? std::pow(std::log(p.predicted * k_corr / p.measured), 2) : kUnrunnablePenalty;
    if (p.ran && p.predicted_tpot_s && p.measured_tpot_s && *p.predicted_tpot_s > 0) {
      terms[k].has_tpot = true;
      terms[k].tpot = std::pow(std::log(*p.predicted_tpot_s / *p.measured_tpot_s), 2);
    }
  });
  return terms;
}
}  // namespace

double mean_squared_log_error(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                              const Calibration& c, const std::vector<double>& correction) {
  if (rows.empty()) return 0;
  double sum = 0;
  for (const RowTerms& t : row_terms(set, rows, base, c, correction)) sum += t.metric;
  return sum / static_cast<double>(rows.size());
}

namespace {
double prior_penalty(const Calibration& c, const std::vector<size_t>& which, const FitOptions& fit) {
  // Sum of squared distances from the priors (or from the pooled fit), in their sigmas, in the
  // optimiser's space.
  const auto& terms = fitted_terms();
  auto x_of = [](const FittedTerm& t, double v) {
    return t.efficiency ? logit(v) : std::log(std::max(v, kMinPositive) / t.scale);
  };
  double sum = 0;
  for (size_t i : which) {
    const FittedTerm& t = terms[i];
    const double x = x_of(t, t.get(c));
    const double centre = fit.pooled ? x_of(t, t.get(*fit.pooled)) : t.prior;
    const double sigma = fit.pooled ? fit.pooled_sigma : t.prior_sigma;
    sum += std::pow((x - centre) / sigma, 2);
  }
  return sum;
}
}  // namespace

double fit_objective(const MeasurementSet& set, const std::vector<size_t>& rows, const PredictOptions& base,
                     const Calibration& c, const FitOptions& fit) {
  if (rows.empty()) return 0;
  double sum = 0;
  for (const RowTerms& t : row_terms(set, rows, base, c, fit.correction)) {
    sum += t.metric;
    if (fit.model_error_sd > 0 && t.has_tpot) sum += fit.tpot_weight * t.tpot;
  }
  if (fit.model_error_sd > 0) sum += fit.model_error_sd * fit.model_error_sd * prior_penalty(c, term_indices(fit.terms), fit);
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
    return fit_objective(set, rows, base, from_point(x, fit.start, which), fit);
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
