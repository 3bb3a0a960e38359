#include "collection/classic.hpp"

#include "util/error.hpp"

namespace cascade {

bool is_classic_format(std::string_view name) {
    return name == "smart" || name == "cisi" || name == "cranfield" || name == "medline" ||
           name == "adi" || name == "npl" || name == "lisa" || name == "time";
}

std::string detect_classic(const std::string& /*dir*/) { return {}; }

std::unique_ptr<DocumentReader> open_classic_documents(const std::string& path,
                                                       std::string_view format) {
    throw Error("classic collections are not implemented yet: " + path);
}

std::vector<Query> read_classic_queries(const std::string& path, std::string_view format) {
    throw Error("classic collections are not implemented yet: " + path);
}

Qrels read_classic_qrels(const std::string& dir, std::string_view format,
                         std::vector<std::string>& warnings) {
    throw Error("classic collections are not implemented yet: " + dir);
}

}  // namespace cascade
