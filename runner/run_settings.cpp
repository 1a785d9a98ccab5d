// runner/run_settings.cpp — the per-run key list, value rules (ranges and the implemented
// vocabulary), validate(), the canonical float text and the resolved-settings YAML.
#include "runner/run_settings.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
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
  static const Vocabulary variants{
      {"gan"},
      {"lsgan", "wgan", "wgan-gp", "dragan", "cgan", "acgan", "infogan", "ebgan", "began"}};
  static const Vocabulary archs{
      {"mlp"},
      {"mlp-small", "mlp-deep", "dcgan28", "dcgan28-allconv", "dcgan32", "ae28", "ae32", "toy"}};
  static const Vocabulary datasets{
      {"mnist", "fashion-mnist", "cifar10"},
      {"toy-ring8", "toy-grid25", "toy-moons", "toy-swissroll", "toy-file"}};
  static const Vocabulary splits{{"train", "test"}, {}};
  static const Vocabulary dtypes{{"float32", "float64"}, {}};
  if (key == "variant") return &variants;
  if (key == "arch") return &archs;
  if (key == "dataset") return &datasets;
  if (key == "split") return &splits;
  if (key == "dtype") return &dtypes;
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

bool is_field(const std::string& key) { return key != "lr" && key != "betas"; }

}  // namespace

const std::vector<std::string>& run_setting_keys() {
  // Order: what is trained, then optimisation, then length, then bookkeeping. Run ids list
  // their varying keys in this order (gan-lr2e-4-nc5-s0-...).
  static const std::vector<std::string> keys{
      "variant", "arch",  "dataset", "data_dir", "split",     "lr",          "lr_g",
      "lr_d",    "beta1", "beta2",   "betas",    "n_critic",  "batch",       "epochs",
      "steps",   "seed",  "z_dim",   "dtype",    "log_every", "sample_every"};
  return keys;
}

std::string setting_error(const std::string& key, double value, const std::string& got) {
  const std::string shown = got.empty() ? fmt::format("{}", value) : got;
  // Written as !(ok) so that NaN fails every rule.
  if (key == "lr" || key == "lr_g" || key == "lr_d") {
    if (!(value > 0)) return fmt::format("{} must be > 0 (got {})", key, shown);
    if (!std::isfinite(value)) return fmt::format("{} must be finite (got {})", key, shown);
    return "";
  }
  if (key == "beta1" || key == "beta2") {
    if (!(value >= 0 && value < 1)) return fmt::format("{} must be in [0, 1) (got {})", key, shown);
    return "";
  }
  if (key == "n_critic" || key == "batch" || key == "epochs" || key == "steps" || key == "z_dim" ||
      key == "log_every") {
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
  check(setting_error("variant", s.variant));
  check(setting_error("arch", s.arch));
  check(setting_error("dataset", s.dataset));
  check(setting_error("split", s.split));
  check(setting_error("lr_g", s.lr_g));
  check(setting_error("lr_d", s.lr_d));
  check(setting_error("beta1", s.beta1));
  check(setting_error("beta2", s.beta2));
  check(setting_error("n_critic", static_cast<double>(s.n_critic), fmt::format("{}", s.n_critic)));
  check(setting_error("batch", static_cast<double>(s.batch), fmt::format("{}", s.batch)));
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
  check(setting_error("seed", static_cast<double>(s.seed), fmt::format("{}", s.seed)));
  check(setting_error("z_dim", static_cast<double>(s.z_dim), fmt::format("{}", s.z_dim)));
  check(setting_error("dtype", s.dtype));
  check(
      setting_error("log_every", static_cast<double>(s.log_every), fmt::format("{}", s.log_every)));
  check(setting_error("sample_every", static_cast<double>(s.sample_every),
                      fmt::format("{}", s.sample_every)));
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
  if (key == "variant") return s.variant;
  if (key == "arch") return s.arch;
  if (key == "dataset") return s.dataset;
  if (key == "data_dir") return s.data_dir;
  if (key == "split") return s.split;
  if (key == "dtype") return s.dtype;
  if (key == "lr") {
    // lr sets both rates; they differ only when lr_g/lr_d were set on their own.
    return s.lr_g == s.lr_d ? canonical_float(s.lr_g)
                            : canonical_float(s.lr_g) + "," + canonical_float(s.lr_d);
  }
  if (key == "lr_g") return canonical_float(s.lr_g);
  if (key == "lr_d") return canonical_float(s.lr_d);
  if (key == "beta1") return canonical_float(s.beta1);
  if (key == "beta2") return canonical_float(s.beta2);
  if (key == "betas") return canonical_float(s.beta1) + "," + canonical_float(s.beta2);
  if (key == "n_critic") return fmt::format("{}", s.n_critic);
  if (key == "batch") return fmt::format("{}", s.batch);
  if (key == "epochs") return fmt::format("{}", s.epochs);
  if (key == "steps") return fmt::format("{}", s.steps);
  if (key == "seed") return fmt::format("{}", s.seed);
  if (key == "z_dim") return fmt::format("{}", s.z_dim);
  if (key == "log_every") return fmt::format("{}", s.log_every);
  if (key == "sample_every") return fmt::format("{}", s.sample_every);
  throw std::invalid_argument(fmt::format("setting_text: '{}' is not a per-run key", key));
}

std::string to_yaml(const RunSettings& s) {
  std::string out;
  for (const auto& key : run_setting_keys()) {
    if (!is_field(key)) continue;
    const bool is_string = vocabulary(key) != nullptr || key == "data_dir";
    const std::string text = setting_text(s, key);
    out += fmt::format("{}: {}\n", key, is_string ? yaml_string(text) : text);
  }
  return out;
}

}  // namespace ganrun
