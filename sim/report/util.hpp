// Internal helpers of the report and sweep components (not a public contract): SHA-256, base64,
// a child-process runner (the progress bar is format/progress.hpp, the stop flag interrupt/interrupt.hpp).
//
// SHA-256 is our own (FIPS 180-4, ~60 lines) rather than OpenSSL: the manifest needs nothing else
// from a crypto library, and the project's dependency list (Debian packages, scripts/install-deps.sh)
// stays as it is. It is checked against the FIPS test vectors in tests/unit/test_report_util.cpp.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

namespace infersim::report {

std::string sha256_hex(const std::string& bytes);
// SHA-256 of a file's bytes, read with the checked reader (descriptors/json_reader.hpp).
std::string sha256_file(const std::string& path);
std::string base64(const std::string& bytes);
// A path a suite or manifest records: as given when it exists (or is absolute), else inside the
// source tree (bundled files are recorded relative to it).
std::string locate(const std::string& recorded);

// Runs argv[0] with argv (no shell), stdout to `stdout_path` ("" : inherited, "-": /dev/null),
// stderr to /dev/null when `quiet_stderr`. Returns the exit status (128+signal when killed, 127 when
// it could not be started).
int run_process(const std::vector<std::string>& argv, const std::string& stdout_path, bool quiet_stderr);
// Starts a child without waiting; returns its pid (or -1).
long spawn_process(const std::vector<std::string>& argv, const std::string& stdout_path, bool quiet_stderr);



}  // namespace infersim::report
