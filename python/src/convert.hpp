#pragma once
/// Conversions between Python values and the public API's values (runs, judgments, queries),
/// and cascade's errors as Python exceptions.

#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include <cascade/index.hpp>
#include <cascade/types.hpp>

namespace cascade::python {

/// The hits of one query: the run's entries plus the index they came from, so a hit's title and
/// text are read only when asked for.
struct Hits {
    std::string qid;
    std::vector<RunEntry> entries;
    std::optional<Index> index;  ///< absent for hits that did not come from a search
};

/// Registers cascade.Error and its subclasses (UsageError and InputError are ValueErrors,
/// IoError an OSError) and the translator that raises them for cascade's C++ errors.
void register_errors(pybind11::module_& module);

/// Binds cascade.plots' functions (plots.cpp).
void bind_plots(pybind11::module_& module);

/// Raises the Python class registered for UsageError with `message`.
[[noreturn]] void throw_usage(const std::string& message);

/// {qid: {docid: score}} or {qid: Hits} (a batch_search result) as a Run, each query's entries
/// by score descending, ties by document id descending (the order trec_eval ranks them in),
/// ranks from 1. `argument` names the value in errors.
[[nodiscard]] Run run_from_dict(const pybind11::dict& dict, const std::string& tag,
                                const std::string& argument);

/// Columns of a run (qid, docid, score) as a Run, in the same order as run_from_dict.
[[nodiscard]] Run run_from_columns(const std::vector<std::string>& qids,
                                   const std::vector<std::string>& docids,
                                   const std::vector<double>& scores, const std::string& tag);

/// {qid: {docid: grade}} as Qrels.
[[nodiscard]] Qrels qrels_from_dict(const pybind11::dict& dict, const std::string& argument);

/// Columns of judgments as Qrels; a repeated (qid, docid) pair is a UsageError.
[[nodiscard]] Qrels qrels_from_columns(const std::vector<std::string>& qids,
                                       const std::vector<std::string>& docids,
                                       const std::vector<int>& grades);

}  // namespace cascade::python
