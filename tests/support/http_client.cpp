#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>

namespace qc::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string http_response::describe() const {
  if (!error.empty()) return "HTTP failure: " + error;
  return "HTTP " + std::to_string(status) + " " + body.substr(0, 500);
}

http_response http_request(const std::string& method, const std::string& host, std::uint16_t port,
                           const std::string& target, const std::string& body,
                           const std::map<std::string, std::string>& headers,
                           std::chrono::milliseconds timeout) {
  http_response out;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  // tcp_stream's expiry covers each step; one deadline for the whole exchange is enough.
  stream.expires_after(timeout);

  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.body() = body;
    req.prepare_payload();
  }

  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code failure;
  std::string step;
  auto fail = [&](const char* what, beast::error_code ec) {
    failure = ec;
    step = what;
  };

  tcp::resolver resolver(ioc);
  resolver.async_resolve(host, std::to_string(port), [&](beast::error_code ec, tcp::resolver::results_type r) {
    if (ec) return fail("resolve", ec);
    stream.async_connect(r, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return fail("connect", ec);
      stream.socket().set_option(tcp::no_delay(true));
      http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) return fail("write", ec);
        http::async_read(stream, buffer, res, [&](beast::error_code ec, std::size_t) {
          if (ec) return fail("read", ec);
        });
      });
    });
  });
  ioc.run();

  if (failure) {
    out.error = step + ": " + failure.message();
    return out;
  }
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  return out;
}

}  // namespace qc::test
