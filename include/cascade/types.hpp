#pragma once
/// The values cascade passes around: documents, queries, relevance judgments and runs.

#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace cascade {

/// One document of a collection. `title` may be empty (formats without titles).
struct Document {
    std::string id;
    std::string title;
    std::string text;
};

/// One query (topic). For TREC topics with several fields, `text` is the title field.
struct Query {
    std::string id;
    std::string text;
};

/// Relevance judgments: query id -> document id -> relevance grade, as in the file
/// (trec_eval counts grade >= 1 as relevant; 0 and negative grades are judged non-relevant).
/// Queries are ordered by id string, as trec_eval orders them.
struct Qrels {
    std::map<std::string, std::unordered_map<std::string, int>> by_query;

    [[nodiscard]] std::size_t num_judgments() const;
};

/// One line of a TREC run.
struct RunEntry {
    std::string docid;
    double score = 0.0;
    int rank = 0;  ///< the rank column as written; trec_eval ignores it and sorts by score
};

/// A ranked run: query id -> entries in file order (not re-sorted, duplicates kept).
struct Run {
    std::map<std::string, std::vector<RunEntry>> by_query;
    std::string tag = "cascade";

    [[nodiscard]] std::size_t num_entries() const;
};

}  // namespace cascade
