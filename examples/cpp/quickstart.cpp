// The six operations of the Claid Storage API from C++, with RAII: the client
// and every string libclaid hands back are owned by a std::unique_ptr whose
// deleter is the library's own free function, so nothing leaks on any path.
//
// Against an installed libclaid (see the README), with the CMakeLists.txt here:
//   cmake -S examples/cpp -B build-cpp -DCMAKE_PREFIX_PATH="$PREFIX"
//   cmake --build build-cpp
//   CLAID_API_KEY=... ./build-cpp/claid_quickstart   # CLAID_BASE_URL is optional
//
// It creates a web_folder storage, renames it and deletes it again.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <claid.h>

// [raii]
struct ClaidStringFree {
  void operator()(char *s) const { claid_string_free(s); }
};
struct ClaidClientFree {
  void operator()(ClaidClient *c) const { claid_client_free(c); }
};
using ClaidString = std::unique_ptr<char, ClaidStringFree>;
using ClaidClientPtr = std::unique_ptr<ClaidClient, ClaidClientFree>;

// One call's outcome: its status, and the JSON it handed back (the answer's
// `data` on success, an error object otherwise), owned.
struct Answer {
  ClaidStatus status;
  ClaidString json;
  bool ok() const { return status == CLAID_STATUS_OK; }
  const char *text() const { return json ? json.get() : "(none)"; }
};

// Runs `op`, which writes the library's JSON through the pointer it is given.
template <typename Op>
Answer call(Op op) {
  char *out = nullptr;
  ClaidStatus status = op(&out);
  return Answer{status, ClaidString(out)};
}
// [raii]

namespace {

// `s` as a JSON string literal (keys and URLs are ASCII; this escapes the two
// characters that could break the options object).
std::string quoted(const char *s) {
  std::string out = "\"";
  for (; *s != '\0'; ++s) {
    if (*s == '"' || *s == '\\') out += '\\';
    out += *s;
  }
  return out + "\"";
}

bool report(const char *what, const Answer &answer) {
  if (answer.ok()) {
    std::printf("%s: %s\n", what, answer.text());
  } else {
    std::fprintf(stderr, "%s failed (%s): %s\n", what, claid_status_name(answer.status),
                 answer.text());
  }
  return answer.ok();
}

// The "id" of a storage object (a real program would use its JSON library).
long long id_of(const Answer &answer) {
  const char *at = answer.ok() ? std::strstr(answer.text(), "\"id\":") : nullptr;
  return at ? std::strtoll(at + 5, nullptr, 10) : -1;
}

}  // namespace

int main() {
  const char *key = std::getenv("CLAID_API_KEY");
  const char *url = std::getenv("CLAID_BASE_URL");
  if (key == nullptr) {
    std::fprintf(stderr, "set CLAID_API_KEY (and CLAID_BASE_URL for a server other than "
                         "https://api.claid.ai/v1/)\n");
    return 2;
  }
  std::string options = "{\"api_key\":" + quoted(key);
  if (url != nullptr) options += ",\"base_url\":" + quoted(url);
  options += "}";
  std::printf("libclaid %s\n", claid_version());

  // [usage]
  ClaidClient *raw = nullptr;
  Answer made = call([&](char **error) {
    return claid_client_new_with_options(options.c_str(), &raw, error);
  });
  ClaidClientPtr client(raw);  // claid_client_free at the end of the scope
  if (!made.ok()) {
    report("client", made);  // the error object says why
    return 1;
  }

  Answer types = call([&](char **out) { return claid_list_storage_types(client.get(), out); });
  bool ok = report("storage types", types);  // ["web_folder","s3","gcs"]
  // [usage]

  Answer created = call([&](char **out) {
    return claid_create_storage(client.get(),
                                "{\"name\":\"quickstart-cpp\",\"type\":\"web_folder\","
                                "\"parameters\":{\"base_url\":\"https://example.com/images/\"}}",
                                out);
  });
  ok &= report("created", created);
  long long id = id_of(created);
  ok &= report("storages", call([&](char **out) {
                 return claid_list_storages(client.get(), out);
               }));
  if (id > 0) {
    ok &= report("fetched", call([&](char **out) {
                   return claid_get_storage(client.get(), id, out);
                 }));
    ok &= report("renamed", call([&](char **out) {
                   return claid_patch_storage(client.get(), id, "{\"name\":\"quickstart-cpp-2\"}",
                                              out);
                 }));
    ok &= report("deleted", call([&](char **out) {
                   return claid_delete_storage(client.get(), id, out);
                 }));
  }
  return ok && id > 0 ? 0 : 1;
}
