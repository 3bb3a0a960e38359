#include "runtime/icr.hpp"

#include <fmt/format.h>

namespace cascade::runtime {

IcrPrompt build_icr_prompt(const DecoderLm& lm, std::string_view query,
                           std::span<const std::string> documents, std::size_t passage_tokens) {
    IcrPrompt p;
    auto append = [&p](const std::vector<std::int32_t>& ids) {
        p.prefix.insert(p.prefix.end(), ids.begin(), ids.end());
    };
    append(lm.chat().begin());
    append(lm.chat().open("user"));
    append(lm.ids("Here are some paragraphs:\n\n"));
    for (std::size_t i = 0; i < documents.size(); ++i) {
        append(lm.ids(fmt::format("[{}]", i + 1)));
        const std::size_t begin = p.prefix.size();
        append(lm.ids(" " + documents[i], passage_tokens));
        p.spans.emplace_back(begin, p.prefix.size());
        append(lm.ids("\n\n"));
    }
    append(
        lm.ids("Please find information that is relevant to the following query in the "
               "paragraphs above.\n\nQuery:"));
    p.query = lm.ids(" " + std::string(query));
    p.calibration = lm.ids(" " + std::string(kIcrCalibrationQuery));
    if (p.query.empty())
        p.query = p.calibration;  // an empty query scores 0 everywhere
    lm.check_fits(p.prefix.size() + std::max(p.query.size(), p.calibration.size()), 0,
                  fmt::format("the ICR prompt of {} documents", documents.size()));
    return p;
}

std::vector<double> icr_scores(const DecoderLm& lm, const IcrPrompt& prompt) {
    const std::vector<std::vector<std::int32_t>> continuations{prompt.query, prompt.calibration};
    const auto mass = lm.attention_mass(prompt.prefix, continuations, prompt.spans);
    std::vector<double> out(prompt.spans.size());
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = mass[0][i] - mass[1][i];
    return out;
}

}  // namespace cascade::runtime
