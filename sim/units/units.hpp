// Contract: strong types for the physical and economic quantities infersim computes with.
//
// Every quantity is stored in SI (seconds, bytes, bytes/s, FLOP, FLOP/s, watts, joules, USD).
// Conversion from human units ("3.35 TB/s") happens once, at the edge (units/parse.hpp); engines
// never multiply by 1e12. Mixing dimensions is a compile error; the few products and quotients the
// physics needs (bytes / bandwidth = time, power * time = energy, ...) are spelled out below.
#pragma once

#include <cmath>
#include <string>

namespace infersim {

template <class Dimension>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double value_in_si) : value_(value_in_si) {}  // not "si_value": a <csignal> macro
  constexpr double si() const { return value_; }

  constexpr Quantity operator+(Quantity o) const { return Quantity(value_ + o.value_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(value_ - o.value_); }
  constexpr Quantity operator*(double k) const { return Quantity(value_ * k); }
  constexpr Quantity operator/(double k) const { return Quantity(value_ / k); }
  constexpr double operator/(Quantity o) const { return value_ / o.value_; }  // dimensionless ratio
  Quantity& operator+=(Quantity o) { value_ += o.value_; return *this; }
  Quantity& operator-=(Quantity o) { value_ -= o.value_; return *this; }
  constexpr bool operator<(Quantity o) const { return value_ < o.value_; }
  constexpr bool operator>(Quantity o) const { return value_ > o.value_; }
  constexpr bool operator<=(Quantity o) const { return value_ <= o.value_; }
  constexpr bool operator>=(Quantity o) const { return value_ >= o.value_; }
  constexpr bool operator==(Quantity o) const { return value_ == o.value_; }
  constexpr bool operator!=(Quantity o) const { return value_ != o.value_; }

 private:
  double value_ = 0.0;
};

template <class D>
constexpr Quantity<D> operator*(double k, Quantity<D> q) { return q * k; }
template <class D>
constexpr Quantity<D> max(Quantity<D> a, Quantity<D> b) { return a < b ? b : a; }
template <class D>
constexpr Quantity<D> min(Quantity<D> a, Quantity<D> b) { return a < b ? a : b; }

namespace dim {
struct Seconds {};
struct Bytes {};
struct BytesPerSecond {};
struct Flop {};
struct FlopPerSecond {};
struct Watts {};
struct Joules {};
struct Usd {};
}  // namespace dim

using Seconds = Quantity<dim::Seconds>;
using Bytes = Quantity<dim::Bytes>;
using BytesPerSecond = Quantity<dim::BytesPerSecond>;
using Flop = Quantity<dim::Flop>;
using FlopPerSecond = Quantity<dim::FlopPerSecond>;
using Watts = Quantity<dim::Watts>;
using Joules = Quantity<dim::Joules>;
using Usd = Quantity<dim::Usd>;

// The physics' cross-dimension operations, and no others.
constexpr Seconds operator/(Bytes b, BytesPerSecond bw) { return Seconds(b.si() / bw.si()); }
constexpr Seconds operator/(Flop f, FlopPerSecond r) { return Seconds(f.si() / r.si()); }
constexpr Bytes operator*(BytesPerSecond bw, Seconds t) { return Bytes(bw.si() * t.si()); }
constexpr Flop operator*(FlopPerSecond r, Seconds t) { return Flop(r.si() * t.si()); }
constexpr Joules operator*(Watts p, Seconds t) { return Joules(p.si() * t.si()); }
constexpr Watts operator/(Joules e, Seconds t) { return Watts(e.si() / t.si()); }

constexpr double kSecondsPerHour = 3600.0;
constexpr double kSecondsPerYear = 365.0 * 24.0 * kSecondsPerHour;  // the paper's 365-day year
constexpr double kJoulesPerKilowattHour = 3.6e6;

}  // namespace infersim
