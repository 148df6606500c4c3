// InputKindName: the name of an input's kind ("fix", "tick", "order", "global_zone",
// "ack", "resolve", "receipt"; "empty" for an input that holds nothing), as the history
// export writes it beside each input (evidence/export_format.h) and as Kafka mode keys the
// shared input log's messages (daemon/kafka_input_log.h). A format promise: the names
// never change. Thread-safe.
#ifndef STAYAWAY_JOURNAL_INPUT_KIND_H_
#define STAYAWAY_JOURNAL_INPUT_KIND_H_

#include "proto/stayaway.pb.h"

namespace stayaway::journal {

const char* InputKindName(const v1::Input& input);

}  // namespace stayaway::journal

#endif  // STAYAWAY_JOURNAL_INPUT_KIND_H_
