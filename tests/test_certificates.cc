#include "tests/test_certificates.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace stayaway::testing_harness {
namespace {

int Run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

}  // namespace

bool MakeTestCertificates(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  auto leaf = [&](const std::string& name, const std::string& subject, const std::string& san) {
    std::ofstream(d + "/" + name + ".ext") << "subjectAltName=" << san << "\n";
    return Run("openssl req" + ec + " -subj /CN=" + subject + " -keyout " + d + "/" + name +
               ".key -out " + d + "/" + name + ".csr") == 0 &&
           Run("openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/ca.pem -CAkey " + d +
               "/ca.key -CAcreateserial -days 2 -extfile " + d + "/" + name + ".ext -out " + d +
               "/" + name + ".pem") == 0;
  };
  return Run("openssl req -x509" + ec + " -days 2 -subj /CN=stayaway-test-ca -keyout " + d +
             "/ca.key -out " + d + "/ca.pem") == 0 &&
         leaf("localhost", "localhost", "DNS:localhost,IP:127.0.0.1") &&
         leaf("other-name", "receiver.other.example", "DNS:receiver.other.example");
}

}  // namespace stayaway::testing_harness
