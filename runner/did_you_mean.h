// runner/did_you_mean.h — "did you mean 'n_critic'?" suggestions for mistyped keys and values.
// Restricted Damerau-Levenshtein distance (a swap of two neighbours counts as one edit),
// compared case-insensitively with '-' and '_' treated alike.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ganrun {

// Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions
// of adjacent characters each cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo (distance <= 1
// for words of up to 3 characters, else <= 2); ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" for the closest match, or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ganrun
