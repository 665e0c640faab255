// Shared by the fuzz targets: the readers take paths, so each input is written to one scratch file
// per process (in /dev/shm when it exists: no disk traffic at 100k executions per second).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace infersim::fuzz {

inline std::string scratch_path(const char* suffix) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  return (dir / ("infersim-fuzz-" + std::to_string(::getpid()) + suffix)).string();
}

inline void write_scratch(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();  // the harness itself is broken, not the input
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
}

}  // namespace infersim::fuzz
