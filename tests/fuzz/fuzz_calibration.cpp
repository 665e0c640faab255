// libFuzzer target: the calibration file reader of costmodel/calibration.hpp (schema
// infersim-calibration/2, and version 1): strict keys, efficiencies in [0.001, 1], fixed costs in
// [0, 1] s. Bad input must end as an InputError naming the file and the JSON pointer.
#include <cstddef>
#include <cstdint>

#include "costmodel/calibration.hpp"
#include "descriptors/input_error.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = infersim::fuzz::scratch_path(".json");
  infersim::fuzz::write_scratch(path, data, size);
  try {
    (void)infersim::read_calibration_file(path);
  } catch (const infersim::InputError&) {
  }
  return 0;
}
