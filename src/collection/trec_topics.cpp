#include "collection/trec_topics.hpp"

#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "collection/text_fields.hpp"
#include "util/line_reader.hpp"
#include "util/utf8.hpp"

namespace cascade {

namespace {

using collection_detail::append_words;
using collection_detail::trim;

enum class Field { kNone, kNum, kTitle, kOther };

/// Parser state for one topic file; tags are processed in the order they appear on a line.
class TopicParser {
public:
    explicit TopicParser(LineReader& reader) : m_reader(reader) {}

    void feed(std::string_view line) {
        std::size_t i = 0;
        while (i < line.size()) {
            std::size_t lt = line.find('<', i);
            std::size_t gt = lt == std::string_view::npos ? lt : line.find('>', lt);
            bool is_tag = gt != std::string_view::npos && lt + 1 < gt &&
                          (std::isalpha(static_cast<unsigned char>(line[lt + 1])) != 0 ||
                           line[lt + 1] == '/');
            if (!is_tag) {
                text(line.substr(i));
                return;
            }
            text(line.substr(i, lt - i));
            tag(line.substr(lt + 1, gt - lt - 1));
            i = gt + 1;
        }
        text(" ");
    }

    void finish() {
        if (m_in_topic) {
            m_reader.fail(fmt::format("end of file inside topic '{}' (missing </top>)", m_num));
        }
    }

    std::vector<Query> take() { return std::move(m_queries); }

private:
    void text(std::string_view s) {
        if (!m_in_topic) {
            return;
        }
        if (m_field == Field::kNum) {
            m_num.append(s);
        } else if (m_field == Field::kTitle) {
            m_title.append(s);
        }
    }

    void tag(std::string_view t) {
        std::string_view name = t.substr(0, t.find_first_of(" \t"));
        if (name == "top" || name == "topic") {
            if (m_in_topic) {
                m_reader.fail(fmt::format("<{}> inside an unclosed topic", name));
            }
            m_in_topic = true;
            m_num.clear();
            m_title.clear();
            m_field = Field::kNone;
            if (name == "topic") {
                m_num = attribute(t, "number");
            }
        } else if (name == "/top" || name == "/topic") {
            if (!m_in_topic) {
                m_reader.fail(fmt::format("<{}> without an open topic", name));
            }
            close_topic();
        } else if (name == "num") {
            m_field = Field::kNum;
        } else if (name == "title" || name == "query") {
            m_field = Field::kTitle;
        } else if (name.starts_with("/")) {
            m_field = Field::kNone;
        } else {
            m_field = Field::kOther;
        }
    }

    static std::string attribute(std::string_view t, std::string_view key) {
        std::string pattern = fmt::format("{}=\"", key);
        auto pos = t.find(pattern);
        if (pos == std::string_view::npos) {
            return {};
        }
        pos += pattern.size();
        return std::string(t.substr(pos, t.find('"', pos) - pos));
    }

    void close_topic() {
        std::string_view num = trim(m_num);
        if (num.starts_with("Number:")) {
            num = trim(num.substr(7));
        }
        if (num.empty()) {
            m_reader.fail("field 'num': topic without an id");
        }
        std::string_view title = trim(m_title);
        if (title.starts_with("Topic:")) {
            title = trim(title.substr(6));
        }
        Query q;
        q.id.assign(num);
        std::size_t i = 0;
        while (i < title.size()) {  // collapse whitespace runs
            std::size_t j = i;
            while (j < title.size() && !collection_detail::is_space(title[j])) {
                ++j;
            }
            append_words(q.text, title.substr(i, j - i));
            i = j + 1;
        }
        if (q.text.empty()) {
            m_reader.fail(fmt::format("field 'title': topic '{}' has an empty title", q.id));
        }
        m_queries.push_back(std::move(q));
        m_in_topic = false;
        m_field = Field::kNone;
    }

    LineReader& m_reader;
    std::vector<Query> m_queries;
    std::string m_num;
    std::string m_title;
    Field m_field = Field::kNone;
    bool m_in_topic = false;
};

}  // namespace

std::vector<Query> read_trec_topics(const std::string& path) {
    LineReader reader(path);
    TopicParser parser(reader);
    std::string line;
    while (reader.next(line)) {
        sanitize_utf8_inplace(line);
        parser.feed(line);
    }
    parser.finish();
    return parser.take();
}

}  // namespace cascade
