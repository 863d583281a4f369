// quotecast-rbac-bench: what one authorizer::allows() costs with the shipped policy, as
// a cache hit, as a miss (the matcher's work, cache off), and with 2 threads hitting the
// cache at once. Prints ns per call; no assertions (the unit tests check decisions).

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "protocol/rbac_policy.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct question {
  std::vector<std::string> subjects;
  std::string object;
  std::string action;
};

double ns_per_call(const qc::rbac::authorizer& a, const std::vector<question>& qs, int rounds) {
  std::size_t allowed = 0;
  auto start = clock_type::now();
  for (int r = 0; r < rounds; ++r)
    for (auto& q : qs)
      allowed += a.allows(q.subjects, q.object, q.action);
  auto ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count();
  if (allowed == 0) // keeps the calls from being optimized away, and says if all were denied
    std::printf("  (every question was denied)\n");
  return ns / (static_cast<double>(rounds) * static_cast<double>(qs.size()));
}

} // namespace

int main() {
  using qc::rbac::authorizer;
  // What a session asks on a busy path: its roles, its user id, a room role.
  std::vector<question> qs{
    {{"trader", "u17", "room_member"}, "room:market_600519", "send_message"},
    {{"trader", "u17"}, "stream:600519", "subscribe"},
    {{"viewer", "u18"}, "stream:600519", "publish"},
    {{"admin", "a1"}, "system:stats", "read"},
    {{"guest", "anon-x"}, "room:desk_a", "join"},
    {{"publisher", "feed"}, "user:u17", "send_to_user"},
  };
  auto cached = authorizer::parse(qc::rbac::default_model_text(), qc::rbac::default_policy_text(), 4096);
  auto uncached = authorizer::parse(qc::rbac::default_model_text(), qc::rbac::default_policy_text(), 0);
  if (!cached || !uncached) {
    std::fprintf(stderr, "the shipped policy does not load\n");
    return 1;
  }
  const int rounds = 200000;
  ns_per_call(**cached, qs, 10); // fill the cache
  std::printf("allows(), shipped policy (%zu rules), %zu questions x %d rounds\n",
              (*cached)->rule_count(), qs.size(), rounds);
  std::printf("  cache hit:            %7.1f ns/call\n", ns_per_call(**cached, qs, rounds));
  std::printf("  no cache (matcher):   %7.1f ns/call\n", ns_per_call(**uncached, qs, rounds));
  double per_thread[2]{};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] { per_thread[t] = ns_per_call(**cached, qs, rounds); });
  for (auto& t : threads)
    t.join();
  std::printf("  cache hit, 2 threads: %7.1f / %7.1f ns/call\n", per_thread[0], per_thread[1]);
  return 0;
}
