// runner/sweep_yaml.h — reading a sweep file's yaml-cpp nodes with their place in the file:
// errors as "FILE:LINE: message" ConfigErrors, what a node is ("a list", "'abc'"), maps walked
// strictly (plain, unrepeated keys) and the value of one per-run key checked by its rule
// (runner/run_settings.h). Knows no sections: runner/sweep_config.cpp walks those.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>

namespace ganrun {

// One value of a per-run key as read from the file.
struct Setting {
  std::string key;   // flat per-run key (lr, betas, data_dir, ...)
  int line = 0;      // where it was set (the key, or the grid list item)
  std::string text;  // as written, for messages
  std::string str;
  double number = 0;
  int64_t integer = 0;
  double b1 = 0, b2 = 0;
  // The number set_setting takes: the float, or beta1 of a pair.
  double kind_number() const { return key == "betas" ? b1 : number; }
};

class SweepYaml {
 public:
  explicit SweepYaml(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void fail(int line, const std::string& message) const;
  [[noreturn]] void fail_not_implemented(int line, const std::string& key) const;

  // yaml-cpp marks are 0-based; a null value's mark points past it, so use its key's line.
  static int line_of(const YAML::Node& n, int fallback);
  // How a node is named in messages: "nothing", "'abc'", "the quoted string \"x\"", "a list".
  static std::string describe(const YAML::Node& n);
  static bool is_plain_scalar(const YAML::Node& n) { return n.IsScalar() && n.Tag() != "!"; }

  // Calls f(key, line, value) for a map's keys in file order, rejecting non-scalar and
  // repeated keys (`section` names the map in those messages; "" = the top level).
  template <typename F>
  void for_each_key(const YAML::Node& map, const std::string& section, F&& f) const {
    std::map<std::string, int> seen;
    for (const auto& kv : map) {
      const int line = line_of(kv.first, 1);
      const std::string key = plain_key(kv.first, line, section);
      auto [it, fresh] = seen.emplace(key, line);
      if (!fresh) fail_repeated(section.empty() ? key : section + "." + key, it->second, line);
      f(key, line, kv.second);
    }
  }

  std::string parse_string(const std::string& what, int key_line, const YAML::Node& n) const;

  // The value of per-run key `key` (lr, betas, variant, ...): its type and its rule checked,
  // failing at its line. `in_grid`: one item of a grid list (the hints differ).
  Setting parse_setting(const std::string& key, int key_line, const YAML::Node& n,
                        bool in_grid) const;

 private:
  std::string plain_key(const YAML::Node& key, int line, const std::string& section) const;
  [[noreturn]] void fail_repeated(const std::string& key, int first, int again) const;
  // A float or integer scalar read as T, `what` naming the type in the message.
  template <typename T>
  T parse_number(const std::string& key, const YAML::Node& n, int line, const char* what,
                 const std::string& list_hint, std::string* text) const;

  std::string file_;
};

}  // namespace ganrun
