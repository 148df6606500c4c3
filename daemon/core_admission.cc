// Core (core_state.h): what is refused before the journal, and the group-commit write.
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "access/fix_mac.h"
#include "daemon/core_state.h"
#include "engine/replay_window.h"
#include "engine/seq_set.h"
#include "evidence/leaves.h"
#include "ingest/recordable_input.h"

namespace stayaway::daemon {

// Refuses the fixes that could not be journaled as they are (ingest/recordable_input.h:
// unknown fields, times outside the Timestamp range), before anything else looks at them.
void RefuseUnrecordable(FixesWork& work) {
  for (size_t i = 0; i < work.fixes.size(); ++i) {
    std::optional<ingest::InputRefusal> refusal = ingest::CheckRecordable(work.fixes[i], "fix");
    if (!refusal) continue;
    if (work.admission.empty()) work.admission.resize(work.fixes.size(), Admission::kOpen);
    if (work.outcomes.empty()) work.outcomes.resize(work.fixes.size());
    work.admission[i] = Admission::kRefused;
    work.outcomes[i].code = std::string(refusal->code);
    work.outcomes[i].reason = std::move(refusal->reason);
  }
}

void RefuseOpenFixes(FixesWork& work, std::string_view code, std::string_view reason) {
  if (work.admission.empty()) work.admission.resize(work.fixes.size(), Admission::kOpen);
  if (work.outcomes.empty()) work.outcomes.resize(work.fixes.size());
  for (size_t i = 0; i < work.fixes.size(); ++i) {
    if (work.admission[i] == Admission::kRefused) continue;
    work.admission[i] = Admission::kRefused;
    work.outcomes[i].code = std::string(code);
    work.outcomes[i].reason = std::string(reason);
  }
}

bool Core::State::Journal(std::deque<Work>& batch) {
  if (!journal) return true;
  for (Work& work : batch) {
    if (auto* fixes = std::get_if<FixesWork>(&work)) {
      fixes->leaf_data.Reserve(fixes->fixes.size());
      for (const v1::Fix& fix : fixes->fixes) {
        fixes->leaf_data.Add(fix);
        journal->AppendSerialized(fixes->leaf_data[fixes->leaf_data.size() - 1].substr(1));
      }
    } else if (const auto* admin = std::get_if<AdminWork>(&work)) {
      journal->Append(admin->input);
    }
  }
  const auto started = std::chrono::steady_clock::now();
  const Status synced = journal->Sync();
  metrics.ObserveJournalSync(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!synced.ok()) {
    metrics.CountRejected("journal", "unavailable");
    Log(LogLevel::kError, "journal write failed; refusing input until it recovers",
        {{"error", synced.message()}});
  }
  return synced.ok();
}

void Core::State::Refuse(Work& work, const Status& why) {
  if (auto* fixes = std::get_if<FixesWork>(&work)) {
    std::vector<ingest::FixOutcome> outcomes = std::move(fixes->outcomes);
    if (outcomes.empty()) outcomes.resize(fixes->fixes.size());
    for (size_t i = 0; i < outcomes.size(); ++i) {
      if (!fixes->admission.empty() && fixes->admission[i] == Admission::kRefused) continue;
      outcomes[i].code = "unavailable";
      outcomes[i].reason = why.message();
    }
    metrics.CountRejected(fixes->source, "unavailable");
    if (fixes->done) fixes->done(std::move(outcomes));
    return;
  }
  if (auto* admin = std::get_if<AdminWork>(&work)) admin->result.set_value(why);
  if (auto* checkpoint = std::get_if<CheckpointWork>(&work)) checkpoint->done.set_value();
  if (auto* rotation = std::get_if<KeyRotationWork>(&work)) rotation->done.set_value(why);
}

void Core::State::CheckMacs(const access::DeviceKeys& keys, FixesWork& work) {
  for (size_t i = 0; i < work.fixes.size(); ++i) {
    if (!work.admission.empty() && work.admission[i] == Admission::kRefused) continue;
    const v1::Fix& fix = work.fixes[i];
    auto key = keys.find(fix.device());
    if (key == keys.end()) continue;
    if (work.admission.empty()) work.admission.resize(work.fixes.size(), Admission::kOpen);
    const Status mac = access::VerifyFixMac(fix, key->second);
    if (mac.ok()) {
      work.admission[i] = Admission::kKeyed;
      continue;
    }
    work.admission[i] = Admission::kRefused;
    if (work.outcomes.empty()) work.outcomes.resize(work.fixes.size());
    work.outcomes[i].code = kUnauthenticated;
    work.outcomes[i].reason = "device " + fix.device() + " signs its fixes: " + mac.message();
  }
}

void Core::State::RefuseOldSignedFixes(FixesWork& work) {
  for (size_t i = 0; i < work.fixes.size(); ++i) {
    if (work.admission.empty() || work.admission[i] != Admission::kKeyed) continue;
    const v1::Fix& fix = work.fixes[i];
    const Status stale = engine::CheckWithinWindow(newest_signed.Newest(fix.device()), fix.seq());
    if (stale.ok()) continue;
    work.admission[i] = Admission::kRefused;
    if (work.outcomes.empty()) work.outcomes.resize(work.fixes.size());
    work.outcomes[i].code = kStaleSequence;
    work.outcomes[i].reason = "device " + fix.device() + ": " + stale.message();
  }
}

void Core::State::AdmitFixes(std::deque<Work>& batch) {
  // Each keyed device's duplicate memory as it will be once the fixes admitted ahead of
  // this one in the batch are applied, so a batch is judged as one fix at a time would be.
  // (A signed fix the engine then refuses as malformed still counts here: the device did
  // reach that number.)
  std::map<std::string, engine::SeqSet, std::less<>> ahead;
  for (Work& work : batch) {
    auto* fixes = std::get_if<FixesWork>(&work);
    if (fixes == nullptr || fixes->admission.empty()) continue;
    bool any_refused = false;
    for (size_t i = 0; i < fixes->fixes.size(); ++i) {
      any_refused |= fixes->admission[i] == Admission::kRefused;
      if (fixes->admission[i] != Admission::kKeyed) continue;
      const v1::Fix& fix = fixes->fixes[i];
      auto seqs = ahead.find(fix.device());
      if (seqs == ahead.end()) {
        const engine::SeqSet* applied = engine->AppliedSeqs(fix.device());
        seqs = ahead.emplace(fix.device(), applied ? *applied : engine::SeqSet()).first;
      }
      if (const Status fresh = engine::CheckReplayWindow(seqs->second, fix.seq()); !fresh.ok()) {
        fixes->admission[i] = Admission::kRefused;
        if (fixes->outcomes.empty()) fixes->outcomes.resize(fixes->fixes.size());
        fixes->outcomes[i].code = kStaleSequence;
        fixes->outcomes[i].reason = "device " + fix.device() + ": " + fresh.message();
        any_refused = true;
        continue;
      }
      // Times are not validated yet (the engine does that): never forgotten in this copy.
      seqs->second.Insert(fix.seq(), std::numeric_limits<TimeMs>::max(),
                          engine->SeqForgetBeforeMs());
    }
    if (!any_refused) continue;
    std::vector<v1::Fix> admitted;
    for (size_t i = 0; i < fixes->fixes.size(); ++i) {
      if (fixes->admission[i] == Admission::kRefused) continue;
      admitted.push_back(std::move(fixes->fixes[i]));
      fixes->places.push_back(i);
    }
    fixes->fixes = std::move(admitted);
  }
}

}  // namespace stayaway::daemon
