// Contract: `infersim registry new`: a new entry that passes `registry lint` as written.
//
// next_free_id() is B<max n + 1> over the existing entries: ids are never recycled, so a gap left
// by a removed entry is not reused. scaffold_entry() checks the given facts against the schema
// (type and status in its enums, priority and difficulty in range, name, unlock value and author
// non-empty; InputError naming the option and the accepted values otherwise) and writes every
// required field, version 1 with one changelog item dated `date` = last_reviewed, and the four
// required body sections holding instructions long enough for the word rule, which the author
// replaces with the argument.
#pragma once

#include <string>
#include <vector>

#include "registry/entry.hpp"
#include "registry/lint.hpp"
#include "registry/schema.hpp"

namespace infersim::registry {

struct NewEntry {
  std::string name;
  std::string type;
  std::string status = "open";
  int priority = 3;
  int difficulty = 3;
  std::string unlock_value;  // estimated_unlock_value
  std::string author;
  std::string github_handle;  // optional
  int review_cadence_days = 90;
  Date date;  // last_reviewed and the first changelog item
};

std::string next_free_id(const std::vector<Entry>& entries);
std::string scaffold_entry(const std::string& id, const NewEntry& facts, const Schema& schema);

}  // namespace infersim::registry
