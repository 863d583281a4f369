// ws_upgrade_reply (actors/net/ws_upgrade_reply.hpp): the 101 reply to an upgrade.

#include <doctest/doctest.h>

#include "actors/net/ws_upgrade_reply.hpp"

using namespace qc;

TEST_CASE("ws_upgrade_reply: the accept key of RFC 6455's example") {
  auto reply = ws_upgrade_reply("dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(reply == "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                 "Server: quotecast\r\n\r\n");
}
