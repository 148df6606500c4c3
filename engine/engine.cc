// Engine: the public face (engine.h). Each call forwards to EngineState, whose rules live
// in engine_orders.cc, engine_fixes.cc, engine_ticks.cc and engine_events.cc, and whose
// snapshots live in engine_snapshot.cc.
#include "engine/engine.h"

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "engine/engine_rules_internal.h"
#include "engine/engine_state.h"
#include "engine/seq_set.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

using v1::Event;
using v1::Fix;
// From engine_rules_internal.h: the duplicate memory's horizon, as the rules use it.
using internal::SeqForgetBefore;

}  // namespace

Engine::Engine(const EngineSettings& settings, unsigned lanes)
    : state_(std::make_unique<EngineState>(settings, lanes)) {}
Engine::~Engine() = default;

Status Engine::ApplyOrder(const v1::Order& order, std::vector<Event>* events) {
  return state_->ApplyOrder(order, events);
}
Status Engine::ApplyGlobalZone(const v1::Zone& zone, std::vector<Event>* events) {
  return state_->ApplyGlobalZone(zone, events);
}
Status Engine::ApplyFix(const Fix& fix, std::vector<Event>* events) {
  return state_->ApplyFix(fix, events);
}
void Engine::ApplyFixes(std::span<const Fix> fixes, std::vector<Event>* events,
                        const FixDone& done) {
  state_->ApplyFixes(fixes, events, done);
}
void Engine::ApplyTick(TimeMs tick_ms, std::vector<Event>* events) {
  state_->ApplyTick(tick_ms, events);
}
Status Engine::ApplyAck(const v1::AlertAck& ack, std::vector<Event>* events) {
  return state_->ApplyAck(ack, events);
}

Status Engine::ApplyResolve(const v1::AlertResolve& resolve, std::vector<Event>* events) {
  return state_->ApplyResolve(resolve, events);
}
Status Engine::ApplyReceipt(const v1::AlertReceipt& receipt, std::vector<Event>* events) {
  return state_->ApplyReceipt(receipt, events);
}

Status Engine::Apply(const v1::Input& input, std::vector<Event>* events) {
  switch (input.input_case()) {
    case v1::Input::kFix:
      return ApplyFix(input.fix(), events);
    case v1::Input::kTick:
      if (!input.tick().has_tick()) return InvalidArgument("tick has no time");
      ApplyTick(TimestampToMs(input.tick().tick()), events);
      return Status::Ok();
    case v1::Input::kOrder:
      return ApplyOrder(input.order(), events);
    case v1::Input::kGlobalZone:
      return ApplyGlobalZone(input.global_zone(), events);
    case v1::Input::kAck:
      return ApplyAck(input.ack(), events);
    case v1::Input::kResolve:
      return ApplyResolve(input.resolve(), events);
    case v1::Input::kReceipt:
      return ApplyReceipt(input.receipt(), events);
    case v1::Input::INPUT_NOT_SET:
      break;
  }
  return InvalidArgument("input holds nothing");
}
TimeMs Engine::now_ms() const { return state_->now_ms(); }
const SeqSet* Engine::AppliedSeqs(std::string_view device) const {
  return state_->AppliedSeqs(device);
}
Status Engine::CheckFixForm(const v1::Fix& fix) const { return state_->CheckFixForm(fix); }
TimeMs Engine::SeqForgetBeforeMs() const { return SeqForgetBefore(state_->now_ms()); }
const EngineSettings& Engine::settings() const { return state_->settings(); }

}  // namespace stayaway::engine
