// quotecast-token (apps/quotecast_token.cpp): secrets it writes, tokens it mints (checked
// with the broker's verifier), and exit code 2 with a message on bad use.
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>

#include <doctest/doctest.h>

#include "protocol/jwt_verifier.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the tool through the shell with `args` (already quoted where needed).
run_result run_tool(const qc::test::temp_dir& dir, const std::string& args) {
  const auto err_file = dir.path() / "stderr.txt";
  const std::string cmd = std::string(QC_TOKEN_BINARY) + " " + args + " 2>" + err_file.string();
  run_result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  REQUIRE(WIFEXITED(status));
  r.exit_code = WEXITSTATUS(status);
  r.err = read_all(err_file);
  return r;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string test_key(const char* name) { return std::string(QC_SOURCE_DIR) + "/tests/data/jwt/" + name; }

} // namespace

TEST_CASE("quotecast-token --new-secret writes a 0600 base64url secret and never overwrites it") {
  qc::test::temp_dir dir("qc-token");
  const auto file = dir.path() / "dev.secret";
  auto r = run_tool(dir, "--new-secret " + file.string());
  CHECK(r.exit_code == 0);
  const std::string secret = read_all(file);
  REQUIRE(secret.size() == 44); // 32 bytes: 43 base64url characters and a newline
  CHECK(secret.back() == '\n');
  CHECK(secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_\n") ==
        std::string::npos);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  r = run_tool(dir, "--new-secret " + file.string());
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("exists") != std::string::npos);
  CHECK(read_all(file) == secret);

  // Two secrets differ.
  const auto other = dir.path() / "other.secret";
  CHECK(run_tool(dir, "--new-secret " + other.string()).exit_code == 0);
  CHECK(read_all(other) != secret);
}

TEST_CASE("quotecast-token mints HS tokens the broker's verifier accepts") {
  qc::test::temp_dir dir("qc-token");
  const auto file = dir.path() / "dev.secret";
  REQUIRE(run_tool(dir, "--new-secret " + file.string()).exit_code == 0);
  qc::protocol::jwt_config cfg;
  cfg.secret = trimmed(read_all(file));

  auto r = run_tool(dir, "--secret-file " + file.string() + " --sub alice --roles viewer,trader --ttl 600");
  REQUIRE(r.exit_code == 0);
  const auto before = now_s();
  auto claims = qc::protocol::jwt_verifier::make(cfg)->verify(trimmed(r.out), before);
  REQUIRE_MESSAGE(claims.ok(), (claims.ok() ? "" : claims.error().message));
  CHECK(claims->sub == "alice");
  CHECK(claims->roles == std::vector<std::string>{"viewer", "trader"});
  CHECK(claims->exp >= before + 599);
  CHECK(claims->exp <= before + 601);

  cfg.issuer = "dev";
  cfg.audience = "quotecast";
  r = run_tool(dir, "--secret-file=" + file.string() + " --sub=bob --roles=admin --alg HS512 --issuer dev --audience quotecast");
  REQUIRE(r.exit_code == 0);
  claims = qc::protocol::jwt_verifier::make(cfg)->verify(trimmed(r.out), now_s());
  REQUIRE(claims.ok());
  CHECK(claims->roles == std::vector<std::string>{"admin"});
}

TEST_CASE("quotecast-token mints RS256 and ES256 tokens with a private key") {
  qc::test::temp_dir dir("qc-token");
  for (auto [alg, priv, pub] : {std::tuple{"RS256", "rsa_private.pem", "rsa_public.pem"},
                                std::tuple{"ES256", "ec256_private.pem", "ec256_public.pem"}}) {
    CAPTURE(alg);
    auto r = run_tool(dir, std::string("--key-file ") + test_key(priv) + " --alg " + alg + " --sub carol --roles publisher");
    REQUIRE(r.exit_code == 0);
    qc::protocol::jwt_config cfg;
    cfg.public_key_pem = read_all(test_key(pub));
    auto claims = qc::protocol::jwt_verifier::make(cfg)->verify(trimmed(r.out), now_s());
    REQUIRE_MESSAGE(claims.ok(), (claims.ok() ? "" : claims.error().message));
    CHECK(claims->sub == "carol");
  }
}

TEST_CASE("quotecast-token: bad use exits 2 with a message and prints no token") {
  qc::test::temp_dir dir("qc-token");
  const auto file = dir.path() / "dev.secret";
  REQUIRE(run_tool(dir, "--new-secret " + file.string()).exit_code == 0);
  const auto short_secret = dir.path() / "short.secret";
  std::ofstream(short_secret) << "too-short\n";
  const std::string s = " --secret-file " + file.string();
  for (const std::string& args :
       {std::string(""), std::string("--frobnicate 1"), std::string("alice"), s,
        s + " --sub alice --key-file " + test_key("rsa_private.pem"), s + " --sub alice --ttl soon",
        s + " --sub alice --ttl -5", s + " --sub anon-x", s + " --sub 'a b'", s + " --sub alice --roles 'ad min'",
        s + " --sub alice --alg none", s + " --sub alice --alg RS256", s + " --sub alice --sub bob",
        std::string("--secret-file /nonexistent/x --sub alice"),
        "--secret-file " + short_secret.string() + " --sub alice",
        "--key-file " + test_key("rsa_public.pem") + " --alg RS256 --sub alice",
        "--key-file " + test_key("rsa_private.pem") + " --sub alice",
        "--new-secret " + (dir.path() / "n.secret").string() + " --sub alice", std::string("--sub")}) {
    CAPTURE(args);
    const auto r = run_tool(dir, args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("quotecast-token: ") != std::string::npos);
  }
}
