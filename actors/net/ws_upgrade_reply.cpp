#include "actors/net/ws_upgrade_reply.hpp"

#include <boost/beast/websocket/detail/hybi13.hpp>

namespace qc {

std::string ws_upgrade_reply(std::string_view sec_websocket_key) {
  namespace beast = boost::beast;
  beast::websocket::detail::sec_ws_accept_type accept;
  beast::websocket::detail::make_sec_ws_accept(
    accept, beast::string_view(sec_websocket_key.data(), sec_websocket_key.size()));
  std::string out = "HTTP/1.1 101 Switching Protocols\r\n"
                    "Upgrade: websocket\r\n"
                    "Connection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: ";
  out.append(accept.data(), accept.size());
  out += "\r\nServer: quotecast\r\n\r\n";
  return out;
}

} // namespace qc
