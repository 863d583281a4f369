// quotecast: the broker. Run from the repository root with no arguments for the
// demo (conf/quotecast.ini); --help lists every option.

#include "actors/broker.hpp"
#include "apps/run_server.hpp"

int main(int argc, char** argv) {
  qc::broker_config cfg;
  return qc::run_server<qc::broker>(argc, argv, cfg);
}
