// runner/sweep_yaml.cpp — located reading of sweep-file nodes (see header).
#include "runner/sweep_yaml.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>  // INT64_MIN, INT64_MAX
#include <type_traits>

#include "runner/config_error.h"
#include "runner/run_settings.h"

namespace ganrun {

void SweepYaml::fail(int line, const std::string& message) const {
  throw ConfigError(fmt::format("{}:{}: {}", file_, line, message));
}

void SweepYaml::fail_not_implemented(int line, const std::string& key) const {
  fail(line, fmt::format("key '{}' is not implemented yet in this version of ganrun", key));
}

void SweepYaml::fail_repeated(const std::string& key, int first, int again) const {
  fail(again, fmt::format("key '{}' is set twice (lines {} and {})", key, first, again));
}

int SweepYaml::line_of(const YAML::Node& n, int fallback) {
  if (n.IsNull() || n.Mark().line < 0) return fallback;
  return n.Mark().line + 1;
}

std::string SweepYaml::describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Scalar:
      return n.Tag() == "!" ? fmt::format("the quoted string \"{}\"", n.Scalar())
                            : fmt::format("'{}'", n.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
  }
  return "something else";
}

std::string SweepYaml::plain_key(const YAML::Node& key, int line,
                                 const std::string& section) const {
  if (!key.IsScalar())
    fail(line, fmt::format("keys{} must be plain names (got {})",
                           section.empty() ? "" : " under '" + section + "'", describe(key)));
  return key.Scalar();
}

std::string SweepYaml::parse_string(const std::string& what, int key_line,
                                    const YAML::Node& n) const {
  if (!n.IsScalar())
    fail(line_of(n, key_line), fmt::format("{} must be a string (got {})", what, describe(n)));
  return n.Scalar();
}

template <typename T>
T SweepYaml::parse_number(const std::string& key, const YAML::Node& n, int line, const char* what,
                          const std::string& list_hint, std::string* text) const {
  if (!is_plain_scalar(n))
    fail(line, fmt::format("{} must be {} (got {}){}", key, what, describe(n), list_hint));
  *text = n.Scalar();
  T value{};
  if (YAML::convert<T>::decode(n, value)) return value;
  // A whole number too large for 64 bits is an integer, just not one ganrun can hold.
  double as_double = 0;
  if (std::is_integral_v<T> && YAML::convert<double>::decode(n, as_double) &&
      as_double == std::floor(as_double) && !(as_double >= -0x1p63 && as_double < 0x1p63))
    fail(line, fmt::format("{} must be an integer between {} and {} (got {})", key, INT64_MIN,
                           INT64_MAX, describe(n)));
  fail(line, fmt::format("{} must be {} (got {})", key, what, describe(n)));
}

Setting SweepYaml::parse_setting(const std::string& key, int key_line, const YAML::Node& n,
                                 bool in_grid) const {
  Setting s;
  s.key = key;
  s.line = line_of(n, key_line);
  const SettingKind kind = setting_kind(key);
  // A list where one value belongs is the commonest slip: point at the grid.
  const std::string list_hint =
      !in_grid && n.IsSequence() && kind != SettingKind::kPair
          ? fmt::format("; to sweep it, list it under grid ({}: [...])", key)
          : "";
  std::string err;
  switch (kind) {
    case SettingKind::kString:
      if (!n.IsScalar())
        fail(s.line, fmt::format("{} must be a {} (got {}){}", key,
                                 key == "data_dir" ? "path" : "name", describe(n), list_hint));
      s.text = s.str = n.Scalar();
      err = setting_error(key, s.str);
      break;
    case SettingKind::kFloat:
      s.number = parse_number<double>(key, n, s.line, "a number", list_hint, &s.text);
      err = setting_error(key, s.number, s.text);
      break;
    case SettingKind::kInt:
      if (is_interval_key(key) && n.IsMap()) {
        // {epochs: N}: stored as -N (runner/run_settings.h).
        if (n.size() != 1 || !n["epochs"])
          fail(s.line, fmt::format("{} must be a number of steps or {{epochs: N}} (got {})", key,
                                   describe(n)));
        std::string text;
        const auto epochs =
            parse_number<int64_t>(key + ".epochs", n["epochs"], s.line, "an integer", "", &text);
        if (epochs < 1) fail(s.line, fmt::format("{}.epochs must be >= 1 (got {})", key, text));
        s.integer = -epochs;
        s.text = fmt::format("{{epochs: {}}}", text);
        break;
      }
      s.integer = parse_number<int64_t>(key, n, s.line, "an integer", list_hint, &s.text);
      err = setting_error(key, static_cast<double>(s.integer), s.text);
      break;
    case SettingKind::kPair: {
      if (!n.IsSequence() || n.size() != 2)
        fail(s.line,
             fmt::format("betas must be a [beta1, beta2] pair (got {}){}", describe(n),
                         in_grid ? "; grid betas is a list of pairs: [[0.5, 0.999], ...]" : ""));
      const Setting b1 = parse_setting("beta1", s.line, n[0], true);
      const Setting b2 = parse_setting("beta2", s.line, n[1], true);
      s.b1 = b1.number;
      s.b2 = b2.number;
      s.text = fmt::format("[{}, {}]", b1.text, b2.text);
      break;
    }
  }
  if (!err.empty()) fail(s.line, err);
  return s;
}

}  // namespace ganrun
