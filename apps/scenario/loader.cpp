#include "apps/scenario/loader.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace qc::scenario {

namespace {

using rapidjson::Value;

std::string to_json(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

// One JSON object being read: typed getters that fail with the object's place in the
// file, and a check that every member was used (no unknown fields).
class object_reader {
public:
  object_reader(const Value& v, std::string where) : v_(v), where_(std::move(where)) {
    if (!v_.IsObject()) fail("must be an object");
  }
  [[noreturn]] void fail(const std::string& what) const { throw load_error(where_ + ": " + what); }
  const std::string& where() const { return where_; }

  const Value* find(const char* key) {
    used_.insert(key);
    auto it = v_.FindMember(key);
    return it == v_.MemberEnd() ? nullptr : &it->value;
  }
  bool has(const char* key) const { return v_.HasMember(key); }
  std::string string(const char* key) {
    const Value* v = find(key);
    if (!v) fail(std::string("missing field \"") + key + "\"");
    if (!v->IsString()) fail(std::string("field \"") + key + "\" must be a string");
    return v->GetString();
  }
  std::optional<std::string> opt_string(const char* key) {
    if (!has(key)) return std::nullopt;
    return string(key);
  }
  std::optional<std::string> opt_json(const char* key) {
    const Value* v = find(key);
    return v ? std::optional<std::string>(to_json(*v)) : std::nullopt;
  }
  std::optional<std::int64_t> opt_int(const char* key) {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (!v->IsInt64() || v->GetInt64() < 0) fail(std::string("field \"") + key + "\" must be a non-negative integer");
    return v->GetInt64();
  }
  std::optional<bool> opt_bool(const char* key) {
    const Value* v = find(key);
    if (!v) return std::nullopt;
    if (!v->IsBool()) fail(std::string("field \"") + key + "\" must be true or false");
    return v->GetBool();
  }
  // Call last: every member must have been asked for.
  void no_unknown_fields() const {
    for (auto it = v_.MemberBegin(); it != v_.MemberEnd(); ++it)
      if (!used_.count(it->name.GetString()))
        fail(std::string("unknown field \"") + it->name.GetString() + "\"");
  }

private:
  const Value& v_;
  std::string where_;
  std::set<std::string> used_;
};

// An optional "headers" object of name -> string value.
std::map<std::string, std::string> read_headers(object_reader& r, const std::string& where) {
  std::map<std::string, std::string> out;
  if (const Value* h = r.find("headers")) {
    object_reader hr(*h, where + ".headers");
    for (auto it = h->MemberBegin(); it != h->MemberEnd(); ++it) out[it->name.GetString()] = hr.string(it->name.GetString());
  }
  return out;
}

client_spec read_client(const std::string& name, const Value& v, const std::string& where) {
  object_reader r(v, where);
  client_spec c;
  c.name = name;
  const std::string t = r.opt_string("transport").value_or("socket.io");
  if (t == "socket.io") c.kind = transport::socketio;
  else if (t == "ws") c.kind = transport::ws;
  else r.fail("transport must be \"socket.io\" or \"ws\", not \"" + t + "\"");
  c.user = r.opt_string("user").value_or("");
  c.auth = r.opt_json("auth");
  if (c.auth && c.kind == transport::ws) r.fail("\"auth\" is for socket.io clients (ws clients use \"query\")");
  c.query = r.opt_string("query").value_or("");
  c.headers = read_headers(r, where);
  c.auto_pong = r.opt_bool("auto_pong").value_or(true);
  r.no_unknown_fields();
  return c;
}

// The verbs a step may start with; exactly one must be present.
constexpr const char* kVerbs[] = {"connect", "reconnect", "emit",       "send_raw",       "expect",
                                  "expect_none", "expect_closed", "wait_ms", "disconnect", "drop",
                                  "restart_broker", "kill_broker", "publish", "http"};

step read_step(const Value& v, const std::string& where, const scenario& sc) {
  object_reader r(v, where);
  std::string verb;
  for (const char* k : kVerbs) {
    if (!r.has(k)) continue;
    if (!verb.empty()) r.fail("has two actions, \"" + verb + "\" and \"" + k + "\"");
    verb = k;
  }
  if (verb.empty()) r.fail("has no action (one of connect, emit, expect, expect_none, ...; see docs/SCENARIOS.md)");
  const std::string place = where + " (" + verb + ")";
  object_reader named(v, place);  // same object, reports errors with the verb
  auto client = [&](const char* key) {
    std::string c = named.string(key);
    if (!sc.clients.count(c)) named.fail("unknown client \"" + c + "\"");
    return c;
  };
  step out;
  out.note = named.opt_string("note").value_or("");
  if (auto t = named.opt_int("timeout_ms")) out.timeout = ms(*t);

  if (verb == "connect") {
    connect_step c{client("connect"), named.opt_json("reply"), named.opt_json("refused")};
    out.summary = "connect " + c.client;
    out.action = c;
  } else if (verb == "reconnect") {
    reconnect_step c{client("reconnect"), named.opt_bool("recover").value_or(false), named.opt_json("reply")};
    out.summary = "reconnect " + c.client + (c.recover ? " (recover)" : "");
    out.action = c;
  } else if (verb == "emit") {
    emit_step e{client("emit"), named.string("event"), named.opt_json("data").value_or(""), named.opt_json("ack"),
                static_cast<int>(named.opt_int("repeat").value_or(1))};
    if (e.repeat < 1) named.fail("\"repeat\" must be at least 1");
    out.summary = "emit " + e.client + " " + e.event;
    out.action = e;
  } else if (verb == "send_raw") {
    send_raw_step e{client("send_raw"), named.string("frame")};
    out.summary = "send_raw " + e.client + " " + e.frame;
    out.action = e;
  } else if (verb == "expect") {
    expect_step e{client("expect"), named.string("event"), named.opt_json("data")};
    out.summary = "expect " + e.client + " " + e.event;
    out.action = e;
  } else if (verb == "expect_none") {
    expect_none_step e{client("expect_none"), named.string("event"), ms(named.opt_int("for_ms").value_or(500))};
    out.summary = "expect_none " + e.client + " " + e.event + " for " + std::to_string(e.duration.count()) + " ms";
    out.action = e;
  } else if (verb == "expect_closed") {
    expect_closed_step e{client("expect_closed"), {}};
    if (auto c = named.opt_int("code")) e.code = static_cast<std::uint16_t>(*c);
    out.summary = "expect_closed " + e.client;
    out.action = e;
  } else if (verb == "wait_ms") {
    wait_step w{ms(named.opt_int("wait_ms").value_or(0))};
    out.summary = "wait " + std::to_string(w.duration.count()) + " ms";
    out.action = w;
  } else if (verb == "disconnect") {
    out.action = disconnect_step{client("disconnect")};
    out.summary = "disconnect " + std::get<disconnect_step>(out.action).client;
  } else if (verb == "drop") {
    out.action = drop_step{client("drop")};
    out.summary = "drop " + std::get<drop_step>(out.action).client;
  } else if (verb == "restart_broker" || verb == "kill_broker") {
    named.find(verb.c_str());  // its value (true or {}) carries nothing
    out.action = restart_broker_step{verb == "kill_broker"};
    out.summary = verb;
  } else if (verb == "publish") {
    publish_step p;
    p.client = named.string("publish");
    if (p.client != "http" && !sc.clients.count(p.client)) named.fail("unknown client \"" + p.client + "\" (or \"http\")");
    auto ticks = named.opt_json("ticks");
    if (!ticks) named.fail("missing field \"ticks\"");
    p.ticks = *ticks;
    p.ack = named.opt_json(p.client == "http" ? "response" : "ack");
    if (auto st = named.opt_int("status")) {
      if (p.client != "http") named.fail("\"status\" is for publish via http");
      p.status = static_cast<int>(*st);
    }
    if (named.has("headers")) {
      if (p.client != "http") named.fail("\"headers\" is for publish via http");
      p.headers = read_headers(named, place);
    }
    out.summary = "publish via " + p.client;
    out.action = p;
  } else if (verb == "http") {
    http_step h;
    const std::string line = named.string("http");  // "GET /stats"
    const auto space = line.find(' ');
    if (space == std::string::npos || line.find_first_not_of(' ', space) == std::string::npos || line[line.find_first_not_of(' ', space)] != '/')
      named.fail("\"http\" must look like \"GET /path\", not \"" + line + "\"");
    h.method = line.substr(0, space);
    h.target = line.substr(line.find_first_not_of(' ', space));
    h.body = named.opt_json("body").value_or("");
    if (auto st = named.opt_int("status")) h.status = static_cast<int>(*st);
    h.response = named.opt_json("response");
    h.headers = read_headers(named, place);
    out.summary = "http " + line;
    out.action = h;
  }
  named.no_unknown_fields();
  return out;
}

}  // namespace

scenario load_scenario(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file);
  if (!in) throw load_error(name + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  const std::string src = text.str();

  rapidjson::Document doc;
  doc.Parse(src.c_str());
  if (doc.HasParseError()) {
    const std::size_t at = doc.GetErrorOffset();
    const auto line = 1 + std::count(src.begin(), src.begin() + static_cast<std::ptrdiff_t>(std::min(at, src.size())), '\n');
    throw load_error(name + ": line " + std::to_string(line) + ": not valid JSON: " +
                     rapidjson::GetParseError_En(doc.GetParseError()));
  }
  object_reader top(doc, name);
  scenario sc;
  sc.path = file;
  sc.name = file.stem().string();
  sc.description = top.string("description");
  if (auto t = top.opt_int("timeout_ms")) sc.default_timeout = ms(*t);
  if (const Value* b = top.find("broker")) {
    object_reader br(*b, name + ": broker");
    if (const Value* args = br.find("args")) {
      if (!args->IsArray()) br.fail("\"args\" must be an array of strings");
      for (const auto& a : args->GetArray()) {
        if (!a.IsString()) br.fail("\"args\" must be an array of strings");
        // "${scenario_dir}": the scenario file's directory, absolute, so a file next to
        // the scenario (a policy, a key) reaches a broker that runs in a temp directory.
        std::string arg = a.GetString();
        const std::string dir_var = "${scenario_dir}";
        for (auto at = arg.find(dir_var); at != std::string::npos; at = arg.find(dir_var, at))
          arg.replace(at, dir_var.size(), std::filesystem::absolute(file).parent_path().string());
        sc.broker_args.push_back(std::move(arg));
      }
    }
    br.no_unknown_fields();
  }
  if (const Value* a = top.find("auth")) {
    object_reader ar(*a, name + ": auth");
    sc.auth_mode = ar.string("mode");
    if (sc.auth_mode != "jwt" && sc.auth_mode != "optional")
      ar.fail("\"mode\" must be \"jwt\" or \"optional\" (header is the default without \"auth\")");
    ar.no_unknown_fields();
  }
  const Value* clients = top.find("clients");
  if (!clients || !clients->IsObject()) top.fail("needs \"clients\": an object of client name -> client");
  for (auto it = clients->MemberBegin(); it != clients->MemberEnd(); ++it) {
    const std::string cname = it->name.GetString();
    if (cname == "http") top.fail("\"http\" is reserved (publish via http); name the client otherwise");
    sc.clients.emplace(cname, read_client(cname, it->value, name + ": clients." + cname));
  }
  const Value* steps = top.find("steps");
  if (!steps || !steps->IsArray() || steps->Empty()) top.fail("needs \"steps\": a non-empty array");
  for (rapidjson::SizeType i = 0; i < steps->Size(); ++i)
    sc.steps.push_back(read_step((*steps)[i], name + ": steps[" + std::to_string(i) + "]", sc));
  top.no_unknown_fields();
  return sc;
}

}  // namespace qc::scenario
