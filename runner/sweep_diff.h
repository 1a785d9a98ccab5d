// runner/sweep_diff.h — is the sweep stored in an out folder the one being run? Two sweep texts
// compared as YAML documents (comments, layout, key order and number spelling are not
// differences), so a rerun with a changed sweep is refused with the first key that differs.
#pragma once

#include <optional>
#include <string>

namespace ganrun {

// The dotted path of the first differing key ("grid.lr", "train.batch"), "(whole file)" when
// either text is not YAML, or nullopt when they are the same document.
std::optional<std::string> first_differing_key(const std::string& old_text,
                                               const std::string& new_text);

}  // namespace ganrun
