// runner/eval_direction.h — which way each /eval metric improves, written as the `better`
// attribute of its dataset (README "HDF5 layout") so readers (analysis/, `ganrun status`) never
// guess it. The table is docs/evaluation.md "Metrics" and "2-D toy sets".
#pragma once

#include <string_view>

namespace ganrun {

// "lower", "higher", or "none" where no direction is better (density: ~1 at a match; the
// spread of KID over its subsets).
inline const char* eval_direction(std::string_view metric) {
  const auto starts = [&](std::string_view p) { return metric.substr(0, p.size()) == p; };
  const auto ends = [&](std::string_view s) {
    return metric.size() >= s.size() && metric.substr(metric.size() - s.size()) == s;
  };
  if (starts("kid_") && ends("_std")) return "none";
  if (starts("fd_") || starts("kid_") || metric == "kl_uniform") return "lower";
  for (std::string_view m : {"precision", "recall", "coverage", "classifier_score",
                             "classes_covered", "label_accuracy", "modes_covered", "high_quality"})
    if (metric == m) return "higher";
  return "none";
}

}  // namespace ganrun
