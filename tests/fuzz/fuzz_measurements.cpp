// libFuzzer target: the measurements reader of validation/measurements.hpp (schema
// infersim-measurements/1), with and without unknown hardware/model ids allowed. Bad input must end
// as an InputError naming the file and the JSON pointer.
#include <cstddef>
#include <cstdint>

#include "descriptors/input_error.hpp"
#include "fuzz_input.hpp"
#include "validation/measurements.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = infersim::fuzz::scratch_path(".json");
  infersim::fuzz::write_scratch(path, data, size);
  for (bool allow_unknown : {false, true}) {
    try {
      (void)infersim::read_measurements(path, allow_unknown);
    } catch (const infersim::InputError&) {
    }
  }
  return 0;
}
