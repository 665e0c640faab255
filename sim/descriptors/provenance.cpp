#include "descriptors/provenance.hpp"

namespace infersim {

namespace {
struct TagName {
  Tag tag;
  const char* name;
};
constexpr TagName kTagNames[] = {{Tag::audited, "audited"},
                                 {Tag::spec, "spec"},
                                 {Tag::derived, "derived"},
                                 {Tag::assumption, "assumption"},
                                 {Tag::vendor_claim, "vendor-claim"}};
}  // namespace

const char* to_string(Tag tag) {
  for (const auto& t : kTagNames)
    if (t.tag == tag) return t.name;
  return "?";
}

bool parse_tag(const std::string& text, Tag* out) {
  for (const auto& t : kTagNames) {
    if (text == t.name) {
      *out = t.tag;
      return true;
    }
  }
  return false;
}

std::vector<std::string> tag_names() {
  std::vector<std::string> names;
  for (const auto& t : kTagNames) names.emplace_back(t.name);
  return names;
}

std::vector<std::string> TagSet::names() const {
  std::vector<std::string> out;
  for (Tag t : tags_) out.emplace_back(to_string(t));
  return out;
}

}  // namespace infersim
