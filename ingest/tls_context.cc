#include "ingest/tls_context.h"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>

namespace stayaway::ingest {

namespace ssl = boost::asio::ssl;

StatusOr<std::shared_ptr<ssl::context>> MakeServerTlsContext(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::no_compression,
                       ec);
  SSL_CTX_set_options(context->native_handle(), SSL_OP_NO_RENEGOTIATION);
  auto fail = [&](const std::string& what, const std::string& path) -> Status {
    return InvalidArgument(what + " " + path + ": " +
                           (ec ? ec.message() : std::string("cannot be read")));
  };
  std::error_code exists;
  for (const std::string* path : {&files.certificate_chain, &files.private_key}) {
    if (path->empty() || !std::filesystem::exists(*path, exists)) {
      return InvalidArgument("TLS needs a certificate chain and a private key; cannot read '" +
                             *path + "'");
    }
  }
  context->use_certificate_chain_file(files.certificate_chain, ec);
  if (ec) return fail("TLS certificate chain", files.certificate_chain);
  context->use_private_key_file(files.private_key, ssl::context::pem, ec);
  if (ec) return fail("TLS private key", files.private_key);
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return InvalidArgument("TLS private key " + files.private_key +
                           " does not belong to the certificate in " + files.certificate_chain);
  }
  if (!files.client_ca.empty()) {
    context->load_verify_file(files.client_ca, ec);
    if (ec) return fail("TLS client CA", files.client_ca);
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return fail("TLS client CA", files.client_ca);
  }
  return context;
}

}  // namespace stayaway::ingest
