// Decoding an orders document (ORDERS.json, a bulk POST /v1/orders): ParseOrdersJson,
// whose common order shape skips Protobuf's JSON mapping (ingest/order_json_fast.h),
// against the mapping alone (ParseOrdersJsonByJsonMapping), on 1,000 orders as
// bench/replay_dataset.py writes them (a tag, a victim's phone, two distances), and on
// 1,000 with a case reference, a court, two protected persons and an end date.
//
//   build/bench/order_json_bench
#include <benchmark/benchmark.h>

#include <string>

#include "ingest/json_codec.h"

namespace stayaway {
namespace {

constexpr int kOrders = 1'000;

std::string PairOrders() {
  std::string text = "[";
  for (int i = 0; i < kOrders; ++i) {
    const std::string n = std::to_string(i);
    text +=
        (i ? ", " : "") + std::string(R"({"id": "o-)") + n +
        R"(", "version": 1, "state": "active", "valid_from": "2026-01-01T00:00:00Z", "supervised": {"id": "s-)" +
        n + R"(", "devices": ["tag-)" + n + R"("]}, "protected": [{"id": "v-)" + n +
        R"(", "devices": ["phone-)" + n +
        R"("], "relation": "victim"}], "violation_distance_m": 300, "warning_distance_m": 800})";
  }
  return text + "]";
}

std::string CourtOrders() {
  std::string text = "[";
  for (int i = 0; i < kOrders; ++i) {
    const std::string n = std::to_string(i);
    text +=
        (i ? ",\n" : "") + std::string(R"({"id": "KG-2026-)") + n +
        R"(", "case_reference": "2-1234/26", "issuing_authority": "Pervomaisky District Court", "version": 3, "state": "active", "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2026-07-01T00:00:00Z", "time_zone": "Asia/Bishkek", "supervised": {"id": "s-)" +
        n + R"(", "devices": ["tag-)" + n + R"("]}, "protected": [{"id": "v-)" + n +
        R"(", "devices": ["phone-)" + n + R"(", "unit-)" + n +
        R"("], "relation": "victim"}, {"id": "c-)" + n + R"(", "devices": ["child-)" + n +
        R"("], "relation": "child"}], "violation_distance_m": 500, "warning_distance_m": 1000, "victim_notification": "distance"})";
  }
  return text + "]";
}

template <typename Decoder>
void Decode(benchmark::State& state, const std::string& text, Decoder decode) {
  for (auto _ : state) {
    StatusOr<std::vector<v1::Order>> orders = decode(text);
    if (!orders.ok() || orders->size() != kOrders) {
      state.SkipWithError("the orders did not decode");
      break;
    }
    benchmark::DoNotOptimize(orders);
  }
  state.SetItemsProcessed(state.iterations() * kOrders);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

void BM_PairOrders(benchmark::State& state) {
  Decode(state, PairOrders(), ingest::ParseOrdersJson);
}
void BM_PairOrdersByJsonMapping(benchmark::State& state) {
  Decode(state, PairOrders(), ingest::ParseOrdersJsonByJsonMapping);
}
void BM_CourtOrders(benchmark::State& state) {
  Decode(state, CourtOrders(), ingest::ParseOrdersJson);
}
void BM_CourtOrdersByJsonMapping(benchmark::State& state) {
  Decode(state, CourtOrders(), ingest::ParseOrdersJsonByJsonMapping);
}

BENCHMARK(BM_PairOrders)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PairOrdersByJsonMapping)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CourtOrders)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CourtOrdersByJsonMapping)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
