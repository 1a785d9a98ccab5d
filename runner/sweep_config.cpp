// runner/sweep_config.cpp — the sweep file: strict schema walk over the yaml-cpp tree, the
// layering top level < variants.<v> < grid point, cartesian expansion, run ids (SHA-256 via
// OpenSSL EVP) and the YAML-level diff used to refuse a changed sweep in an existing folder.
#include "runner/sweep_config.h"

#include <fmt/format.h>
#include <openssl/evp.h>  // EVP_Digest, EVP_sha256
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "runner/config_error.h"
#include "runner/did_you_mean.h"
#include "runner/presets.h"

namespace ganrun {

namespace {

// A grid larger than this is almost certainly a mistake (and would exhaust memory before
// anything ran); the limit is far above any sweep one machine could train.
constexpr uint64_t kMaxGridPoints = 100000;

// Keys of the full schema (ARCHITECTURE "The sweep file") that this version does not implement.
// They are rejected by name so that a sweep written for a later version fails loudly.
const std::vector<std::string>& planned_run_keys() {
  static const std::vector<std::string> keys{"eval_every", "checkpoint_every"};
  return keys;
}

const std::vector<std::string>& top_section_keys() {
  static const std::vector<std::string> keys{"name",     "preset", "dataset",       "train",
                                             "variants", "grid",   "ranks_per_run", "pack",
                                             "out",      "device"};
  return keys;
}

// Per-run keys that live at the top level of the file (the rest live under train/dataset).
// Every per-run key except those of the train and dataset sections (and preset, which is a
// top-level key of its own: it picks values, it is not layered).
const std::vector<std::string>& model_keys() {
  static const std::vector<std::string> keys = [] {
    const std::vector<std::string> elsewhere{"preset",       "dataset",  "data_dir", "split",
                                             "epochs",       "steps",    "batch",    "seed",
                                             "sample_every", "log_every"};
    std::vector<std::string> out;
    for (const auto& k : run_setting_keys()) {
      if (std::find(elsewhere.begin(), elsewhere.end(), k) == elsewhere.end()) out.push_back(k);
    }
    return out;
  }();
  return keys;
}

const std::vector<std::string>& train_keys() {
  static const std::vector<std::string> keys{"epochs",     "steps",           "batch",
                                             "seed",       "sample_every",    "log_every",
                                             "eval_every", "checkpoint_every"};
  return keys;
}

const std::vector<std::string>& dataset_section_keys() {
  static const std::vector<std::string> keys{"name", "dir", "split", "memory_budget"};
  return keys;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> concat(std::initializer_list<const std::vector<std::string>*> lists) {
  std::vector<std::string> out;
  for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

using Kind = SettingKind;

Kind kind_of(const std::string& key) { return setting_kind(key); }

// The RunSettings fields a per-run key writes: the shorthands write two.
std::vector<std::string> fields_of(const std::string& key) {
  if (key == "lr") return {"lr_g", "lr_d"};
  if (key == "betas") return {"beta1", "beta2"};
  if (key == "optimizer") return {"optimizer_g", "optimizer_d"};
  return {key};
}

bool overlaps(const std::string& a, const std::string& b) {
  for (const auto& fa : fields_of(a)) {
    if (contains(fields_of(b), fa)) return true;
  }
  return false;
}

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

struct GridKey {
  std::string key;
  int line = 0;
  std::vector<Setting> values;
};

// One layer of settings ("the top level", "variants.gan", "grid") and where it came from.
struct Layer {
  std::string where;
  std::vector<Setting> settings;
};

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  SweepPlan parse(const std::string& text);

 private:
  [[noreturn]] void fail(int line, const std::string& message) const {
    throw ConfigError(fmt::format("{}:{}: {}", file_, line, message));
  }

  // yaml-cpp marks are 0-based; a null value's mark points past it, so use its key's line.
  static int line_of(const YAML::Node& n, int fallback) {
    if (n.IsNull() || n.Mark().line < 0) return fallback;
    return n.Mark().line + 1;
  }

  static std::string describe(const YAML::Node& n) {
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

  static bool is_plain_scalar(const YAML::Node& n) { return n.IsScalar() && n.Tag() != "!"; }

  // Iterates a map's keys in file order, rejecting non-scalar and repeated keys.
  template <typename F>
  void for_each_key(const YAML::Node& map, const std::string& section, F&& f) {
    std::map<std::string, int> seen;
    for (const auto& kv : map) {
      const int line = line_of(kv.first, 1);
      if (!kv.first.IsScalar()) {
        fail(line,
             fmt::format("keys{} must be plain names (got {})",
                         section.empty() ? "" : " under '" + section + "'", describe(kv.first)));
      }
      const std::string key = kv.first.Scalar();
      auto [it, fresh] = seen.emplace(key, line);
      if (!fresh) {
        fail(line, fmt::format("key '{}' is set twice (lines {} and {})",
                               section.empty() ? key : section + "." + key, it->second, line));
      }
      f(key, line, kv.second);
    }
  }

  std::string parse_string(const std::string& what, int key_line, const YAML::Node& n) {
    if (!n.IsScalar()) {
      fail(line_of(n, key_line), fmt::format("{} must be a string (got {})", what, describe(n)));
    }
    return n.Scalar();
  }

  [[noreturn]] void fail_not_implemented(int line, const std::string& key) const {
    fail(line, fmt::format("key '{}' is not implemented yet in this version of ganrun", key));
  }

  Setting parse_setting(const std::string& key, int key_line, const YAML::Node& n, bool in_grid);
  void parse_dataset(int key_line, const YAML::Node& n);
  void parse_train(int key_line, const YAML::Node& n);
  void parse_variants(int key_line, const YAML::Node& n);
  void parse_grid(int key_line, const YAML::Node& n);
  void parse_ranks_per_run(int key_line, const YAML::Node& n);
  void parse_pack(int key_line, const YAML::Node& n);
  void check_same_level(const Layer& layer) const;
  void check_variants_vs_grid() const;
  RunSpec resolve(const std::vector<std::size_t>& index) const;
  void check_distinct(const std::vector<RunSpec>& runs,
                      const std::vector<std::vector<std::size_t>>& indices) const;

  std::string file_;
  SweepPlan plan_;
  Layer top_{"the top level", {}};
  std::map<std::string, Layer> variants_;
  std::vector<GridKey> grid_;
};

Setting Parser::parse_setting(const std::string& key, int key_line, const YAML::Node& n,
                              bool in_grid) {
  Setting s;
  s.key = key;
  s.line = line_of(n, key_line);
  const Kind kind = kind_of(key);
  // A list where one value belongs is the commonest slip: point at the grid.
  const std::string list_hint =
      !in_grid && n.IsSequence() && kind != Kind::kPair
          ? fmt::format("; to sweep it, list it under grid ({}: [...])", key)
          : "";
  switch (kind) {
    case Kind::kString: {
      if (!n.IsScalar()) {
        fail(s.line, fmt::format("{} must be a {} (got {}){}", key,
                                 key == "data_dir" ? "path" : "name", describe(n), list_hint));
      }
      s.text = s.str = n.Scalar();
      const std::string err = setting_error(key, s.str);
      if (!err.empty()) fail(s.line, err);
      break;
    }
    case Kind::kFloat: {
      if (!is_plain_scalar(n)) {
        fail(s.line, fmt::format("{} must be a number (got {}){}", key, describe(n), list_hint));
      }
      s.text = n.Scalar();
      try {
        s.number = n.as<double>();
      } catch (const YAML::Exception&) {
        fail(s.line, fmt::format("{} must be a number (got {})", key, describe(n)));
      }
      const std::string err = setting_error(key, s.number, s.text);
      if (!err.empty()) fail(s.line, err);
      break;
    }
    case Kind::kInt: {
      if ((key == "log_every" || key == "sample_every") && n.IsMap()) {
        fail(s.line, fmt::format("{} in epochs ({}: {{epochs: N}}) is not implemented yet in this "
                                 "version of ganrun; give a number of steps",
                                 key, key));
      }
      if (!is_plain_scalar(n)) {
        fail(s.line, fmt::format("{} must be an integer (got {}){}", key, describe(n), list_hint));
      }
      s.text = n.Scalar();
      try {
        s.integer = n.as<int64_t>();
      } catch (const YAML::Exception&) {
        fail(s.line, fmt::format("{} must be an integer (got {})", key, describe(n)));
      }
      const std::string err = setting_error(key, static_cast<double>(s.integer), s.text);
      if (!err.empty()) fail(s.line, err);
      break;
    }
    case Kind::kPair: {
      if (!n.IsSequence() || n.size() != 2) {
        fail(s.line,
             fmt::format("betas must be a [beta1, beta2] pair (got {}){}", describe(n),
                         in_grid ? "; grid betas is a list of pairs: [[0.5, 0.999], ...]" : ""));
      }
      const Setting b1 = parse_setting("beta1", s.line, n[0], true);
      const Setting b2 = parse_setting("beta2", s.line, n[1], true);
      s.b1 = b1.number;
      s.b2 = b2.number;
      s.text = fmt::format("[{}, {}]", b1.text, b2.text);
      break;
    }
  }
  return s;
}

void apply(RunSettings& r, const Setting& s) {
  set_setting(r, s.key, s.str, s.kind_number(), s.integer, s.b2);
}

void Parser::parse_dataset(int key_line, const YAML::Node& n) {
  // `dataset: mnist` is accepted as shorthand for `dataset: {name: mnist}`.
  if (n.IsScalar()) {
    top_.settings.push_back(parse_setting("dataset", key_line, n, false));
    return;
  }
  if (!n.IsMap()) {
    fail(line_of(n, key_line),
         fmt::format("dataset must be a map like {{name: mnist, dir: data/mnist}} (got {})",
                     describe(n)));
  }
  for_each_key(n, "dataset", [&](const std::string& key, int line, const YAML::Node& v) {
    if (key == "name") {
      top_.settings.push_back(parse_setting("dataset", line, v, false));
    } else if (key == "dir") {
      top_.settings.push_back(parse_setting("data_dir", line, v, false));
    } else if (key == "split") {
      top_.settings.push_back(parse_setting("split", line, v, false));
    } else if (key == "memory_budget") {
      const std::string text = parse_string("dataset.memory_budget", line, v);
      try {
        plan_.memory_budget = parse_byte_size(text, "dataset.memory_budget");
      } catch (const ConfigError& e) {
        fail(line, e.what());
      }
    } else if (key == "data_dir") {
      fail(line, "key 'data_dir' under 'dataset' is spelled 'dir' there (dataset: {dir: ...})");
    } else {
      fail(line, fmt::format("key '{}' under 'dataset' is not a known key{}", key,
                             did_you_mean(key, dataset_section_keys())));
    }
  });
}

void Parser::parse_train(int key_line, const YAML::Node& n) {
  if (!n.IsMap()) {
    fail(line_of(n, key_line),
         fmt::format("train must be a map like {{epochs: 30, batch: 64}} (got {})", describe(n)));
  }
  for_each_key(n, "train", [&](const std::string& key, int line, const YAML::Node& v) {
    if (contains(train_keys(), key) && contains(run_setting_keys(), key)) {
      top_.settings.push_back(parse_setting(key, line, v, false));
    } else if (contains(planned_run_keys(), key)) {
      fail_not_implemented(line, key);
    } else if (contains(model_keys(), key)) {
      fail(line, fmt::format("key '{}' belongs at the top level (or in variants/grid), not under "
                             "'train'",
                             key));
    } else {
      fail(line, fmt::format("key '{}' under 'train' is not a known key{}", key,
                             did_you_mean(key, train_keys())));
    }
  });
}

void Parser::parse_variants(int key_line, const YAML::Node& n) {
  if (n.IsNull()) return;
  if (!n.IsMap()) {
    fail(line_of(n, key_line),
         fmt::format("variants must be a map like {{gan: {{lr: 2e-4}}}} (got {})", describe(n)));
  }
  for_each_key(n, "variants", [&](const std::string& variant, int line, const YAML::Node& v) {
    const std::string err = setting_error("variant", variant);
    if (!err.empty()) fail(line, err);
    Layer layer{"variants." + variant, {}};
    if (!v.IsNull() && !v.IsMap()) {
      fail(line_of(v, line),
           fmt::format("variants.{} must be a map of per-run keys (got {})", variant, describe(v)));
    }
    if (v.IsMap()) {
      for_each_key(v, layer.where, [&](const std::string& key, int kline, const YAML::Node& x) {
        if (key == "variant") {
          fail(kline, fmt::format("key 'variant' cannot be set in variants.{}", variant));
        } else if (contains(run_setting_keys(), key)) {
          layer.settings.push_back(parse_setting(key, kline, x, false));
        } else if (contains(planned_run_keys(), key)) {
          fail_not_implemented(kline, key);
        } else {
          fail(kline,
               fmt::format("key '{}' in variants.{} is not a per-run key{}", key, variant,
                           did_you_mean(key, concat({&run_setting_keys(), &planned_run_keys()}))));
        }
      });
    }
    check_same_level(layer);
    variants_.emplace(variant, std::move(layer));
  });
}

void Parser::parse_grid(int key_line, const YAML::Node& n) {
  if (n.IsNull()) return;
  if (!n.IsMap()) {
    fail(line_of(n, key_line),
         fmt::format("grid must be a map of key: [values...] (got {})", describe(n)));
  }
  for_each_key(n, "grid", [&](const std::string& key, int line, const YAML::Node& v) {
    if (contains(planned_run_keys(), key)) fail_not_implemented(line, key);
    if (!contains(run_setting_keys(), key)) {
      const auto all = concat({&top_section_keys(), &train_keys()});
      if (contains(all, key)) {
        fail(line, fmt::format("grid key '{}' is not a per-run setting (grid keys: {})", key,
                               join(run_setting_keys(), ", ")));
      }
      fail(line,
           fmt::format("key '{}' is not a grid key{}", key,
                       did_you_mean(key, concat({&run_setting_keys(), &planned_run_keys()}))));
    }
    if (!v.IsSequence()) {
      fail(line_of(v, line), fmt::format("grid key '{}' must be a list of values (got {}); write "
                                         "{}: [...]",
                                         key, describe(v), key));
    }
    if (v.size() == 0) {
      fail(line_of(v, line), fmt::format("grid key '{}' has an empty list; give at least one "
                                         "value or remove the key",
                                         key));
    }
    GridKey g{key, line, {}};
    for (const auto& item : v) {
      if (key != "betas" && !item.IsScalar()) {
        fail(line_of(item, line),
             fmt::format("grid key '{}' must list single values (got {})", key, describe(item)));
      }
      g.values.push_back(parse_setting(key, line_of(item, line), item, true));
    }
    grid_.push_back(std::move(g));
  });
  Layer as_layer{"grid", {}};
  for (const auto& g : grid_) {
    Setting s;
    s.key = g.key;
    s.line = g.line;
    as_layer.settings.push_back(s);
  }
  check_same_level(as_layer);
}

void Parser::parse_ranks_per_run(int key_line, const YAML::Node& n) {
  int64_t ranks = 0;
  bool ok = is_plain_scalar(n);
  if (ok) {
    try {
      ranks = n.as<int64_t>();
    } catch (const YAML::Exception&) {
      ok = false;
    }
  }
  const int line = line_of(n, key_line);
  if (!ok) fail(line, fmt::format("ranks_per_run must be an integer (got {})", describe(n)));
  if (ranks < 1) fail(line, fmt::format("ranks_per_run must be >= 1 (got {})", n.Scalar()));
  // World size % k and batch % k are checked when the plan meets the ranks (plan_execution).
  plan_.ranks_per_run = ranks;
}

void Parser::parse_pack(int key_line, const YAML::Node& n) {
  const int line = line_of(n, key_line);
  if (!is_plain_scalar(n))
    fail(line, fmt::format("pack must be off, auto or an integer (got {})", describe(n)));
  const std::string v = n.Scalar();
  if (v == "off" || v == "auto") {
    // auto packs where supported, which is nowhere yet: runs train one by one.
    plan_.pack = v;
    return;
  }
  try {
    (void)n.as<int64_t>();
  } catch (const YAML::Exception&) {
    fail(line, fmt::format("pack must be off, auto or an integer (got '{}')", v));
  }
  fail(line, fmt::format("pack: {} is not implemented yet in this version of ganrun (use off or "
                         "auto)",
                         v));
}

void Parser::check_same_level(const Layer& layer) const {
  const auto& s = layer.settings;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (s[i].key == s[j].key || !overlaps(s[i].key, s[j].key)) continue;
      const std::string& shorthand = fields_of(s[i].key).size() > 1 ? s[i].key : s[j].key;
      const auto fields = fields_of(shorthand);
      fail(std::max(s[i].line, s[j].line),
           fmt::format("{} (line {}) and {} (line {}) are both set in {}; {} sets both {} and {}, "
                       "so use {} alone or {}/{}",
                       s[i].key, s[i].line, s[j].key, s[j].line, layer.where, shorthand, fields[0],
                       fields[1], shorthand, fields[0], fields[1]));
    }
  }
}

void Parser::check_variants_vs_grid() const {
  for (const auto& [variant, layer] : variants_) {
    for (const auto& s : layer.settings) {
      for (const auto& g : grid_) {
        if (!overlaps(s.key, g.key)) continue;
        const std::string what = s.key == g.key ? fmt::format("key '{}'", s.key)
                                                : fmt::format("keys '{}' and '{}'", s.key, g.key);
        fail(std::max(s.line, g.line),
             fmt::format("{} {} set both in {} (line {}) and in grid (line {}); set {} in one "
                         "place",
                         what, s.key == g.key ? "is" : "are", layer.where, s.line, g.line,
                         s.key == g.key ? "it" : "them"));
      }
    }
  }
}

RunSpec Parser::resolve(const std::vector<std::size_t>& index) const {
  RunSpec spec;
  RunSettings& r = spec.settings;
  int epochs_line = 0, steps_line = 0;
  std::set<std::string> explicit_fields;  // what the file sets: a preset fills only the rest
  auto apply_all = [&](const Setting& s) {
    apply(r, s);
    for (const auto& f : fields_written(s.key)) explicit_fields.insert(f);
    if (s.key == "epochs") epochs_line = s.line;
    if (s.key == "steps") steps_line = s.line;
  };
  for (const auto& s : top_.settings) apply_all(s);
  // The point's variant decides which variants.<v> layer applies.
  std::string variant = r.variant;
  for (std::size_t k = 0; k < grid_.size(); ++k) {
    if (grid_[k].key == "variant") variant = grid_[k].values[index[k]].str;
  }
  if (auto it = variants_.find(variant); it != variants_.end()) {
    for (const auto& s : it->second.settings) apply_all(s);
  }
  for (std::size_t k = 0; k < grid_.size(); ++k) apply_all(grid_[k].values[index[k]]);

  if (epochs_line && steps_line) {
    fail(std::max(epochs_line, steps_line),
         fmt::format("epochs (line {}) and steps (line {}) are both set; set only one of them",
                     epochs_line, steps_line));
  }
  try {
    if (!r.preset.empty()) apply_preset(r, r.preset, explicit_fields);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", file_, e.what()));
  }
  if (r.epochs == 0 && r.steps == 0) r.epochs = kDefaultEpochs;
  try {
    validate(r);  // every value was checked where it was read; this guards the combination
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", file_, e.what()));
  }
  for (const auto& g : grid_) spec.grid_point.emplace_back(g.key, setting_text(r, g.key));
  spec.id = make_run_id(r, plan_.varying_keys);
  return spec;
}

void Parser::check_distinct(const std::vector<RunSpec>& runs,
                            const std::vector<std::vector<std::size_t>>& indices) const {
  // Names the first grid key whose values differ between two clashing runs.
  auto clash = [&](std::size_t a, std::size_t b, const std::string& what) {
    for (std::size_t k = 0; k < grid_.size(); ++k) {
      if (indices[a][k] == indices[b][k]) continue;
      const Setting& va = grid_[k].values[indices[a][k]];
      const Setting& vb = grid_[k].values[indices[b][k]];
      fail(vb.line, fmt::format("grid key '{}': values {} (line {}) and {} (line {}) {}",
                                grid_[k].key, va.text, va.line, vb.text, vb.line, what));
    }
    fail(1, "two runs " + what);  // unreachable: distinct points differ in some key
  };
  std::map<std::string, std::size_t> by_settings, by_id;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto [s, fresh_s] = by_settings.emplace(to_yaml(runs[i].settings), i);
    if (!fresh_s) clash(s->second, i, "give two runs the same settings; remove the duplicate");
    auto [d, fresh_d] = by_id.emplace(runs[i].id, i);
    if (!fresh_d) {
      clash(d->second, i,
            fmt::format("give two runs the same run id '{}'; use values that differ in letters "
                        "or digits",
                        runs[i].id));
    }
  }
}

SweepPlan Parser::parse(const std::string& text) {
  plan_.file = file_;
  plan_.text = text;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    fail(e.mark.line >= 0 ? e.mark.line + 1 : 1, "YAML syntax error: " + e.msg);
  }
  if (docs.size() > 1) {
    fail(line_of(docs[1], 1), "the sweep file holds more than one YAML document; keep one");
  }
  if (docs.empty() || docs[0].IsNull()) fail(1, "the sweep file is empty");
  const YAML::Node& root = docs[0];
  if (!root.IsMap()) {
    fail(line_of(root, 1),
         fmt::format("the sweep file must be a map of keys (name, train, grid, ...) (got {})",
                     describe(root)));
  }

  std::optional<std::string> name, out;
  for_each_key(root, "", [&](const std::string& key, int line, const YAML::Node& v) {
    if (key == "name") {
      name = parse_string("name", line, v);
      const bool safe = !name->empty() && std::all_of(name->begin(), name->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' ||
               c == '-';
      });
      if (!safe) {
        fail(line_of(v, line),
             fmt::format("name must be non-empty and use only letters, digits, '.', '_', '+' and "
                         "'-' (got '{}')",
                         *name));
      }
    } else if (key == "preset") {
      top_.settings.push_back(parse_setting("preset", line, v, false));
    } else if (key == "dataset") {
      parse_dataset(line, v);
    } else if (key == "train") {
      parse_train(line, v);
    } else if (key == "variants") {
      parse_variants(line, v);
    } else if (key == "grid") {
      parse_grid(line, v);
    } else if (key == "ranks_per_run") {
      parse_ranks_per_run(line, v);
    } else if (key == "pack") {
      parse_pack(line, v);
    } else if (key == "out") {
      out = parse_string("out", line, v);
      if (out->empty()) fail(line_of(v, line), "out must be a non-empty folder path");
    } else if (key == "device") {
      const std::string d = parse_string("device", line, v);
      if (d != "auto" && d != "cpu" && d != "cuda") {
        fail(line_of(v, line), fmt::format("device must be auto, cpu or cuda (got '{}')", d));
      }
      plan_.device = d;
    } else if (contains(model_keys(), key)) {
      top_.settings.push_back(parse_setting(key, line, v, false));
    } else if (contains(planned_run_keys(), key)) {
      fail_not_implemented(line, key);
    } else if (key == "data_dir") {
      fail(line, "key 'data_dir' belongs under 'dataset' as 'dir' (dataset: {dir: ...})");
    } else if (key == "split") {
      fail(line, "key 'split' belongs under 'dataset' (dataset: {split: ...})");
    } else if (contains(train_keys(), key)) {
      fail(line, fmt::format("key '{}' belongs under 'train' (train: {{{}: ...}})", key, key));
    } else {
      fail(line, fmt::format("key '{}' is not a known key{}", key,
                             did_you_mean(key, concat({&top_section_keys(), &run_setting_keys(),
                                                       &train_keys(), &planned_run_keys()}))));
    }
  });
  check_same_level(top_);
  check_variants_vs_grid();

  if (name) {
    plan_.name = *name;
  } else {
    // The file stem, made filename-safe since it names the output folder.
    std::string stem = std::filesystem::path(file_).stem().string();
    for (char& c : stem) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' ||
            c == '-')) {
        c = '_';
      }
    }
    plan_.name = stem.empty() ? "sweep" : stem;
  }
  plan_.out = out ? *out : "results/" + plan_.name;

  uint64_t total = 1;
  for (const auto& g : grid_) {
    plan_.grid_keys.push_back(g.key);
    if (g.values.size() > 1) plan_.varying_keys.push_back(g.key);
    total *= g.values.size();
    if (total > kMaxGridPoints) {
      fail(g.line,
           fmt::format("the grid has more than {} points; split the sweep", kMaxGridPoints));
    }
  }

  // Odometer over the grid: the last key varies fastest.
  std::vector<std::vector<std::size_t>> indices;
  std::vector<std::size_t> index(grid_.size(), 0);
  for (uint64_t p = 0; p < total; ++p) {
    indices.push_back(index);
    plan_.runs.push_back(resolve(index));
    for (std::size_t k = grid_.size(); k-- > 0;) {
      if (++index[k] < grid_[k].values.size()) break;
      index[k] = 0;
    }
  }
  check_distinct(plan_.runs, indices);
  return plan_;
}

std::string sha256_hex8(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) != 1 || len < 4) {
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", md[0], md[1], md[2], md[3]);
}

// Id abbreviations; keys not listed (arch, dataset, data_dir, split, dtype) show their value.
const char* abbreviation(const std::string& key) {
  static const std::map<std::string, const char*> abbrev{
      {"lr", "lr"},           {"lr_g", "lrg"},        {"lr_d", "lrd"},     {"beta1", "b1"},
      {"beta2", "b2"},        {"betas", "bs"},        {"n_critic", "nc"},  {"batch", "b"},
      {"z_dim", "z"},         {"steps", "st"},        {"epochs", "ep"},    {"seed", "s"},
      {"log_every", "le"},    {"sample_every", "se"}, {"momentum", "mom"}, {"rmsprop_alpha", "ra"},
      {"weight_decay", "wd"}, {"clip_value", "c"},    {"gp_lambda", "gp"}, {"margin", "m"},
      {"pt_weight", "pt"},    {"gamma", "gam"},       {"lambda_k", "lk"},  {"info_weight", "iw"},
      {"toy_depth", "td"},    {"toy_width", "tw"},    {"base_width", "bw"}};
  auto it = abbrev.find(key);
  return it == abbrev.end() ? "" : it->second;
}

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

SweepPlan parse_sweep(const std::string& text, const std::string& file_label) {
  Parser parser(file_label);
  try {
    return parser.parse(text);
  } catch (const YAML::Exception& e) {
    // A yaml-cpp error the walk did not anticipate still becomes a located user error.
    throw ConfigError(
        fmt::format("{}:{}: {}", file_label, e.mark.line >= 0 ? e.mark.line + 1 : 1, e.msg));
  }
}

SweepPlan load_sweep(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw ConfigError(fmt::format("sweep file '{}' not found", file.string()));
  }
  if (std::filesystem::is_directory(file, ec)) {
    throw ConfigError(
        fmt::format("sweep file '{}' is a directory, not a YAML file", file.string()));
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) throw ConfigError(fmt::format("sweep file '{}' could not be read", file.string()));
  return parse_sweep(buffer.str(), file.string());
}

std::string make_run_id(const RunSettings& s, const std::vector<std::string>& varying_keys) {
  std::string id = s.variant;
  for (const auto& key : run_setting_keys()) {
    if (key == "variant" || !contains(varying_keys, key)) continue;
    id += fmt::format("-{}{}", abbreviation(key), setting_text(s, key));
  }
  // The hash leaves out where the data lives and how often it logs: moving the data or
  // logging more often is the same experiment.
  std::istringstream lines(to_yaml(s));
  std::string hashed, line;
  while (std::getline(lines, line)) {
    if (line.rfind("data_dir:", 0) == 0 || line.rfind("log_every:", 0) == 0) continue;
    hashed += line + "\n";
  }
  id += "-" + sha256_hex8(hashed);
  for (char& c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' ||
          c == '-')) {
      c = '_';
    }
  }
  return id;
}

RunSpec make_single_run(const RunSettings& s) {
  validate(s);
  RunSpec spec;
  spec.settings = s;
  spec.id = make_run_id(s, {});
  return spec;
}

int64_t parse_byte_size(const std::string& text, const std::string& what) {
  static const std::vector<std::pair<std::string, int64_t>> units{{"GiB", int64_t{1} << 30},
                                                                  {"MiB", int64_t{1} << 20},
                                                                  {"KiB", int64_t{1} << 10},
                                                                  {"B", 1},
                                                                  {"", 1}};
  for (const auto& [suffix, scale] : units) {
    if (text.size() <= suffix.size() ||
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string digits = text.substr(0, text.size() - suffix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) break;
    const long long value = std::stoll(digits);
    if (value < 1 || value > (int64_t{1} << 50) / scale) break;
    return value * scale;
  }
  throw ConfigError(fmt::format(
      "{} must be a size like 4GiB, 512MiB, 100KiB or a number of bytes >= 1 (got '{}')", what,
      text));
}

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
