// tests/unit/assignment_log_test.cpp — the assignment log: line format, start and end lines
// merged into one entry per assignment, torn lines ignored, invocation numbers; its copy in
// sweep.h5's /assignments; and the ranks_per_run checks made when a plan meets the ranks.
#include "runner/assignment_log.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <fstream>
#include <string>
#include <vector>

#include "data/h5_check.h"
#include "runner/plan_validation.h"
#include "runner/sweep_config.h"
#include "runner/sweep_index.h"
#include "test_support.h"

namespace {

using ganrun::Assignment;
using ganrun::AssignmentLog;
using ganrun::h5::Hid;

TEST(AssignmentLog, LineRoundTripsAndMalformedLinesAreSkipped) {
  Assignment a;
  a.invocation = 2;
  a.rank = 3;
  a.group = 1;
  a.run_id = "gan-lr1e-3-s0-0123abcd";
  a.start = 1700000000.25;
  a.end = 1700000012.5;
  a.outcome = "diverged";
  const std::string line = ganrun::format_assignment_line(a);
  EXPECT_EQ(line,
            "2\t3\t1\tgan-lr1e-3-s0-0123abcd\t1700000000.250000\t1700000012.500000\tdiverged\n");
  Assignment b;
  ASSERT_TRUE(ganrun::parse_assignment_line(line.substr(0, line.size() - 1), &b));
  EXPECT_EQ(b.run_id, a.run_id);
  EXPECT_EQ(b.rank, 3);
  EXPECT_EQ(b.group, 1);
  EXPECT_DOUBLE_EQ(b.end, 1700000012.5);
  // A start line has no end ("-"): end -1.
  ASSERT_TRUE(ganrun::parse_assignment_line("1\t0\t0\tx\t5.0\t-\trunning", &b));
  EXPECT_EQ(b.end, -1);
  for (const char* bad : {"", "# invocation\trank", "1\t0\t0\tx\t5.0\t-", "1\t0\t0\tx\t5.0\t-\t",
                          "1\t0\t0\t\t5.0\t-\trunning", "one\t0\t0\tx\t5.0\t-\trunning",
                          "1\t0\t0\tx\t5.0x\t-\trunning"})
    EXPECT_FALSE(ganrun::parse_assignment_line(bad, &b)) << bad;
}

TEST(AssignmentLog, StartAndEndLinesMergeIntoOneEntryPerAssignment) {
  ganrun::test::TempDir dir("assignments");
  const auto log_dir = ganrun::assignments_dir(dir.path());
  {
    AssignmentLog rank0(log_dir, 1, 0, 0), rank1(log_dir, 1, 1, 1);
    const Assignment a = rank0.started("run-a");
    const Assignment b = rank1.started("run-b");
    rank0.ended(a, "completed");
    rank0.ended(rank0.started("run-c"), "failed");
    (void)b;  // run-b never ends: an interrupted run stays "running" with end -1
  }
  // A torn last line (a kill mid-write) is ignored, and the next writer starts a fresh line.
  { std::ofstream(log_dir / "rank-1.tsv", std::ios::app) << "1\t1\t1\trun-"; }
  {
    AssignmentLog(log_dir, 2, 1, 1)
        .ended(AssignmentLog(log_dir, 2, 1, 1).started("run-b"), "completed");
  }

  const auto log = ganrun::read_assignments(log_dir);
  ASSERT_EQ(log.size(), 4u);
  // Invocation 1: a, b, c in start order (b started after a, c after a ended); then invocation 2.
  EXPECT_EQ(log[0].run_id, "run-a");
  EXPECT_EQ(log[0].outcome, "completed");
  EXPECT_GE(log[0].end, log[0].start);
  EXPECT_EQ(log[1].run_id, "run-b");
  EXPECT_EQ(log[1].outcome, "running");
  EXPECT_EQ(log[1].end, -1);
  EXPECT_EQ(log[1].rank, 1);
  EXPECT_EQ(log[2].run_id, "run-c");
  EXPECT_EQ(log[2].outcome, "failed");
  EXPECT_EQ(log[3].invocation, 2);
  EXPECT_EQ(log[3].run_id, "run-b");
  EXPECT_EQ(log[3].outcome, "completed");
  EXPECT_EQ(ganrun::next_invocation(log), 3);
  EXPECT_EQ(ganrun::next_invocation({}), 1);
  EXPECT_TRUE(ganrun::read_assignments(dir.path() / "absent").empty());
}

TEST(SweepIndexAssignments, WrittenAsColumnsOneRowPerAssignment) {
  ganrun::test::TempDir dir("sweep-assignments");
  Assignment a{1, 0, 0, "gan-s0-aaaaaaaa", 10.0, 20.0, "completed"};
  Assignment b{1, 2, 1, "gan-s1-bbbbbbbb", 11.0, -1, "running"};
  const auto path = dir.path() / "sweep.h5";
  ganrun::write_sweep_index(
      path, "t", "name: t\n", {"seed"},
      {{"gan-s0-aaaaaaaa", 0, {{"seed", "0"}}}, {"gan-s1-bbbbbbbb", 2, {{"seed", "1"}}}}, {a, b});
  ganrun::h5::silence_errors();
  Hid file = ganrun::h5::open_readonly(path);
  auto read_i64 = [&](const char* name) {
    Hid ds(H5CALL(H5Dopen2(file, name, H5P_DEFAULT), path), H5Dclose);
    std::vector<int64_t> v(2);
    H5CALL(H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path);
    return v;
  };
  auto read_f64 = [&](const char* name) {
    Hid ds(H5CALL(H5Dopen2(file, name, H5P_DEFAULT), path), H5Dclose);
    std::vector<double> v(2);
    H5CALL(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), path);
    return v;
  };
  auto read_str = [&](const char* name) {
    Hid ds(H5CALL(H5Dopen2(file, name, H5P_DEFAULT), path), H5Dclose);
    return ganrun::h5::read_strings(ds, /*is_attr=*/false, path);
  };
  EXPECT_EQ(read_i64("assignments/invocation"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(read_i64("assignments/rank"), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(read_i64("assignments/group"), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(read_str("assignments/run_id"),
            (std::vector<std::string>{"gan-s0-aaaaaaaa", "gan-s1-bbbbbbbb"}));
  EXPECT_EQ(read_f64("assignments/start"), (std::vector<double>{10.0, 11.0}));
  EXPECT_EQ(read_f64("assignments/end"), (std::vector<double>{20.0, -1.0}));
  EXPECT_EQ(read_str("assignments/outcome"), (std::vector<std::string>{"completed", "running"}));
  EXPECT_EQ(read_i64("grid/rank"), (std::vector<int64_t>{0, 2}));
}

ganrun::SweepPlan plan_with(int64_t ranks_per_run, const std::string& batches) {
  ganrun::SweepPlan plan = ganrun::parse_sweep(
      "name: t\ndataset: fashion-mnist\ntrain: {steps: 5}\ngrid:\n  batch: " + batches + "\n",
      "t.yaml");
  plan.ranks_per_run = ranks_per_run;
  return plan;
}

TEST(RanksPerRun, WorldAndBatchMustDivide) {
  EXPECT_EQ(ganrun::ranks_per_run_error(plan_with(2, "[16, 32]"), 4), "");
  EXPECT_EQ(ganrun::ranks_per_run_error(plan_with(1, "[15, 7]"), 3), "");
  // 3 ranks cannot form groups of 2: the next multiple of 2 above 3 is 4.
  const std::string world = ganrun::ranks_per_run_error(plan_with(2, "[16]"), 3);
  EXPECT_NE(world.find("ranks_per_run: 2 needs a number of ranks divisible by 2, but this job "
                       "has 3; start 4 ranks"),
            std::string::npos)
      << world;
  // batch 18 over 4 ranks: 18 / 4 is not whole.
  const std::string batch = ganrun::ranks_per_run_error(plan_with(4, "[16, 18]"), 4);
  EXPECT_NE(batch.find("batch 18 does not divide over the 4 ranks"), std::string::npos) << batch;
  EXPECT_NE(batch.find("t.yaml: run gan-b18-"), std::string::npos) << batch;
  // batch 2 over 4 ranks would give each rank a shard of 2 / 4 = 0 samples.
  const std::string tiny = ganrun::ranks_per_run_error(plan_with(4, "[2]"), 4);
  EXPECT_NE(tiny.find("batch 2 does not divide over the 4 ranks"), std::string::npos) << tiny;
}

}  // namespace
