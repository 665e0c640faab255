// Contract: the history of a registry entry, for the site's per-entry page and its "recent changes".
//
// Two sources, so that a copy of the registry without git (a release tarball) still has one:
//  - git_history(): `git log --follow` of the entry file, newest first (commit date, short hash,
//    subject), when the file is inside a git work tree and `git` is on PATH; nullopt otherwise.
//    Git runs as a child process with an argument vector (no shell).
//  - changelog_history(): the entry's own `changelog` field (schema v0.3: version, date, change),
//    newest first; items that do not parse are skipped (the linter reports them).
// git_head_date(): the committer date of HEAD of the work tree holding `dir` (the site's default
// "as of" date, so that the output never depends on the clock); nullopt outside git.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "registry/entry.hpp"

namespace infersim::registry {

struct HistoryItem {
  std::string date;  // YYYY-MM-DD
  std::string ref;   // short commit hash, or "v<version>" from the changelog
  std::string text;  // commit subject or changelog text
};

struct EntryHistory {
  std::string source;  // "git" or "changelog"
  std::vector<HistoryItem> items;  // newest first
};

std::optional<std::vector<HistoryItem>> git_history(const std::filesystem::path& file);
std::vector<HistoryItem> changelog_history(const Entry& entry);
std::optional<std::string> git_head_date(const std::filesystem::path& dir);
// Git when available, else the changelog.
EntryHistory entry_history(const Entry& entry);
// The text of `file` at git revision `rev` (`git show REV:./NAME` run in the file's folder), or
// nullopt when it did not exist there, the folder is not a work tree, or git is missing.
std::optional<std::string> git_file_at(const std::filesystem::path& file, const std::string& rev);

}  // namespace infersim::registry
