// libFuzzer target: the checked JSON reader (read_json_file: duplicate keys, nesting, numbers) and
// the report suite reader on top of it (load_suite, schema infersim-suite/1: typed access, caps,
// safe ids). Bad input must end as an InputError naming the file and the JSON pointer.
#include <cstddef>
#include <cstdint>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "fuzz_input.hpp"
#include "report/suite.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = infersim::fuzz::scratch_path(".json");
  infersim::fuzz::write_scratch(path, data, size);
  try {
    (void)infersim::read_json_file(path);
  } catch (const infersim::InputError&) {
  }
  try {
    (void)infersim::report::load_suite(path);
  } catch (const infersim::InputError&) {
  }
  return 0;
}
