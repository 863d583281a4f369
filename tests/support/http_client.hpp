#pragma once
// One-shot HTTP/1.1 requests for tests (/health, /stats, the polling transport).
// Beast stays in http_client.cpp.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace qc::test {

struct http_response {
  int status = 0;  // 0: no HTTP answer at all (see error)
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string error;                           // transport failure, empty otherwise
  std::string describe() const;
};

http_response http_request(const std::string& method, const std::string& host, std::uint16_t port,
                           const std::string& target, const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));

inline http_response http_get(const std::string& host, std::uint16_t port, const std::string& target) {
  return http_request("GET", host, port, target);
}

}  // namespace qc::test
