// Contract: the serving layer's random numbers, identical on every platform and standard library.
//
// std::mt19937_64 is specified bit-for-bit by the standard; the std:: distributions are not (libstdc++
// and libc++ draw different normals from the same engine). So every distribution here is our own
// code on top of the raw 64-bit engine: same seed, same draws, same JSON, everywhere.
//   uniform01     53 random bits / 2^53, in [0, 1)
//   exponential   -ln(1 - U) / rate
//   normal        Box-Muller (both values used, cached)
//   gamma(k, θ)   Marsaglia-Tsang (2000), with the U^(1/k) boost for k < 1
//   below(n)      Lemire-free plain rejection, unbiased, for small n
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace infersim {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // Derives an independent stream (e.g. one for arrivals, one for lengths, one for routing), so
  // that changing how many numbers one consumer draws does not shift the others.
  static std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  std::uint64_t bits() { return engine_(); }
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double exponential(double rate) { return -std::log1p(-uniform01()) / rate; }
  // Uniform integer in [0, n), n >= 1, unbiased.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t x;
    do x = engine_();
    while (x >= limit);
    return x % n;
  }
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1;
    do u1 = uniform01();
    while (u1 <= 0.0);
    const double u2 = uniform01();
    const double r = std::sqrt(-2.0 * std::log(u1));
    constexpr double kTwoPi = 6.283185307179586476925286766559;
    spare_ = r * std::sin(kTwoPi * u2);
    has_spare_ = true;
    return r * std::cos(kTwoPi * u2);
  }
  // Gamma with shape k > 0 and scale theta > 0 (mean k*theta).
  double gamma(double k, double theta) {
    if (k < 1.0) {
      double u;
      do u = uniform01();
      while (u <= 0.0);
      return gamma(k + 1.0, theta) * std::pow(u, 1.0 / k);
    }
    const double d = k - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform01();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v * theta;
      if (u > 0.0 && std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v * theta;
    }
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace infersim
