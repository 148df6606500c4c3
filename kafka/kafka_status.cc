#include "kafka/kafka_status.h"

#include <string>

#include "kafka/handles.h"

namespace stayaway::kafka {

Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Status(StatusCode::kInternal, "kafka: " + std::string(what) + ": " +
                                           rd_kafka_err2name(err) + " (" + rd_kafka_err2str(err) +
                                           ")");
}

Status KafkaStatus(rd_kafka_error_t* raw, std::string_view what) {
  ErrorHandle error(raw);
  if (error == nullptr) return Status::Ok();
  std::string message = "kafka: " + std::string(what) + ": " + rd_kafka_error_name(error.get()) +
                        " (" + rd_kafka_error_string(error.get()) + ")";
  if (rd_kafka_error_is_fatal(error.get())) message += ", fatal";
  if (rd_kafka_error_is_retriable(error.get())) message += ", retriable";
  if (rd_kafka_error_txn_requires_abort(error.get())) message += ", transaction must be aborted";
  return Status(StatusCode::kInternal, std::move(message));
}

}  // namespace stayaway::kafka
