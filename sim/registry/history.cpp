#include "registry/history.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <sstream>

#include "registry/graph.hpp"

extern char** environ;

namespace infersim::registry {

namespace fs = std::filesystem;

namespace {

// Runs git with `args` in `dir`, returns its standard output, or nullopt when git is missing or
// exits non-zero (not a work tree, file not tracked). Standard error is discarded: "not a git
// repository" is an expected answer here, not an error to show.
std::optional<std::string> run_git(const fs::path& dir, const std::vector<std::string>& args) {
  static const std::optional<fs::path> git = find_on_path("git");
  if (!git) return std::nullopt;
  std::vector<std::string> full = {git->string(), "-C", dir.string()};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  if (pipe(out) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, git->c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    close(out[0]);
    return std::nullopt;
  }
  std::string text;
  std::array<char, 8192> buf{};
  for (ssize_t n; (n = read(out[0], buf.data(), buf.size())) > 0;) text.append(buf.data(), static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return text;
}

}  // namespace

std::optional<std::vector<HistoryItem>> git_history(const fs::path& file) {
  const fs::path dir = fs::absolute(file).parent_path();
  // Untracked files (a new entry not yet committed) have no git history: fall back to the changelog.
  const auto tracked = run_git(dir, {"ls-files", "--error-unmatch", "--", file.filename().string()});
  if (!tracked) return std::nullopt;
  // %cs: committer date as YYYY-MM-DD; %h: short hash; %s: subject. Tab-separated, one per line.
  const auto log = run_git(dir, {"log", "--follow", "--format=%cs%x09%h%x09%s", "--", file.filename().string()});
  if (!log) return std::nullopt;
  std::vector<HistoryItem> items;
  std::istringstream lines(*log);
  for (std::string line; std::getline(lines, line);) {
    const auto a = line.find('\t');
    const auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    items.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return items;
}

std::optional<std::string> git_head_date(const fs::path& dir) {
  const auto out = run_git(fs::absolute(dir), {"log", "-1", "--format=%cs"});
  if (!out || out->size() < 10) return std::nullopt;
  return out->substr(0, 10);
}

std::vector<HistoryItem> changelog_history(const Entry& entry) {
  std::vector<HistoryItem> items;
  const Value* log = entry.front_matter.find("changelog");
  if (log == nullptr || log->kind != Value::Kind::Sequence) return items;
  for (const auto& item : log->items) {
    if (item.kind != Value::Kind::Map) continue;
    const Value* version = item.find("version");
    const Value* date = item.find("date");
    const Value* change = item.find("change");
    if (!version || !date || !change || date->kind != Value::Kind::Scalar) continue;
    items.push_back({date->scalar, "v" + version->scalar, change->scalar});
  }
  // Newest first: by date, then by the order written (later items are later versions).
  std::vector<HistoryItem> out(items.rbegin(), items.rend());
  std::stable_sort(out.begin(), out.end(), [](const HistoryItem& a, const HistoryItem& b) { return a.date > b.date; });
  return out;
}

std::optional<std::string> git_file_at(const fs::path& file, const std::string& rev) {
  return run_git(fs::absolute(file).parent_path(), {"show", rev + ":./" + file.filename().string()});
}

EntryHistory entry_history(const Entry& entry) {
  if (auto git = git_history(entry.path); git && !git->empty()) return {"git", std::move(*git)};
  return {"changelog", changelog_history(entry)};
}

}  // namespace infersim::registry
