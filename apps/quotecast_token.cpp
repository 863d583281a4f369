// quotecast-token: mints development JWTs for a quotecast broker, and makes secrets.
//
//   quotecast-token --secret-file F --sub alice --roles viewer,trader [--ttl 3600]
//                   [--alg HS256] [--issuer X] [--audience Y]
//   quotecast-token --key-file private.pem --alg RS256 --sub alice ...
//   quotecast-token --new-secret F
//
// Every token is checked with the verifier the broker uses before it is printed, so a
// token this tool prints is one the broker accepts (same key, same iss/aud settings).
// Exit codes: 0 done, 1 the system failed us (random source, writing), 2 bad use.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "protocol/base64url.hpp"
#include "protocol/jwt_verifier.hpp"

namespace {

constexpr int exit_failure = 1;
constexpr int exit_bad_use = 2;
constexpr std::size_t secret_bytes = 32;

constexpr const char* usage =
    "usage:\n"
    "  quotecast-token --secret-file FILE --sub USER [--roles r1,r2] [--ttl SECONDS]\n"
    "                  [--alg HS256|HS384|HS512] [--issuer ISS] [--audience AUD]\n"
    "  quotecast-token --key-file PRIVATE.pem --alg RS256|RS384|RS512|ES256|ES384|ES512\n"
    "                  --sub USER [--roles ...] [--ttl ...] [--issuer ...] [--audience ...]\n"
    "  quotecast-token --new-secret FILE   (32 random bytes as base64url, mode 0600; never overwrites)\n"
    "Prints the token on stdout. --ttl defaults to 3600 seconds.\n";

struct bad_use : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --name value or --name=value; every option takes a value.
std::map<std::string, std::string> parse_args(int argc, char** argv) {
  static const std::vector<std::string> known = {"secret-file", "key-file", "sub", "roles", "ttl",
                                                 "alg", "issuer", "audience", "new-secret"};
  std::map<std::string, std::string> opts;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0) throw bad_use("unexpected argument \"" + arg + "\"");
    arg = arg.substr(2);
    std::string value;
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else {
      if (i + 1 >= argc) throw bad_use("--" + arg + " needs a value");
      value = argv[++i];
    }
    if (std::find(known.begin(), known.end(), arg) == known.end()) throw bad_use("unknown option --" + arg);
    if (opts.count(arg)) throw bad_use("--" + arg + " given twice");
    opts[arg] = value;
  }
  return opts;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_use(std::string("cannot read the ") + what + " " + path + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// As the broker reads auth.jwt-secret-file: the bytes, without trailing newlines.
std::string read_secret(const std::string& path) {
  std::string s = read_file(path, "secret file");
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> split_roles(const std::string& text) {
  std::vector<std::string> roles;
  if (text.empty()) return roles;
  std::size_t pos = 0;
  for (;;) {
    const auto comma = text.find(',', pos);
    roles.push_back(text.substr(pos, comma - pos));
    if (comma == std::string::npos) return roles;
    pos = comma + 1;
  }
}

// The PEM public key of a PEM private key, so the token can be checked as the broker would.
std::string public_key_of(const std::string& private_pem) {
  using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;
  using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  bio_ptr in(BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())), &BIO_free);
  if (!in) throw failure("out of memory");
  key_ptr key(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) throw bad_use("the key file is not a PEM private key (unencrypted)");
  bio_ptr out(BIO_new(BIO_s_mem()), &BIO_free);
  if (!out || PEM_write_bio_PUBKEY(out.get(), key.get()) != 1) throw failure("cannot derive the public key");
  char* data = nullptr;
  const long len = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

int new_secret(const std::string& path) {
  unsigned char bytes[secret_bytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw failure("the random source failed");
  const std::string text =
      qc::protocol::base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes)) + "\n";
  // O_EXCL: an existing secret is never replaced (every token made with it would die).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) throw bad_use(path + " exists; quotecast-token does not overwrite a secret");
    throw bad_use("cannot create " + path + ": " + std::strerror(errno));
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    ::unlink(path.c_str());
    throw failure("cannot write " + path);
  }
  std::cerr << "quotecast-token: wrote a new secret to " << path << "\n";
  return 0;
}

int mint(const std::map<std::string, std::string>& o) {
  const bool has_secret = o.count("secret-file") != 0;
  const bool has_key = o.count("key-file") != 0;
  if (has_secret == has_key) throw bad_use("give exactly one of --secret-file and --key-file");
  if (!o.count("sub")) throw bad_use("--sub is required");

  qc::protocol::jwt_mint_request req;
  req.sub = o.at("sub");
  if (o.count("roles")) req.roles = split_roles(o.at("roles"));
  req.alg = o.count("alg") ? o.at("alg") : (has_secret ? "HS256" : "");
  if (req.alg.empty()) throw bad_use("--key-file needs --alg (RS256, RS384, RS512, ES256, ES384 or ES512)");
  static const std::vector<std::string> algs = {"HS256", "HS384", "HS512", "RS256", "RS384",
                                                "RS512", "ES256", "ES384", "ES512"};
  if (std::find(algs.begin(), algs.end(), req.alg) == algs.end())
    throw bad_use("unknown --alg " + req.alg + " (HS256/384/512 with --secret-file; RS256/384/512, ES256/384/512 with --key-file)");
  if (o.count("issuer")) req.issuer = o.at("issuer");
  if (o.count("audience")) req.audience = o.at("audience");
  std::int64_t ttl = 3600;
  if (o.count("ttl")) {
    const auto& t = o.at("ttl");
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ttl);
    if (ec != std::errc{} || end != t.data() + t.size() || ttl <= 0 || ttl > 10LL * 365 * 24 * 3600)
      throw bad_use("--ttl must be a positive number of seconds (at most ten years)");
  }
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  req.iat = now;
  req.exp = now + ttl;

  const std::string key = has_secret ? read_secret(o.at("secret-file")) : read_file(o.at("key-file"), "key file");
  if (has_secret && (req.alg.rfind("HS", 0) != 0))
    throw bad_use("--secret-file signs HS256, HS384 or HS512; " + req.alg + " needs --key-file");
  if (has_key && req.alg.rfind("HS", 0) == 0) throw bad_use("--key-file signs RS*/ES*; HS* needs --secret-file");

  qc::protocol::jwt_config check;
  if (has_secret) check.secret = key;
  else check.public_key_pem = public_key_of(key);
  check.issuer = req.issuer;
  check.audience = req.audience;
  const auto verifier = qc::protocol::jwt_verifier::make(check);
  if (!verifier) throw bad_use(verifier.error().message);

  const auto token = qc::protocol::sign_jwt(req, key);
  if (!token) throw bad_use(token.error().message);
  // What the broker will say about it: a bad sub or role is caught here, not at connect.
  const auto claims = verifier->verify(*token, now);
  if (!claims) throw bad_use("the broker would refuse this token: " + claims.error().message);
  std::cout << *token << "\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    const auto opts = parse_args(argc, argv);
    if (opts.count("new-secret")) {
      if (opts.size() != 1) throw bad_use("--new-secret takes no other option");
      return new_secret(opts.at("new-secret"));
    }
    if (opts.empty()) throw bad_use("nothing to do");
    return mint(opts);
  } catch (const bad_use& e) {
    std::cerr << "quotecast-token: " << e.what() << "\n" << usage;
    return exit_bad_use;
  } catch (const failure& e) {
    std::cerr << "quotecast-token: " << e.what() << "\n";
    return exit_failure;
  }
}
