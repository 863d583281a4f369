// close_handshake (actors/net/close_handshake.hpp): where a connection is in ending,
// without a socket.

#include <string>

#include <doctest/doctest.h>

#include "actors/net/close_handshake.hpp"
#include "protocol/websocket_frames.hpp"

using namespace qc;

TEST_CASE("close_handshake: the first close decided wins") {
  close_handshake close;
  CHECK_FALSE(close.ending());
  CHECK(close.begin(1008, "slow consumer"));
  CHECK(close.closing());
  CHECK(close.ending());
  CHECK(close.payload() == protocol::close_payload(1008, "slow consumer"));
  CHECK_FALSE(close.begin(1000, "later"));
  CHECK(close.payload() == protocol::close_payload(1008, "slow consumer"));
}

TEST_CASE("close_handshake: a peer's close without a code is echoed without one") {
  close_handshake close;
  CHECK(close.begin(protocol::ws_close::no_status, "client closed"));
  CHECK(close.payload().empty());
}

TEST_CASE("close_handshake: done once both close frames went their way") {
  close_handshake close;
  close.begin(1000, "bye");
  CHECK_FALSE(close.exchanged(false));
  close.sent();
  CHECK_FALSE(close.exchanged(false));
  CHECK(close.exchanged(true)); // the peer's input cannot be parsed: its close never comes
  close.received();
  CHECK(close.exchanged(false));
}

TEST_CASE("close_handshake: finishing happens once, and nothing begins after it") {
  close_handshake close;
  CHECK(close.finish());
  CHECK_FALSE(close.finish());
  CHECK(close.finished());
  CHECK(close.ending());
  CHECK_FALSE(close.begin(1000, "too late"));
  CHECK_FALSE(close.closing());
}
