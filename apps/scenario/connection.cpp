#include "apps/scenario/connection.hpp"

#include "apps/scenario/sio_connection.hpp"
#include "apps/scenario/ws_connection.hpp"

namespace qc::scenario {

std::unique_ptr<connection> make_connection(transport kind) {
  if (kind == transport::ws) return std::make_unique<ws_connection>();
  return std::make_unique<sio_connection>();
}

}  // namespace qc::scenario
