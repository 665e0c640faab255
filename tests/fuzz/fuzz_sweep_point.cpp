// libFuzzer target: a sweep point file (points/<index>.json, a child's `--json --out` result) as the
// sweep reads it back. The reader (point_finished: whole, not "complete": false) is internal to
// sweep.cpp and run_sweep forks a child per point, so the target calls merge() on a one-point sweep
// folder instead: the same reader resume uses, then what a point's contents reach in production
// (flattened "a.b" columns, merged.csv, merged.json, the HDF5 compound type of merged.h5, built in
// memory). The grid is fixed (the grid target fuzzes it). Bad input must end as an InputError or as
// an incomplete merge (the point is "partial"); any other exception escaping is a finding.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include "descriptors/input_error.hpp"
#include "fuzz_input.hpp"
#include "sweep/sweep.hpp"

namespace {
// One folder per process, laid out as run_sweep leaves it (grid.json, points/); removed at exit, as
// unlike the other targets' single scratch file it also collects merged.csv/json/h5.
struct SweepDir {
  std::string path = infersim::fuzz::scratch_path("-sweep");
  SweepDir() {
    std::filesystem::create_directories(path + "/points");
    const std::string grid =
        R"({"schema": "infersim-sweep/1", "id": "fuzz", "command": "project", "axes": [{"name": "batch", "values": [1]}]})";
    infersim::fuzz::write_scratch(path + "/grid.json", reinterpret_cast<const std::uint8_t*>(grid.data()), grid.size());
  }
  ~SweepDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const SweepDir dir;
  static const std::string point = dir.path + "/points/0000000.json";
  infersim::fuzz::write_scratch(point, data, size);
  try {
    (void)infersim::sweep::merge(dir.path);
  } catch (const infersim::InputError&) {
  }
  return 0;
}
