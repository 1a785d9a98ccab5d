// runner/run_id.h — a run's id: a readable prefix of the grid keys that vary plus a short
// SHA-256 of the resolved settings (common/digest.h), so a resumed sweep finds its runs again
// and two different configs never share an id. Ids name files: changing this rule orphans
// every existing run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/run_settings.h"

namespace ganrun {

// "<variant>[-<prefix><value>...]-<hash8>": the keys are those among `varying_keys` in
// canonical order, each with its id prefix (lr, lrg, lrd, b1, b2, bs, nc, b, z, st, ep, s,
// le (log_every), se (sample_every), ...; arch, dataset, data_dir, split and dtype as bare
// values; variant is always the first part and never repeated) and the hash is the first 8 hex
// digits of SHA-256 over to_yaml(settings) minus data_dir and log_every. Characters outside
// [A-Za-z0-9._+-] become '_'. Example: gan-lr2e-4-nc5-s0-1a2b3c4d. A run of a `sample:` draw
// (draw >= 0) has -d<draw> before the hash (its drawn values are in the hash, not the prefix):
// gan-d17-1a2b3c4d.
std::string make_run_id(const RunSettings& s, const std::vector<std::string>& varying_keys,
                        int64_t draw = -1);

}  // namespace ganrun
