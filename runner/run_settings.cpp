// runner/run_settings.cpp — the per-run keys as one table: each key's row says where its value
// lives in RunSettings (and so how it is parsed and written to YAML), the rule its value must
// meet, and how it shows in a sweep file, a run id and a `ganrun train` flag. Everything else
// here reads that table: set_setting(_text), setting_error, validate, setting_text, to_yaml.
// The float text (canonical_float) and YAML quoting live in runner/setting_text.cpp.
#include "runner/run_settings.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdint>  // INT64_MIN, INT64_MAX
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "data/dataset_catalog.h"  // dataset_names
#include "models/nets.h"           // arch_names
#include "models/variant.h"        // variant_names
#include "runner/config_error.h"
#include "runner/did_you_mean.h"
#include "runner/name_list.h"
#include "runner/presets.h"  // preset_names

namespace ganrun {

namespace {

// The rule a number must meet. Written as !(ok) where they are checked, so NaN fails them all.
enum class Range { kNone, kPositive, kAtLeastZero, kUnitOpen, kUnitClosed, kAtLeastOne };

using Names = const std::vector<std::string>& (*)();

// One per-run key. A plain key has one target member; the shorthands lr, betas and optimizer
// have two (they set lr_g/lr_d, beta1/beta2, optimizer_g/optimizer_d and are not fields).
struct KeyRow {
  const char* key = "";
  SettingTraits traits;
  std::string RunSettings::*text[2] = {nullptr, nullptr};
  double RunSettings::*real[2] = {nullptr, nullptr};
  int64_t RunSettings::*integer = nullptr;
  Range range = Range::kNone;        // numbers
  std::vector<std::string> choices;  // names: a fixed vocabulary, or
  Names registry = nullptr;          // names: the registry that lists them
  bool may_be_empty = false;         // preset: "" = none
  bool is_field() const { return text[1] == nullptr && real[1] == nullptr; }
  const std::vector<std::string>& names() const { return registry ? registry() : choices; }
};

using R = RunSettings;
constexpr SweepPlace kTop = SweepPlace::kTopLevel, kTrain = SweepPlace::kTrain,
                     kData = SweepPlace::kDataset;

KeyRow name_key(const char* key, std::string R::*m, std::vector<std::string> choices,
                SweepPlace place = kTop) {
  KeyRow r;
  r.key = key;
  r.traits = {SettingKind::kString, place, "", true, true};
  r.text[0] = m;
  r.choices = std::move(choices);
  return r;
}
KeyRow registry_key(const char* key, std::string R::*m, Names names, SweepPlace place = kTop) {
  KeyRow r = name_key(key, m, {}, place);
  r.registry = names;
  return r;
}
KeyRow real_key(const char* key, double R::*m, Range range, const char* id) {
  KeyRow r;
  r.key = key;
  r.traits = {SettingKind::kFloat, kTop, id, true, true};
  r.real[0] = m;
  r.range = range;
  return r;
}
KeyRow int_key(const char* key, int64_t R::*m, Range range, const char* id,
               SweepPlace place = kTop) {
  KeyRow r;
  r.key = key;
  r.traits = {SettingKind::kInt, place, id, true, true};
  r.integer = m;
  r.range = range;
  return r;
}

// Canonical order: what is trained, optimisation, length, variant and architecture settings,
// bookkeeping. Run ids list their varying keys in this order (gan-lr2e-4-nc5-s0-...), and
// to_yaml writes the fields in it: reordering rows changes every run id.
std::vector<KeyRow> make_table() {
  const std::vector<std::string> optimizers{"adam", "rmsprop", "sgd"};
  KeyRow preset = registry_key("preset", &R::preset, preset_names);
  preset.may_be_empty = true;
  KeyRow data_dir = name_key("data_dir", &R::data_dir, {}, kData);
  data_dir.traits.in_id_hash = false;  // moving the data is the same experiment
  KeyRow optimizer = name_key("optimizer", &R::optimizer_g, optimizers);
  optimizer.text[1] = &R::optimizer_d;
  KeyRow lr = real_key("lr", &R::lr_g, Range::kPositive, "lr");
  lr.real[1] = &R::lr_d;
  KeyRow betas = real_key("betas", &R::beta1, Range::kNone, "bs");
  betas.traits.kind = SettingKind::kPair;
  betas.traits.flag = false;  // --beta1 and --beta2 instead
  betas.real[1] = &R::beta2;
  KeyRow log_every = int_key("log_every", &R::log_every, Range::kAtLeastOne, "le", kTrain);
  log_every.traits.in_id_hash = false;  // logging more often is the same experiment
  // Evaluation draws its own noise and never touches training: the same experiment.
  KeyRow eval_every = int_key("eval_every", &R::eval_every, Range::kAtLeastZero, "ee", kTrain);
  eval_every.traits.in_id_hash = false;
  KeyRow eval_at_start = name_key("eval_at_start", &R::eval_at_start, {"no", "yes"}, kTrain);
  eval_at_start.traits.in_id_hash = false;
  KeyRow eval_samples = int_key("eval_samples", &R::eval_samples, Range::kAtLeastOne, "es", kTrain);
  eval_samples.traits.in_id_hash = false;
  // Where a run may resume from changes nothing it computes (resume is exact).
  KeyRow checkpoint_every =
      int_key("checkpoint_every", &R::checkpoint_every, Range::kAtLeastZero, "ce", kTrain);
  checkpoint_every.traits.in_id_hash = false;
  KeyRow critic_output = name_key("critic_output", &R::critic_output, {"linear", "sigmoid"});
  critic_output.traits.unhashed_default = "linear";
  KeyRow energy_target = name_key("energy_target", &R::energy_target, {"attached", "detached"});
  energy_target.traits.unhashed_default = "attached";
  // The collection's remaining quirks (docs/presets.md), added after ids were first issued.
  KeyRow ls_scale = name_key("ls_scale", &R::ls_scale, {"half", "one"});
  ls_scale.traits.unhashed_default = "half";
  KeyRow penalty_output = name_key("penalty_output", &R::penalty_output, {"logit", "sigmoid"});
  penalty_output.traits.unhashed_default = "logit";
  KeyRow info_source = name_key("info_source", &R::info_source, {"own", "shared"});
  info_source.traits.unhashed_default = "own";
  KeyRow generator_noise = name_key("generator_noise", &R::generator_noise, {"fresh", "reused"});
  generator_noise.traits.unhashed_default = "fresh";
  KeyRow bn_init = name_key("bn_init", &R::bn_init, {"ones", "uniform"});
  bn_init.traits.unhashed_default = "ones";
  KeyRow epoch_tail = name_key("epoch_tail", &R::epoch_tail, {"skip", "critic"});
  epoch_tail.traits.unhashed_default = "skip";
  return {
      preset,
      registry_key("variant", &R::variant, models::variant_names),
      registry_key("arch", &R::arch, models::arch_names),
      registry_key("dataset", &R::dataset, data::dataset_names, kData),
      data_dir,
      name_key("split", &R::split, {"train", "test"}, kData),
      optimizer,
      name_key("optimizer_g", &R::optimizer_g, optimizers),
      name_key("optimizer_d", &R::optimizer_d, optimizers),
      lr,
      real_key("lr_g", &R::lr_g, Range::kPositive, "lrg"),
      real_key("lr_d", &R::lr_d, Range::kPositive, "lrd"),
      real_key("beta1", &R::beta1, Range::kUnitOpen, "b1"),
      real_key("beta2", &R::beta2, Range::kUnitOpen, "b2"),
      betas,
      real_key("momentum", &R::momentum, Range::kAtLeastZero, "mom"),
      real_key("rmsprop_alpha", &R::rmsprop_alpha, Range::kUnitOpen, "ra"),
      real_key("weight_decay", &R::weight_decay, Range::kAtLeastZero, "wd"),
      int_key("n_critic", &R::n_critic, Range::kAtLeastOne, "nc"),
      int_key("batch", &R::batch, Range::kAtLeastOne, "b", kTrain),
      int_key("epochs", &R::epochs, Range::kAtLeastOne, "ep", kTrain),  // 0 = unset (validate)
      int_key("steps", &R::steps, Range::kAtLeastOne, "st", kTrain),    // 0 = unset (validate)
      int_key("seed", &R::seed, Range::kAtLeastZero, "s", kTrain),
      int_key("z_dim", &R::z_dim, Range::kAtLeastOne, "z"),
      name_key("z_dist", &R::z_dist, {"normal", "uniform01", "uniform_pm1"}),
      name_key("pixel_range", &R::pixel_range, {"pm1", "01"}),
      name_key("dtype", &R::dtype, {"float32", "float64"}),
      name_key("reduced_precision", &R::reduced_precision, {"none", "tf32"}),
      name_key("g_loss", &R::g_loss, {"nonsat", "minimax"}),
      name_key("clip", &R::clip, {"weights", "all"}),
      real_key("clip_value", &R::clip_value, Range::kPositive, "c"),
      real_key("gp_lambda", &R::gp_lambda, Range::kAtLeastZero, "gp"),
      critic_output,
      ls_scale,
      penalty_output,
      info_source,
      generator_noise,
      bn_init,
      epoch_tail,
      name_key("critic_norm", &R::critic_norm, {"auto", "none", "layer", "batch"}),
      name_key("g_norm", &R::g_norm, {"auto", "none"}),
      name_key("hinge", &R::hinge, {"sample", "batch"}),
      name_key("pullaway", &R::pullaway, {"paper", "collection"}),
      energy_target,
      real_key("margin", &R::margin, Range::kPositive, "m"),
      real_key("pt_weight", &R::pt_weight, Range::kAtLeastZero, "pt"),
      real_key("gamma", &R::gamma, Range::kUnitClosed, "gam"),
      real_key("lambda_k", &R::lambda_k, Range::kAtLeastZero, "lk"),
      name_key("lr_schedule", &R::lr_schedule, {"none", "collection"}),
      real_key("info_weight", &R::info_weight, Range::kAtLeastZero, "iw"),
      name_key("info_optimizer", &R::info_optimizer, {"joint", "separate"}),
      int_key("toy_depth", &R::toy_depth, Range::kAtLeastOne, "td"),
      int_key("toy_width", &R::toy_width, Range::kAtLeastOne, "tw"),
      int_key("base_width", &R::base_width, Range::kAtLeastOne, "bw"),
      log_every,
      int_key("sample_every", &R::sample_every, Range::kAtLeastZero, "se", kTrain),
      eval_every,
      eval_at_start,
      eval_samples,
      checkpoint_every,
  };
}

const std::vector<KeyRow>& table() {
  static const std::vector<KeyRow> rows = make_table();
  return rows;
}

const KeyRow* find_row(const std::string& key) {
  for (const auto& r : table())
    if (key == r.key) return &r;
  return nullptr;
}

const KeyRow& row_of(const std::string& key, const char* who) {
  const KeyRow* r = find_row(key);
  if (r == nullptr)
    throw std::invalid_argument(fmt::format("{}'{}' is not a per-run key", who, key));
  return *r;
}

std::string range_error(const std::string& key, Range range, double value,
                        const std::string& shown) {
  auto fails = [&](bool ok, const char* rule) {
    return ok ? std::string() : fmt::format("{} must be {} (got {})", key, rule, shown);
  };
  auto finite = [&](std::string message) {
    if (message.empty() && !std::isfinite(value))
      return fmt::format("{} must be finite (got {})", key, shown);
    return message;
  };
  switch (range) {
    case Range::kPositive:
      return finite(fails(value > 0, "> 0"));
    case Range::kAtLeastZero:
      return finite(fails(value >= 0, ">= 0"));
    case Range::kUnitOpen:
      return fails(value >= 0 && value < 1, "in [0, 1)");
    case Range::kUnitClosed:
      return fails(value >= 0 && value <= 1, "in [0, 1]");
    case Range::kAtLeastOne:
      return finite(fails(value >= 1, ">= 1"));
    case Range::kNone:
      break;
  }
  throw std::invalid_argument(fmt::format("setting_error: '{}' is not a numeric per-run key", key));
}

// A whole number from its text: digits ("128", read exactly), or a number with no fraction
// ("1e3"). ConfigError names the key when it is not one or does not fit an int64_t.
int64_t integer_of(const std::string& key, const std::string& text, double number) {
  char* end = nullptr;
  errno = 0;
  const long long exact = std::strtoll(text.c_str(), &end, 10);
  const bool digits = !text.empty() && *end == '\0';
  if (digits && errno != ERANGE) return exact;
  if (number != std::floor(number))
    throw ConfigError(fmt::format("{} must be an integer (got '{}')", key, text));
  if (digits || !(number >= -0x1p63 && number < 0x1p63))
    throw ConfigError(fmt::format("{} must be an integer between {} and {} (got '{}')", key,
                                  INT64_MIN, INT64_MAX, text));
  return static_cast<int64_t>(number);
}

// "Nep" or "{epochs: N}" (N >= 1) -> -N; nullopt for any other text.
std::optional<int64_t> epochs_interval(const std::string& text) {
  std::string t;
  for (char c : text)
    if (c != ' ' && c != '{' && c != '}') t += c;
  std::string digits;
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "ep") == 0)
    digits = t.substr(0, t.size() - 2);
  else if (t.rfind("epochs:", 0) == 0)
    digits = t.substr(7);
  else
    return std::nullopt;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
      digits.size() > 15)
    return std::nullopt;
  const int64_t n = std::stoll(digits);
  if (n < 1) return std::nullopt;
  return -n;
}

}  // namespace

bool is_interval_key(const std::string& key) {
  return key == "log_every" || key == "sample_every" || key == "eval_every" ||
         key == "checkpoint_every";
}

int64_t interval_steps(int64_t interval, int64_t steps_per_epoch) {
  return interval >= 0 ? interval : -interval * steps_per_epoch;
}

std::string interval_yaml(int64_t interval) {
  return interval < 0 ? fmt::format("{{epochs: {}}}", -interval) : fmt::format("{}", interval);
}

const std::vector<std::string>& run_setting_keys() {
  static const auto keys = names_of(table(), [](const KeyRow& r) { return std::string(r.key); });
  return keys;
}

const SettingTraits& setting_traits(const std::string& key) { return row_of(key, "").traits; }

SettingKind setting_kind(const std::string& key) { return setting_traits(key).kind; }

std::vector<std::string> setting_fields(const std::string& key) {
  const KeyRow& r = row_of(key, "setting_fields: ");
  if (r.is_field()) return {key};
  std::vector<std::string> out;  // the plain keys whose member a shorthand writes
  for (int i = 0; i < 2; ++i)
    for (const auto& f : table())
      if (f.is_field() &&
          ((r.text[i] && f.text[0] == r.text[i]) || (r.real[i] && f.real[0] == r.real[i])))
        out.push_back(f.key);
  return out;
}

std::vector<std::string> setting_choices(const std::string& key) {
  const KeyRow* r = find_row(key);
  return r == nullptr ? std::vector<std::string>{} : r->names();
}

void set_setting(RunSettings& s, const std::string& key, const std::string& text, double number,
                 int64_t integer, double second) {
  const KeyRow& r = row_of(key, "");
  for (const auto m : r.text)
    if (m) s.*m = text;
  if (r.real[0]) s.*(r.real[0]) = number;
  if (r.real[1]) s.*(r.real[1]) = r.traits.kind == SettingKind::kPair ? second : number;
  if (r.integer) s.*(r.integer) = integer;
}

void set_setting_text(RunSettings& s, const std::string& key, const std::string& text) {
  auto check = [](const std::string& message) {
    if (!message.empty()) throw ConfigError(message);
  };
  auto number_of = [](const std::string& k, const std::string& t) {
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0')
      throw ConfigError(fmt::format("{} must be a number (got '{}')", k, t));
    return v;
  };
  switch (setting_kind(key)) {
    case SettingKind::kString:
      check(setting_error(key, text));
      set_setting(s, key, text, 0, 0);
      return;
    case SettingKind::kFloat: {
      const double v = number_of(key, text);
      check(setting_error(key, v, text));
      set_setting(s, key, text, v, 0);
      return;
    }
    case SettingKind::kInt: {
      if (is_interval_key(key)) {
        if (const auto epochs = epochs_interval(text)) {
          set_setting(s, key, text, static_cast<double>(*epochs), *epochs);
          return;
        }
        if (text.find("ep") != std::string::npos)
          throw ConfigError(fmt::format(
              "{} must be a number of steps or of epochs as Nep / {{epochs: N}}, N >= 1 (got '{}')",
              key, text));
      }
      const int64_t v = integer_of(key, text, number_of(key, text));
      check(setting_error(key, static_cast<double>(v), text));
      set_setting(s, key, text, static_cast<double>(v), v);
      return;
    }
    case SettingKind::kPair: {
      // "[b1, b2]" or "b1,b2"
      std::string t = text;
      for (char& c : t)
        if (c == '[' || c == ']') c = ' ';
      const auto comma = t.find(',');
      if (comma == std::string::npos)
        throw ConfigError(fmt::format("{} must be a [beta1, beta2] pair (got '{}')", key, text));
      const std::string a = trimmed(t.substr(0, comma)), b = trimmed(t.substr(comma + 1));
      const double b1 = number_of("beta1", a), b2 = number_of("beta2", b);
      check(setting_error("beta1", b1, a));
      check(setting_error("beta2", b2, b));
      set_setting(s, key, text, b1, 0, b2);
      return;
    }
  }
}

std::string setting_error(const std::string& key, double value, const std::string& got) {
  const KeyRow* r = find_row(key);
  return range_error(key, r ? r->range : Range::kNone, value,
                     got.empty() ? fmt::format("{}", value) : got);
}

std::string setting_error(const std::string& key, const std::string& value) {
  const KeyRow* r = find_row(key);
  if (r == nullptr || r->traits.kind != SettingKind::kString)
    throw std::invalid_argument(
        fmt::format("setting_error: '{}' is not a string per-run key", key));
  const auto& names = r->names();
  if (names.empty() || contains(names, value) || (r->may_be_empty && value.empty())) return "";
  std::string hint = did_you_mean(value, names);
  if (hint.empty()) hint = fmt::format(" (implemented: {})", join(names, ", "));
  return fmt::format("{} '{}' is not a known {}{}", key, value, key, hint);
}

void validate(const RunSettings& s) {
  auto check = [](const std::string& message) {
    if (!message.empty()) throw ConfigError(message);
  };
  for (const auto& r : table()) {
    if (!r.is_field()) continue;
    if (r.text[0]) check(setting_error(r.key, s.*(r.text[0])));
    if (r.real[0]) check(setting_error(r.key, s.*(r.real[0])));
    // 0 means "not set" for epochs/steps; negative values are errors, except an interval's
    // (its epochs form).
    const bool length = std::string(r.key) == "epochs" || std::string(r.key) == "steps";
    const bool in_epochs = is_interval_key(r.key) && r.integer && s.*(r.integer) < 0;
    if (r.integer && !(length && s.*(r.integer) == 0) && !in_epochs)
      check(setting_error(r.key, static_cast<double>(s.*(r.integer)),
                          fmt::format("{}", s.*(r.integer))));
  }
  if (s.epochs > 0 && s.steps > 0) {
    throw ConfigError(fmt::format("epochs ({}) and steps ({}) are both set; set only one of them",
                                  s.epochs, s.steps));
  }
  if (s.epochs == 0 && s.steps == 0) {
    throw ConfigError("neither epochs nor steps is set; set one of them to a value >= 1");
  }
  if (s.reduced_precision != "none" && s.dtype != "float32")
    throw ConfigError(fmt::format(
        "reduced_precision {} applies to float32 only (dtype is {}); set reduced_precision: none",
        s.reduced_precision, s.dtype));
  check(compatibility_error(s));
}

std::string setting_text(const RunSettings& s, const std::string& key) {
  const KeyRow& r = row_of(key, "setting_text: ");
  if (r.text[0]) {
    const std::string& a = s.*(r.text[0]);
    return r.text[1] == nullptr || a == s.*(r.text[1]) ? a : a + "," + s.*(r.text[1]);
  }
  if (r.real[0]) {
    const double a = s.*(r.real[0]);
    const bool one =
        r.real[1] == nullptr || (r.traits.kind != SettingKind::kPair && a == s.*(r.real[1]));
    return one ? canonical_float(a) : canonical_float(a) + "," + canonical_float(s.*(r.real[1]));
  }
  const int64_t v = s.*(r.integer);
  return is_interval_key(key) && v < 0 ? fmt::format("{}ep", -v) : fmt::format("{}", v);
}

std::string to_yaml(const RunSettings& s) {
  std::string out;
  for (const auto& r : table()) {
    if (!r.is_field()) continue;
    const std::string text =
        is_interval_key(r.key) ? interval_yaml(s.*(r.integer)) : setting_text(s, r.key);
    out += fmt::format("{}: {}\n", r.key, r.text[0] ? yaml_string(text) : text);
  }
  return out;
}

}  // namespace ganrun
