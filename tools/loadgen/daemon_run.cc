#include "tools/loadgen/daemon_run.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "base/time.h"
#include "tools/daemon_client.h"
#include "tools/loadgen/open_loop_schedule.h"
#include "tools/loadgen/process_cpu.h"

namespace stayaway::loadgen {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::size_t kMaxNotes = 8;

int64_t Micros(Nanos d) { return duration_cast<microseconds>(d).count(); }

// What the ack reader thread finds; read by the caller after joining it.
struct AckTally {
  LatencyHistogram latency;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::atomic<uint64_t> answered_batches{0};
  std::atomic<uint64_t> sent_batches{0};  // by the sender, on this connection
  Nanos last_ack{0};
  std::vector<std::string> notes;
};

// What the subscriber thread finds.
struct EventTally {
  LatencyHistogram latency;
  uint64_t alerts = 0;
  std::map<std::string, uint64_t> by_transition;
  uint64_t next_seq = 1;
};

void Note(std::vector<std::string>* notes, std::string note) {
  if (notes->size() < kMaxNotes) notes->push_back(std::move(note));
}

}  // namespace

RunReport RunAgainstDaemon(const Workload& workload, const DaemonRunOptions& options) {
  const OpenLoopSchedule schedule(options.rate_per_s, options.batch_size, options.duration_s);
  RunReport report;
  report.target = "stayaway";
  report.rate_asked = options.rate_per_s;
  report.duration_s = options.duration_s;
  report.devices = workload.device_ids().size();
  report.batch = schedule.batch_size();
  report.fixes_scheduled = schedule.fix_count();

  // Batch b goes out on connection b % connections, so the k-th reply on connection c
  // answers batch c + k * connections.
  const std::size_t connections = std::max<std::size_t>(options.connections, 1);
  std::vector<std::unique_ptr<tools::DaemonClient>> ingest;
  for (std::size_t c = 0; c < connections; ++c) {
    ingest.push_back(std::make_unique<tools::DaemonClient>());
    Status s = ingest.back()->Connect(options.ingest_target);
    if (s.ok()) s = ingest.back()->Authenticate(options.token);
    if (!s.ok()) {
      report.notes.push_back(s.message());
      return report;
    }
  }
  tools::DaemonClient subscriber;
  Status connected = subscriber.Connect(options.ingest_target);
  if (connected.ok()) connected = subscriber.Authenticate(options.token);
  if (Status s = connected; !s.ok()) {
    report.notes.push_back(s.message());
    return report;
  }
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(options.next_event_seq ? *options.next_event_seq : 1);
  subscribe.mutable_subscribe()->set_name("stayaway-loadgen");
  if (Status s = subscriber.Send(subscribe); !s.ok()) {
    report.notes.push_back(s.message());
    return report;
  }

  const ProcessCpuSample daemon_before =
      options.daemon_pid > 0 ? SampleProcessCpu(options.daemon_pid) : ProcessCpuSample{};
  const ProcessCpuSample generator_before = SampleProcessCpu(0);
  SteadySchedulerClock clock;
  // The schedule starts shortly from now; wall-clock event times follow steady time.
  const Nanos start = clock.Now() + milliseconds(50);
  const TimeMs wall_start_ms =
      duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() + 50;
  const uint64_t first_fix = options.first_fix_index;
  const uint64_t batch_id_base = first_fix / schedule.batch_size() + 1;

  // Intended send time of this run's fix number `index` of the stream, if it is one.
  auto intended_of_fix = [&](uint64_t index) -> std::optional<Nanos> {
    if (index < first_fix || index >= first_fix + schedule.fix_count()) return std::nullopt;
    return start + schedule.BatchOffset(schedule.BatchOfFix(index - first_fix));
  };

  std::atomic<bool> sender_done{false};
  std::atomic<int64_t> last_event_ns{0};

  std::vector<AckTally> tallies(connections);
  auto read_acks = [&](std::size_t c) {
    AckTally& acks = tallies[c];
    tools::DaemonClient& connection = *ingest[c];
    uint64_t expected = c;  // replies come in the order the batches went out
    for (;;) {
      if (sender_done.load() && acks.answered_batches >= acks.sent_batches.load()) break;
      v1::ServerFrame frame;
      if (Status s = connection.Receive(&frame); !s.ok()) {
        if (acks.answered_batches < acks.sent_batches.load()) {
          Note(&acks.notes, "acks: " + s.message());
        }
        break;
      }
      const Nanos now = clock.Now();
      if (frame.has_ack()) {
        const uint64_t b = frame.ack().batch_id() - batch_id_base;
        if (b >= schedule.batch_count()) {
          Note(&acks.notes, "ack for unknown batch " + std::to_string(frame.ack().batch_id()));
          continue;
        }
        expected = b + connections;
        acks.latency.RecordMicros(Micros(now - start - schedule.BatchOffset(b)));
        acks.accepted += static_cast<uint64_t>(frame.ack().accepted_size());
        acks.rejected += static_cast<uint64_t>(frame.ack().rejected_size());
        for (const v1::Rejection& r : frame.ack().rejected()) {
          Note(&acks.notes, "refused " + r.device() + "#" + std::to_string(r.seq()) + ": " +
                                r.code() + ": " + r.reason());
        }
      } else if (frame.has_error()) {
        // An error frame answers the next batch in order, refused whole.
        const uint64_t b = expected;
        expected += connections;
        acks.latency.RecordMicros(Micros(now - start - schedule.BatchOffset(b)));
        acks.rejected += schedule.FixesIn(b);
        Note(&acks.notes,
             "batch refused: " + frame.error().code() + ": " + frame.error().message());
      } else {
        continue;
      }
      acks.last_ack = now;
      acks.answered_batches.fetch_add(1);
    }
  };
  std::vector<std::thread> ack_readers;
  for (std::size_t c = 0; c < connections; ++c) ack_readers.emplace_back(read_acks, c);

  EventTally events;
  events.next_seq = options.next_event_seq ? *options.next_event_seq : 1;
  std::thread event_reader([&] {
    for (;;) {
      v1::ServerFrame frame;
      if (!subscriber.Receive(&frame).ok()) break;  // Shutdown() at the end of the run
      if (!frame.has_event()) continue;
      const Nanos now = clock.Now();
      last_event_ns.store(now.count());
      const v1::EventRecord& record = frame.event();
      events.next_seq = std::max(events.next_seq, record.seq() + 1);
      // Operator-side transitions (acknowledged, ack_overdue) are caused by an operator or
      // the clock, not by the fixes they name.
      const v1::Event::Transition transition = record.event().transition();
      if (transition != v1::Event::opened && transition != v1::Event::escalated &&
          transition != v1::Event::updated && transition != v1::Event::closed) {
        continue;
      }
      std::optional<Nanos> cause;
      for (const v1::FixRef& ref : record.event().fixes()) {
        const std::optional<uint32_t> device = workload.DeviceIndex(ref.device());
        if (!device) continue;
        const std::optional<uint64_t> index = workload.FixOfSeq(*device, ref.seq());
        if (!index) continue;
        if (const std::optional<Nanos> intended = intended_of_fix(*index)) {
          cause = std::max(cause.value_or(*intended), *intended);
        }
      }
      if (!cause) continue;  // not caused by this run
      ++events.alerts;
      ++events.by_transition[v1::Event::Transition_Name(transition)];
      events.latency.RecordMicros(Micros(now - *cause));
    }
  });

  v1::ClientFrame frame;
  std::vector<std::string> send_notes;
  const Nanos give_up_at = start + Nanos(static_cast<int64_t>(options.duration_s * 1e9)) +
                           duration_cast<Nanos>(options.give_up_after);
  uint64_t fixes_sent = 0;
  const OpenLoopResult sent =
      RunOpenLoop(schedule, clock, start, give_up_at, [&](std::size_t b, Nanos due) {
        if (options.interrupted != nullptr && options.interrupted->load() != 0) {
          Note(&send_notes, "interrupted: the rest of the schedule was not sent");
          return false;
        }
        v1::FixBatch* batch = frame.mutable_batch();
        batch->set_batch_id(batch_id_base + b);
        const TimeMs event_time = wall_start_ms + duration_cast<milliseconds>(due - start).count();
        const std::size_t n = schedule.FixesIn(b);
        auto* fixes = batch->mutable_fixes();
        while (static_cast<std::size_t>(fixes->size()) > n) fixes->RemoveLast();
        while (static_cast<std::size_t>(fixes->size()) < n) fixes->Add();
        for (std::size_t j = 0; j < n; ++j) {
          workload.MakeFix(first_fix + schedule.FirstFix(b) + j, event_time,
                           fixes->Mutable(static_cast<int>(j)));
        }
        // Counted before the send: the ack may arrive before Send returns.
        AckTally& acks = tallies[b % connections];
        acks.sent_batches.fetch_add(1);
        if (Status s = ingest[b % connections]->Send(frame); !s.ok()) {
          acks.sent_batches.fetch_sub(1);
          Note(&send_notes, "send: " + s.message());
          return false;
        }
        fixes_sent += n;
        if (options.progress) options.progress(fixes_sent, schedule.fix_count());
        return true;
      });
  sender_done.store(true);
  if (sent.stopped_early && send_notes.empty()) {
    Note(&send_notes, "fell more than " + std::to_string(options.give_up_after.count()) +
                          " ms behind the schedule; the rest was not sent");
  }

  // The acks still outstanding.
  const Nanos ack_deadline = clock.Now() + duration_cast<Nanos>(options.ack_timeout);
  auto all_answered = [&] {
    for (const AckTally& acks : tallies) {
      if (acks.answered_batches.load() < acks.sent_batches.load()) return false;
    }
    return true;
  };
  while (!all_answered()) {
    if (clock.Now() >= ack_deadline) {
      Note(&send_notes,
           "gave up waiting for acks after " + std::to_string(options.ack_timeout.count()) + " ms");
      break;
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  for (auto& connection : ingest) connection->Shutdown();
  for (std::thread& reader : ack_readers) reader.join();
  AckTally acks;  // all connections together
  for (AckTally& tally : tallies) {
    acks.latency.Merge(tally.latency);
    acks.accepted += tally.accepted;
    acks.rejected += tally.rejected;
    acks.last_ack = std::max(acks.last_ack, tally.last_ack);
    for (std::string& note : tally.notes) Note(&acks.notes, std::move(note));
  }
  if (options.daemon_pid > 0) {
    report.server_cpu = CpuUseBetween(daemon_before, SampleProcessCpu(options.daemon_pid));
  }
  report.generator_cpu = CpuUseBetween(generator_before, SampleProcessCpu(0));

  // Alerts caused by the last fixes: wait for the event stream to go quiet.
  const Nanos settle_deadline = clock.Now() + duration_cast<Nanos>(options.max_settle);
  for (;;) {
    const Nanos now = clock.Now();
    const Nanos quiet_since = std::max(Nanos(last_event_ns.load()), acks.last_ack);
    if (now - quiet_since >= options.settle || now >= settle_deadline) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  subscriber.Shutdown();
  event_reader.join();

  report.fixes_sent = sent.fixes_sent;
  report.fixes_acked = acks.accepted;
  report.fixes_rejected = acks.rejected;
  report.fixes_unanswered =
      sent.fixes_sent - std::min(sent.fixes_sent, acks.accepted + acks.rejected);
  report.ack_latency = acks.latency;
  report.fix_to_alert_latency = events.latency;
  report.alerts_observed = events.alerts;
  report.events_by_transition = events.by_transition;
  report.max_send_lag_us = Micros(sent.max_send_lag);
  const double elapsed_s =
      std::max(options.duration_s, static_cast<double>((acks.last_ack - start).count()) / 1e9);
  report.rate_achieved = static_cast<double>(acks.accepted) / elapsed_s;
  for (std::string& note : send_notes) report.notes.push_back(std::move(note));
  for (std::string& note : acks.notes) report.notes.push_back(std::move(note));
  if (options.next_event_seq) *options.next_event_seq = events.next_seq;
  return report;
}

}  // namespace stayaway::loadgen
