#include "bench/peers/postgis_store.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/time.h"

namespace stayaway::peers {
namespace {

constexpr const char* kSchema = R"sql(
CREATE EXTENSION IF NOT EXISTS postgis;
DROP TABLE IF EXISTS stayaway_peer_devices, stayaway_peer_pairs;
CREATE TABLE stayaway_peer_devices (
  id text PRIMARY KEY,
  pos geography(Point, 4326),
  fix_time timestamptz,
  accuracy_m float8
);
CREATE TABLE stayaway_peer_pairs (
  supervised text NOT NULL,
  protected text NOT NULL,
  limit_m float8 NOT NULL
);
)sql";

constexpr const char* kIndexes = R"sql(
CREATE INDEX stayaway_peer_devices_pos ON stayaway_peer_devices USING gist (pos);
CREATE INDEX stayaway_peer_pairs_supervised ON stayaway_peer_pairs (supervised);
CREATE INDEX stayaway_peer_pairs_protected ON stayaway_peer_pairs (protected);
ANALYZE stayaway_peer_devices;
ANALYZE stayaway_peer_pairs;
)sql";

constexpr const char* kUpdate =
    "UPDATE stayaway_peer_devices SET pos = ST_SetSRID(ST_MakePoint($2::float8, $3::float8), "
    "4326)::geography, fix_time = to_timestamp($4::float8), accuracy_m = $5::float8 "
    "WHERE id = $1";
// The counterparts within the order's distance of a device that just moved; the device's
// own position is read back from the table the UPDATE just wrote.
constexpr const char* kNearSupervised =
    "SELECT p.protected, ST_Distance(me.pos, other.pos) FROM stayaway_peer_pairs p "
    "JOIN stayaway_peer_devices me ON me.id = p.supervised "
    "JOIN stayaway_peer_devices other ON other.id = p.protected "
    "WHERE p.supervised = $1 AND ST_DWithin(other.pos, me.pos, p.limit_m)";
constexpr const char* kNearProtected =
    "SELECT p.supervised, ST_Distance(me.pos, other.pos) FROM stayaway_peer_pairs p "
    "JOIN stayaway_peer_devices me ON me.id = p.protected "
    "JOIN stayaway_peer_devices other ON other.id = p.supervised "
    "WHERE p.protected = $1 AND ST_DWithin(other.pos, me.pos, p.limit_m)";

std::string Quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string Double(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

}  // namespace

PostgisStore::PostgisStore(std::string conninfo) : conninfo_(std::move(conninfo)) {}

PostgisStore::~PostgisStore() {
  if (connection_ != nullptr) PQfinish(connection_);
}

int PostgisStore::server_pid() const {
  return connection_ != nullptr ? PQbackendPID(connection_) : -1;
}

Status PostgisStore::Exec(const std::string& sql) {
  PGresult* result = PQexec(connection_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return FailedPrecondition("PostgreSQL: " + message);
  }
  return Status::Ok();
}

Status PostgisStore::Setup(const loadgen::Workload& workload) {
  workload_ = &workload;
  connection_ = PQconnectdb(conninfo_.c_str());
  if (PQstatus(connection_) != CONNECTION_OK) {
    return FailedPrecondition("cannot connect to PostgreSQL (" + conninfo_ +
                              "): " + PQerrorMessage(connection_));
  }
  PGresult* quiet = PQexec(connection_, "SET client_min_messages = warning");
  PQclear(quiet);
  if (Status s = Exec(kSchema); !s.ok()) return s;

  // Every device at its first position in the stream (NULL until it reports, if never).
  const auto& ids = workload.device_ids();
  std::vector<std::optional<v1::Fix>> first(ids.size());
  const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  size_t seen = 0;
  for (uint64_t i = 0; seen < ids.size() && i < 4 * ids.size() + 100'000; ++i) {
    const uint32_t d = workload.DeviceOfFix(i);
    if (first[d]) continue;
    first[d].emplace();
    workload.MakeFix(i, now, &*first[d]);
    ++seen;
  }
  std::string sql = "BEGIN;\n";
  for (size_t d = 0; d < ids.size(); ++d) {
    sql += "INSERT INTO stayaway_peer_devices VALUES (" + Quote(ids[d]) + ", ";
    if (first[d]) {
      sql += "ST_SetSRID(ST_MakePoint(" + Double(first[d]->lon()) + ", " + Double(first[d]->lat()) +
             "), 4326)::geography, to_timestamp(" + Double(static_cast<double>(now) / 1000) +
             "), " + Double(first[d]->accuracy_m()) + ");\n";
    } else {
      sql += "NULL, NULL, NULL);\n";
    }
    for (const loadgen::Counterpart& c : workload.CounterpartsOf(static_cast<uint32_t>(d))) {
      if (!workload.IsSupervised(static_cast<uint32_t>(d))) continue;  // each pair once
      sql += "INSERT INTO stayaway_peer_pairs VALUES (" + Quote(ids[d]) + ", " +
             Quote(ids[c.device]) + ", " + Double(c.limit_m) + ");\n";
    }
  }
  sql += "COMMIT;\n";
  if (Status s = Exec(sql); !s.ok()) return s;
  if (Status s = Exec(kIndexes); !s.ok()) return s;
  for (const auto& [name, text, params] :
       {std::tuple{"update", kUpdate, 5}, std::tuple{"near_supervised", kNearSupervised, 1},
        std::tuple{"near_protected", kNearProtected, 1}}) {
    PGresult* prepared = PQprepare(connection_, name, text, params, nullptr);
    const bool ok = PQresultStatus(prepared) == PGRES_COMMAND_OK;
    const std::string message = PQresultErrorMessage(prepared);
    PQclear(prepared);
    if (!ok)
      return FailedPrecondition("PostgreSQL: preparing " + std::string(name) + ": " + message);
  }
  return Status::Ok();
}

Status PostgisStore::ApplyBatch(const std::vector<v1::Fix>& fixes,
                                std::vector<uint32_t>* within_limit) {
  within_limit->assign(fixes.size(), 0);
  if (PQenterPipelineMode(connection_) != 1) {
    return FailedPrecondition(std::string("PostgreSQL: no pipeline mode: ") +
                              PQerrorMessage(connection_));
  }
  // What each result in the pipeline answers: -1 for the transaction's statements and the
  // updates, else the index of the fix whose query's rows are counterparts within limit.
  std::vector<long> counts_rows;
  auto send = [&](const char* statement, const std::vector<std::string>& params, long rows) {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    PQsendQueryPrepared(connection_, statement, static_cast<int>(values.size()), values.data(),
                        nullptr, nullptr, 0);
    counts_rows.push_back(rows);
  };
  PQsendQueryParams(connection_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
  counts_rows.push_back(-1);
  for (size_t f = 0; f < fixes.size(); ++f) {
    const v1::Fix& fix = fixes[f];
    send("update",
         {fix.device(), Double(fix.lon()), Double(fix.lat()),
          Double(static_cast<double>(TimestampToMs(fix.time())) / 1000), Double(fix.accuracy_m())},
         -1);
    const std::optional<uint32_t> device = workload_->DeviceIndex(fix.device());
    if (!device || workload_->CounterpartsOf(*device).empty()) continue;
    send(workload_->IsSupervised(*device) ? "near_supervised" : "near_protected", {fix.device()},
         static_cast<long>(f));
  }
  PQsendQueryParams(connection_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
  counts_rows.push_back(-1);
  PQpipelineSync(connection_);

  Status status;
  for (size_t i = 0;;) {
    PGresult* result = PQgetResult(connection_);
    if (result == nullptr) {  // between one statement's results and the next
      if (PQstatus(connection_) != CONNECTION_OK) {
        return FailedPrecondition(std::string("PostgreSQL: ") + PQerrorMessage(connection_));
      }
      continue;
    }
    const ExecStatusType type = PQresultStatus(result);
    if (type == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      break;
    }
    if (type == PGRES_TUPLES_OK && i < counts_rows.size() && counts_rows[i] >= 0) {
      (*within_limit)[static_cast<size_t>(counts_rows[i])] +=
          static_cast<uint32_t>(PQntuples(result));
    } else if (type != PGRES_COMMAND_OK && type != PGRES_TUPLES_OK && status.ok()) {
      status = FailedPrecondition(std::string("PostgreSQL: ") + PQresultErrorMessage(result));
    }
    PQclear(result);
    ++i;
  }
  PQexitPipelineMode(connection_);
  return status;
}

}  // namespace stayaway::peers
