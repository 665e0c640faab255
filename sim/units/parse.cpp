#include "units/parse.hpp"

namespace infersim {

namespace {
struct UnitRow {
  UnitKind kind;
  const char* name;
  double factor;
};

constexpr double kKi = 1024.0;
constexpr UnitRow kUnits[] = {
    {UnitKind::seconds, "s", 1.0},
    {UnitKind::seconds, "ms", 1e-3},
    {UnitKind::seconds, "us", 1e-6},
    {UnitKind::seconds, "ns", 1e-9},
    {UnitKind::seconds, "h", 3600.0},
    {UnitKind::bytes, "B", 1.0},
    {UnitKind::bytes, "kB", 1e3},
    {UnitKind::bytes, "MB", 1e6},
    {UnitKind::bytes, "GB", 1e9},
    {UnitKind::bytes, "TB", 1e12},
    {UnitKind::bytes, "KiB", kKi},
    {UnitKind::bytes, "MiB", kKi * kKi},
    {UnitKind::bytes, "GiB", kKi * kKi * kKi},
    {UnitKind::bytes, "TiB", kKi * kKi * kKi * kKi},
    {UnitKind::bytes_per_second, "B/s", 1.0},
    {UnitKind::bytes_per_second, "MB/s", 1e6},
    {UnitKind::bytes_per_second, "GB/s", 1e9},
    {UnitKind::bytes_per_second, "TB/s", 1e12},
    {UnitKind::bytes_per_second, "PB/s", 1e15},
    {UnitKind::bytes_per_second, "GiB/s", kKi * kKi * kKi},
    {UnitKind::bytes_per_second, "Gb/s", 1e9 / 8.0},
    {UnitKind::bytes_per_second, "Tb/s", 1e12 / 8.0},
    {UnitKind::bytes_per_second, "Pb/s", 1e15 / 8.0},
    {UnitKind::flop, "FLOP", 1.0},
    {UnitKind::flop, "GFLOP", 1e9},
    {UnitKind::flop, "TFLOP", 1e12},
    {UnitKind::flop_per_second, "FLOP/s", 1.0},
    {UnitKind::flop_per_second, "GFLOP/s", 1e9},
    {UnitKind::flop_per_second, "TFLOP/s", 1e12},
    {UnitKind::flop_per_second, "PFLOP/s", 1e15},
    {UnitKind::watts, "W", 1.0},
    {UnitKind::watts, "kW", 1e3},
    {UnitKind::watts, "MW", 1e6},
    {UnitKind::joules, "pJ", 1e-12},
    {UnitKind::joules, "J", 1.0},
    {UnitKind::joules, "kJ", 1e3},
    {UnitKind::joules, "kWh", 3.6e6},
    {UnitKind::usd, "USD", 1.0},
    {UnitKind::usd, "kUSD", 1e3},
    {UnitKind::usd, "MUSD", 1e6},
    {UnitKind::count, "1", 1.0},
};

struct UnitWord {
  const char* word;
  UnitKind kind;
};
constexpr UnitWord kUnitWords[] = {
    {"Bps", UnitKind::bytes_per_second}, {"flops", UnitKind::flop_per_second}, {"flop", UnitKind::flop},
    {"bytes", UnitKind::bytes},          {"usd", UnitKind::usd},               {"W", UnitKind::watts},
    {"J", UnitKind::joules},             {"s", UnitKind::seconds},
};
}  // namespace

std::optional<UnitKind> unit_kind_from_key(const std::string& key) {
  // The last underscore-separated word of the key that is a unit word names the unit:
  // "latency_s", "bandwidth_Bps", "system_W_per_chip", "system_usd_per_chip".
  size_t end = key.size();
  while (end > 0) {
    size_t start = key.rfind('_', end - 1);
    size_t word_start = start == std::string::npos ? 0 : start + 1;
    std::string word = key.substr(word_start, end - word_start);
    for (const auto& row : kUnitWords)
      if (word == row.word) return row.kind;
    if (start == std::string::npos) break;
    end = start;
  }
  return std::nullopt;
}

const char* si_unit_name(UnitKind kind) {
  switch (kind) {
    case UnitKind::seconds: return "s";
    case UnitKind::bytes: return "B";
    case UnitKind::bytes_per_second: return "B/s";
    case UnitKind::flop: return "FLOP";
    case UnitKind::flop_per_second: return "FLOP/s";
    case UnitKind::watts: return "W";
    case UnitKind::joules: return "J";
    case UnitKind::usd: return "USD";
    case UnitKind::count: return "1";
  }
  return "?";
}

std::optional<double> unit_factor(UnitKind kind, const std::string& unit) {
  for (const auto& row : kUnits)
    if (row.kind == kind && unit == row.name) return row.factor;
  return std::nullopt;
}

std::vector<std::string> accepted_units(UnitKind kind) {
  std::vector<std::string> out;
  for (const auto& row : kUnits)
    if (row.kind == kind) out.emplace_back(row.name);
  return out;
}

}  // namespace infersim
