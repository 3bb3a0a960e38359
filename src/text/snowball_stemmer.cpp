#include "text/snowball_stemmer.hpp"

#include <libstemmer.h>

#include <memory>

#include "util/error.hpp"

namespace cascade::text {
namespace {

struct StemmerDeleter {
    void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

sb_stemmer* thread_stemmer() {
    thread_local std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(
        sb_stemmer_new("porter", "UTF_8"));
    CASCADE_ASSERT(stemmer != nullptr);
    return stemmer.get();
}

}  // namespace

void snowball_porter_stem(std::string& word) {
    sb_stemmer* stemmer = thread_stemmer();
    const sb_symbol* out = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                                           static_cast<int>(word.size()));
    CASCADE_ASSERT(out != nullptr);  // only fails on out-of-memory
    word.assign(reinterpret_cast<const char*>(out),
                static_cast<std::size_t>(sb_stemmer_length(stemmer)));
}

}  // namespace cascade::text
