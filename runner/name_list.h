// runner/name_list.h — the small list and text helpers the configuration code shares: is a
// name in a list, a list joined for a message, the names of a registry's entries, a value with
// its spaces trimmed.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace ganrun {

inline bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// "a, b, c" for join({"a", "b", "c"}, ", ").
inline std::string join(const std::vector<std::string>& list, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) out += (i ? separator : "") + list[i];
  return out;
}

// The name of each element of `list`, in order: names_of(presets(), [](auto& p) { return p.name;
// }).
template <typename List, typename Name>
std::vector<std::string> names_of(const List& list, Name name) {
  std::vector<std::string> out;
  for (const auto& element : list) out.push_back(name(element));
  return out;
}

// `text` without leading and trailing spaces.
inline std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

}  // namespace ganrun
