// runner/random_search.cpp — the `sample:` section (see header).
#include "runner/random_search.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "common/digest.h"  // sha256_hex
#include "runner/did_you_mean.h"
#include "runner/name_list.h"
#include "runner/run_settings.h"

namespace ganrun {
namespace {

const std::vector<std::string>& distributions() {
  static const std::vector<std::string> names{"log_uniform", "uniform", "choice"};
  return names;
}

int64_t parse_integer(const SweepYaml& yaml, const std::string& what, int line, const YAML::Node& n,
                      int64_t min) {
  int64_t v = 0;
  if (!SweepYaml::is_plain_scalar(n) || !YAML::convert<int64_t>::decode(n, v))
    yaml.fail(SweepYaml::line_of(n, line),
              fmt::format("sample.{} must be an integer (got {})", what, SweepYaml::describe(n)));
  if (v < min)
    yaml.fail(SweepYaml::line_of(n, line),
              fmt::format("sample.{} must be >= {} (got {})", what, min, v));
  return v;
}

double parse_bound(const SweepYaml& yaml, const std::string& where, int line, const YAML::Node& n) {
  double v = 0;
  if (!SweepYaml::is_plain_scalar(n) || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
    yaml.fail(SweepYaml::line_of(n, line),
              fmt::format("{} bounds must be numbers (got {})", where, SweepYaml::describe(n)));
  return v;
}

SampledKey parse_key(const SweepYaml& yaml, const std::string& key, int line, const YAML::Node& v) {
  const std::string where = "sample." + key;
  if (key == "variant")
    yaml.fail(line,
              "sample.variant: the variant is not drawn; list variants in grid (each is "
              "crossed with every draw)");
  if (!contains(run_setting_keys(), key))
    yaml.fail(line, fmt::format("sample key '{}' is not a per-run setting{}", key,
                                did_you_mean(key, run_setting_keys())));
  if (!v.IsMap() || v.size() != 1)
    yaml.fail(SweepYaml::line_of(v, line),
              fmt::format("{} must be one distribution, e.g. {{log_uniform: [1.0e-5, 1.0e-2]}}, "
                          "{{uniform: [0.0, 1.0]}} or {{choice: [1, 2, 3]}} (got {})",
                          where, SweepYaml::describe(v)));
  SampledKey s;
  s.key = key;
  s.line = line;
  s.distribution = v.begin()->first.Scalar();
  const YAML::Node args = v.begin()->second;
  if (!contains(distributions(), s.distribution))
    yaml.fail(line,
              fmt::format("{}: '{}' is not a distribution{} (log_uniform, uniform, choice)", where,
                          s.distribution, did_you_mean(s.distribution, distributions())));
  if (!args.IsSequence())
    yaml.fail(SweepYaml::line_of(args, line),
              fmt::format("{}.{} takes a list (got {})", where, s.distribution,
                          SweepYaml::describe(args)));
  if (s.distribution == "choice") {
    if (args.size() == 0) yaml.fail(line, where + ".choice is empty; list at least one value");
    for (const auto& item : args)
      s.choices.push_back(yaml.parse_setting(key, SweepYaml::line_of(item, line), item, true));
    return s;
  }
  if (setting_kind(key) != SettingKind::kFloat)
    yaml.fail(line, fmt::format("{}.{}: {} is not a number drawn from an interval; draw it with "
                                "choice: [...]",
                                where, s.distribution, key));
  if (args.size() != 2)
    yaml.fail(line, fmt::format("{}.{} takes [low, high] (got {} values)", where, s.distribution,
                                args.size()));
  s.low = parse_bound(yaml, where, line, args[0]);
  s.high = parse_bound(yaml, where, line, args[1]);
  if (!(s.low < s.high))
    yaml.fail(line, fmt::format("{}.{}: low {} must be below high {}", where, s.distribution,
                                args[0].Scalar(), args[1].Scalar()));
  if (s.distribution == "log_uniform" && s.low <= 0)
    yaml.fail(line,
              fmt::format("{}.log_uniform: low must be > 0 (got {})", where, args[0].Scalar()));
  return s;
}

}  // namespace

SampleSection parse_sample_section(const SweepYaml& yaml, int key_line, const YAML::Node& n) {
  SampleSection section;
  section.line = SweepYaml::line_of(n, key_line);
  if (!n.IsMap())
    yaml.fail(section.line, fmt::format("sample must be a map: count, seed and the drawn keys "
                                        "(got {})",
                                        SweepYaml::describe(n)));
  bool has_count = false;
  yaml.for_each_key(n, "sample", [&](const std::string& key, int line, const YAML::Node& v) {
    if (key == "count") {
      section.count = parse_integer(yaml, "count", line, v, 1);
      has_count = true;
    } else if (key == "seed") {
      section.seed = static_cast<uint64_t>(parse_integer(yaml, "seed", line, v, 0));
    } else {
      section.keys.push_back(parse_key(yaml, key, line, v));
    }
  });
  if (!has_count) yaml.fail(section.line, "sample needs count: the number of draws");
  if (section.keys.empty())
    yaml.fail(section.line,
              "sample draws no key; add one, e.g. lr: {log_uniform: [1.0e-5, 1.0e-2]}");
  draw_settings(yaml, section, 0);  // a key's rule refusing a drawn value fails here, at once
  return section;
}

double keyed_uniform(uint64_t seed, int64_t draw, const std::string& key) {
  const std::string hex = sha256_hex(fmt::format("{}:{}:{}", seed, draw, key), "a sample draw");
  const uint64_t bits = std::strtoull(hex.substr(0, 16).c_str(), nullptr, 16);
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

std::vector<Setting> draw_settings(const SweepYaml& yaml, const SampleSection& section,
                                   int64_t draw) {
  std::vector<Setting> out;
  for (const auto& k : section.keys) {
    const double u = keyed_uniform(section.seed, draw, k.key);
    if (k.distribution == "choice") {
      const auto i = std::min(static_cast<std::size_t>(u * static_cast<double>(k.choices.size())),
                              k.choices.size() - 1);
      out.push_back(k.choices[i]);
      continue;
    }
    const double v =
        k.distribution == "uniform"
            ? k.low + u * (k.high - k.low)
            : std::pow(10.0, std::log10(k.low) + u * (std::log10(k.high) - std::log10(k.low)));
    out.push_back(yaml.parse_setting(k.key, k.line, YAML::Node(fmt::format("{:.6g}", v)), true));
  }
  return out;
}

}  // namespace ganrun
