#include "tools/keys_command.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>

#include "base/dir_lock.h"
#include "base/time.h"
#include "evidence/checkpoint.h"
#include "evidence/checkpoint_signer.h"
#include "evidence/key_history.h"
#include "evidence/key_rotation.h"
#include "tools/command_line.h"

namespace stayaway::tools {
namespace {

TimeMs WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StatusOr<v1::PublicKeyList> LoadHistory(const std::string& key_dir) {
  StatusOr<evidence::PublicKey> current = evidence::LoadPublicKey(key_dir);
  if (!current.ok()) return current.status();
  return evidence::LoadKeyHistory(key_dir, *current);
}

int Rotate(const std::string& data_dir, std::ostream& out, std::ostream& err) {
  StatusOr<DirLock> lock = DirLock::Acquire(data_dir);
  if (!lock.ok()) {
    err << "stayaway keys rotate: " << lock.status().message()
        << "; a running daemon rotates with POST /v1/keys/rotate\n";
    return 1;
  }
  const TimeMs now = WallClockMs();
  StatusOr<std::vector<v1::SignedCheckpoint>> log = evidence::LoadCheckpointLog(data_dir);
  if (!log.ok()) {
    err << "stayaway keys rotate: " << log.status().message() << '\n';
    return 1;
  }
  for (const v1::SignedCheckpoint& checkpoint : *log) {
    if (TimestampToMs(checkpoint.checkpoint().time()) >= now) {
      err << "stayaway keys rotate: a checkpoint is dated "
          << FormatRfc3339(TimestampToMs(checkpoint.checkpoint().time()))
          << ", not before this machine's clock (" << FormatRfc3339(now)
          << "); set the clock right first\n";
      return 1;
    }
  }
  StatusOr<evidence::RotatedKey> rotated = evidence::RotateSigningKey(data_dir + "/keys", now);
  if (!rotated.ok()) {
    err << "stayaway keys rotate: " << rotated.status().message() << '\n';
    return 1;
  }
  const v1::PublicKeyList& history = rotated->history;
  out << "retired key " << history.keys(history.keys_size() - 2).key_id() << "; key "
      << rotated->signer.key_id() << " signs from " << FormatRfc3339(now) << ", endorsed by it\n"
      << "publish the new key list to courts: stayaway keys list --data-dir " << data_dir << '\n';
  return 0;
}

}  // namespace

int RunKeysCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  CommandLine line("stayaway keys",
                   "list --data-dir DIR\n       stayaway keys rotate --data-dir DIR",
                   "The centre's signing keys.\n"
                   "  list    print them as GET /v1/keys answers: every key it has signed with,\n"
                   "          oldest first, each later one endorsed by the one before; give it\n"
                   "          to courts (stayaway verify --keys FILE)\n"
                   "  rotate  replace the signing key with a new one, endorsed by the current\n"
                   "          one; only with the daemon stopped (a running daemon: POST\n"
                   "          /v1/keys/rotate, admin)");
  std::string action, data_dir;
  line.Positional("action", &action, "list or rotate", false);
  line.Required("--data-dir", &data_dir, "DIR", "the daemon's data directory");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  if (action != "list" && action != "rotate") return line.UsageError(err, "say list or rotate");
  if (data_dir.empty()) return line.UsageError(err, "--data-dir is required");
  const std::string_view verb = action;
  if (verb == "rotate") return Rotate(data_dir, out, err);
  StatusOr<v1::PublicKeyList> history = LoadHistory(data_dir + "/keys");
  if (!history.ok()) {
    err << "stayaway keys list: " << history.status().message() << '\n';
    return 1;
  }
  out << evidence::KeyHistoryJson(*history);
  return 0;
}

}  // namespace stayaway::tools
