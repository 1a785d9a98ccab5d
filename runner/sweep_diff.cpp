// runner/sweep_diff.cpp — the YAML-level comparison of two sweep texts (see header).
#include "runner/sweep_diff.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <vector>

namespace ganrun {
namespace {

// Scalars compare equal when their text is equal, or when both are plain numbers of equal
// value ("2e-4" vs "0.0002"): a rewrite of the same number is not a change of the sweep.
std::string key_text(const YAML::Node& k) { return k.IsScalar() ? k.Scalar() : YAML::Dump(k); }

bool same_scalar(const YAML::Node& a, const YAML::Node& b) {
  const bool quoted_a = a.Tag() == "!", quoted_b = b.Tag() == "!";
  if (quoted_a != quoted_b) return false;
  if (a.Scalar() == b.Scalar()) return true;
  if (quoted_a) return false;
  try {
    return a.as<double>() == b.as<double>();
  } catch (const YAML::Exception&) {
    return false;
  }
}

std::optional<std::string> first_difference(const YAML::Node& a, const YAML::Node& b,
                                            const std::string& path) {
  const std::string here = path.empty() ? "(whole file)" : path;
  if (a.Type() != b.Type()) return here;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      return same_scalar(a, b) ? std::nullopt : std::optional<std::string>(here);
    case YAML::NodeType::Sequence:
      // A list is one setting (grid values, a betas pair): report the list, not an element.
      if (a.size() != b.size()) return here;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (first_difference(a[i], b[i], path)) return here;
      }
      return std::nullopt;
    case YAML::NodeType::Map: {
      // Union of keys in order of first appearance (old file first); order within a map is
      // not a difference.
      std::vector<std::string> keys;
      std::map<std::string, YAML::Node> in_a, in_b;
      for (const auto& kv : a) {
        const std::string k = key_text(kv.first);
        if (in_a.emplace(k, kv.second).second) keys.push_back(k);
      }
      for (const auto& kv : b) {
        const std::string k = key_text(kv.first);
        if (in_b.emplace(k, kv.second).second && !in_a.count(k)) keys.push_back(k);
      }
      for (const auto& k : keys) {
        const std::string sub = path.empty() ? k : path + "." + k;
        auto ia = in_a.find(k), ib = in_b.find(k);
        if (ia == in_a.end() || ib == in_b.end()) return sub;
        if (auto d = first_difference(ia->second, ib->second, sub)) return d;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;  // both null / undefined
  }
}

}  // namespace

std::optional<std::string> first_differing_key(const std::string& old_text,
                                               const std::string& new_text) {
  YAML::Node a, b;
  try {
    a = YAML::Load(old_text);
  } catch (const YAML::Exception&) {
    return "(whole file)";
  }
  try {
    b = YAML::Load(new_text);
  } catch (const YAML::Exception&) {
    return "(whole file)";
  }
  return first_difference(a, b, "");
}

}  // namespace ganrun
