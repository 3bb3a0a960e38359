#pragma once
/// What a dense index records about the vectors it holds, so that queries are embedded the
/// same way: "model <fingerprint> <folder>" for an embedder, "vectors <file>" for imported
/// vectors. The fingerprint hashes the folder's file names and sizes and the bytes of its small
/// files (config, tokenizer, pooling settings), so a copied or moved folder keeps it and a
/// different model does not.

#include <filesystem>
#include <string>
#include <string_view>

namespace cascade::runtime {

/// 16 hex digits identifying the model folder `dir` (IoError when it cannot be read).
[[nodiscard]] std::string model_fingerprint(const std::filesystem::path& dir);

/// "model <fingerprint> <dir>".
[[nodiscard]] std::string embedder_id_for_model(const std::filesystem::path& dir);
/// "vectors <file>".
[[nodiscard]] std::string embedder_id_for_vectors(const std::filesystem::path& file);

struct EmbedderId {
    std::string kind;         ///< "model", "vectors" or "" (not recorded)
    std::string fingerprint;  ///< models only
    std::string path;         ///< the folder or file as recorded
};
[[nodiscard]] EmbedderId parse_embedder_id(std::string_view id);

}  // namespace cascade::runtime
