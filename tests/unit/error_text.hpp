// Test helper: the message of the InputError a call throws, or "(no error)".
#pragma once

#include <functional>
#include <string>

#include "descriptors/input_error.hpp"

namespace infersim::test {
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace infersim::test
