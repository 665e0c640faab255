// Contract: Atom 1.0 feeds (RFC 4287) of the registry, for aggregators.
//
// One feed is a title, a stable id, a self link and its entries; atom_feed() writes the XML. Every
// text is XML-escaped; `updated` values are dates from the data (YYYY-MM-DD, written as midnight
// UTC), never the clock, so a feed is byte-identical when the registry is. The feed's <updated> is
// the newest of its entries' (or `empty_updated` for a feed with no entries, e.g. status
// "resolved" today). Links are written as given: relative references (resolved against the feed's
// own location, as RFC 4287 allows) unless the caller passes absolute ones.
//
// Ids: entry ids must not change when an entry is edited or the site is moved, so they are tag URIs
// (RFC 4151) built from the registry id alone: entry_id("B7") = tag:<kTagAuthority>:entry/B7.
#pragma once

#include <string>
#include <vector>

namespace infersim::registry {

// The tagging entity of every id: a name and the date the seed registry was published.
constexpr const char* kTagAuthority = "infersim-bottleneck-registry,2026-04-22";

std::string entry_id(const std::string& registry_id);
std::string feed_id(const std::string& feed_name);  // e.g. "all", "type/physics", "status/open"

struct FeedCategory {
  std::string term;
  std::string label;
};

struct FeedEntry {
  std::string id;       // entry_id(...)
  std::string title;
  std::string updated;  // YYYY-MM-DD
  std::string link;     // the entry's HTML page
  std::vector<std::string> authors;  // at least one (the feed has none of its own)
  std::vector<FeedCategory> categories;
  std::string summary;       // plain text
  std::string content_html;  // an HTML fragment, escaped into <content type="html">
};

struct Feed {
  std::string id;
  std::string title;
  std::string subtitle;
  std::string self_link;       // the feed's own file
  std::string alternate_link;  // the HTML page it mirrors
  std::string empty_updated;   // YYYY-MM-DD, used when there are no entries
  std::vector<FeedEntry> entries;
};

// The same escaping as html_escape (html.hpp): valid XML 1.0 too.
std::string xml_escape(const std::string& text);
std::string atom_feed(const Feed& feed);

}  // namespace infersim::registry
