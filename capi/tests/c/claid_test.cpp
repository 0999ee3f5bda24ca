// The header compiled as C++11 (-Wall -Wextra -Werror -pedantic), and the
// library used through RAII wrappers.
//
//   claid_test_cpp BASE_URL API_KEY
//
// Checks statuses here; prints every JSON answer as `answer LABEL STATUS
// JSON`, which capi/tests/c_abi.rs parses and checks field by field.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "claid.h"

namespace {

struct StringFree {
  void operator()(char *s) const { claid_string_free(s); }
};
struct ClientFree {
  void operator()(ClaidClient *c) const { claid_client_free(c); }
};
using String = std::unique_ptr<char, StringFree>;
using Client = std::unique_ptr<ClaidClient, ClientFree>;

static_assert(CLAID_STATUS_OK == 0 && CLAID_STATUS_INTERNAL == 6, "stable status values");

int failures = 0;

void check(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "check failed: %s\n", what);
    ++failures;
  }
}

// Runs an operation, prints its answer under `label`; answers its status
// and JSON.
template <typename Call>
std::pair<ClaidStatus, std::string> run(const char *label, Call call) {
  char *raw = nullptr;
  ClaidStatus status = call(&raw);
  String json(raw);
  std::string text = json ? std::string(json.get()) : std::string("(null)");
  std::printf("answer %s %s %s\n", label, claid_status_name(status), text.c_str());
  return {status, text};
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s BASE_URL API_KEY\n", argv[0]);
    return 2;
  }
  std::string options =
      std::string("{\"api_key\":\"") + argv[2] + "\",\"base_url\":\"" + argv[1] + "\"}";
  ClaidClient *raw_client = nullptr;
  char *raw_error = nullptr;
  ClaidStatus status = claid_client_new_with_options(options.c_str(), &raw_client, &raw_error);
  Client client(raw_client);
  String error(raw_error);
  check(status == CLAID_STATUS_OK && client && !error, "client created");
  if (!client) return 1;

  std::string expected = std::to_string(CLAID_VERSION_MAJOR) + "." +
                         std::to_string(CLAID_VERSION_MINOR) + "." +
                         std::to_string(CLAID_VERSION_PATCH);
  check(expected == claid_version(), "version macros match claid_version()");

  auto types =
      run("types", [&](char **out) { return claid_list_storage_types(client.get(), out); });
  check(types.first == CLAID_STATUS_OK, "list storage types");

  auto created = run("created", [&](char **out) {
    return claid_create_storage(
        client.get(),
        "{\"name\":\"cpp-site\",\"type\":\"web_folder\","
        "\"parameters\":{\"base_url\":\"https://example.com/in/\"}}",
        out);
  });
  check(created.first == CLAID_STATUS_OK, "create storage");
  std::size_t at = created.second.find("\"id\":");
  long long id = at == std::string::npos ? -1 : std::stoll(created.second.substr(at + 5));
  check(id > 0, "created storage has an id");

  auto renamed = run("renamed", [&](char **out) {
    return claid_patch_storage(client.get(), id, "{\"name\":\"cpp-renamed\"}", out);
  });
  check(renamed.first == CLAID_STATUS_OK, "patch storage");

  auto deleted =
      run("deleted", [&](char **out) { return claid_delete_storage(client.get(), id, out); });
  check(deleted.first == CLAID_STATUS_OK, "delete storage");

  auto missing =
      run("gone", [&](char **out) { return claid_get_storage(client.get(), id, out); });
  check(missing.first == CLAID_STATUS_API, "get deleted storage is a 404");
  check(std::strcmp(claid_status_name(missing.first), "api") == 0, "status name");

  if (failures > 0) return 1;
  std::printf("C++: all checks passed\n");
  return 0;
}
