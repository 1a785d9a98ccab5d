// runner/setting_text.h — the text forms of setting values that ids, tables and /config share:
// the one canonical float text, and YAML scalars that read back as the same string. Knows no
// keys (runner/run_settings.h has those).
#pragma once

#include <string>

namespace ganrun {

// Canonical text for a float in ids, tables and the resolved YAML: the shortest round-trip
// digits as mantissa 'e' exponent, no '+' and no leading zeros in the exponent, e.g. 2e-4,
// 1.5e-3, 5e-1, 1e0, 1e1 (inf/nan as "inf", "-inf", "nan").
std::string canonical_float(double v);

// `s` as a YAML scalar: plain when yaml-cpp reads it back as the same string, else double-quoted
// with escapes ("" -> "\"\"", "null" -> "\"null\"", "my data: #1" quoted).
std::string yaml_string(const std::string& s);

}  // namespace ganrun
