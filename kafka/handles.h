// Owning handles for librdkafka's C objects: std::unique_ptr with the matching destroy
// function, so every rd_kafka_* object the kafka/ wrappers create is released exactly
// once on every path. For kafka/'s own use: its headers include this one for their
// members, and callers of the wrappers never need to touch a librdkafka object (the one
// exception, GroupConsumer::GroupMetadata, is passed straight to the Producer).
//
// A KafkaHandle's destruction (rd_kafka_destroy) blocks until librdkafka's threads have
// stopped; it does not flush a producer or leave a consumer group: the owning wrapper does
// that first. Thread-compatible, like std::unique_ptr.
#ifndef STAYAWAY_KAFKA_HANDLES_H_
#define STAYAWAY_KAFKA_HANDLES_H_

#include <librdkafka/rdkafka.h>

#include <memory>

namespace stayaway::kafka {

struct KafkaDestroy {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct ConfDestroy {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct PartitionListDestroy {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct MessageDestroy {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
struct ErrorDestroy {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};
struct GroupMetadataDestroy {
  void operator()(rd_kafka_consumer_group_metadata_t* metadata) const {
    rd_kafka_consumer_group_metadata_destroy(metadata);
  }
};

using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDestroy>;
using ConfHandle = std::unique_ptr<rd_kafka_conf_t, ConfDestroy>;
using PartitionListHandle = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDestroy>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, MessageDestroy>;
using ErrorHandle = std::unique_ptr<rd_kafka_error_t, ErrorDestroy>;
using GroupMetadataHandle =
    std::unique_ptr<rd_kafka_consumer_group_metadata_t, GroupMetadataDestroy>;

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_HANDLES_H_
