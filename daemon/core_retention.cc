// Core (core_state.h): journal retention on its own thread, out of the engine's way.
#include <chrono>

#include "daemon/core_state.h"
#include "daemon/device_board.h"
#include "evidence/retention.h"

namespace stayaway::daemon {

void Core::State::RunRetention() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      retention_wake.wait_for(lock, std::chrono::milliseconds(options.retention_check_interval_ms),
                              [&] { return stopping; });
      if (stopping) return;
    }
    evidence::RetentionPolicy policy;
    policy.keep_ms = options.retention_keep_ms;
    policy.now_ms = clock.Now();
    policy.evidence_margin_ms = options.retention_evidence_margin_ms;
    std::lock_guard<std::mutex> hold(retention_mu);
    // The base carries the devices board, so a restart from it shows every device's last
    // fix even when no daemon snapshot is newer.
    DeviceBoard base_board;
    StatusOr<evidence::RetentionResult> result =
        evidence::ApplyRetention(options.data_dir, policy, &base_board);
    if (!result.ok()) {
      metrics.CountRetention("failed", 0, 0);
      Log(LogLevel::kError, "journal retention failed", {{"error", result.status().message()}});
    } else if (result->cut) {
      metrics.CountRetention("cut", result->segments_deleted, result->bytes_freed);
      Log(LogLevel::kInfo, "journal retention cut the journal",
          {{"first_segment", std::to_string(result->first_segment)},
           {"position", std::to_string(result->position)},
           {"segments_deleted", std::to_string(result->segments_deleted)},
           {"bytes_freed", std::to_string(result->bytes_freed)},
           {"retained_records", std::to_string(result->retained_records)}});
    } else {
      metrics.CountRetention("kept", 0, 0);
      Log(LogLevel::kInfo, "journal retention kept everything", {{"reason", result->reason}});
    }
  }
}

}  // namespace stayaway::daemon
