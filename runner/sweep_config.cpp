// runner/sweep_config.cpp — the sweep file's schema: a strict walk over the yaml-cpp tree,
// section by section (name, preset, dataset, train, variants, grid, ranks_per_run, pack, out,
// device), collecting each per-run value in its layer. Reading one value is
// runner/sweep_yaml.cpp's; turning the layers into runs is runner/grid_expansion.cpp's.
#include "runner/sweep_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "runner/byte_size.h"
#include "runner/config_error.h"
#include "runner/did_you_mean.h"
#include "runner/grid_expansion.h"
#include "runner/name_list.h"
#include "runner/pack_plan.h"
#include "runner/run_id.h"
#include "runner/sweep_yaml.h"

namespace ganrun {

namespace {

// Keys of the full schema (ARCHITECTURE "The sweep file") that this version does not implement.
// They are rejected by name so that a sweep written for a later version fails loudly.
const std::vector<std::string>& planned_run_keys() {
  static const std::vector<std::string> keys{};  // none today
  return keys;
}

const std::vector<std::string>& top_section_keys() {
  static const std::vector<std::string> keys{"name",     "preset", "dataset", "train",
                                             "variants", "grid",   "sample",  "ranks_per_run",
                                             "pack",     "out",    "device"};
  return keys;
}

// The per-run keys set at `place` (runner/run_settings.h's table says where each lives).
std::vector<std::string> keys_at(SweepPlace place) {
  std::vector<std::string> out;
  for (const auto& k : run_setting_keys())
    if (setting_traits(k).place == place) out.push_back(k);
  return out;
}

// Per-run keys that live at the top level of the file (preset and the model's settings).
const std::vector<std::string>& model_keys() {
  static const std::vector<std::string> keys = keys_at(SweepPlace::kTopLevel);
  return keys;
}

// The keys of `train:`: its per-run keys, and the planned ones (rejected by name).
const std::vector<std::string>& train_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out = keys_at(SweepPlace::kTrain);
    out.insert(out.end(), planned_run_keys().begin(), planned_run_keys().end());
    return out;
  }();
  return keys;
}

// The keys of `dataset:` and the per-run key each sets.
const std::vector<std::pair<std::string, std::string>>& dataset_section() {
  static const std::vector<std::pair<std::string, std::string>> keys{
      {"name", "dataset"}, {"dir", "data_dir"}, {"split", "split"}};
  return keys;
}

std::vector<std::string> concat(std::initializer_list<const std::vector<std::string>*> lists) {
  std::vector<std::string> out;
  for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
  return out;
}

bool safe_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' ||
         c == '-';
}

class Parser {
 public:
  explicit Parser(std::string file) : yaml_(std::move(file)) {}

  SweepPlan parse(const std::string& text);

 private:
  [[noreturn]] void fail(int line, const std::string& message) const { yaml_.fail(line, message); }
  static int line_of(const YAML::Node& n, int fallback) { return SweepYaml::line_of(n, fallback); }
  static std::string describe(const YAML::Node& n) { return SweepYaml::describe(n); }

  void parse_top_key(const std::string& key, int line, const YAML::Node& v);
  void parse_dataset(int key_line, const YAML::Node& n);
  void parse_train(int key_line, const YAML::Node& n);
  void parse_variants(int key_line, const YAML::Node& n);
  void parse_grid(int key_line, const YAML::Node& n);
  SubGrid parse_sub_grid(const YAML::Node& n);
  void parse_ranks_per_run(int key_line, const YAML::Node& n);
  void parse_pack(int key_line, const YAML::Node& n);

  SweepYaml yaml_;
  SweepPlan plan_;
  SweepLayers layers_;
  std::optional<std::string> name_, out_;
};

void Parser::parse_dataset(int key_line, const YAML::Node& n) {
  auto& top = layers_.top.settings;
  // `dataset: mnist` is accepted as shorthand for `dataset: {name: mnist}`.
  if (n.IsScalar()) {
    top.push_back(yaml_.parse_setting("dataset", key_line, n, false));
    return;
  }
  if (!n.IsMap()) {
    fail(line_of(n, key_line),
         fmt::format("dataset must be a map like {{name: mnist, dir: data/mnist}} (got {})",
                     describe(n)));
  }
  yaml_.for_each_key(n, "dataset", [&](const std::string& key, int line, const YAML::Node& v) {
    for (const auto& [name, run_key] : dataset_section()) {
      if (key == name) {
        top.push_back(yaml_.parse_setting(run_key, line, v, false));
        return;
      }
    }
    if (key == "memory_budget") {
      const std::string text = yaml_.parse_string("dataset.memory_budget", line, v);
      try {
        plan_.memory_budget = parse_byte_size(text, "dataset.memory_budget");
      } catch (const ConfigError& e) {
        fail(line, e.what());
      }
    } else if (key == "data_dir") {
      fail(line, "key 'data_dir' under 'dataset' is spelled 'dir' there (dataset: {dir: ...})");
    } else {
      std::vector<std::string> known;
      for (const auto& entry : dataset_section()) known.push_back(entry.first);
      known.push_back("memory_budget");
      fail(line, fmt::format("key '{}' under 'dataset' is not a known key{}", key,
                             did_you_mean(key, known)));
    }
  });
}

void Parser::parse_train(int key_line, const YAML::Node& n) {
  if (!n.IsMap()) {
    fail(line_of(n, key_line),
         fmt::format("train must be a map like {{epochs: 30, batch: 64}} (got {})", describe(n)));
  }
  yaml_.for_each_key(n, "train", [&](const std::string& key, int line, const YAML::Node& v) {
    if (contains(planned_run_keys(), key)) {
      yaml_.fail_not_implemented(line, key);
    } else if (contains(train_keys(), key)) {
      layers_.top.settings.push_back(yaml_.parse_setting(key, line, v, false));
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
  yaml_.for_each_key(n, "variants", [&](const std::string& variant, int line, const YAML::Node& v) {
    const std::string err = setting_error("variant", variant);
    if (!err.empty()) fail(line, err);
    Layer layer{"variants." + variant, {}};
    if (!v.IsNull() && !v.IsMap()) {
      fail(line_of(v, line),
           fmt::format("variants.{} must be a map of per-run keys (got {})", variant, describe(v)));
    }
    if (v.IsMap()) {
      yaml_.for_each_key(
          v, layer.where, [&](const std::string& key, int kline, const YAML::Node& x) {
            if (key == "variant") {
              fail(kline, fmt::format("key 'variant' cannot be set in variants.{}", variant));
            } else if (contains(run_setting_keys(), key)) {
              layer.settings.push_back(yaml_.parse_setting(key, kline, x, false));
            } else if (contains(planned_run_keys(), key)) {
              yaml_.fail_not_implemented(kline, key);
            } else {
              fail(kline,
                   fmt::format(
                       "key '{}' in variants.{} is not a per-run key{}", key, variant,
                       did_you_mean(key, concat({&run_setting_keys(), &planned_run_keys()}))));
            }
          });
    }
    check_same_level(yaml_, layer);
    layers_.variants.emplace(variant, std::move(layer));
  });
}

void Parser::parse_grid(int key_line, const YAML::Node& n) {
  if (n.IsNull()) return;
  if (n.IsSequence()) {  // a list of maps: the union of their products
    if (n.size() == 0)
      fail(line_of(n, key_line), "grid is an empty list; give at least one map of key: [values]");
    for (std::size_t i = 0; i < n.size(); ++i) {
      const YAML::Node& item = n[i];
      if (!item.IsMap() || item.size() == 0)
        fail(line_of(item, key_line),
             fmt::format("grid entry {} must be a map of key: [values...] (got {}); a list under "
                         "grid holds maps, each swept as its own product",
                         i + 1, describe(item)));
      layers_.grids.push_back(parse_sub_grid(item));
    }
    return;
  }
  if (!n.IsMap()) {
    fail(line_of(n, key_line),
         fmt::format("grid must be a map of key: [values...] or a list of such maps (got {})",
                     describe(n)));
  }
  layers_.grids.push_back(parse_sub_grid(n));
}

SubGrid Parser::parse_sub_grid(const YAML::Node& n) {
  SubGrid grid;
  yaml_.for_each_key(n, "grid", [&](const std::string& key, int line, const YAML::Node& v) {
    if (contains(planned_run_keys(), key)) yaml_.fail_not_implemented(line, key);
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
      g.values.push_back(yaml_.parse_setting(key, line_of(item, line), item, true));
    }
    grid.push_back(std::move(g));
  });
  Layer as_layer{"grid", {}};
  for (const auto& g : grid) {
    Setting s;
    s.key = g.key;
    s.line = g.line;
    as_layer.settings.push_back(s);
  }
  check_same_level(yaml_, as_layer);
  return grid;
}

void Parser::parse_ranks_per_run(int key_line, const YAML::Node& n) {
  int64_t ranks = 0;
  const int line = line_of(n, key_line);
  if (!SweepYaml::is_plain_scalar(n) || !YAML::convert<int64_t>::decode(n, ranks))
    fail(line, fmt::format("ranks_per_run must be an integer (got {})", describe(n)));
  if (ranks < 1) fail(line, fmt::format("ranks_per_run must be >= 1 (got {})", n.Scalar()));
  // World size % k and batch % k are checked when the plan meets the ranks (plan_validation).
  plan_.ranks_per_run = ranks;
}

void Parser::parse_pack(int key_line, const YAML::Node& n) {
  const int line = line_of(n, key_line);
  if (!SweepYaml::is_plain_scalar(n))
    fail(line, fmt::format("pack must be off, auto or an integer (got {})", describe(n)));
  // off | auto | K (runner/pack_plan.h); the message gets the file and line.
  try {
    plan_.pack = parse_pack_setting(n.Scalar(), "");
  } catch (const ConfigError& e) {
    fail(line, e.what());
  }
}

void Parser::parse_top_key(const std::string& key, int line, const YAML::Node& v) {
  using Section = void (Parser::*)(int, const YAML::Node&);
  static const std::map<std::string, Section> sections{
      {"dataset", &Parser::parse_dataset},
      {"train", &Parser::parse_train},
      {"variants", &Parser::parse_variants},
      {"grid", &Parser::parse_grid},
      {"ranks_per_run", &Parser::parse_ranks_per_run},
      {"pack", &Parser::parse_pack}};
  if (const auto it = sections.find(key); it != sections.end()) {
    (this->*(it->second))(line, v);
  } else if (key == "name") {
    name_ = yaml_.parse_string("name", line, v);
    if (name_->empty() || !std::all_of(name_->begin(), name_->end(), safe_name_char)) {
      fail(line_of(v, line),
           fmt::format("name must be non-empty and use only letters, digits, '.', '_', '+' and "
                       "'-' (got '{}')",
                       *name_));
    }
  } else if (key == "sample") {
    layers_.sample = parse_sample_section(yaml_, line, v);
  } else if (key == "out") {
    out_ = yaml_.parse_string("out", line, v);
    if (out_->empty()) fail(line_of(v, line), "out must be a non-empty folder path");
  } else if (key == "device") {
    const std::string d = yaml_.parse_string("device", line, v);
    if (d != "auto" && d != "cpu" && d != "cuda") {
      fail(line_of(v, line), fmt::format("device must be auto, cpu or cuda (got '{}')", d));
    }
    plan_.device = d;
  } else if (contains(model_keys(), key)) {  // preset and the model's settings
    layers_.top.settings.push_back(yaml_.parse_setting(key, line, v, false));
  } else if (contains(planned_run_keys(), key)) {
    yaml_.fail_not_implemented(line, key);
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
}

SweepPlan Parser::parse(const std::string& text) {
  plan_.file = yaml_.file();
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
  yaml_.for_each_key(root, "", [&](const std::string& key, int line, const YAML::Node& v) {
    parse_top_key(key, line, v);
  });
  check_same_level(yaml_, layers_.top);
  check_variants_vs_grid(yaml_, layers_);

  if (name_) {
    plan_.name = *name_;
  } else {
    // The file stem, made filename-safe since it names the output folder.
    std::string stem = std::filesystem::path(yaml_.file()).stem().string();
    for (char& c : stem)
      if (!safe_name_char(c)) c = '_';
    plan_.name = stem.empty() ? "sweep" : stem;
  }
  plan_.out = out_ ? *out_ : "results/" + plan_.name;
  expand_grid(yaml_, layers_, plan_);
  return plan_;
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

RunSpec make_single_run(const RunSettings& s) {
  validate(s);
  RunSpec spec;
  spec.settings = s;
  spec.id = make_run_id(s, {});
  return spec;
}

}  // namespace ganrun
