// Contract: the small amount of HTML the registry site needs, with no dependency.
//
// html_escape(): & < > " ' escaped and control characters other than tab and newlines dropped (also
// the feeds' XML escape), so any registry text is safe in element content and in
// attribute values. markdown_to_html(): the Markdown the entry bodies use, and no more: ATX
// headings (`##`), paragraphs, `-`/`*` bullet lists, inline `code` and **bold**. Everything else is
// text (escaped), so a body can never inject markup. Headings keep their level, so an entry page
// whose title is <h1> gets the body's `##` sections as <h2>, in order.
#pragma once

#include <string>

namespace infersim::registry {

std::string html_escape(const std::string& text);
std::string markdown_to_html(const std::string& markdown);
// A fragment id from a heading text: lower case, letters and digits kept, runs of others -> '-'.
std::string slug(const std::string& text);

}  // namespace infersim::registry
