// Core (core_state.h): the centre's statistics of a period (evidence/statistics.h),
// computed from the data directory under a checkpoint signed for the request, so that the
// report states a checkpoint covering everything the daemon had applied when it was asked.
#include <future>
#include <mutex>

#include "daemon/core_state.h"
#include "evidence/statistics_csv.h"
#include "evidence/statistics_html.h"
#include "evidence/statistics_json.h"
#include "evidence/statistics_report.h"

namespace stayaway::daemon {

StatusOr<std::string> Core::StatisticsReport(const ingest::StatisticsQuery& query) {
  if (state_->options.data_dir.empty() || !state_->signer) {
    return FailedPrecondition("statistics need the journal and signing keys");
  }
  // Sign what has been applied so far; the report is computed against the newest
  // checkpoint, this one or a later one.
  if (Status s = state_->AwaitFreshCheckpoint(); !s.ok()) return s;

  std::lock_guard<std::mutex> hold(state_->retention_mu);  // no segment vanishes meanwhile
  evidence::StatisticsRequest request;
  request.data_dir = state_->options.data_dir;
  request.from_ms = query.from_ms;
  request.to_ms = query.to_ms;
  StatusOr<evidence::Statistics> statistics = evidence::StatisticsOfDataDir(request);
  if (!statistics.ok()) return statistics.status();
  switch (query.format) {
    case ingest::StatisticsQuery::Format::kCsv:
      return evidence::StatisticsCsv(*statistics);
    case ingest::StatisticsQuery::Format::kHtml:
      return evidence::StatisticsHtml(*statistics);
    case ingest::StatisticsQuery::Format::kJson:
      break;
  }
  return evidence::StatisticsJson(*statistics);
}

}  // namespace stayaway::daemon
