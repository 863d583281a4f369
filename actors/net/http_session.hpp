#pragma once
// One accepted HTTP connection: reads requests with bounded headers, body and time,
// answers /health, /stats, /publish and errors (400/408/413/414/431, 503 when refused
// at accept), and hands the socket to a WebSocket connection on a checked upgrade. The
// gateway (the listener) accepts; this file serves.

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "actors/net/gateway_shared.hpp"

namespace qc {

class fanout_shard;

/// Serves `socket` on `shard`'s strand until it closes or upgrades. A non-empty
/// `refusal` answers the one request it reads with 503 (`/health` still answered).
void serve_http(boost::asio::ip::tcp::socket socket, std::shared_ptr<gateway_shared> shared,
                fanout_shard& shard, address_ticket ticket, std::string refusal);

} // namespace qc
