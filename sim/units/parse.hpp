// Contract: the one place where human units become SI.
//
// A descriptor key names its SI dimension by a unit word among its underscore-separated words, the
// last one that is a unit word (`capacity_bytes`, `bandwidth_Bps`, `bf16_flops`, `latency_s`,
// `chip_W`, `system_W_per_chip`, `system_usd_per_chip`, `..._J`). A value is either a bare number in that
// SI unit, or a number with an explicit "unit" string from the strict table below. Decimal and
// binary prefixes are kept apart (GB = 1e9 bytes, GiB = 2^30 bytes); bits are spelled with a lower-case
// "b" (Gb/s) and converted to bytes. Anything not in the table is rejected, with the accepted list.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace infersim {

enum class UnitKind { seconds, bytes, bytes_per_second, flop, flop_per_second, watts, joules, usd, count };

// The SI unit a key's unit word implies; std::nullopt when the key has none.
std::optional<UnitKind> unit_kind_from_key(const std::string& key);
const char* si_unit_name(UnitKind kind);

// Factor that turns a value in `unit` into SI, or std::nullopt if `unit` is not accepted for `kind`.
std::optional<double> unit_factor(UnitKind kind, const std::string& unit);
std::vector<std::string> accepted_units(UnitKind kind);

}  // namespace infersim
