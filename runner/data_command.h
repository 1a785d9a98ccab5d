// runner/data_command.h — what the `ganrun data` subcommands share: option parsing with --help,
// the checks of --dataset and --split, and texts built from data/dataset_catalog.h for help and
// messages. runner/data_command.cpp has the dispatch, list, fetch and verify;
// runner/data_pack_command.cpp has pack and show. Internal to those two files.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>

namespace ganrun::data_cli {

namespace po = boost::program_options;

// A subcommand's options parsed from argv (argv[0] is the subcommand's name), with --help
// added to `d`; nullopt after printing the help when it was asked for.
std::optional<po::variables_map> parse(int argc, char** argv, po::options_description& d,
                                       const po::positional_options_description& pos = {});

// "mnist | fashion-mnist | cifar10": the image sets, for usage lines and option help.
std::string image_choices();

// Where a set is read from without --data-dir: "$GANRUN_DATA/<name>, else (fashion-mnist)
// /usr/share/datasets/fashion-mnist".
std::string default_folders();

// ConfigError naming `flag` and the image sets unless `name` is one of them.
void check_image_set(const std::string& name, const char* flag);

// ConfigError unless split is train or test.
void check_split(const std::string& split);

// `ganrun data pack` and `ganrun data show` (runner/data_pack_command.cpp).
int pack_main(int argc, char** argv);
int show_main(int argc, char** argv);

}  // namespace ganrun::data_cli
