#pragma once
/// JSON Lines collections: BEIR (`_id`, `title`, `text`) and Pyserini/Anserini JsonCollection
/// (`id`, `contents`) documents, and BEIR `queries.jsonl`.
///
/// Formats: BEIR, Thakur et al. 2021 (arXiv:2104.08663), github.com/beir-cellar/beir wiki
/// "Load your custom dataset"; Pyserini's JsonCollection (`{"id": ..., "contents": ...}`).

#include <string>
#include <vector>

#include "collection/reader.hpp"
#include "util/line_reader.hpp"

namespace cascade {

/// Streams one JSON object per line. The id is `_id` or `id` (a string or an integer); the
/// text is `text` or `contents`; `title` is optional. Blank lines are skipped, other fields
/// (e.g. BEIR `metadata`) ignored. Invalid UTF-8 is replaced before parsing.
class JsonlDocumentReader final : public DocumentReader {
public:
    explicit JsonlDocumentReader(std::string path);
    bool next(Document& doc) override;
    /// The next non-blank line, unparsed.
    bool skip() override;
    [[nodiscard]] std::uint64_t bytes_consumed() const override {
        return m_reader.bytes_consumed();
    }
    [[nodiscard]] std::uint64_t total_bytes() const override { return m_reader.file_size(); }
    [[nodiscard]] std::string location() const override;

private:
    LineReader m_reader;
    std::string m_line;
};

/// Reads a JSONL query file: id from `_id`/`id`, text from `text`/`query`/`contents`/`title`.
[[nodiscard]] std::vector<Query> read_jsonl_queries(const std::string& path);

}  // namespace cascade
