#include "runtime/embedder_id.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "util/error.hpp"
#include "util/hash.hpp"

namespace cascade::runtime {
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kHashWholeFileBelow = 8U << 20;

}  // namespace

std::string model_fingerprint(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw IoError(fmt::format("{}: not a model folder", dir.string()));
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file())
            files.push_back(fs::relative(e.path(), dir));
    std::sort(files.begin(), files.end());
    std::uint64_t h = kFnv1aBasis;
    for (const fs::path& rel : files) {
        const auto size = fs::file_size(dir / rel);
        // Only files that make the model: the folder's README or git metadata may change.
        const std::string name = rel.filename().string();
        if (name.ends_with(".md") || rel.string().starts_with(".git"))
            continue;
        h = fnv1a(h, rel.generic_string());
        h = fnv1a(h, fmt::format(":{};", size));
        if (size < kHashWholeFileBelow) {
            std::ifstream in(dir / rel, std::ios::binary);
            const std::string bytes{std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>()};
            h = fnv1a(h, bytes);
        }
    }
    return fmt::format("{:016x}", h);
}

std::string embedder_id_for_model(const fs::path& dir) {
    return fmt::format("model {} {}", model_fingerprint(dir), dir.string());
}

std::string embedder_id_for_vectors(const fs::path& file) {
    return fmt::format("vectors {}", file.string());
}

EmbedderId parse_embedder_id(std::string_view id) {
    EmbedderId out;
    if (id.starts_with("model ") && id.size() > 23) {
        out.kind = "model";
        out.fingerprint = std::string(id.substr(6, 16));
        out.path = std::string(id.substr(23));
    } else if (id.starts_with("vectors ")) {
        out.kind = "vectors";
        out.path = std::string(id.substr(8));
    }
    return out;
}

}  // namespace cascade::runtime
