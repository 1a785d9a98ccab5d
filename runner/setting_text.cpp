// runner/setting_text.cpp — canonical float text and YAML scalar quoting (see header).
#include "runner/setting_text.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace ganrun {
namespace {

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

}  // namespace

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

}  // namespace ganrun
