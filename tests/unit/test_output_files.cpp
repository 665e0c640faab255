// write_file_atomically (format/format.hpp): a reader never sees a half-written result, and every
// failure (unwritable directory, full disk at write/fsync/close) names the path and leaves nothing.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "format/format.hpp"

namespace fs = std::filesystem;

namespace {
fs::path scratch_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("infersim-out-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
std::string error_of(const std::string& path, const std::string& content) {
  try {
    infersim::write_file_atomically(path, content);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("output: write_file_atomically replaces the file and leaves no temporary behind") {
  const fs::path d = scratch_dir("ok");
  const std::string f = (d / "r.json").string();
  infersim::write_file_atomically(f, "first\n");
  infersim::write_file_atomically(f, "second\n");
  CHECK(slurp(f) == "second\n");
  CHECK(std::distance(fs::directory_iterator(d), fs::directory_iterator()) == 1);
  fs::remove_all(d);
}

TEST_CASE("output: a missing directory is an error naming the path") {
  const fs::path d = scratch_dir("missing");
  const std::string f = (d / "no" / "r.json").string();
  const std::string e = error_of(f, "x");
  CHECK(e.find("'" + f + "'") != std::string::npos);
  CHECK(e.find("No such file or directory") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "no"));
  fs::remove_all(d);
}

TEST_CASE("output: /dev/full is written in place and reports the full disk") {
  const std::string e = error_of("/dev/full", "some bytes");
  CHECK(e.find("'/dev/full'") != std::string::npos);
  CHECK(e.find("No space left on device") != std::string::npos);
  struct stat st {};
  REQUIRE(stat("/dev/full", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));  // still the device, not a regular file renamed over it
}

TEST_CASE("output: a write that fails half-way (file size limit) keeps the old file and leaves nothing") {
  // RLIMIT_FSIZE makes write() fail with EFBIG past 1 KB: the regular-file error path of a full disk.
  // In a child, so that the limit does not leak into other tests.
  const fs::path d = scratch_dir("fsize");
  const std::string f = (d / "r.json").string();
  infersim::write_file_atomically(f, "old\n");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{1024, 1024};
    setrlimit(RLIMIT_FSIZE, &lim);
    const std::string e = error_of(f, std::string(1 << 20, 'x'));
    const bool named = e.find("'" + f + "'") != std::string::npos && e.find("File too large") != std::string::npos;
    _exit(named ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(slurp(f) == "old\n");  // the previous complete result is untouched
  CHECK(std::distance(fs::directory_iterator(d), fs::directory_iterator()) == 1);  // no temporary left
  fs::remove_all(d);
}

TEST_CASE("output: a streamed AtomicOutput that fails half-way throws at commit and keeps the old file") {
  // A CSV streamed record by record (serve --records): write() never throws (it may run inside a
  // SimGrid actor); the first failure is kept and commit() reports it, the old file stays.
  const fs::path d = scratch_dir("stream-fsize");
  const std::string f = (d / "records.csv").string();
  infersim::write_file_atomically(f, "old\n");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{4096, 4096};
    setrlimit(RLIMIT_FSIZE, &lim);
    std::string e;
    try {
      infersim::AtomicOutput out(f);
      for (int i = 0; i < 100000; ++i) out.write("1,2,3,4,5,6,7,8,9,10\n");
      out.commit();
    } catch (const std::runtime_error& x) {
      e = x.what();
    }
    _exit(e.find("'" + f + "'") != std::string::npos && e.find("File too large") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(slurp(f) == "old\n");
  CHECK(std::distance(fs::directory_iterator(d), fs::directory_iterator()) == 1);
  fs::remove_all(d);
}

TEST_CASE("output: AtomicOutput to /dev/full fails at commit, and without commit nothing is installed") {
  {
    infersim::AtomicOutput out("/dev/full");
    out.write("id,arrival_s\n");
    CHECK_THROWS_WITH_AS(out.commit(), doctest::Contains("No space left on device"), std::runtime_error);
  }
  const fs::path d = scratch_dir("discard");
  const std::string f = (d / "r.csv").string();
  {
    infersim::AtomicOutput out(f);
    out.write("partial\n");
  }  // destroyed without commit(): an interrupted stream
  CHECK_FALSE(fs::exists(f));
  CHECK(fs::is_empty(d));
  fs::remove_all(d);
}

TEST_CASE("output: replacing a file keeps its permission bits") {
  const fs::path d = scratch_dir("mode");
  const std::string f = (d / "secret.json").string();
  infersim::write_file_atomically(f, "a\n");
  REQUIRE(chmod(f.c_str(), 0600) == 0);
  infersim::write_file_atomically(f, "b\n");
  struct stat st {};
  REQUIRE(stat(f.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(slurp(f) == "b\n");
  fs::remove_all(d);
}
