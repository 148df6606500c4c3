#include "kafka/client_log.h"

#include <utility>

namespace stayaway::kafka {
namespace {

ClientLogSink& Sink() {
  static ClientLogSink sink;
  return sink;
}

}  // namespace

void SetClientLogSink(ClientLogSink sink) { Sink() = std::move(sink); }

const ClientLogSink* ClientLogSinkOrNull() { return Sink() ? &Sink() : nullptr; }

}  // namespace stayaway::kafka
