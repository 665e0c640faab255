#include "serving/metrics.hpp"

#include <algorithm>
#include <cmath>

namespace infersim {

namespace {
const double kLogRatio = std::log(LogHistogram::kRatio);
const size_t kBins =
    static_cast<size_t>(std::ceil(std::log(LogHistogram::kHighest / LogHistogram::kLowest) / std::log(LogHistogram::kRatio))) + 1;
}  // namespace

LogHistogram::LogHistogram() : bins_(kBins, 0) {}

void LogHistogram::add(double v) {
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  ++count_;
  sum_ += v;
  if (v < kLowest) {
    ++zeros_;
    return;
  }
  // A step hands every decoding request the same gap: the bin of the last value is kept, so that
  // a batch of thousands costs one logarithm, not thousands (same bins either way).
  if (v != last_value_) {
    last_value_ = v;
    last_bin_ = std::min(static_cast<size_t>(std::log(v / kLowest) / kLogRatio), bins_.size() - 1);
  }
  ++bins_[last_bin_];
}

double LogHistogram::quantile(double q) const {
  if (count_ == 0) return 0.0;
  // Nearest rank: the smallest value with at least ceil(q * n) samples at or below it.
  const long long rank = std::max<long long>(1, static_cast<long long>(std::ceil(q * static_cast<double>(count_) - 1e-9)));
  long long seen = zeros_;
  if (seen >= rank) return min_;
  for (size_t i = 0; i < bins_.size(); ++i) {
    seen += bins_[i];
    if (seen >= rank) {
      const double centre = kLowest * std::exp((static_cast<double>(i) + 0.5) * kLogRatio);
      return std::clamp(centre, min_, max_);
    }
  }
  return max_;
}

void DownsampledSeries::add(double t, double value) {
  if (seen_++ % stride_ != 0) return;
  points_.emplace_back(t, value);
  if (points_.size() >= kMaxPoints) {
    size_t w = 0;
    for (size_t r = 0; r < points_.size(); r += 2) points_[w++] = points_[r];
    points_.resize(w);
    stride_ *= 2;
  }
}

nlohmann::json DownsampledSeries::to_json(const char* value_name) const {
  nlohmann::json t = nlohmann::json::array(), v = nlohmann::json::array();
  for (const auto& p : points_) {
    t.push_back(p.first);
    v.push_back(p.second);
  }
  return {{"t_s", t}, {value_name, v}, {"stride_steps", stride_}};
}

}  // namespace infersim
