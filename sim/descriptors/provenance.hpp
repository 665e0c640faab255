// Contract: where a number comes from, and how much to trust it.
//
// Every number read from a descriptor is a Sourced value: its SI value, an optional low/high range,
// the tag that says what kind of evidence it is, and the source. Figures computed from several inputs
// carry the *weakest* tag of those inputs (TagSet), so that a result resting on a vendor claim can
// never present itself as audited.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace infersim {

// Strongest first. The order is the order of trust: an audited measurement over a datasheet, a
// datasheet over a number derived here, a derivation over an assumption, and a vendor's unaudited
// performance claim last.
enum class Tag { audited = 0, spec = 1, derived = 2, assumption = 3, vendor_claim = 4 };

const char* to_string(Tag tag);
// The accepted spellings are exactly the names in the JSON files: "audited", "spec", "derived",
// "assumption", "vendor-claim". Returns false for anything else.
bool parse_tag(const std::string& text, Tag* out);
std::vector<std::string> tag_names();

struct Provenance {
  Tag tag = Tag::assumption;
  std::string source;  // a URL, a document, or for derived/assumption the reasoning
  std::string note;
};

struct Sourced {
  double value = 0.0;  // SI
  double low = 0.0;    // equals value when no range was given
  double high = 0.0;
  Provenance provenance;

  bool has_range() const { return low != value || high != value; }
  static Sourced exact(double v, Tag tag, std::string source) {
    return Sourced{v, v, v, Provenance{tag, std::move(source), {}}};
  }
};

// The tags a computed figure depends on. weakest() is what the figure is labelled with.
class TagSet {
 public:
  void add(Tag t) { tags_.insert(t); }
  void add(const Sourced& s) { add(s.provenance.tag); }
  void merge(const TagSet& o) { tags_.insert(o.tags_.begin(), o.tags_.end()); }
  bool empty() const { return tags_.empty(); }
  bool contains(Tag t) const { return tags_.count(t) != 0; }
  Tag weakest() const { return tags_.empty() ? Tag::assumption : *tags_.rbegin(); }
  bool rests_on_vendor_claim() const { return contains(Tag::vendor_claim); }
  std::vector<std::string> names() const;

 private:
  std::set<Tag> tags_;
};

}  // namespace infersim
