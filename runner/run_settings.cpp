// runner/run_settings.cpp — the per-run key list, value rules (ranges and the implemented
// vocabulary), validate(), the canonical float text and the resolved-settings YAML.
#include "runner/run_settings.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "runner/config_error.h"
#include "runner/did_you_mean.h"

namespace ganrun {

namespace {

// One vocabulary of a string key: what runs now, and what the full schema names but this
// version does not implement yet (rejected with "not implemented yet", never ignored).
struct Vocabulary {
  std::vector<std::string> implemented;
  std::vector<std::string> planned;
};

const Vocabulary* vocabulary(const std::string& key) {
  static const std::map<std::string, Vocabulary> vocabularies{
      {"preset", {{"", "collection", "paper", "cs231n", "toy-2d"}, {}}},
      {"variant",
       {{"gan", "lsgan", "wgan", "wgan-gp", "dragan", "cgan", "acgan", "infogan", "ebgan", "began"},
        {}}},
      {"arch",
       {{"mlp", "mlp-small", "mlp-deep", "dcgan28", "dcgan28-allconv", "dcgan32", "ae28", "ae32",
         "toy"},
        {}}},
      {"dataset",
       {{"mnist", "fashion-mnist", "cifar10", "toy-ring8", "toy-grid25", "toy-moons",
         "toy-swissroll", "toy-file"},
        {}}},
      {"split", {{"train", "test"}, {}}},
      {"dtype", {{"float32", "float64"}, {}}},
      {"optimizer", {{"adam", "rmsprop", "sgd"}, {}}},
      {"optimizer_g", {{"adam", "rmsprop", "sgd"}, {}}},
      {"optimizer_d", {{"adam", "rmsprop", "sgd"}, {}}},
      {"z_dist", {{"normal", "uniform01", "uniform_pm1"}, {}}},
      {"pixel_range", {{"pm1", "01"}, {}}},
      {"g_loss", {{"nonsat", "minimax"}, {}}},
      {"clip", {{"weights", "all"}, {}}},
      {"critic_norm", {{"auto", "none", "layer", "batch"}, {}}},
      {"g_norm", {{"auto", "none"}, {}}},
      {"hinge", {{"sample", "batch"}, {}}},
      {"pullaway", {{"paper", "collection"}, {}}},
      {"lr_schedule", {{"none", "collection"}, {}}},
      {"info_optimizer", {{"joint", "separate"}, {}}},
  };
  auto it = vocabularies.find(key);
  return it == vocabularies.end() ? nullptr : &it->second;
}

// Where a per-run key lives in RunSettings: exactly one member pointer is set (none for the
// shorthands lr, betas and optimizer, which write two fields).
struct Field {
  const char* key;
  SettingKind kind;
  std::string RunSettings::*text = nullptr;
  double RunSettings::*real = nullptr;
  int64_t RunSettings::*integer = nullptr;
};

Field text_field(const char* key, std::string RunSettings::*m) {
  return {key, SettingKind::kString, m, nullptr, nullptr};
}
Field real_field(const char* key, double RunSettings::*m) {
  return {key, SettingKind::kFloat, nullptr, m, nullptr};
}
Field int_field(const char* key, int64_t RunSettings::*m) {
  return {key, SettingKind::kInt, nullptr, nullptr, m};
}

// Canonical order: what is trained, optimisation, length, variant and architecture settings,
// bookkeeping. Run ids list their varying keys in this order (gan-lr2e-4-nc5-s0-...).
const std::vector<Field>& fields() {
  using R = RunSettings;
  static const std::vector<Field> table{
      text_field("preset", &R::preset),
      text_field("variant", &R::variant),
      text_field("arch", &R::arch),
      text_field("dataset", &R::dataset),
      text_field("data_dir", &R::data_dir),
      text_field("split", &R::split),
      {"optimizer", SettingKind::kString},
      text_field("optimizer_g", &R::optimizer_g),
      text_field("optimizer_d", &R::optimizer_d),
      {"lr", SettingKind::kFloat},
      real_field("lr_g", &R::lr_g),
      real_field("lr_d", &R::lr_d),
      real_field("beta1", &R::beta1),
      real_field("beta2", &R::beta2),
      {"betas", SettingKind::kPair},
      real_field("momentum", &R::momentum),
      real_field("rmsprop_alpha", &R::rmsprop_alpha),
      real_field("weight_decay", &R::weight_decay),
      int_field("n_critic", &R::n_critic),
      int_field("batch", &R::batch),
      int_field("epochs", &R::epochs),
      int_field("steps", &R::steps),
      int_field("seed", &R::seed),
      int_field("z_dim", &R::z_dim),
      text_field("z_dist", &R::z_dist),
      text_field("pixel_range", &R::pixel_range),
      text_field("dtype", &R::dtype),
      text_field("g_loss", &R::g_loss),
      text_field("clip", &R::clip),
      real_field("clip_value", &R::clip_value),
      real_field("gp_lambda", &R::gp_lambda),
      text_field("critic_norm", &R::critic_norm),
      text_field("g_norm", &R::g_norm),
      text_field("hinge", &R::hinge),
      text_field("pullaway", &R::pullaway),
      real_field("margin", &R::margin),
      real_field("pt_weight", &R::pt_weight),
      real_field("gamma", &R::gamma),
      real_field("lambda_k", &R::lambda_k),
      text_field("lr_schedule", &R::lr_schedule),
      real_field("info_weight", &R::info_weight),
      text_field("info_optimizer", &R::info_optimizer),
      int_field("toy_depth", &R::toy_depth),
      int_field("toy_width", &R::toy_width),
      int_field("base_width", &R::base_width),
      int_field("log_every", &R::log_every),
      int_field("sample_every", &R::sample_every),
  };
  return table;
}

const Field* find_field(const std::string& key) {
  for (const auto& f : fields()) {
    if (key == f.key) return &f;
  }
  return nullptr;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v) {
    if (x == s) return true;
  }
  return false;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// yaml-cpp reads a plain scalar back as the same string unless it is empty, a null spelling,
// or starts/contains YAML indicators; anything outside this conservative set is quoted.
bool plain_safe(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return false;
  if (s.front() == '-' || s.front() == '.' || s.front() == '+') {
    // "-", "--x", "..." could read as indicators; digits after a sign are fine (a number).
    if (s.size() == 1 || !std::isalnum(static_cast<unsigned char>(s[1]))) return false;
  }
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/' || c == '+')) {
      return false;
    }
  }
  return true;
}

std::string yaml_string(const std::string& s) {
  if (plain_safe(s)) return s;
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

bool is_field(const std::string& key) {
  return key != "lr" && key != "betas" && key != "optimizer";
}

}  // namespace

const std::vector<std::string>& run_setting_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const auto& f : fields()) out.push_back(f.key);
    return out;
  }();
  return keys;
}

SettingKind setting_kind(const std::string& key) {
  const Field* f = find_field(key);
  if (f == nullptr) throw std::invalid_argument(fmt::format("'{}' is not a per-run key", key));
  return f->kind;
}

std::vector<std::string> setting_choices(const std::string& key) {
  const Vocabulary* vocab = vocabulary(key);
  return vocab == nullptr ? std::vector<std::string>{} : vocab->implemented;
}

void set_setting(RunSettings& s, const std::string& key, const std::string& text, double number,
                 int64_t integer, double second) {
  if (key == "lr") {
    s.lr_g = s.lr_d = number;
    return;
  }
  if (key == "betas") {
    s.beta1 = number;
    s.beta2 = second;
    return;
  }
  if (key == "optimizer") {
    s.optimizer_g = s.optimizer_d = text;
    return;
  }
  const Field* f = find_field(key);
  if (f == nullptr) throw std::invalid_argument(fmt::format("'{}' is not a per-run key", key));
  if (f->text) s.*(f->text) = text;
  if (f->real) s.*(f->real) = number;
  if (f->integer) s.*(f->integer) = integer;
}

void set_setting_text(RunSettings& s, const std::string& key, const std::string& text) {
  auto check = [](const std::string& message) {
    if (!message.empty()) throw ConfigError(message);
  };
  auto number_of = [&](const std::string& t) {
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0')
      throw ConfigError(fmt::format("{} must be a number (got '{}')", key, t));
    return v;
  };
  switch (setting_kind(key)) {
    case SettingKind::kString:
      check(setting_error(key, text));
      set_setting(s, key, text, 0, 0);
      return;
    case SettingKind::kFloat: {
      const double v = number_of(text);
      check(setting_error(key, v, text));
      set_setting(s, key, text, v, 0);
      return;
    }
    case SettingKind::kInt: {
      const double v = number_of(text);
      if (v != std::floor(v))
        throw ConfigError(fmt::format("{} must be an integer (got '{}')", key, text));
      check(setting_error(key, v, text));
      set_setting(s, key, text, v, static_cast<int64_t>(v));
      return;
    }
    case SettingKind::kPair: {
      // "[b1, b2]" or "b1,b2"
      std::string t = text;
      for (char& c : t) {
        if (c == '[' || c == ']') c = ' ';
      }
      const auto comma = t.find(',');
      if (comma == std::string::npos)
        throw ConfigError(fmt::format("{} must be a [beta1, beta2] pair (got '{}')", key, text));
      auto trim = [](std::string v) {
        v.erase(0, v.find_first_not_of(' '));
        v.erase(v.find_last_not_of(' ') + 1);
        return v;
      };
      const std::string a = trim(t.substr(0, comma)), b = trim(t.substr(comma + 1));
      const double b1 = number_of(a), b2 = number_of(b);
      check(setting_error("beta1", b1, a));
      check(setting_error("beta2", b2, b));
      set_setting(s, key, text, b1, 0, b2);
      return;
    }
  }
}

std::string setting_error(const std::string& key, double value, const std::string& got) {
  const std::string shown = got.empty() ? fmt::format("{}", value) : got;
  // Written as !(ok) so that NaN fails every rule.
  auto positive = [&]() -> std::string {
    if (!(value > 0)) return fmt::format("{} must be > 0 (got {})", key, shown);
    if (!std::isfinite(value)) return fmt::format("{} must be finite (got {})", key, shown);
    return "";
  };
  auto non_negative = [&]() -> std::string {
    if (!(value >= 0)) return fmt::format("{} must be >= 0 (got {})", key, shown);
    if (!std::isfinite(value)) return fmt::format("{} must be finite (got {})", key, shown);
    return "";
  };
  if (key == "lr" || key == "lr_g" || key == "lr_d" || key == "clip_value" || key == "margin")
    return positive();
  if (key == "momentum" || key == "weight_decay" || key == "gp_lambda" || key == "pt_weight" ||
      key == "lambda_k" || key == "info_weight")
    return non_negative();
  if (key == "beta1" || key == "beta2" || key == "rmsprop_alpha") {
    if (!(value >= 0 && value < 1)) return fmt::format("{} must be in [0, 1) (got {})", key, shown);
    return "";
  }
  if (key == "gamma") {
    if (!(value >= 0 && value <= 1))
      return fmt::format("{} must be in [0, 1] (got {})", key, shown);
    return "";
  }
  if (key == "n_critic" || key == "batch" || key == "epochs" || key == "steps" || key == "z_dim" ||
      key == "log_every" || key == "toy_depth" || key == "toy_width" || key == "base_width") {
    if (!(value >= 1)) return fmt::format("{} must be >= 1 (got {})", key, shown);
    return "";
  }
  if (key == "seed" || key == "sample_every") {
    if (!(value >= 0)) return fmt::format("{} must be >= 0 (got {})", key, shown);
    return "";
  }
  throw std::invalid_argument(fmt::format("setting_error: '{}' is not a numeric per-run key", key));
}

std::string setting_error(const std::string& key, const std::string& value) {
  if (key == "data_dir") return "";
  const Vocabulary* vocab = vocabulary(key);
  if (vocab == nullptr) {
    throw std::invalid_argument(
        fmt::format("setting_error: '{}' is not a string per-run key", key));
  }
  if (contains(vocab->implemented, value)) return "";
  if (key == "preset" && value.empty()) return "";
  if (contains(vocab->planned, value)) {
    return fmt::format("{} '{}' is not implemented yet in this version of ganrun (implemented: {})",
                       key, value, join(vocab->implemented, ", "));
  }
  std::vector<std::string> all = vocab->implemented;
  all.insert(all.end(), vocab->planned.begin(), vocab->planned.end());
  std::string hint = did_you_mean(value, all);
  if (hint.empty()) hint = fmt::format(" (implemented: {})", join(vocab->implemented, ", "));
  return fmt::format("{} '{}' is not a known {}{}", key, value, key, hint);
}

void validate(const RunSettings& s) {
  auto check = [](const std::string& message) {
    if (!message.empty()) throw ConfigError(message);
  };
  for (const auto& f : fields()) {
    if (f.text && std::string(f.key) != "data_dir") check(setting_error(f.key, s.*(f.text)));
    if (f.real) check(setting_error(f.key, s.*(f.real)));
    if (f.integer && std::string(f.key) != "epochs" && std::string(f.key) != "steps")
      check(setting_error(f.key, static_cast<double>(s.*(f.integer)),
                          fmt::format("{}", s.*(f.integer))));
  }
  // 0 means "not set" for epochs/steps; negative values are errors.
  if (s.epochs < 0)
    check(setting_error("epochs", static_cast<double>(s.epochs), fmt::format("{}", s.epochs)));
  if (s.steps < 0)
    check(setting_error("steps", static_cast<double>(s.steps), fmt::format("{}", s.steps)));
  if (s.epochs > 0 && s.steps > 0) {
    throw ConfigError(fmt::format("epochs ({}) and steps ({}) are both set; set only one of them",
                                  s.epochs, s.steps));
  }
  if (s.epochs == 0 && s.steps == 0) {
    throw ConfigError("neither epochs nor steps is set; set one of them to a value >= 1");
  }
  check(compatibility_error(s));
}

std::string canonical_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // fmt's "{}" gives the shortest digits that round-trip ("0.0002", "1e-05", "1.5e+20");
  // re-express them as digits x 10^exponent and print in one scientific form.
  const std::string s = fmt::format("{}", v);
  std::size_t pos = 0;
  std::string sign;
  if (s[pos] == '-') {
    sign = "-";
    ++pos;
  }
  const std::size_t e = s.find_first_of("eE", pos);
  const std::string mantissa = s.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
  long exponent = e == std::string::npos ? 0 : std::strtol(s.c_str() + e + 1, nullptr, 10);
  std::string digits;
  const std::size_t dot = mantissa.find('.');
  if (dot == std::string::npos) {
    digits = mantissa;
  } else {
    digits = mantissa.substr(0, dot) + mantissa.substr(dot + 1);
    exponent -= static_cast<long>(mantissa.size() - dot - 1);
  }
  // Now value = digits * 10^exponent.
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return sign + "0e0";
  digits.erase(0, first);
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  exponent += static_cast<long>(digits.size()) - 1;  // move the point after the first digit
  std::string out = sign + digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  return out + fmt::format("e{}", exponent);
}

std::string setting_text(const RunSettings& s, const std::string& key) {
  if (key == "lr") {
    // lr sets both rates; they differ only when lr_g/lr_d were set on their own.
    return s.lr_g == s.lr_d ? canonical_float(s.lr_g)
                            : canonical_float(s.lr_g) + "," + canonical_float(s.lr_d);
  }
  if (key == "betas") return canonical_float(s.beta1) + "," + canonical_float(s.beta2);
  if (key == "optimizer")
    return s.optimizer_g == s.optimizer_d ? s.optimizer_g : s.optimizer_g + "," + s.optimizer_d;
  const Field* f = find_field(key);
  if (f == nullptr)
    throw std::invalid_argument(fmt::format("setting_text: '{}' is not a per-run key", key));
  if (f->text) return s.*(f->text);
  if (f->real) return canonical_float(s.*(f->real));
  return fmt::format("{}", s.*(f->integer));
}

std::string to_yaml(const RunSettings& s) {
  std::string out;
  for (const auto& f : fields()) {
    if (!is_field(f.key)) continue;
    const std::string text = setting_text(s, f.key);
    out += fmt::format("{}: {}\n", f.key, f.text ? yaml_string(text) : text);
  }
  return out;
}

}  // namespace ganrun
