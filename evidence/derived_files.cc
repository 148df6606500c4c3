#include "evidence/derived_files.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "base/time.h"
#include "evidence/report_text.h"
#include "geo/geodesic.h"

namespace stayaway::evidence {
namespace {

constexpr TimeMs kPairWindowMs = 5 * 60'000;

// JSON of a Struct with its keys sorted: protobuf's own printer follows the map's hash
// order, which differs between two equal Structs, and derived files must be byte-stable.
void CanonicalJson(const google::protobuf::Value& value, std::string* out);

void CanonicalJson(const google::protobuf::Struct& object, std::string* out) {
  std::vector<std::string> keys;
  for (const auto& [key, unused] : object.fields()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  out->push_back('{');
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out->push_back(',');
    *out += "\"" + keys[i] + "\":";
    CanonicalJson(object.fields().at(keys[i]), out);
  }
  out->push_back('}');
}

void CanonicalJson(const google::protobuf::Value& value, std::string* out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStructValue: CanonicalJson(value.struct_value(), out); break;
    case google::protobuf::Value::kListValue:
      out->push_back('[');
      for (int i = 0; i < value.list_value().values_size(); ++i) {
        if (i > 0) out->push_back(',');
        CanonicalJson(value.list_value().values(i), out);
      }
      out->push_back(']');
      break;
    case google::protobuf::Value::kNumberValue: {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", value.number_value());
      *out += buffer;
      break;
    }
    case google::protobuf::Value::kStringValue:
      *out += "\"" + HtmlEscape(value.string_value()) + "\"";
      break;
    case google::protobuf::Value::kBoolValue:
      *out += value.bool_value() ? "true" : "false";
      break;
    default:
      *out += "null";
  }
}

std::string Json(const google::protobuf::Struct& object) {
  std::string out;
  CanonicalJson(object, &out);
  return out;
}

}  // namespace

// Fixes per device set, in time order.
std::vector<TimedFix> FixesOf(const BundleContent& content, const v1::Party& party) {
  const std::set<std::string> devices(party.devices().begin(), party.devices().end());
  std::vector<TimedFix> out;
  for (const v1::Input& input : content.inputs) {
    // A report without a position (an SOS before any fix) is in the table, not on the map.
    if (input.has_fix() && devices.count(input.fix().device()) && !input.fix().no_position()) {
      out.push_back({&input.fix(), TimestampToMs(input.fix().time())});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TimedFix& a, const TimedFix& b) { return a.time < b.time; });
  return out;
}

std::vector<PairedDistance> PairedDistances(const BundleContent& content) {
  std::vector<PairedDistance> rows;
  const v1::Order* order = OrderOf(content);
  if (order == nullptr) return rows;
  const std::vector<TimedFix> supervised = FixesOf(content, order->supervised());
  for (const v1::Party& party : order->protected_()) {
    const std::vector<TimedFix> other = FixesOf(content, party);
    for (const TimedFix& s : supervised) {
      const TimedFix* nearest = nullptr;
      for (const TimedFix& o : other) {
        const TimeMs gap = std::llabs(o.time - s.time);
        if (gap <= kPairWindowMs && (nearest == nullptr || gap < std::llabs(nearest->time - s.time))) {
          nearest = &o;
        }
      }
      if (nearest == nullptr) continue;
      const double d = geo::GeodesicDistanceMeters({s.fix->lat(), s.fix->lon()},
                                                   {nearest->fix->lat(), nearest->fix->lon()});
      const double u = s.fix->accuracy_m() + nearest->fix->accuracy_m();
      rows.push_back({s.time, party.id(), s.fix, nearest->fix, d, std::max(0.0, d - u), d + u});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const PairedDistance& a, const PairedDistance& b) {
    return a.time < b.time;
  });
  return rows;
}

const v1::Order* OrderOf(const BundleContent& content) {
  const v1::Order* order = nullptr;
  for (const v1::Input& input : content.inputs) {
    if (input.has_order()) order = &input.order();
  }
  return order;
}

std::string DistancesNdjson(const BundleContent& content) {
  std::ostringstream out;
  for (const PairedDistance& row : PairedDistances(content)) {
    out << "{\"time\":\"" << FormatRfc3339(row.time) << "\",\"protected_person\":\"" << row.person
        << "\",\"supervised_fix\":{\"device\":\"" << row.supervised->device()
        << "\",\"seq\":" << row.supervised->seq() << "},\"protected_fix\":{\"device\":\""
        << row.protected_fix->device() << "\",\"seq\":" << row.protected_fix->seq()
        << "},\"distance_m\":" << Fixed(row.distance_m, 2)
        << ",\"distance_lower_m\":" << Fixed(row.lower_m, 2)
        << ",\"distance_upper_m\":" << Fixed(row.upper_m, 2) << "}\n";
  }
  return out.str();
}

std::string TracksGeoJson(const BundleContent& content) {
  const v1::Order* order = OrderOf(content);
  std::ostringstream out;
  out << "{\"type\":\"FeatureCollection\",\"features\":[";
  bool first = true;
  auto feature = [&](const std::string& geometry, const std::string& properties) {
    out << (first ? "" : ",") << "\n{\"type\":\"Feature\",\"geometry\":" << geometry
        << ",\"properties\":" << properties << "}";
    first = false;
  };
  if (order != nullptr) {
    std::vector<std::pair<const v1::Party*, std::string>> parties = {{&order->supervised(), "supervised"}};
    for (const v1::Party& p : order->protected_()) parties.push_back({&p, "protected"});
    for (const auto& [party, role] : parties) {
      const std::vector<TimedFix> fixes = FixesOf(content, *party);
      std::ostringstream line;
      line << "{\"type\":\"LineString\",\"coordinates\":[";
      for (size_t i = 0; i < fixes.size(); ++i) {
        line << (i ? "," : "") << "[" << Fixed(fixes[i].fix->lon(), 7) << ","
             << Fixed(fixes[i].fix->lat(), 7) << "]";
      }
      line << "]}";
      feature(line.str(), "{\"person\":\"" + party->id() + "\",\"role\":\"" + role + "\"}");
      for (const TimedFix& f : fixes) {
        feature("{\"type\":\"Point\",\"coordinates\":[" + Fixed(f.fix->lon(), 7) + "," +
                    Fixed(f.fix->lat(), 7) + "]}",
                "{\"person\":\"" + party->id() + "\",\"device\":\"" + f.fix->device() +
                    "\",\"seq\":" + std::to_string(f.fix->seq()) + ",\"time\":\"" +
                    FormatRfc3339(f.time) + "\",\"received\":\"" +
                    FormatRfc3339(TimestampToMs(f.fix->received())) +
                    "\",\"accuracy_m\":" + Fixed(f.fix->accuracy_m(), 2) + "}");
      }
    }
    for (const v1::Zone& zone : order->zones()) {
      const std::string props =
          "{\"zone\":\"" + zone.id() + "\",\"kind\":\"" + v1::Zone::Kind_Name(zone.kind()) +
          "\",\"buffer_m\":" + Fixed(zone.buffer_m(), 2) +
          (zone.has_circle() ? ",\"radius_m\":" + Fixed(zone.circle().radius_m(), 2) : "") + "}";
      if (zone.has_circle()) {
        feature("{\"type\":\"Point\",\"coordinates\":[" + Fixed(zone.circle().lon(), 7) + "," +
                    Fixed(zone.circle().lat(), 7) + "]}",
                props);
      } else {
        feature(Json(zone.geometry()), props);
      }
    }
  }
  out << "\n]}\n";
  return out.str();
}

}  // namespace stayaway::evidence
