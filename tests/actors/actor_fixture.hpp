#pragma once
// What every actor test here shares: CAF's deterministic test coordinator
// (caf/test/dsl.hpp), the broker's default settings, stand-in sessions, and a way to
// ask an actor something and get its answer. Messages are matched by their content
// types (atoms and structs of actors/messages.hpp), never by handle type, so the tests
// hold whether the actors' handles are caf::actor or a caf::typed_actor.
//
// Scheduling: `sched.run()` delivers every message in flight and fires no timer;
// timers fire only when a test advances the clock (`advance_time`) or calls
// `sched.trigger_timeout()`. The fixture's own `run()` also fires timers, repeatedly:
// do not call it while a stream (which re-arms its idle timer forever) is alive.

#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <caf/all.hpp>
#include <caf/test/dsl.hpp>

#include "actors/durability/parked_sessions.hpp"
#include "actors/market/market.hpp"
#include "actors/messages.hpp"
#include "actors/rooms/directory.hpp"
#include "actors/rooms/room.hpp"
#include "actors/settings.hpp"

namespace qc::test {

// -- the actors under test ------------------------------------------------------------
// Their spawn functions, and the one answer whose type names a handle type, in this one
// place.
inline constexpr auto room_spawn_fn = &room_behavior;
inline constexpr auto directory_spawn_fn = &directory_behavior;
inline constexpr auto market_spawn_fn = &market_behavior;
inline constexpr auto parked_sessions_spawn_fn = &parked_sessions_behavior;
using stream_listing = std::vector<stream_actor>;

/// The parameters of a spawn function after its `self`.
template <class F>
struct spawn_params;

template <class R, class Self, class... Ps>
struct spawn_params<R (*)(Self, Ps...)> {
  using types = std::tuple<Ps...>;
};

/// An argument as the spawn function's parameter takes it: a test's caf::actor (a
/// stand-in) becomes the typed handle the parameter may declare.
template <class Param, class Arg>
decltype(auto) as_param(Arg&& x) {
  using param = std::decay_t<Param>;
  if constexpr (std::is_same_v<std::decay_t<Arg>, caf::actor> && caf::is_typed_actor<param>::value)
    return caf::actor_cast<param>(x);
  else
    return std::forward<Arg>(x);
}

/// True when two handles, of whatever handle types, name the same actor.
template <class A, class B>
bool same_actor(const A& a, const B& b) {
  return caf::actor_cast<caf::actor_addr>(a) == caf::actor_cast<caf::actor_addr>(b);
}

/// Stands in for a session, or for any actor that only listens (a room's directory,
/// the persistence actor): takes what such an actor is sent and answers nothing. The
/// test reads its mailbox with `expect` or `next_message` before it runs. Anything
/// else fails the test: CAF's `drop` would answer the sender with an error, and an
/// unhandled error quits the actor under test. The name is a spawn argument because
/// CAF 0.17 trips over function actors spawned without any (docs/DEVELOPMENT.md).
inline caf::behavior stand_in_session(caf::event_based_actor* self, std::string name) {
  self->set_default_handler([name](caf::scheduled_actor*, caf::message_view& x)
                              -> caf::result<caf::message> {
    CAF_FAIL(name << " got a message it does not expect: " << to_string(x.content()));
  });
  return {
    [](deliver_atom, const shared_frame&) {},
    [](kicked_atom, const std::string&, const shared_frame&) {},
    [](role_changed_atom, const std::string&, const std::string&, const shared_frame&) {},
    [](room_done_atom, const std::string&, std::uint32_t) {},
    [](shutdown_atom) {},
  };
}

struct actor_fixture : test_coordinator_fixture<> {
  std::shared_ptr<settings> cfg = std::make_shared<settings>();

  std::shared_ptr<const settings> shared_cfg() const { return cfg; }

  ~actor_fixture() override {
    // Actors that hold each other (a room and its directory, a stream and its market)
    // would keep each other alive, and the actor system waits for every actor.
    for (auto& a : started_)
      self->send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Spawns `fn(xs...)` as the broker would, and stops it when the test ends. The
  /// handle is a plain caf::actor whatever `fn` declares, so a test reads the same
  /// whether the actor's interface is typed or not.
  template <class F, class... Ts>
  caf::actor start(F fn, Ts&&... xs) {
    return start_with(fn, static_cast<typename spawn_params<F>::types*>(nullptr),
                      std::forward<Ts>(xs)...);
  }

  caf::actor session(const std::string& name) { return start(stand_in_session, name); }

  /// A member as a room sees it; the session field takes whatever handle type the
  /// room's vocabulary declares.
  static member_info member(const std::string& sid, const std::string& user,
                            const caf::actor& session, std::vector<std::string> roles = {}) {
    member_info m;
    m.sid = sid;
    m.user_id = user;
    m.roles = std::move(roles);
    m.session = caf::actor_cast<decltype(m.session)>(session);
    return m;
  }

  /// Sends a request from the test, delivers every message in flight (no timers), and
  /// returns the answer; fails the test on an error or no answer.
  template <class T, class Handle, class... Ts>
  T ask(const Handle& dest, Ts&&... xs) {
    auto answer = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    T result{};
    bool answered = false;
    answer.receive([&](T& x) {
                     result = std::move(x);
                     answered = true;
                   },
                   [&](caf::error& err) { CAF_FAIL("request failed: " << sys.render(err)); });
    CAF_REQUIRE(answered);
    return result;
  }

  /// The next message in `to`'s mailbox, which must come from `from` and hold `Ts...`
  /// (else the test fails, naming what it found); `to` then handles it. Like the DSL's
  /// `expect`, but hands the content to the test, which compares it with CAF_CHECK
  /// (the message types need no printer).
  template <class... Ts, class From, class To>
  std::tuple<Ts...> next_message(const From& from, const To& to) {
    CAF_REQUIRE(sched.prioritize(to));
    auto& dest = sched.next_job<caf::abstract_actor>();
    auto* element = dest.peek_at_next_mailbox_element();
    CAF_REQUIRE(element != nullptr);
    CAF_REQUIRE(element->sender == caf::actor_cast<caf::strong_actor_ptr>(from));
    auto content = extract<Ts...>(&dest);
    sched.run_once();
    return content;
  }

  /// The frame of the `deliver` message next in `to`'s mailbox, sent by `from`.
  template <class From, class To>
  shared_frame delivered(const From& from, const To& to) {
    return std::get<1>(next_message<deliver_atom, shared_frame>(from, to));
  }

  /// True when nothing waits in the mailbox of the actor behind `hdl`.
  template <class Handle>
  static bool mailbox_empty(const Handle& hdl) {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(hdl);
    return ptr->peek_at_next_mailbox_element() == nullptr;
  }

  /// The answer waiting for the test actor (`self`) after a plain `send` to a handler
  /// that returns a value; fails the test if there is none.
  template <class T>
  T answer_to_self() {
    T result{};
    bool answered = false;
    self->receive(
      [&](T& x) {
        result = std::move(x);
        answered = true;
      },
      caf::after(std::chrono::seconds(0)) >> [] {});
    CAF_REQUIRE(answered);
    return result;
  }

  /// True once the actor behind `hdl` has terminated.
  template <class Handle>
  static bool gone(const Handle& hdl) {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(hdl);
    return ptr == nullptr || ptr->getf(caf::abstract_actor::is_terminated_flag);
  }

private:
  template <class F, class... Ps, class... Ts>
  caf::actor start_with(F fn, std::tuple<Ps...>*, Ts&&... xs) {
    auto hdl = caf::actor_cast<caf::actor>(sys.spawn(fn, as_param<Ps>(std::forward<Ts>(xs))...));
    started_.push_back(hdl);
    return hdl;
  }

  std::vector<caf::actor> started_;
};

} // namespace qc::test
