#include "convert.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include <cascade/error.hpp>

namespace py = pybind11;

namespace cascade::python {

namespace {

// The exception classes, created once at import and kept for the life of the interpreter.
PyObject* g_error = nullptr;
PyObject* g_usage_error = nullptr;
PyObject* g_input_error = nullptr;
PyObject* g_corruption_error = nullptr;
PyObject* g_io_error = nullptr;

PyObject* new_exception(py::module_& module, const char* name, PyObject* bases, const char* doc) {
    const std::string qualified = std::string("cascade.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
    if (type == nullptr) {
        throw py::error_already_set();
    }
    module.add_object(name, py::reinterpret_borrow<py::object>(type));
    return type;
}

void sort_entries(std::vector<RunEntry>& entries) {
    // trec_eval's order: score descending, ties by document id descending.
    std::stable_sort(entries.begin(), entries.end(), [](const RunEntry& a, const RunEntry& b) {
        if (a.score != b.score) {
            return a.score > b.score;
        }
        return a.docid > b.docid;
    });
    int rank = 1;
    for (RunEntry& entry : entries) {
        entry.rank = rank++;
    }
}

std::string key_string(const py::handle& key, const std::string& argument, const char* what) {
    if (!py::isinstance<py::str>(key)) {
        throw_usage(argument + ": every " + what + " must be a str, got " +
                    std::string(py::str(py::type::of(key).attr("__name__"))));
    }
    return key.cast<std::string>();
}

}  // namespace

void register_errors(py::module_& module) {
    g_error = new_exception(module, "Error", PyExc_Exception,
                            "Base of the errors cascade raises for problems a user can fix.");
    const py::tuple usage_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
    g_usage_error = new_exception(module, "UsageError", usage_bases.ptr(),
                                  "A bad argument or option value (the CLI's exit code 2).");
    g_input_error = new_exception(module, "InputError", usage_bases.ptr(),
                                  "Malformed content in an input file: `path:line: what`.");
    g_corruption_error = new_exception(module, "CorruptionError", g_error,
                                       "An index or model file that is damaged or of another "
                                       "format version.");
    const py::tuple io_bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_OSError));
    g_io_error = new_exception(module, "IoError", io_bases.ptr(),
                               "The operating system failed to open, read or write a file.");
    py::register_exception_translator([](std::exception_ptr error) {
        try {
            if (error) {
                std::rethrow_exception(error);
            }
        } catch (const UsageError& e) {
            PyErr_SetString(g_usage_error, e.what());
        } catch (const InputError& e) {
            PyErr_SetString(g_input_error, e.what());
        } catch (const CorruptionError& e) {
            PyErr_SetString(g_corruption_error, e.what());
        } catch (const IoError& e) {
            PyErr_SetString(g_io_error, e.what());
        } catch (const Error& e) {
            PyErr_SetString(g_error, e.what());
        }
    });
}

void throw_usage(const std::string& message) {
    PyErr_SetString(g_usage_error, message.c_str());
    throw py::error_already_set();
}

Run run_from_dict(const py::dict& dict, const std::string& tag, const std::string& argument) {
    Run run;
    run.tag = tag;
    for (const auto& [key, value] : dict) {
        std::string qid = key_string(key, argument, "query id");
        std::vector<RunEntry> entries;
        if (py::isinstance<Hits>(value)) {
            entries = value.cast<const Hits&>().entries;
        } else if (py::isinstance<py::dict>(value)) {
            const auto docs = value.cast<py::dict>();
            entries.reserve(docs.size());
            for (const auto& [docid, score] : docs) {
                RunEntry entry;
                entry.docid = key_string(docid, argument, "document id");
                try {
                    entry.score = score.cast<double>();
                } catch (const py::cast_error&) {
                    throw_usage(argument + "[" + qid + "][" + entry.docid +
                                "]: the score must be a number");
                }
                entries.push_back(std::move(entry));
            }
            sort_entries(entries);
        } else {
            throw_usage(argument + "[" + qid +
                        "]: expected a dict {docid: score} or the Hits of a search, got " +
                        std::string(py::str(py::type::of(value).attr("__name__"))));
        }
        run.by_query.emplace(std::move(qid), std::move(entries));
    }
    return run;
}

Run run_from_columns(const std::vector<std::string>& qids, const std::vector<std::string>& docids,
                     const std::vector<double>& scores, const std::string& tag) {
    if (qids.size() != docids.size() || qids.size() != scores.size()) {
        throw_usage("run columns: qid, docid and score must have one value per row");
    }
    Run run;
    run.tag = tag;
    for (std::size_t i = 0; i < qids.size(); ++i) {
        RunEntry entry;
        entry.docid = docids[i];
        entry.score = scores[i];
        run.by_query[qids[i]].push_back(std::move(entry));
    }
    for (auto& [qid, entries] : run.by_query) {
        sort_entries(entries);
    }
    return run;
}

Qrels qrels_from_dict(const py::dict& dict, const std::string& argument) {
    Qrels qrels;
    for (const auto& [key, value] : dict) {
        std::string qid = key_string(key, argument, "query id");
        if (!py::isinstance<py::dict>(value)) {
            throw_usage(argument + "[" + qid + "]: expected a dict {docid: grade}");
        }
        auto& judged = qrels.by_query[qid];
        for (const auto& [docid, grade] : value.cast<py::dict>()) {
            std::string doc = key_string(docid, argument, "document id");
            if (!py::isinstance<py::int_>(grade) || py::isinstance<py::bool_>(grade)) {
                throw_usage(argument + "[" + qid + "][" + doc +
                            "]: the relevance grade must be an int");
            }
            judged.emplace(std::move(doc), grade.cast<int>());
        }
    }
    return qrels;
}

Qrels qrels_from_columns(const std::vector<std::string>& qids,
                         const std::vector<std::string>& docids, const std::vector<int>& grades) {
    if (qids.size() != docids.size() || qids.size() != grades.size()) {
        throw_usage("qrels columns: qid, docid and relevance must have one value per row");
    }
    Qrels qrels;
    for (std::size_t i = 0; i < qids.size(); ++i) {
        if (!qrels.by_query[qids[i]].emplace(docids[i], grades[i]).second) {
            throw_usage("qrels: row " + std::to_string(i) + " repeats the pair (" + qids[i] + ", " +
                        docids[i] + ")");
        }
    }
    return qrels;
}

}  // namespace cascade::python
