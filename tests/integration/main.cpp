// doctest's main. SIGPIPE is ignored so a broker that closes a socket mid-write fails
// the test that caused it instead of killing the whole test run.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  doctest::Context context(argc, argv);
  return context.run();
}
