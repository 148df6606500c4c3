#include "tools/loadgen/cleanup.h"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <set>
#include <vector>

#include "proto/stayaway.pb.h"
#include "tools/loadgen/http_client.h"

namespace stayaway::loadgen {
namespace {

// `text` safe in a URL path or query: everything but unreserved characters escaped.
std::string PercentEncoded(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// How many times the open alerts are listed and resolved.
constexpr int kResolvePasses = 3;

std::string Refusal(const StatusOr<HttpResponse>& reply) {
  if (!reply.ok()) return reply.status().message();
  std::string body = reply->body;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return "HTTP " + std::to_string(reply->status) + " " + body;
}

// The open alerts of `orders`, every page; false with `*problem` set when the list cannot
// be read.
bool OpenAlertsOf(const std::string& http, const std::string& token,
                  const std::set<std::string>& orders, std::vector<v1::AlertView>* alerts,
                  std::string* problem) {
  std::string cursor;
  for (;;) {
    std::string path = "/v1/alerts?state=open&limit=1000";
    if (!cursor.empty()) path += "&cursor=" + PercentEncoded(cursor);
    const StatusOr<HttpResponse> reply = HttpRequest(http, "GET", path, {}, token);
    if (!reply.ok() || reply->status != 200) {
      *problem = "the open alerts cannot be listed: " + Refusal(reply);
      return false;
    }
    v1::AlertList page;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (!google::protobuf::util::JsonStringToMessage(reply->body, &page, options).ok()) {
      *problem = "the list of open alerts is not an AlertList";
      return false;
    }
    for (const v1::AlertView& alert : page.alerts()) {
      if (alert.open() && orders.count(alert.order_id()) > 0) alerts->push_back(alert);
    }
    if (!page.has_next_cursor() || page.next_cursor().empty()) return true;
    cursor = page.next_cursor();
  }
}

void ZonesLeft(const RunRecords& records, CleanupReport* report) {
  for (const std::string& zone : records.global_zones) {
    report->zones_left.push_back(zone + ": the HTTP API cannot delete a zone");
  }
}

}  // namespace

CleanupReport RemoveRunRecords(const std::string& http, const std::string& token,
                               const RunRecords& records) {
  CleanupReport report;
  for (const std::string& order : records.orders) {
    const StatusOr<HttpResponse> reply =
        HttpRequest(http, "DELETE", "/v1/orders/" + PercentEncoded(order), {}, token);
    if (reply.ok() && reply->status == 200) {
      ++report.orders_revoked;
    } else {
      report.orders_left.push_back(order + ": " + Refusal(reply));
    }
  }
  // Revoking an order leaves its alerts as they were: each open one is resolved. Listed
  // again afterwards: one the engine opened late, under load, is resolved too.
  const std::set<std::string> orders(records.orders.begin(), records.orders.end());
  std::set<std::string> attempted;
  for (int pass = 0; pass < kResolvePasses; ++pass) {
    std::vector<v1::AlertView> open;
    if (std::string problem; !OpenAlertsOf(http, token, orders, &open, &problem)) {
      report.alerts_left.push_back("(any): " + problem);
      break;
    }
    bool any_new = false;
    for (const v1::AlertView& alert : open) {
      if (!attempted.insert(alert.alert_id()).second) continue;
      any_new = true;
      const StatusOr<HttpResponse> reply = HttpRequest(
          http, "POST", "/v1/alerts/" + PercentEncoded(alert.alert_id()) + "/resolve",
          R"({"disposition":"other","note":"load test (stayaway loadgen) cleaning up"})", token);
      // 409: resolved already (by an operator, meanwhile): nothing of it is left open.
      if (reply.ok() && (reply->status == 200 || reply->status == 409)) {
        ++report.alerts_resolved;
      } else {
        report.alerts_left.push_back(alert.alert_id() + ": " + Refusal(reply));
      }
    }
    if (!any_new) break;
  }
  ZonesLeft(records, &report);
  return report;
}

CleanupReport LeftBehind(const std::string& http, const std::string& token,
                         const RunRecords& records) {
  CleanupReport report;
  for (const std::string& order : records.orders) {
    report.orders_left.push_back(order + ": kept (--keep)");
  }
  const std::set<std::string> orders(records.orders.begin(), records.orders.end());
  std::vector<v1::AlertView> open;
  if (std::string problem; !OpenAlertsOf(http, token, orders, &open, &problem)) {
    report.alerts_left.push_back("(any): " + problem);
  }
  for (const v1::AlertView& alert : open) {
    report.alerts_left.push_back(alert.alert_id() + ": open, of order " + alert.order_id());
  }
  ZonesLeft(records, &report);
  return report;
}

void PrintCleanup(const CleanupReport& report, const std::string& id_prefix,
                  const std::string& http, std::ostream& out) {
  constexpr std::string_view kLine = "stayaway loadgen: ";
  if (report.orders_revoked > 0 || report.alerts_resolved > 0) {
    out << kLine << "removed what the run made: revoked " << report.orders_revoked
        << " orders, resolved " << report.alerts_resolved << " open alerts\n";
  }
  if (report.everything_removed()) {
    out << kLine << "nothing of the run is left in force in the daemon\n";
    return;
  }
  out << kLine << "left in the daemon at " << http << " (every id starts with " << id_prefix
      << "): " << report.orders_left.size() << " orders in force, " << report.alerts_left.size()
      << " open alerts, " << report.zones_left.size() << " global zones\n";
  for (const std::string& order : report.orders_left) out << kLine << "  order " << order << '\n';
  for (const std::string& alert : report.alerts_left) out << kLine << "  alert " << alert << '\n';
  for (const std::string& zone : report.zones_left) out << kLine << "  zone " << zone << '\n';
  if (!report.orders_left.empty()) {
    out << kLine << "to remove an order: DELETE /v1/orders/ID (an admin credential)\n";
  }
  if (!report.alerts_left.empty()) {
    out << kLine
        << "to close an alert: POST /v1/alerts/ID/resolve {\"disposition\":\"other\"} (an "
           "operator credential)\n";
  }
  if (!report.zones_left.empty()) {
    out << kLine << "a global zone cannot be removed through the API; it stays in force\n";
  }
}

}  // namespace stayaway::loadgen
