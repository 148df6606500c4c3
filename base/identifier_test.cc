#include "base/identifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stayaway {
namespace {

TEST(Identifier, RealWorldIdsAreAccepted) {
  for (const std::string& id :
       std::vector<std::string>{"356938035643809",                         // IMEI
                                "00:1a:2b:3c:4d:5e", "00-1A-2B-3C-4D-5E",  // MAC-like
                                "123456",  // Traccar Client's default id
                                "tag-1", "phone_2", "KG-2025-0001", "p1", "shelter.north", "a",
                                "0f1e2d3c4b5a6978",                      // an alert id
                                "cred-0123456789ab",                     // a credential id
                                "550e8400-e29b-41d4-a716-446655440000",  // UUID
                                std::string(kMaxIdentifierBytes, 'x')}) {
    EXPECT_TRUE(IsIdentifier(id)) << id;
    EXPECT_TRUE(CheckIdentifier(id, "device").ok()) << id;
  }
}

TEST(Identifier, EverythingElseIsRefusedWithWhatIsWrong) {
  const auto message = [](std::string_view id) {
    return CheckIdentifier(id, "order id").message();
  };
  EXPECT_EQ(message(""), "order id is empty; " + std::string(kIdentifierRule));
  EXPECT_EQ(message("KG-1\r\nX-Injected: yes"),
            "order id \"KG-1\\x0d\\x0aX-Injected: yes\" is not a valid id: character 5 is a "
            "carriage return (CR); " +
                std::string(kIdentifierRule));
  EXPECT_NE(message(std::string("a\0b", 3)).find("character 2 is a NUL byte"), std::string::npos);
  EXPECT_NE(message("a\nb").find("character 2 is a line feed (LF)"), std::string::npos);
  EXPECT_NE(message("a\tb").find("control character (0x09)"), std::string::npos);
  EXPECT_NE(message("a b").find("character 2 is a space"), std::string::npos);
  EXPECT_NE(message("caf\xc3\xa9").find("character 4 is not ASCII (0xc3)"), std::string::npos);
  EXPECT_NE(message("a/b").find("character 2 is '/'"), std::string::npos);
  EXPECT_NE(message("-rf").find("it starts with '-'"), std::string::npos);
  EXPECT_NE(message("..").find("it starts with '.'"), std::string::npos);
  const std::string long_id(kMaxIdentifierBytes + 1, 'x');
  EXPECT_NE(message(long_id).find("it is 65 characters long, more than 64"), std::string::npos);
  for (const std::string_view bad : {"a%0d", "a?b", "a#b", "a*", "a\"b", "a\\b", "a;b", "a,b",
                                     "a=b", "a<b>", "a@b", "a+b", "a\x7f"}) {
    EXPECT_FALSE(IsIdentifier(bad)) << bad;
    EXPECT_EQ(CheckIdentifier(bad, "x").code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(Identifier, MessagesNeverCarryRawControlCharactersAndStayShort) {
  std::string hostile("a\r\n\0\x1b[2J\"\\", 10);
  hostile += std::string(1000, 'y');
  const std::string message = CheckIdentifier(hostile, "device").message();
  for (char c : message) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << message;
  EXPECT_LT(message.size(), 300u) << message;
  EXPECT_NE(message.find("..."), std::string::npos) << message;
}

TEST(Identifier, TheCheckedTypeHoldsOnlyValidIds) {
  StatusOr<Identifier> good = Identifier::Make("KG-7", "order id");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->str(), "KG-7");
  EXPECT_EQ(std::string_view(*good), "KG-7");
  StatusOr<Identifier> bad = Identifier::Make("KG-7\r\n", "order id");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace stayaway
