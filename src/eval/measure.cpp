#include "eval/measure.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "eval/measures/measure_functions.hpp"
#include "util/error.hpp"

namespace cascade::eval {

namespace m = measures;

const std::vector<MeasureDef>& measure_table() {
    // Order, default parameters, print kinds and averaging follow trec_eval 10.0 measures.c
    // and the m_*.c file of each measure.
    static const std::vector<double> kCuts = {5, 10, 15, 20, 30, 100, 200, 500, 1000};
    static const std::vector<double> kRecallPoints = {0.0, 0.1, 0.2, 0.3, 0.4, 0.5,
                                                      0.6, 0.7, 0.8, 0.9, 1.0};
    static const std::vector<double> kRprecMultiples = {0.2, 0.4, 0.6, 0.8, 1.0,
                                                        1.2, 1.4, 1.6, 1.8, 2.0};
    using PK = ParamKind;
    using VK = ValueKind;
    using AG = Aggregate;
    static const std::vector<MeasureDef> table = {
        {"runid", PK::None, {}, VK::Long, AG::Sum, false, nullptr},
        {"num_q", PK::None, {}, VK::Long, AG::QueryCount, false, m::num_q},
        {"num_ret", PK::None, {}, VK::Long, AG::Sum, true, m::num_ret},
        {"num_rel", PK::None, {}, VK::Long, AG::Sum, true, m::num_rel},
        {"num_rel_ret", PK::None, {}, VK::Long, AG::Sum, true, m::num_rel_ret},
        {"map", PK::None, {}, VK::Float, AG::Mean, true, m::map},
        {"gm_map", PK::None, {}, VK::Float, AG::GeometricMean, false, m::gm_map},
        {"Rprec", PK::None, {}, VK::Float, AG::Mean, true, m::r_precision},
        {"bpref", PK::None, {}, VK::Float, AG::Mean, true, m::bpref},
        {"recip_rank", PK::None, {}, VK::Float, AG::Mean, true, m::recip_rank},
        {"iprec_at_recall", PK::DoubleCutoffs, kRecallPoints, VK::Float, AG::Mean, true,
         m::iprec_at_recall},
        {"P", PK::LongCutoffs, kCuts, VK::Float, AG::Mean, true, m::precision_at},
        {"recall", PK::LongCutoffs, kCuts, VK::Float, AG::Mean, true, m::recall_at},
        {"gm_bpref", PK::None, {}, VK::Float, AG::GeometricMean, false, m::gm_bpref},
        {"Rprec_mult", PK::DoubleCutoffs, kRprecMultiples, VK::Float, AG::Mean, true,
         m::r_precision_mult},
        {"utility", PK::DoubleList, {1.0, -1.0, 0.0, 0.0}, VK::Float, AG::Mean, true, m::utility},
        {"11pt_avg", PK::DoubleList, kRecallPoints, VK::Float, AG::Mean, true,
         m::eleven_point_average},
        {"binG", PK::None, {}, VK::Float, AG::Mean, true, m::bin_g},
        {"ndcg", PK::GainPairs, {}, VK::Float, AG::Mean, true, m::ndcg},
        {"ndcg_cut", PK::LongCutoffs, kCuts, VK::Float, AG::Mean, true, m::ndcg_cut},
        {"map_cut", PK::LongCutoffs, kCuts, VK::Float, AG::Mean, true, m::map_cut},
        {"relative_P", PK::LongCutoffs, kCuts, VK::Float, AG::Mean, true, m::relative_precision_at},
        {"success", PK::LongCutoffs, {1, 5, 10}, VK::Float, AG::Mean, true, m::success_at},
        {"set_P", PK::None, {}, VK::Float, AG::Mean, true, m::set_precision},
        {"set_relative_P", PK::None, {}, VK::Float, AG::Mean, true, m::set_relative_precision},
        {"set_recall", PK::None, {}, VK::Float, AG::Mean, true, m::set_recall},
        {"set_map", PK::None, {}, VK::Float, AG::Mean, true, m::set_map},
        {"set_F", PK::DoubleList, {1.0}, VK::Float, AG::Mean, true, m::set_f},
        {"num_nonrel_judged_ret", PK::None, {}, VK::Long, AG::Sum, true, m::num_nonrel_judged_ret},
    };
    return table;
}

std::vector<std::string_view> nickname_members(std::string_view name) {
    // measures.c nickname lists, restricted to the measures cascade implements; the others
    // (relstring, infAP, G, dcg, ideal_dcg, ndcg_rel, Rndcg) are
    // listed in docs/eval.md.
    if (name == "official") {
        return {"runid",  "num_q", "num_ret", "num_rel",    "num_rel_ret",     "map",
                "gm_map", "Rprec", "bpref",   "recip_rank", "iprec_at_recall", "P"};
    }
    if (name == "all_trec") {
        return {"runid",
                "num_q",
                "num_ret",
                "num_rel",
                "num_rel_ret",
                "map",
                "gm_map",
                "Rprec",
                "bpref",
                "recip_rank",
                "iprec_at_recall",
                "P",
                "recall",
                "gm_bpref",
                "Rprec_mult",
                "utility",
                "11pt_avg",
                "binG",
                "ndcg",
                "relative_P",
                "success",
                "map_cut",
                "ndcg_cut",
                "set_P",
                "set_recall",
                "set_relative_P",
                "set_map",
                "set_F",
                "num_nonrel_judged_ret"};
    }
    if (name == "set") {
        return {"runid", "num_q",      "num_ret",        "num_rel", "num_rel_ret", "utility",
                "set_P", "set_recall", "set_relative_P", "set_map", "set_F"};
    }
    return {};
}

namespace {

std::vector<std::string> split_commas(std::string_view s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t comma = s.find(',', start);
        out.emplace_back(s.substr(start, comma == std::string_view::npos ? comma : comma - start));
        if (comma == std::string_view::npos) {
            return out;
        }
        start = comma + 1;
    }
}

double parse_number(std::string_view measure, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) {
        throw UsageError(
            fmt::format("measure '{}': parameter '{}' is not a number", measure, text));
    }
    return v;
}

std::vector<double> parse_cutoffs(const MeasureDef& def, const std::string& text) {
    std::vector<double> values;
    for (const auto& piece : split_commas(text)) {
        if (def.param_kind == ParamKind::LongCutoffs) {
            long v = 0;
            auto [ptr, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), v);
            if (ec != std::errc() || ptr != piece.data() + piece.size() || v <= 0) {
                throw UsageError(fmt::format("measure '{}': cutoff '{}' must be a positive integer",
                                             def.name, piece));
            }
            values.push_back(static_cast<double>(v));
        } else {
            values.push_back(parse_number(def.name, piece));
        }
    }
    std::sort(values.begin(), values.end());
    if (std::adjacent_find(values.begin(), values.end()) != values.end()) {
        throw UsageError(fmt::format("measure '{}': duplicate cutoffs in '{}'", def.name, text));
    }
    return values;
}

std::vector<double> parse_gain_pairs(const MeasureDef& def, const std::string& text) {
    std::vector<double> values;
    for (const auto& piece : split_commas(text)) {
        const size_t eq = piece.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == piece.size()) {
            throw UsageError(fmt::format("measure '{}': expected 'grade=gain' pairs, got '{}'",
                                         def.name, piece));
        }
        values.push_back(parse_number(def.name, piece.substr(0, eq)));
        values.push_back(parse_number(def.name, piece.substr(eq + 1)));
    }
    return values;
}

SelectedMeasure instantiate(const MeasureDef& def, const std::string* params) {
    SelectedMeasure sel{&def, def.default_params, {}};
    if (params != nullptr && def.param_kind == ParamKind::None) {
        throw UsageError(fmt::format("measure '{}' takes no parameters", def.name));
    }
    switch (def.param_kind) {
        case ParamKind::None:
            sel.value_names.emplace_back(def.name);
            break;
        case ParamKind::LongCutoffs:
        case ParamKind::DoubleCutoffs:
            if (params != nullptr) {
                sel.params = parse_cutoffs(def, *params);
            }
            for (double c : sel.params) {
                sel.value_names.push_back(def.param_kind == ParamKind::LongCutoffs
                                              ? fmt::format("{}_{}", def.name, static_cast<long>(c))
                                              : fmt::format("{}_{:3.2f}", def.name, c));
            }
            break;
        case ParamKind::DoubleList:
        case ParamKind::GainPairs:
            if (params != nullptr) {
                sel.params = def.param_kind == ParamKind::GainPairs ? parse_gain_pairs(def, *params)
                                                                    : std::vector<double>{};
                if (def.param_kind == ParamKind::DoubleList) {
                    for (const auto& piece : split_commas(*params)) {
                        sel.params.push_back(parse_number(def.name, piece));
                    }
                }
                if (def.name == "utility" && sel.params.size() != 4) {
                    throw UsageError("measure 'utility' takes exactly 4 coefficients");
                }
                sel.value_names.push_back(fmt::format("{}_{}", def.name, *params));
            } else {
                sel.value_names.emplace_back(def.name);
            }
            break;
    }
    return sel;
}

}  // namespace

std::vector<SelectedMeasure> select_measures(const std::vector<std::string>& args) {
    const auto& table = measure_table();
    std::vector<bool> marked(table.size(), false);
    std::map<std::string, std::string, std::less<>> params_by_name;
    auto mark = [&](std::string_view name) {
        for (size_t i = 0; i < table.size(); ++i) {
            if (table[i].name == name) {
                marked[i] = true;
                return;
            }
        }
        throw UsageError(fmt::format(
            "unknown measure '{}' (see docs/eval.md for the measures cascade implements)", name));
    };
    const std::vector<std::string> defaults = {"official"};
    for (const auto& arg : args.empty() ? defaults : args) {
        const size_t dot = arg.find('.');
        const std::string name = arg.substr(0, dot);
        if (dot != std::string::npos) {
            if (dot + 1 == arg.size()) {
                throw UsageError(fmt::format("measure '{}': empty parameter list", name));
            }
            params_by_name.try_emplace(name, arg.substr(dot + 1));  // first one wins
        }
        const auto members = nickname_members(name);
        if (!members.empty()) {
            for (auto member : members) {
                mark(member);
            }
        } else {
            mark(name);
        }
    }
    std::vector<SelectedMeasure> selected;
    for (size_t i = 0; i < table.size(); ++i) {
        if (marked[i]) {
            auto it = params_by_name.find(table[i].name);
            selected.push_back(
                instantiate(table[i], it == params_by_name.end() ? nullptr : &it->second));
        }
    }
    return selected;
}

}  // namespace cascade::eval
