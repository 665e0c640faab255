#include "registry/entry.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim::registry {

namespace fs = std::filesystem;

const Value* Value::find(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return &v;
  return nullptr;
}

std::string Entry::file_stem() const { return path.stem().string(); }

std::optional<std::string> Entry::scalar(const std::string& key) const {
  const Value* v = front_matter.find(key);
  if (v == nullptr || v->kind != Value::Kind::Scalar) return std::nullopt;
  return v->scalar;
}

std::string Entry::id() const { return scalar("id").value_or(""); }

std::vector<std::string> Entry::depends_on() const {
  std::vector<std::string> out;
  const Value* v = front_matter.find("depends_on");
  if (v == nullptr || v->kind != Value::Kind::Sequence) return out;
  for (const auto& item : v->items)
    if (item.kind == Value::Kind::Scalar) out.push_back(item.scalar);
  return out;
}

std::optional<int> id_number(const std::string& id) {
  if (id.size() < 2 || id[0] != 'B' || id[1] == '0') return std::nullopt;
  constexpr size_t kMaxDigits = 6;  // keeps stoi in range; no registry will hold a million entries
  if (id.size() - 1 > kMaxDigits) return std::nullopt;
  for (size_t i = 1; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') return std::nullopt;
  return std::stoi(id.substr(1));
}

bool id_less(const std::string& a, const std::string& b) {
  const auto na = id_number(a), nb = id_number(b);
  if (na && nb) return *na < *nb;
  if (na.has_value() != nb.has_value()) return na.has_value();  // B<n> first
  return a < b;
}

namespace {

std::string line_ref(int line) { return "line " + std::to_string(line); }

// yaml-cpp marks are 0-based within the front matter text; `first_line` is the file line of the
// front matter's first line. A node without a mark (-1) takes the line of its parent or key.
int file_line(const YAML::Mark& mark, int first_line, int fallback) {
  return mark.line < 0 ? fallback : mark.line + first_line;
}

// Aliases let a few lines of YAML name 10^9 nodes ("billion laughs"); converting them to a tree
// copies each one. An entry holds a few hundred values: past this budget the file is bad input.
constexpr std::size_t kMaxFrontMatterValues = 100'000;

struct TooManyValues {};
// A self-referential alias (`extra: &a [*a]`) is a cycle: without a depth bound the conversion
// recursed until the stack overflowed. An entry nests a few levels.
constexpr int kMaxFrontMatterDepth = 64;
struct TooDeep {
  int line;
};

Value convert(const YAML::Node& node, int first_line, int fallback_line, std::size_t& budget, int depth = 0) {
  if (budget == 0) throw TooManyValues{};
  --budget;
  if (depth > kMaxFrontMatterDepth) throw TooDeep{file_line(node.Mark(), first_line, fallback_line)};
  Value v;
  v.line = file_line(node.Mark(), first_line, fallback_line);
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      v.kind = Value::Kind::Scalar;
      v.scalar = node.Scalar();
      break;
    case YAML::NodeType::Sequence:
      v.kind = Value::Kind::Sequence;
      for (const auto& item : node) v.items.push_back(convert(item, first_line, v.line, budget, depth + 1));
      break;
    case YAML::NodeType::Map:
      v.kind = Value::Kind::Map;
      for (const auto& kv : node) {
        int key_line = file_line(kv.first.Mark(), first_line, v.line);
        // Keys are scalars in every schema we read; a complex key is kept by its YAML text.
        // (YAML::Dump of a cyclic key would recurse forever: a key nested too deep is refused first.)
        if (!kv.first.IsScalar()) (void)convert(kv.first, first_line, key_line, budget, depth + 1);
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : YAML::Dump(kv.first);
        Value value = convert(kv.second, first_line, key_line, budget, depth + 1);
        // yaml-cpp marks an empty value at the next token, often on a later line; the key's line is
        // where a person looks.
        if (value.kind == Value::Kind::Null) value.line = key_line;
        v.fields.emplace_back(key, std::move(value));
        v.key_lines.push_back(key_line);
      }
      break;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      v.kind = Value::Kind::Null;
      break;
  }
  return v;
}

bool is_fence(const std::string& line) { return line == "---"; }

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

}  // namespace

Entry parse_entry(const std::string& text, const fs::path& file) {
  const std::string name = file.string();
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(rstrip(line));
  }
  if (lines.empty() || !is_fence(lines[0]))
    throw InputError(name, line_ref(1), "expected the front matter to open with a line holding only '---'");
  size_t close = 1;
  while (close < lines.size() && !is_fence(lines[close])) ++close;
  if (close == lines.size())
    throw InputError(name, line_ref(1), "front matter opened here is never closed by a line holding only '---'");

  constexpr int kFrontMatterFirstLine = 2;  // the line after the opening '---'
  std::string yaml_text;
  for (size_t i = 1; i < close; ++i) yaml_text += lines[i] + "\n";
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw InputError(name, line_ref(e.mark.line < 0 ? kFrontMatterFirstLine : e.mark.line + kFrontMatterFirstLine),
                     "front matter is not valid YAML: " + e.msg);
  }
  if (!root.IsMap())
    throw InputError(name, line_ref(kFrontMatterFirstLine), "front matter must be a YAML mapping of field: value");

  Entry entry;
  entry.path = file;
  std::size_t budget = kMaxFrontMatterValues;
  try {
    entry.front_matter = convert(root, kFrontMatterFirstLine, kFrontMatterFirstLine, budget);
  } catch (const TooDeep& e) {
    throw InputError(name, line_ref(e.line),
                     "front matter nests deeper than " + std::to_string(kMaxFrontMatterDepth) +
                         " levels (a self-referential YAML alias such as 'x: &a [*a]'?)");
  } catch (const TooManyValues&) {
    throw InputError(name, line_ref(kFrontMatterFirstLine),
                     "front matter holds more than " + std::to_string(kMaxFrontMatterValues) +
                         " values (YAML aliases expanding?); an entry holds a few hundred");
  }
  entry.body_first_line = static_cast<int>(close) + 2;
  bool in_code = false;
  for (size_t i = close + 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    entry.body += line + "\n";
    if (line.rfind("```", 0) == 0) in_code = !in_code;  // '#' inside code is not a heading
    if (in_code || line.empty() || line[0] != '#') continue;
    size_t level = line.find_first_not_of('#');
    if (level == std::string::npos || line[level] != ' ') continue;  // "#tag" is not a heading
    Heading h;
    h.level = static_cast<int>(level);
    h.text = line.substr(level + 1);
    h.line = static_cast<int>(i) + 1;
    entry.headings.push_back(h);
  }
  return entry;
}

Entry read_entry(const fs::path& file) { return parse_entry(read_input_file(file.string()), file); }

std::vector<fs::path> entry_files(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(dir.string(), "directory", "is not a readable directory of registry entries");
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && p.extension() == ".md" && p.filename() != "README.md") files.push_back(p);
  }
  if (ec) throw InputError(dir.string(), "directory", "cannot list the folder: " + ec.message());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    if (a.stem() == b.stem()) return a.filename() < b.filename();
    return id_less(a.stem().string(), b.stem().string());
  });
  return files;
}

std::vector<Entry> read_entries(const fs::path& dir) {
  std::vector<Entry> entries;
  for (const auto& file : entry_files(dir)) entries.push_back(read_entry(file));
  return entries;
}

}  // namespace infersim::registry
