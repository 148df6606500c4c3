#include "kafka/topic_partition.h"

#include <algorithm>

namespace stayaway::kafka {

std::string ToString(const TopicPartition& partition) {
  return partition.topic + "[" + std::to_string(partition.partition) + "]";
}

PartitionListHandle ToPartitionList(const std::vector<TopicPartition>& partitions) {
  PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const TopicPartition& p : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition);
  }
  return list;
}

PartitionListHandle ToPartitionList(const std::vector<PartitionOffset>& offsets) {
  PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const PartitionOffset& p : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
  }
  return list;
}

std::vector<TopicPartition> PartitionsOf(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<PartitionOffset> OffsetsOf(const rd_kafka_topic_partition_list_t* list) {
  std::vector<PartitionOffset> out;
  if (list == nullptr) return out;
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace stayaway::kafka
