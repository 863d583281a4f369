#pragma once
// Samples of a process's CPU time and resident memory, from /proc/<pid>/stat
// (utime + stime) and /proc/<pid>/status (VmRSS); and the load generator's own CPU
// time from getrusage.

#include <optional>

namespace qc::loadgen {

struct proc_sample {
  double cpu_s = 0;        // user + system CPU seconds since the process started
  long rss_kb = 0;         // resident set size
};

/// A sample of process `pid`, or nullopt if it cannot be read (gone, not ours, pid 0).
std::optional<proc_sample> sample_process(int pid);

/// This process's user + system CPU seconds so far.
double self_cpu_seconds();

} // namespace qc::loadgen
