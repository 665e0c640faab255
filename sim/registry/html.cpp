#include "registry/html.hpp"

#include <cctype>
#include <sstream>
#include <vector>

namespace infersim::registry {

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // XML 1.0 (the feeds) forbids most control characters even escaped, and HTML has no use for
        // them: a registry text has no business holding them, so they are dropped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') continue;
        out += c;
    }
  }
  return out;
}

std::string slug(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

namespace {

// Inline spans: `code` first (its content is literal), then **bold** in the rest.
std::string inline_html(const std::string& text) {
  std::string out;
  size_t i = 0;
  bool bold = false;
  while (i < text.size()) {
    if (text[i] == '`') {
      const size_t end = text.find('`', i + 1);
      if (end != std::string::npos) {
        out += "<code>" + html_escape(text.substr(i + 1, end - i - 1)) + "</code>";
        i = end + 1;
        continue;
      }
    }
    if (text.compare(i, 2, "**") == 0 && (bold || text.find("**", i + 2) != std::string::npos)) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      i += 2;
      continue;
    }
    out += html_escape(std::string(1, text[i]));
    ++i;
  }
  if (bold) out += "</strong>";
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

std::string markdown_to_html(const std::string& markdown) {
  std::ostringstream out;
  std::vector<std::string> paragraph;
  bool in_list = false;
  auto flush = [&] {
    if (!paragraph.empty()) {
      std::string joined;
      for (const auto& l : paragraph) joined += (joined.empty() ? "" : " ") + trim(l);
      out << "<p>" << inline_html(joined) << "</p>\n";
      paragraph.clear();
    }
    if (in_list) {
      out << "</ul>\n";
      in_list = false;
    }
  };
  std::istringstream lines(markdown);
  for (std::string line; std::getline(lines, line);) {
    const std::string t = trim(line);
    if (t.empty()) {
      flush();
      continue;
    }
    if (t[0] == '#') {
      size_t level = t.find_first_not_of('#');
      if (level != std::string::npos && level <= 6 && t[level] == ' ') {
        flush();
        const std::string text = trim(t.substr(level));
        out << "<h" << level << " id=\"" << slug(text) << "\">" << inline_html(text) << "</h" << level << ">\n";
        continue;
      }
    }
    if ((t[0] == '-' || t[0] == '*') && t.size() > 1 && t[1] == ' ') {
      if (!paragraph.empty()) flush();  // a list right after a paragraph line ends it
      if (!in_list) out << "<ul>\n";
      in_list = true;
      out << "<li>" << inline_html(trim(t.substr(2))) << "</li>\n";
      continue;
    }
    if (in_list) flush();
    paragraph.push_back(t);
  }
  flush();
  return out.str();
}

}  // namespace infersim::registry
