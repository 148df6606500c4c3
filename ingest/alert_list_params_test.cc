#include "ingest/alert_list_params.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "ingest/page_limit.h"

namespace stayaway::ingest {
namespace {

using Params = std::map<std::string, std::string>;

std::string ErrorOf(const Params& params) {
  StatusOr<AlertQuery> query = ParseAlertListParams(params);
  EXPECT_FALSE(query.ok());
  return query.ok() ? "" : query.status().message();
}

TEST(AlertListParams, NoParametersMeanOpenAlertsInPagesOfAHundred) {
  StatusOr<AlertQuery> query = ParseAlertListParams({});
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->state, AlertQuery::State::kOpen);
  EXPECT_EQ(query->limit, kDefaultPageLimit);
  EXPECT_EQ(query->after_first_seq, 0u);
  EXPECT_FALSE(query->kind || query->certainty || query->since || query->until);
  EXPECT_TRUE(query->device.empty());
}

TEST(AlertListParams, EveryFilterIsRead) {
  StatusOr<AlertQuery> query = ParseAlertListParams({{"order", "KG-1"},
                                                     {"state", "all"},
                                                     {"kind", "strap_tamper"},
                                                     {"device", "tag-1"},
                                                     {"certainty", "possible"},
                                                     {"since", "2025-03-10T10:00:00Z"},
                                                     {"until", "2025-03-10T11:00:00Z"},
                                                     {"limit", "1000"},
                                                     {"cursor", AlertCursorAfter(42)}});
  ASSERT_TRUE(query.ok()) << query.status().message();
  EXPECT_EQ(query->order_id, "KG-1");
  EXPECT_EQ(query->state, AlertQuery::State::kAll);
  EXPECT_EQ(query->kind, v1::Event::strap_tamper);
  EXPECT_EQ(query->device, "tag-1");
  EXPECT_EQ(query->certainty, v1::Event::possible);
  EXPECT_EQ(query->since, 1741600800000);
  EXPECT_EQ(query->until, 1741604400000);
  EXPECT_EQ(query->limit, 1000u);
  EXPECT_EQ(query->after_first_seq, 42u);
}

TEST(AlertListParams, TheCursorComesBackAsItWasGiven) {
  StatusOr<AlertQuery> query = ParseAlertListParams({{"cursor", AlertCursorAfter(17)}});
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->after_first_seq, 17u);
}

TEST(AlertListParams, BadValuesAreRefusedNamingTheParameter) {
  EXPECT_EQ(ErrorOf({{"limit", "0"}}), "limit \"0\" is not a whole number from 1 to 1000");
  EXPECT_EQ(ErrorOf({{"limit", "1001"}}), "limit \"1001\" is not a whole number from 1 to 1000");
  EXPECT_EQ(ErrorOf({{"limit", "-1"}}), "limit \"-1\" is not a whole number from 1 to 1000");
  EXPECT_EQ(ErrorOf({{"limit", "99999999999999999999999"}}).substr(0, 6), "limit ");
  EXPECT_EQ(ErrorOf({{"limit", ""}}).substr(0, 6), "limit ");
  EXPECT_EQ(ErrorOf({{"cursor", "42"}}).substr(0, 7), "cursor ");
  EXPECT_EQ(ErrorOf({{"cursor", "a"}}).substr(0, 7), "cursor ");
  EXPECT_EQ(ErrorOf({{"cursor", "a-1"}}).substr(0, 7), "cursor ");
  EXPECT_EQ(ErrorOf({{"cursor", "a1x"}}).substr(0, 7), "cursor ");
  EXPECT_EQ(ErrorOf({{"cursor", "a2d31"}}).substr(0, 7), "cursor ");  // "-1" in hex
  EXPECT_EQ(ErrorOf({{"cursor", "o3137"}}).substr(0, 7), "cursor ");  // an orders cursor
  const std::string kind = ErrorOf({{"kind", "fire"}});
  EXPECT_EQ(kind.substr(0, 5), "kind ");
  EXPECT_NE(kind.find("proximity_violation"), std::string::npos) << kind;
  EXPECT_NE(kind.find("sos"), std::string::npos) << kind;
  EXPECT_EQ(kind.find("kind_unspecified"), std::string::npos) << kind;
  EXPECT_EQ(ErrorOf({{"kind", "kind_unspecified"}}).substr(0, 5), "kind ");
  EXPECT_EQ(ErrorOf({{"certainty", "likely"}}),
            "certainty \"likely\" is not one of confirmed, possible");
  EXPECT_EQ(ErrorOf({{"since", "yesterday"}}).substr(0, 6), "since ");
  EXPECT_EQ(ErrorOf({{"until", "2025-13-01T00:00:00Z"}}).substr(0, 6), "until ");
  EXPECT_EQ(ErrorOf({{"since", "2025-03-10T11:00:00Z"}, {"until", "2025-03-10T10:00:00Z"}}),
            "until is before since");
  EXPECT_NE(ErrorOf({{"device", "tag 1"}}).find("device"), std::string::npos);
  EXPECT_NE(ErrorOf({{"order", ""}}).find("order"), std::string::npos);
  EXPECT_NE(ErrorOf({{"state", "done"}}).find("state \"done\""), std::string::npos);
  const std::string unknown = ErrorOf({{"colour", "red"}});
  EXPECT_NE(unknown.find("unknown parameter \"colour\""), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("cursor"), std::string::npos) << unknown;
}

}  // namespace
}  // namespace stayaway::ingest
