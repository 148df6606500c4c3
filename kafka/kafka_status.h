// How librdkafka's errors become stayaway Status values (base/status.h): one message that
// says what was being done, librdkafka's error name and its text, and for the
// transactional API whether the error is retriable, requires an abort or is fatal
// ("kafka: commit transaction: _FENCED (producer fenced), fatal"). Pure functions;
// thread-safe.
#ifndef STAYAWAY_KAFKA_KAFKA_STATUS_H_
#define STAYAWAY_KAFKA_KAFKA_STATUS_H_

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "base/status.h"

namespace stayaway::kafka {

// Ok for RD_KAFKA_RESP_ERR_NO_ERROR; otherwise kInternal with "kafka: WHAT: NAME (text)".
Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view what);

// Takes ownership of `error` (may be null: ok) and destroys it.
Status KafkaStatus(rd_kafka_error_t* error, std::string_view what);

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_KAFKA_STATUS_H_
