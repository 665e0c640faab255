// libFuzzer target: the sweep grid reader of sweep/sweep.hpp (load_grid, schema infersim-sweep/1:
// option names checked, output-naming options refused, safe id, the 10^6-point cap). A grid that
// loads also gives its first and last point's options, as run_sweep builds every child's argv from
// them. Bad input must end as an InputError naming the file and the JSON pointer.
#include <cstddef>
#include <cstdint>

#include "descriptors/input_error.hpp"
#include "fuzz_input.hpp"
#include "sweep/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = infersim::fuzz::scratch_path(".json");
  infersim::fuzz::write_scratch(path, data, size);
  try {
    const infersim::sweep::Grid g = infersim::sweep::load_grid(path);
    const long long n = g.size();
    if (n < 1 || n > infersim::sweep::kMaxGridPoints) __builtin_trap();  // the cap did not hold
    (void)g.point(0);
    (void)g.point(n - 1);
  } catch (const infersim::InputError&) {
  }
  return 0;
}
