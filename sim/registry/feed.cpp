#include "registry/feed.hpp"

#include "registry/html.hpp"

#include <algorithm>
#include <sstream>

namespace infersim::registry {

std::string entry_id(const std::string& registry_id) { return std::string("tag:") + kTagAuthority + ":entry/" + registry_id; }
std::string feed_id(const std::string& feed_name) { return std::string("tag:") + kTagAuthority + ":feed/" + feed_name; }

std::string xml_escape(const std::string& text) { return html_escape(text); }

namespace {
std::string timestamp(const std::string& date) { return date + "T00:00:00Z"; }
}  // namespace

std::string atom_feed(const Feed& feed) {
  std::string updated = feed.empty_updated;
  for (const auto& e : feed.entries) updated = std::max(updated, e.updated);
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    << "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
    << "  <id>" << xml_escape(feed.id) << "</id>\n"
    << "  <title>" << xml_escape(feed.title) << "</title>\n";
  if (!feed.subtitle.empty()) x << "  <subtitle>" << xml_escape(feed.subtitle) << "</subtitle>\n";
  x << "  <updated>" << timestamp(updated) << "</updated>\n"
    << "  <link rel=\"self\" type=\"application/atom+xml\" href=\"" << xml_escape(feed.self_link) << "\"/>\n"
    << "  <link rel=\"alternate\" type=\"text/html\" href=\"" << xml_escape(feed.alternate_link) << "\"/>\n"
    << "  <generator>infersim registry site</generator>\n";
  for (const auto& e : feed.entries) {
    x << "  <entry>\n"
      << "    <id>" << xml_escape(e.id) << "</id>\n"
      << "    <title>" << xml_escape(e.title) << "</title>\n"
      << "    <updated>" << timestamp(e.updated) << "</updated>\n"
      << "    <link rel=\"alternate\" type=\"text/html\" href=\"" << xml_escape(e.link) << "\"/>\n";
    for (const auto& a : e.authors) x << "    <author><name>" << xml_escape(a) << "</name></author>\n";
    for (const auto& c : e.categories)
      x << "    <category term=\"" << xml_escape(c.term) << "\" label=\"" << xml_escape(c.label) << "\"/>\n";
    if (!e.summary.empty()) x << "    <summary type=\"text\">" << xml_escape(e.summary) << "</summary>\n";
    if (!e.content_html.empty()) x << "    <content type=\"html\">" << xml_escape(e.content_html) << "</content>\n";
    x << "  </entry>\n";
  }
  x << "</feed>\n";
  return x.str();
}

}  // namespace infersim::registry
