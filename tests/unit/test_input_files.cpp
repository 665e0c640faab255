// The checked reader of user-supplied files (descriptors/json_reader.hpp): regular files only (a
// FIFO is refused at once, not waited on), the 64 MiB cap, strict JSON (duplicate keys, nesting),
// and safe names for what becomes a path.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace fs = std::filesystem;

namespace {
fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("infersim-in-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
void put(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
std::string error_of(const std::string& path) {
  try {
    (void)infersim::read_json_file(path);
  } catch (const infersim::InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("input: a FIFO is refused at once instead of blocking for a writer") {
  const fs::path d = scratch("fifo");
  const std::string f = (d / "pipe.json").string();
  REQUIRE(mkfifo(f.c_str(), 0600) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string e = error_of(f);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(e.find(f + ": (file): not a regular file") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("input: devices, directories and missing files are InputErrors naming the file") {
  CHECK(error_of("/dev/zero").find("/dev/zero: (file): not a regular file") != std::string::npos);
  const fs::path d = scratch("dir");
  CHECK(error_of(d.string()).find("is a directory") != std::string::npos);
  CHECK(error_of((d / "none.json").string()).find("No such file or directory") != std::string::npos);
  CHECK(error_of("").find("expected a file name") != std::string::npos);
  fs::remove_all(d);
}

TEST_CASE("input: a file above 64 MiB is refused before it is read") {
  const fs::path d = scratch("big");
  const fs::path f = d / "big.json";
  put(f, "{}");
  fs::resize_file(f, infersim::kMaxInputFileBytes + 1);  // sparse: no disk space used
  CHECK(error_of(f.string()).find("larger than 64 MiB") != std::string::npos);
  fs::resize_file(f, 2);
  CHECK(infersim::read_json_file(f.string()).is_object());
  fs::remove_all(d);
}

TEST_CASE("input: a key given twice is an error with its JSON pointer, at any depth") {
  const fs::path d = scratch("dup");
  put(d / "a.json", R"({"a": 1, "a": 2})");
  CHECK(error_of((d / "a.json").string()).find("a.json: /a: duplicate key 'a'") != std::string::npos);
  put(d / "b.json", R"({"x": [{"k": 1}, {"k": 1, "y/z": {"q": 0, "q": 1}}]})");
  CHECK(error_of((d / "b.json").string()).find("/x/1/y~1z/q: duplicate key 'q'") != std::string::npos);
  put(d / "c.json", R"({"x": [{"k": 1}, {"k": 2}], "y": {"k": 3}})");  // same key in sibling objects is fine
  CHECK(infersim::read_json_file((d / "c.json").string())["y"]["k"] == 3);
  fs::remove_all(d);
}

TEST_CASE("input: nesting deeper than the cap is an error, not a deep recursion downstream") {
  const fs::path d = scratch("deep");
  put(d / "deep.json", std::string(10000, '[') + std::string(10000, ']'));
  CHECK(error_of((d / "deep.json").string()).find("nested deeper than 128 levels") != std::string::npos);
  put(d / "ok.json", std::string(100, '[') + std::string(100, ']'));
  CHECK(infersim::read_json_file((d / "ok.json").string()).is_array());
  fs::remove_all(d);
}

TEST_CASE("input: names that become paths cannot climb out of their folder") {
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../x", "a/b", "/abs", ".hidden", "a b", std::string(129, 'a')})
    CHECK_THROWS_AS(infersim::require_safe_name("f.json", "/id", bad), infersim::InputError);
  for (const std::string ok : {"default", "tiny-2", "mlperf_v5.1", "A"})
    CHECK_NOTHROW(infersim::require_safe_name("f.json", "/id", ok));
}
