#include "evidence/bundle.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "base/file_io.h"
#include "base/private_files.h"
#include "engine/engine.h"
#include "evidence/checkpoint.h"
#include "evidence/checkpoint_signer.h"
#include "evidence/derived_files.h"
#include "evidence/history.h"
#include "evidence/key_history.h"
#include "evidence/leaves.h"
#include "evidence/merkle_tree.h"
#include "evidence/proto_json.h"
#include "evidence/report_html.h"
#include "evidence/trusted_keys.h"

namespace stayaway::evidence {
namespace {

namespace fs = std::filesystem;

constexpr char kFormat[] = "stayaway-evidence-1";
constexpr char kEngineVersion[] = "stayaway 0.1.0";

template <typename Message>
StatusOr<Message> FromJson(const std::string& text, const std::string& what) {
  Message message;
  const auto status = google::protobuf::util::JsonStringToMessage(text, &message);
  if (!status.ok()) return InvalidArgument(what + ": " + std::string(status.message()));
  return message;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Every leaf line: {"leaf": N, "position": P, "proof": ["hex", ...], "input"|"record": {...}}.
std::string LeafLine(uint64_t leaf, int64_t position, const std::vector<Hash>& proof,
                     const char* field, const std::string& body_json) {
  std::string line = "{\"leaf\":" + std::to_string(leaf);
  if (position >= 0) line += ",\"position\":" + std::to_string(position);
  line += ",\"proof\":[";
  for (size_t i = 0; i < proof.size(); ++i) line += (i ? ",\"" : "\"") + HashToHex(proof[i]) + "\"";
  line += "],\"" + std::string(field) + "\":" + body_json + "}";
  return line;
}

struct ParsedLeafLine {
  uint64_t leaf = 0;
  std::vector<Hash> proof;
  google::protobuf::Struct body;
  std::string body_json;
};

// Splits a leaf line into its parts (the body is kept as JSON for the typed parse).
StatusOr<ParsedLeafLine> ParseLeafLine(const std::string& line, const char* field,
                                       const std::string& where) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(line, &object).ok()) {
    return InvalidArgument(where + ": not a JSON object");
  }
  ParsedLeafLine out;
  const auto& fields = object.fields();
  if (!fields.count("leaf") || !fields.count("proof") || !fields.count(field)) {
    return InvalidArgument(where + ": needs leaf, proof and " + field);
  }
  out.leaf = static_cast<uint64_t>(fields.at("leaf").number_value());
  for (const auto& h : fields.at("proof").list_value().values()) {
    auto hash = HashFromHex(h.string_value());
    if (!hash.ok()) return InvalidArgument(where + ": a proof hash is not 64 hex digits");
    out.proof.push_back(*hash);
  }
  (void)google::protobuf::util::MessageToJsonString(fields.at(field), &out.body_json);
  return out;
}

std::string Manifest(const std::string& subject, const std::string& alert_id,
                     const v1::Order& order, TimeMs from, TimeMs to,
                     const std::string& config_json,
                     const std::map<std::string, std::string>& file_hashes) {
  std::ostringstream m;
  m << "{\n  \"format\": \"" << kFormat << "\",\n  \"report_format\": \"" << kReportFormat
    << "\",\n  \"subject\": \"" << subject << "\",\n  \"alert_id\": \"" << alert_id
    << "\",\n  \"order_id\": \"" << order.id() << "\",\n  \"order_version\": " << order.version()
    << ",\n  \"window\": {\"from\": \"" << FormatRfc3339(from) << "\", \"to\": \""
    << FormatRfc3339(to) << "\"},\n  \"engine\": \"" << kEngineVersion
    << "\",\n  \"engine_config_sha256\": \"" << HashToHex(Sha256(config_json))
    << "\",\n  \"files\": {";
  bool first = true;
  for (const auto& [name, hash] : file_hashes) {
    m << (first ? "" : ",") << "\n    \"" << name << "\": \"" << hash << "\"";
    first = false;
  }
  m << "\n  }\n}\n";
  return m.str();
}


// A field of a parsed JSON object, or the empty value when absent (never aborts: the
// bundle under verification may be anything).
const google::protobuf::Value& Field(const google::protobuf::Struct& object, const char* name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? google::protobuf::Value::default_instance() : it->second;
}

}  // namespace

Status WriteBundle(const BundleRequest& request) {
  StatusOr<v1::EngineConfig> config = LoadEngineConfig(request.data_dir);
  if (!config.ok()) return config.status();
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(*config);
  if (!settings.ok()) return settings.status();
  StatusOr<History> history = ReplayJournal(request.data_dir + "/journal", *settings);
  if (!history.ok()) return history.status();

  // The events the bundle is about, and the order they belong to.
  const bool period = request.alert_id.empty();
  if (period && (request.order_id.empty() || request.to_ms < request.from_ms)) {
    return InvalidArgument("give an alert, or an order with from <= to");
  }
  BundleContent content;
  content.alert_id = request.alert_id;
  content.subject = period ? "order " + request.order_id + ", " + FormatRfc3339(request.from_ms) +
                                 " to " + FormatRfc3339(request.to_ms)
                           : "alert " + request.alert_id;
  std::vector<uint64_t> event_leaves;
  std::set<std::string> alert_ids;
  for (const HistoryEntry& entry : history->entries) {
    for (size_t i = 0; i < entry.events.size(); ++i) {
      const v1::Event& e = entry.events[i].event();
      const TimeMs t = TimestampToMs(e.time());
      const bool wanted = period ? e.order_id() == request.order_id && t >= request.from_ms &&
                                       t <= request.to_ms
                                 : e.alert_id() == request.alert_id;
      if (!wanted) continue;
      content.events.push_back(entry.events[i]);
      event_leaves.push_back(entry.input_leaf + 1 + i);
      alert_ids.insert(e.alert_id());
    }
  }
  if (!period && content.events.empty()) {
    return NotFound("alert " + request.alert_id + " is not in the journal");
  }
  const std::string order_id = period ? request.order_id : content.events.front().event().order_id();
  TimeMs from = request.from_ms - request.margin_ms, to = request.to_ms;
  if (!period) {
    from = to = TimestampToMs(content.events.front().event().time());
    for (const v1::EventRecord& r : content.events) {
      from = std::min(from, TimestampToMs(r.event().time()));
      to = std::max(to, TimestampToMs(r.event().detected_at()));
    }
    from -= request.margin_ms;
    to += request.margin_ms;
  }

  // The order as in force at the start (its newest version applied before the window's
  // first record), then every fix of its devices in the window and the acknowledgements
  // of the bundle's alerts.
  const HistoryEntry* order_entry = nullptr;
  for (const HistoryEntry& entry : history->entries) {
    if (!entry.input.has_order() || entry.input.order().id() != order_id) continue;
    const bool before_window =
        period ? order_entry == nullptr || entry.input_leaf < (event_leaves.empty() ? UINT64_MAX : event_leaves.front())
               : entry.input_leaf < event_leaves.front();
    if (before_window) order_entry = &entry;
  }
  if (order_entry == nullptr) return NotFound("order " + order_id + " is not in the journal");
  std::set<std::string> devices(order_entry->input.order().supervised().devices().begin(),
                                order_entry->input.order().supervised().devices().end());
  for (const v1::Party& p : order_entry->input.order().protected_()) {
    devices.insert(p.devices().begin(), p.devices().end());
  }
  std::vector<const HistoryEntry*> used = {order_entry};
  for (const HistoryEntry& entry : history->entries) {
    const v1::Input& in = entry.input;
    const bool fix_in_window = in.has_fix() && devices.count(in.fix().device()) &&
                               TimestampToMs(in.fix().time()) >= from &&
                               TimestampToMs(in.fix().time()) <= to;
    const bool ack = in.has_ack() && alert_ids.count(in.ack().alert_id());
    const bool resolve = in.has_resolve() && alert_ids.count(in.resolve().alert_id());
    const bool receipt = in.has_receipt() && alert_ids.count(in.receipt().alert_id());
    if (fix_in_window || ack || resolve || receipt) used.push_back(&entry);
  }
  std::sort(used.begin(), used.end(),
            [](const HistoryEntry* a, const HistoryEntry* b) { return a->position < b->position; });

  // A checkpoint the daemon signed that covers every leaf, and that the journal matches.
  const uint64_t needed =
      std::max(event_leaves.empty() ? 0 : event_leaves.back(), used.back()->input_leaf) + 1;
  std::optional<v1::SignedCheckpoint> checkpoint;
  StatusOr<std::vector<v1::SignedCheckpoint>> log = LoadCheckpointLog(request.data_dir);
  if (!log.ok()) return log.status();
  for (const v1::SignedCheckpoint& c : *log) {
    if (c.checkpoint().tree_size() >= needed) checkpoint = c;
  }
  if (!checkpoint) {
    return FailedPrecondition("no signed checkpoint covers this alert yet; the daemon signs one "
                              "every minute and when it stops");
  }
  const uint64_t size = checkpoint->checkpoint().tree_size();
  StatusOr<Hash> root = history->tree.RootHash(size);
  if (!root.ok()) return root.status();
  if (HashToBytes(*root) != checkpoint->checkpoint().root_hash()) {
    return FailedPrecondition("the journal does not match the checkpoint signed at tree size " +
                              std::to_string(size) + ": it has been altered");
  }
  StatusOr<CheckpointSigner> signer = CheckpointSigner::LoadOrCreate(request.data_dir + "/keys");
  if (!signer.ok()) return signer.status();
  StatusOr<v1::PublicKeyList> key_history =
      LoadKeyHistory(request.data_dir + "/keys", signer->public_key());
  if (!key_history.ok()) return key_history.status();
  // The checkpoint may predate a key rotation: then it names an earlier key of the history,
  // which the bundle carries so that the new key's endorsement links the two.
  std::string checkpoint_key_field;
  if (checkpoint->checkpoint().key_id() != signer->key_id()) {
    const v1::PublicKey* earlier = FindKey(*key_history, checkpoint->checkpoint().key_id());
    if (earlier == nullptr) {
      return FailedPrecondition("the checkpoint at tree size " + std::to_string(size) +
                                " is signed by key " + checkpoint->checkpoint().key_id() +
                                ", which is not in the centre's key history");
    }
    checkpoint_key_field =
        ",\"checkpoint_public_key\":\"" + PublicKeyToHex(*KeyOfEntry(*earlier, "")) + "\"";
  }

  std::string inputs, events;
  for (const HistoryEntry* entry : used) {
    content.inputs.push_back(entry->input);
    auto proof = history->tree.InclusionProof(entry->input_leaf, size);
    if (!proof.ok()) return proof.status();
    inputs += LeafLine(entry->input_leaf, static_cast<int64_t>(entry->position), *proof, "input",
                       ToJson(entry->input)) + "\n";
  }
  for (size_t i = 0; i < content.events.size(); ++i) {
    auto proof = history->tree.InclusionProof(event_leaves[i], size);
    if (!proof.ok()) return proof.status();
    events += LeafLine(event_leaves[i], -1, *proof, "record", ToJson(content.events[i])) + "\n";
  }
  content.key_id = signer->key_id();

  const std::string config_json = ToJson(*config) + "\n";
  std::map<std::string, std::string> files = {
      {"checkpoint.json", "{\"checkpoint\":" + ToJson(*checkpoint) + ",\"public_key\":\"" +
                              PublicKeyToHex(signer->public_key()) + "\"" + checkpoint_key_field +
                              "}\n"},
      {"engine_config.json", config_json},
      {"inputs.ndjson", inputs},
      {"events.ndjson", events},
      {"distances.ndjson", DistancesNdjson(content)},
      {"tracks.geojson", TracksGeoJson(content)},
      {"report.html", ReportHtml(content)},
  };
  // After a rotation, the chain of endorsements from the centre's first key to this one:
  // a court that pinned an earlier key follows it (key_history.h).
  if (key_history->keys_size() > 1) files["key_history.json"] = KeyHistoryJson(*key_history);
  if (Status s = MakePrivateDirectories(request.out_dir); !s.ok()) return s;
  std::map<std::string, std::string> hashes;
  for (const auto& [name, bytes] : files) {
    if (Status s = WriteFileAtomically((fs::path(request.out_dir) / name).string(), bytes);
        !s.ok()) {
      return s;
    }
    hashes[name] = HashToHex(Sha256(bytes));
  }
  const std::string manifest = Manifest(content.subject, request.alert_id,
                                        order_entry->input.order(), from, to, config_json, hashes);
  if (Status s = WriteFileAtomically((fs::path(request.out_dir) / "manifest.json").string(),
                                     manifest);
      !s.ok()) {
    return s;
  }
  return WriteFileAtomically((fs::path(request.out_dir) / "manifest.sig").string(),
                             signer->SignDetachedHex(manifest) + "\n");
}

VerifyReport VerifyBundle(const std::string& bundle_dir, const VerifyOptions& options) {
  VerifyReport report;
  auto problem = [&](const std::string& what) { report.problems.push_back(what); };
  auto check = [&](const std::string& what) {
    report.checks.push_back(what);
    if (options.progress) options.progress(report.checks.size(), 0);
  };
  const fs::path dir(bundle_dir);

  // 1. The centre's key, its signature over the manifest, and the manifest's file hashes.
  const auto checkpoint_text = ReadWholeFile((dir / "checkpoint.json").string());
  const auto manifest = ReadWholeFile((dir / "manifest.json").string());
  const auto signature = ReadWholeFile((dir / "manifest.sig").string());
  if (!checkpoint_text.ok() || !manifest.ok() || !signature.ok()) {
    problem("the bundle lacks checkpoint.json, manifest.json or manifest.sig");
    return report;
  }
  google::protobuf::Struct checkpoint_file;
  if (!google::protobuf::util::JsonStringToMessage(*checkpoint_text, &checkpoint_file).ok()) {
    problem("checkpoint.json is not JSON");
    return report;
  }
  auto public_key = PublicKeyFromHex(Field(checkpoint_file, "public_key").string_value());
  if (!public_key.ok()) {
    problem("checkpoint.json: the public key is malformed");
    return report;
  }
  report.signer_key_id = KeyIdOf(*public_key);
  // The checkpoint's key, when a rotation came between it and the manifest's signing.
  StatusOr<PublicKey> checkpoint_key = *public_key;
  if (!Field(checkpoint_file, "checkpoint_public_key").string_value().empty()) {
    checkpoint_key =
        PublicKeyFromHex(Field(checkpoint_file, "checkpoint_public_key").string_value());
    if (!checkpoint_key.ok()) {
      problem("checkpoint.json: the checkpoint's public key is malformed");
      return report;
    }
  }
  if (Status s = VerifyDetachedHex(*manifest, *signature, *public_key); !s.ok()) {
    problem("manifest.json: the centre's signature does not match (" + s.message() + ")");
  } else {
    check("manifest.json is signed by key " + KeyIdOf(*public_key));
  }
  google::protobuf::Struct manifest_json;
  if (!google::protobuf::util::JsonStringToMessage(*manifest, &manifest_json).ok()) {
    problem("manifest.json is not JSON");
    return report;
  }
  std::map<std::string, std::string> contents;
  if (Field(manifest_json, "files").struct_value().fields().empty()) {
    problem("manifest.json lists no files");
  }
  for (const auto& [name, hash] : Field(manifest_json, "files").struct_value().fields()) {
    const auto bytes = ReadWholeFile((dir / name).string());
    if (!bytes.ok()) {
      problem(name + " is missing");
      continue;
    }
    contents[name] = *bytes;
    if (HashToHex(Sha256(*bytes)) != hash.string_value()) {
      problem(name + ": its SHA-256 does not match the manifest (the file was changed)");
    }
  }
  if (report.problems.empty()) check("every file's SHA-256 matches the manifest");

  // The keys: the history the bundle carries after a rotation, and whether the verifier
  // trusts the keys that signed (key_history.h, trusted_keys.h).
  v1::PublicKeyList key_history;
  if (contents.count("key_history.json")) {
    StatusOr<v1::PublicKeyList> parsed =
        ParseKeyHistoryJson(contents["key_history.json"], "key_history.json");
    Status held = parsed.ok() ? VerifyKeyHistory(*parsed) : parsed.status();
    if (!held.ok()) {
      problem("key_history.json: " + held.message());
    } else {
      key_history = std::move(*parsed);
      check("key_history.json: " + std::to_string(key_history.keys_size()) +
            " keys, each endorsed by the one before");
    }
  }
  std::vector<PublicKey> signing_keys = {*public_key};
  if (*checkpoint_key != *public_key) signing_keys.push_back(*checkpoint_key);
  for (const PublicKey& key : signing_keys) {
    if ((key_history.keys_size() > 0 || signing_keys.size() > 1) &&
        FindKey(key_history, KeyIdOf(key)) == nullptr) {
      problem("key " + KeyIdOf(key) + " signed part of the bundle but is not in its key history");
    }
  }
  if (!options.trusted_keys.empty()) {
    std::string expected;
    for (const PublicKey& key : options.trusted_keys) {
      expected += (expected.empty() ? "" : ", ") + KeyIdOf(key);
    }
    report.signer_pinned = true;
    for (const PublicKey& key : signing_keys) {
      const KeyTrust trust = TrustOf(key, options.trusted_keys, key_history);
      if (!trust.trusted) {
        report.signer_pinned = false;
        problem("the bundle is signed by key " + KeyIdOf(key) + ", which is not the key given (" +
                expected + ") nor endorsed by it: it was not signed by that centre");
      } else {
        if (key == *public_key) report.signer_trusted_as = trust.how;
        check("the bundle's key " + KeyIdOf(key) + " is " + trust.how);
      }
    }
  }

  // 2. The signed checkpoint.
  std::string checkpoint_json;
  (void)google::protobuf::util::MessageToJsonString(Field(checkpoint_file, "checkpoint"),
                                                    &checkpoint_json);
  auto checkpoint = FromJson<v1::SignedCheckpoint>(checkpoint_json, "checkpoint.json");
  if (!checkpoint.ok()) {
    problem(checkpoint.status().message());
    return report;
  }
  if (Status s = VerifyCheckpoint(*checkpoint, *checkpoint_key); !s.ok()) {
    problem("checkpoint.json: " + s.message());
  } else {
    check("checkpoint signed for tree size " +
          std::to_string(checkpoint->checkpoint().tree_size()) + " by key " +
          KeyIdOf(*checkpoint_key));
  }
  // A retired key's signature dated after its retirement is not the centre's.
  if (std::optional<TimeMs> retired = RetiredAt(key_history, KeyIdOf(*checkpoint_key));
      retired && TimestampToMs(checkpoint->checkpoint().time()) > *retired) {
    problem("checkpoint.json is signed by key " + KeyIdOf(*checkpoint_key) + " on " +
            FormatRfc3339(TimestampToMs(checkpoint->checkpoint().time())) +
            ", after it was retired on " + FormatRfc3339(*retired));
  }
  auto root = HashFromBytes(checkpoint->checkpoint().root_hash());
  if (!root.ok()) {
    problem("checkpoint.json: the root hash is malformed");
    return report;
  }
  const uint64_t size = checkpoint->checkpoint().tree_size();

  // 3. Every input and event is in the signed log.
  BundleContent content;
  content.key_id = KeyIdOf(*public_key);
  content.alert_id = Field(manifest_json, "alert_id").string_value();
  content.subject = Field(manifest_json, "subject").string_value();
  int line_number = 0;
  size_t proven = 0;
  for (const std::string& line : Lines(contents["inputs.ndjson"])) {
    const std::string where = "inputs.ndjson line " + std::to_string(++line_number);
    auto parsed = ParseLeafLine(line, "input", where);
    if (!parsed.ok()) {
      problem(parsed.status().message());
      continue;
    }
    auto input = FromJson<v1::Input>(parsed->body_json, where);
    if (!input.ok()) {
      problem(input.status().message());
      continue;
    }
    if (Status s = VerifyInclusion(HashLeaf(InputLeafData(*input)), parsed->leaf, size,
                                   parsed->proof, *root);
        !s.ok()) {
      problem(where + ": not in the signed log (" + s.message() + ")");
    } else {
      ++proven;
    }
    content.inputs.push_back(*input);
  }
  line_number = 0;
  for (const std::string& line : Lines(contents["events.ndjson"])) {
    const std::string where = "events.ndjson line " + std::to_string(++line_number);
    auto parsed = ParseLeafLine(line, "record", where);
    if (!parsed.ok()) {
      problem(parsed.status().message());
      continue;
    }
    auto record = FromJson<v1::EventRecord>(parsed->body_json, where);
    if (!record.ok()) {
      problem(record.status().message());
      continue;
    }
    if (Status s = VerifyInclusion(HashLeaf(EventLeafData(*record)), parsed->leaf, size,
                                   parsed->proof, *root);
        !s.ok()) {
      problem(where + ": not in the signed log (" + s.message() + ")");
    } else {
      ++proven;
    }
    content.events.push_back(*record);
  }
  check(std::to_string(proven) + " inputs and events proven in the signed log");

  // 4. The derived files are what the proven records produce. report.html in the format
  // the bundle was written with (report_html.h): absent, the first one.
  const std::string report_format = Field(manifest_json, "report_format").string_value();
  const std::optional<std::string> report_html = ReportHtmlOfFormat(report_format, content);
  if (!report_html.has_value()) {
    problem("report.html: manifest.json names report format \"" + report_format +
            "\", which this verifier does not know (a newer stayaway wrote the bundle: verify "
            "it with that version)");
  }
  for (const auto& [name, derived] :
       {std::pair{std::string("distances.ndjson"), DistancesNdjson(content)},
        std::pair{std::string("tracks.geojson"), TracksGeoJson(content)},
        std::pair{std::string("report.html"), report_html.value_or(std::string())}}) {
    if (name == "report.html" && !report_html.has_value()) continue;
    if (contents[name] != derived) {
      problem(name + ": does not match what the proven inputs and events produce");
    }
  }

  // 5. The engine, re-run on the bundled inputs, reproduces the alert's transitions.
  auto config = FromJson<v1::EngineConfig>(contents["engine_config.json"], "engine_config.json");
  auto settings = config.ok() ? engine::ResolveSettings(*config)
                              : StatusOr<engine::EngineSettings>(config.status());
  if (!settings.ok()) {
    problem(settings.status().message());
  } else {
    engine::Engine engine(*settings);
    std::vector<v1::Event> produced, all;
    for (const v1::Input& input : content.inputs) {
      produced.clear();
      (void)engine.Apply(input, &produced);
      all.insert(all.end(), produced.begin(), produced.end());
    }
    // The same rule, transitions and times; alert ids may differ (they count alerts since
    // the order began, and the bundle starts at its window). Transitions of alerts that
    // opened before the window are proven above but cannot be re-derived from it.
    std::set<std::string> opened_inside;
    for (const v1::EventRecord& r : content.events) {
      if (r.event().transition() == v1::Event::opened) opened_inside.insert(r.event().alert_id());
    }
    size_t matched = 0, expected = 0, continued = 0;
    // A resolution and the close it causes are an operator's action, proven above; the
    // re-run engine numbers alerts from the window, so it cannot be asked to repeat them.
    std::set<std::pair<std::string, TimeMs>> resolved_at;
    for (const v1::EventRecord& r : content.events) {
      if (r.event().transition() == v1::Event::resolved) {
        resolved_at.insert({r.event().alert_id(), TimestampToMs(r.event().time())});
      }
    }
    for (const v1::EventRecord& r : content.events) {
      const v1::Event& want = r.event();
      if (want.transition() == v1::Event::acknowledged ||
          want.transition() == v1::Event::ack_overdue || want.transition() == v1::Event::resolved ||
          want.transition() == v1::Event::received) {
        continue;  // operator actions, her receipts, deadlines: proven above, not readings
      }
      if (want.transition() == v1::Event::closed &&
          resolved_at.count({want.alert_id(), TimestampToMs(want.time())})) {
        continue;
      }
      if (!opened_inside.count(want.alert_id())) {
        ++continued;
        continue;
      }
      ++expected;
      const bool found = std::any_of(all.begin(), all.end(), [&](const v1::Event& got) {
        return got.rule() == want.rule() && got.order_id() == want.order_id() &&
               got.kind() == want.kind() && got.transition() == want.transition() &&
               TimestampToMs(got.time()) == TimestampToMs(want.time()) &&
               got.distance_m() == want.distance_m();
      });
      if (found) ++matched;
    }
    if (matched == expected) {
      check("the engine, re-run on the bundled inputs, reproduces all " + std::to_string(matched) +
            " transitions of " + content.subject);
      if (continued > 0) {
        check(std::to_string(continued) + " transitions of alerts opened before the window are "
              "proven but not re-derived");
      }
    } else {
      problem("re-running the engine on the bundled inputs reproduced " + std::to_string(matched) +
              " of " + std::to_string(expected) + " transitions");
    }
  }
  report.ok = report.problems.empty();
  return report;
}

}  // namespace stayaway::evidence
