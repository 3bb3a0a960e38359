/// cascade._cascade: the public API (include/cascade/) as a Python extension. The pure-Python
/// package (python/cascade/) wraps it: accepted argument shapes (paths, dicts, DataFrames),
/// FileNotFoundError for missing paths, and the plots. Long calls release the GIL, so Python
/// threads search, evaluate and score in parallel.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cascade/collection.hpp>
#include <cascade/error.hpp>
#include <cascade/eval.hpp>
#include <cascade/index.hpp>
#include <cascade/model.hpp>
#include <cascade/pipeline.hpp>
#include <cascade/search.hpp>
#include <cascade/types.hpp>

#include "convert.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace cascade::python {
namespace {

/// One hit of a search. Title and text are read from the index when first asked for.
struct Hit {
    std::string docid;
    double score = 0.0;
    int rank = 0;
    std::optional<Index> index;

    [[nodiscard]] Document document() const {
        if (!index) {
            throw_usage("this hit did not come from an index: it has no title or text");
        }
        const auto internal = index->internal_id(docid);
        if (!internal) {
            throw_usage("document '" + docid + "' is not in the index");
        }
        return index->document(*internal);
    }
};

Hit hit_at(const Hits& hits, std::ptrdiff_t i) {
    const auto n = static_cast<std::ptrdiff_t>(hits.entries.size());
    if (i < 0) {
        i += n;
    }
    if (i < 0 || i >= n) {
        throw py::index_error("hit index out of range");
    }
    const RunEntry& entry = hits.entries[static_cast<std::size_t>(i)];
    return Hit{entry.docid, entry.score, entry.rank, hits.index};
}

/// An open index, with the report of the build that made it when it was built here.
struct PyIndex {
    Index index;
    std::filesystem::path path;
    std::optional<IndexBuildReport> build_report;
};

py::dict build_report_dict(const IndexBuildReport& r) {
    return py::dict("num_docs"_a = r.num_docs, "num_terms"_a = r.num_terms,
                    "num_postings"_a = r.num_postings, "index_bytes"_a = r.index_bytes,
                    "postings_bytes"_a = r.postings_bytes, "spilled_runs"_a = r.spilled_runs,
                    "seconds"_a = r.seconds);
}

std::vector<Query> to_queries(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::vector<Query> queries;
    queries.reserve(pairs.size());
    for (const auto& [id, text] : pairs) {
        queries.push_back(Query{id, text});
    }
    return queries;
}

/// A numpy array that owns `values` (moved, not copied) with the given shape.
py::array_t<float> owning_array(std::vector<float>&& values, std::vector<py::ssize_t> shape) {
    auto* owned = new std::vector<float>(std::move(values));
    py::capsule release(owned, [](void* p) { delete static_cast<std::vector<float>*>(p); });
    return py::array_t<float>(std::move(shape), owned->data(), release);
}

/// ModelOptions from a folder and the Python keyword options, each set through
/// ModelOptions::set so a bad value gets the CLI's message.
ModelOptions model_options(const std::filesystem::path& dir, const py::dict& kwargs) {
    ModelOptions options;
    options.dir = dir;
    for (const auto& [key, value] : kwargs) {
        const auto name = key.cast<std::string>();
        if (!ModelOptions::is_option(name)) {
            std::string known;
            for (const ModelOptionInfo& info : model_option_infos()) {
                known += (known.empty() ? "" : ", ") + std::string(info.key);
            }
            throw_usage("unknown model option '" + name + "' (known: " + known + ")");
        }
        std::string text;
        if (py::isinstance<py::bool_>(value)) {
            text = value.cast<bool>() ? "true" : "false";
        } else {
            text = py::str(value).cast<std::string>();
        }
        options.set(name, text);
    }
    return options;
}

/// A model handle with the pool it lives in (the pool's schedulers run its forward passes).
struct PyCrossEncoder {
    ModelPool pool;
    CrossEncoder model;
};

struct PyEmbedder {
    ModelPool pool;
    BiEncoder model;
};

ModelPoolOptions pool_options(const py::dict& kwargs) {
    std::size_t threads = 1;
    if (kwargs.contains("threads")) {
        threads = kwargs["threads"].cast<std::size_t>();
    }
    return ModelPoolOptions::for_command(threads == 0 ? 1 : threads);
}

py::dict metrics_dict(const StageMetrics& m) {
    return py::dict("ndcg_cut_10"_a = m.ndcg_at_10, "recall_100"_a = m.recall_at_100,
                    "map"_a = m.map);
}

void bind_values(py::module_& m) {
    py::class_<Hit>(m, "Hit", "One search hit: docid, score, rank, and the document's title/text.")
        .def_readonly("docid", &Hit::docid)
        .def_readonly("score", &Hit::score)
        .def_readonly("rank", &Hit::rank)
        .def_property_readonly("title", [](const Hit& h) { return h.document().title; })
        .def_property_readonly("text", [](const Hit& h) { return h.document().text; })
        .def("__repr__", [](const Hit& h) {
            return "Hit(rank=" + std::to_string(h.rank) + ", docid='" + h.docid +
                   "', score=" + py::repr(py::float_(h.score)).cast<std::string>() + ")";
        });

    py::class_<Hits>(m, "Hits", "The ranked hits of one query (a sequence of Hit).")
        .def_readonly("qid", &Hits::qid)
        .def("__len__", [](const Hits& h) { return h.entries.size(); })
        .def("__getitem__", &hit_at, "i"_a)
        .def("__getitem__",
             [](const Hits& h, const py::slice& slice) {
                 std::size_t start = 0;
                 std::size_t stop = 0;
                 std::size_t step = 0;
                 std::size_t length = 0;
                 if (!slice.compute(h.entries.size(), &start, &stop, &step, &length)) {
                     throw py::error_already_set();
                 }
                 py::list out;
                 for (std::size_t i = 0; i < length; ++i) {
                     out.append(hit_at(h, static_cast<std::ptrdiff_t>(start + i * step)));
                 }
                 return out;
             })
        .def("__iter__",
             [](const Hits& h) {
                 py::list out;
                 for (std::size_t i = 0; i < h.entries.size(); ++i) {
                     out.append(hit_at(h, static_cast<std::ptrdiff_t>(i)));
                 }
                 return py::iter(out);
             })
        .def_property_readonly("docids",
                               [](const Hits& h) {
                                   std::vector<std::string> ids;
                                   ids.reserve(h.entries.size());
                                   for (const RunEntry& e : h.entries) {
                                       ids.push_back(e.docid);
                                   }
                                   return ids;
                               })
        .def_property_readonly(
            "scores",
            [](const Hits& h) {
                py::array_t<double> out(static_cast<py::ssize_t>(h.entries.size()));
                auto view = out.mutable_unchecked<1>();
                for (std::size_t i = 0; i < h.entries.size(); ++i) {
                    view(static_cast<py::ssize_t>(i)) = h.entries[i].score;
                }
                return out;
            })
        .def("__repr__", [](const Hits& h) {
            return "Hits(qid='" + h.qid + "', " + std::to_string(h.entries.size()) + " hits)";
        });

    py::class_<Run>(m, "Run", "A ranked run: query id -> (docid, score) entries.")
        .def(py::init<>())
        .def_readwrite("tag", &Run::tag)
        .def_property_readonly("num_entries", &Run::num_entries)
        .def("__len__", [](const Run& r) { return r.by_query.size(); })
        .def("queries",
             [](const Run& r) {
                 std::vector<std::string> ids;
                 for (const auto& [qid, entries] : r.by_query) {
                     ids.push_back(qid);
                 }
                 return ids;
             })
        .def(
            "to_dict",
            [](const Run& r) {
                py::dict out;
                for (const auto& [qid, entries] : r.by_query) {
                    py::dict docs;
                    for (const RunEntry& e : entries) {
                        docs[py::str(e.docid)] = e.score;
                    }
                    out[py::str(qid)] = docs;
                }
                return out;
            },
            "{qid: {docid: score}}, each query's documents in rank order.")
        .def(
            "columns",
            [](const Run& r) {
                std::vector<std::string> qids;
                std::vector<std::string> docids;
                std::vector<double> scores;
                std::vector<int> ranks;
                for (const auto& [qid, entries] : r.by_query) {
                    for (const RunEntry& e : entries) {
                        qids.push_back(qid);
                        docids.push_back(e.docid);
                        scores.push_back(e.score);
                        ranks.push_back(e.rank);
                    }
                }
                return py::make_tuple(qids, docids, scores, ranks);
            },
            "(qids, docids, scores, ranks) as lists, one row per entry.")
        .def(
            "hits",
            [](const Run& r, const std::string& qid, const std::optional<PyIndex>& index) {
                const auto it = r.by_query.find(qid);
                Hits hits{qid, {}, std::nullopt};
                if (it != r.by_query.end()) {
                    hits.entries = it->second;
                }
                if (index) {
                    hits.index = index->index;
                }
                return hits;
            },
            "qid"_a, "index"_a = py::none(), "The hits of one query (empty when it has none).")
        .def(
            "write",
            [](const Run& r, const std::string& path) {
                py::gil_scoped_release unlocked;
                write_run(path, r);
            },
            "path"_a, "Writes the run as a TREC run file, exactly as `cascade search` does.")
        .def_static(
            "read",
            [](const std::string& path) {
                py::gil_scoped_release unlocked;
                return read_run(path);
            },
            "path"_a)
        .def_static("from_dict", &run_from_dict, "run"_a, "tag"_a = "cascade", "argument"_a = "run")
        .def_static("from_columns", &run_from_columns, "qids"_a, "docids"_a, "scores"_a,
                    "tag"_a = "cascade")
        .def("__repr__", [](const Run& r) {
            return "Run(tag='" + r.tag + "', " + std::to_string(r.by_query.size()) + " queries, " +
                   std::to_string(r.num_entries()) + " entries)";
        });

    py::class_<Qrels>(m, "Qrels", "Relevance judgments: query id -> docid -> grade.")
        .def(py::init<>())
        .def_property_readonly("num_judgments", &Qrels::num_judgments)
        .def("__len__", [](const Qrels& q) { return q.by_query.size(); })
        .def("to_dict",
             [](const Qrels& q) {
                 py::dict out;
                 for (const auto& [qid, judged] : q.by_query) {
                     py::dict docs;
                     for (const auto& [docid, grade] : judged) {
                         docs[py::str(docid)] = grade;
                     }
                     out[py::str(qid)] = docs;
                 }
                 return out;
             })
        .def_static(
            "read",
            [](const std::string& path) {
                py::gil_scoped_release unlocked;
                return read_qrels(path);
            },
            "path"_a)
        .def_static("from_dict", &qrels_from_dict, "qrels"_a, "argument"_a = "qrels")
        .def_static("from_columns", &qrels_from_columns, "qids"_a, "docids"_a, "grades"_a)
        .def("__repr__", [](const Qrels& q) {
            return "Qrels(" + std::to_string(q.by_query.size()) + " queries, " +
                   std::to_string(q.num_judgments()) + " judgments)";
        });

    m.def(
        "read_queries",
        [](const std::string& path, const std::string& format) {
            std::vector<Query> queries;
            {
                py::gil_scoped_release unlocked;
                queries = read_queries(path, format);
            }
            std::vector<std::pair<std::string, std::string>> out;
            out.reserve(queries.size());
            for (Query& q : queries) {
                out.emplace_back(std::move(q.id), std::move(q.text));
            }
            return out;
        },
        "path"_a, "format"_a = "auto");
}

SearchOptions search_options(const py::dict& o) {
    SearchOptions options;
    for (const auto& [key, value] : o) {
        const auto name = key.cast<std::string>();
        if (name == "k") {
            options.k = value.cast<std::size_t>();
        } else if (name == "k1") {
            options.bm25.k1 = value.cast<float>();
        } else if (name == "b") {
            options.bm25.b = value.cast<float>();
        } else if (name == "algorithm") {
            options.algorithm = value.cast<std::string>();
        } else if (name == "fields") {
            options.fields = value.cast<std::string>();
        } else if (name == "remove_query") {
            options.remove_query = value.cast<bool>();
        } else if (name == "tag") {
            options.tag = value.cast<std::string>();
        } else if (name == "threads") {
            options.threads = value.cast<unsigned>();
        } else if (name == "dense") {
            options.dense = value.cast<bool>();
        } else if (name == "dense_method") {
            options.dense_method = value.cast<std::string>();
        } else if (name == "ef") {
            options.ef = value.cast<std::size_t>();
        } else if (name == "embedder") {
            options.embedder = value.cast<std::string>();
        } else if (name == "query_vectors") {
            options.query_vectors = value.cast<std::string>();
        } else if (name == "impact") {
            options.impact = value.cast<bool>();
        } else if (name == "impact_queries") {
            options.impact_queries = value.cast<std::string>();
        } else if (name == "progress") {
            options.progress = value.cast<bool>();
        } else {
            throw_usage("unknown search option '" + name + "'");
        }
    }
    check(options);
    return options;
}

void bind_index(py::module_& m) {
    py::class_<PyIndex>(m, "Index", "A read-only index on disk (cascade index).")
        .def(py::init([](const std::filesystem::path& path) {
                 py::gil_scoped_release unlocked;
                 return PyIndex{Index::open(path), path, std::nullopt};
             }),
             "path"_a)
        .def_static(
            "build",
            [](const std::string& collection, const std::filesystem::path& path,
               const std::vector<std::string>& fields, const std::string& format, unsigned threads,
               bool positions, std::uint64_t memory_mb, const std::string& analyzer,
               const std::string& stemmer, bool stopwords, bool progress) {
                IndexBuildOptions options;
                options.fields = fields;
                options.format = format;
                options.threads = threads;
                options.positions = positions;
                options.memory_mb = memory_mb;
                options.analyzer = analyzer;
                options.stemmer = stemmer;
                options.stopwords = stopwords;
                options.progress = progress;
                py::gil_scoped_release unlocked;
                IndexBuildReport report = Index::build(collection, path, options);
                return PyIndex{Index::open(path), path, report};
            },
            "collection"_a, "path"_a, "fields"_a = std::vector<std::string>{}, "format"_a = "auto",
            "threads"_a = 1, "positions"_a = false, "memory_mb"_a = 1024, "analyzer"_a = "english",
            "stemmer"_a = "porter", "stopwords"_a = true, "progress"_a = false)
        .def_property_readonly("path", [](const PyIndex& i) { return i.path; })
        .def_property_readonly("build_report",
                               [](const PyIndex& i) -> py::object {
                                   if (!i.build_report) {
                                       return py::none();
                                   }
                                   return build_report_dict(*i.build_report);
                               })
        .def_property_readonly("num_docs", [](const PyIndex& i) { return i.index.num_docs(); })
        .def("__len__", [](const PyIndex& i) { return i.index.num_docs(); })
        .def_property_readonly("fields", [](const PyIndex& i) { return i.index.fields(); })
        .def_property_readonly("has_impact", [](const PyIndex& i) { return i.index.has_impact(); })
        .def("__contains__",
             [](const PyIndex& i, const std::string& docid) {
                 return i.index.internal_id(docid).has_value();
             })
        .def(
            "doc",
            [](const PyIndex& i, const std::string& docid) {
                const auto internal = i.index.internal_id(docid);
                if (!internal) {
                    throw py::key_error("document '" + docid + "' is not in the index");
                }
                const Document d = i.index.document(*internal);
                return py::dict("id"_a = d.id, "title"_a = d.title, "text"_a = d.text);
            },
            "docid"_a, "The stored document {id, title, text} of an external id.")
        .def(
            "_search",
            [](const PyIndex& i, const std::vector<std::pair<std::string, std::string>>& pairs,
               const py::dict& kwargs) {
                const SearchOptions options = search_options(kwargs);
                const std::vector<Query> queries = to_queries(pairs);
                SearchResult result;
                {
                    py::gil_scoped_release unlocked;
                    result = search(i.index, queries, options);
                }
                // Every query gets its Hits, in query order; one without hits an empty one.
                py::dict out;
                for (const Query& q : queries) {
                    Hits hits{q.id, {}, i.index};
                    const auto it = result.run.by_query.find(q.id);
                    if (it != result.run.by_query.end()) {
                        hits.entries = std::move(it->second);
                    }
                    out[py::str(q.id)] = std::move(hits);
                }
                return out;
            },
            "queries"_a, "options"_a)
        .def("__repr__", [](const PyIndex& i) {
            return "Index('" + i.path.string() + "', " + std::to_string(i.index.num_docs()) +
                   " documents)";
        });
}

void bind_eval(py::module_& m) {
    py::class_<Evaluation>(m, "Evaluation", "trec_eval's values: per query and the mean.")
        .def_property_readonly("measures", &Evaluation::measures)
        .def_property_readonly("queries", &Evaluation::queries)
        .def_property_readonly("mean",
                               [](const Evaluation& e) {
                                   py::dict out;
                                   for (const std::string& name : e.measures()) {
                                       if (const auto v = e.summary(name)) {
                                           out[py::str(name)] = *v;
                                       }
                                   }
                                   return out;
                               })
        .def_property_readonly("per_query",
                               [](const Evaluation& e) {
                                   const auto names = e.measures();
                                   py::dict out;
                                   for (const std::string& qid : e.queries()) {
                                       py::dict row;
                                       for (const std::string& name : names) {
                                           if (const auto v = e.value(qid, name)) {
                                               row[py::str(name)] = *v;
                                           }
                                       }
                                       out[py::str(qid)] = row;
                                   }
                                   return out;
                               })
        .def("__getitem__",
             [](const Evaluation& e, const std::string& measure) {
                 const auto v = e.summary(measure);
                 if (!v) {
                     throw py::key_error("measure '" + measure + "' was not computed");
                 }
                 return *v;
             })
        .def("format", &Evaluation::format_trec_eval, "per_query"_a = false,
             "Exactly what `cascade eval` (trec_eval) prints.");

    m.def(
        "_evaluate",
        [](const Qrels& qrels, const Run& run, const std::vector<std::string>& measures,
           int relevance_level, bool average_complete, std::int64_t max_docs_per_query,
           int trec_eval_version) {
            EvalOptions options;
            options.measures = measures;
            options.relevance_level = relevance_level;
            options.average_complete = average_complete;
            options.max_docs_per_query = max_docs_per_query;
            options.trec_eval_version = trec_eval_version;
            py::gil_scoped_release unlocked;
            return evaluate(qrels, run, options);
        },
        "qrels"_a, "run"_a, "measures"_a, "relevance_level"_a, "average_complete"_a,
        "max_docs_per_query"_a, "trec_eval_version"_a);

    py::class_<MeasureDifference>(m, "MeasureDifference")
        .def_readonly("measure", &MeasureDifference::measure)
        .def_readonly("queries", &MeasureDifference::queries)
        .def_readonly("mean_a", &MeasureDifference::mean_a)
        .def_readonly("mean_b", &MeasureDifference::mean_b)
        .def_readonly("wins", &MeasureDifference::wins)
        .def_readonly("ties", &MeasureDifference::ties)
        .def_readonly("losses", &MeasureDifference::losses)
        .def_readonly("p_t_test", &MeasureDifference::p_t_test)
        .def_readonly("p_randomization", &MeasureDifference::p_randomization)
        .def_property_readonly("delta",
                               [](const MeasureDifference& d) { return d.mean_b - d.mean_a; })
        .def("__repr__", [](const MeasureDifference& d) {
            return "MeasureDifference('" + d.measure + "', mean_a=" + std::to_string(d.mean_a) +
                   ", mean_b=" + std::to_string(d.mean_b) +
                   ", p_t_test=" + std::to_string(d.p_t_test) + ")";
        });

    py::class_<Comparison>(m, "Comparison", "Two runs compared measure by measure (B - A).")
        .def_property_readonly("measures", &Comparison::measures)
        .def("format", &Comparison::format, "summary_only"_a = false,
             "Exactly what `cascade compare` prints.")
        .def("restrict_to", &Comparison::restrict_to, "qids"_a, "complement"_a = false)
        .def("__str__", [](const Comparison& c) { return c.format(true); });

    m.def(
        "_compare",
        [](const Qrels& qrels, const Run& a, const Run& b, const std::vector<std::string>& measures,
           int relevance_level, bool all_qrels_queries, std::uint64_t trials, std::uint64_t seed,
           const std::string& label_a, const std::string& label_b) {
            CompareOptions options;
            options.measures = measures;
            options.relevance_level = relevance_level;
            options.all_qrels_queries = all_qrels_queries;
            options.trials = trials;
            options.seed = seed;
            options.label_a = label_a;
            options.label_b = label_b;
            py::gil_scoped_release unlocked;
            return compare_runs(qrels, a, b, options);
        },
        "qrels"_a, "a"_a, "b"_a, "measures"_a, "relevance_level"_a, "all_qrels_queries"_a,
        "trials"_a, "seed"_a, "label_a"_a, "label_b"_a);
}

void bind_pipeline(py::module_& m) {
    py::class_<StageReport>(m, "StageReport", "What one stage did over the query set.")
        .def_readonly("label", &StageReport::label)
        .def_readonly("describe", &StageReport::describe)
        .def_readonly("candidates_in", &StageReport::candidates_in)
        .def_readonly("candidates_out", &StageReport::candidates_out)
        .def_property_readonly(
            "latency_ms",
            [](const StageReport& s) {
                py::array_t<double> out(static_cast<py::ssize_t>(s.latency_ms.size()));
                std::copy(s.latency_ms.begin(), s.latency_ms.end(), out.mutable_data());
                return out;
            })
        .def_readonly("total_seconds", &StageReport::total_seconds)
        .def_property_readonly("metrics",
                               [](const StageReport& s) -> py::object {
                                   if (!s.metrics) {
                                       return py::none();
                                   }
                                   return metrics_dict(*s.metrics);
                               })
        .def_readonly("run", &StageReport::run)
        .def("percentile_ms", &StageReport::percentile_ms, "p"_a)
        .def("__repr__", [](const StageReport& s) {
            return "StageReport('" + s.label + "', out/query total " +
                   std::to_string(s.candidates_out) + ")";
        });

    py::class_<PipelineResult>(m, "PipelineResult", "The final run and every stage's report.")
        .def_readonly("stages", &PipelineResult::stages)
        .def_readonly("run", &PipelineResult::run)
        .def_readonly("wall_seconds", &PipelineResult::wall_seconds)
        .def_readonly("stage_seconds", &PipelineResult::stage_seconds)
        .def_readonly("threads", &PipelineResult::threads)
        .def(
            "format", [](const PipelineResult& r) { return format_report(r); },
            "The per-stage table `cascade run` prints.")
        .def("__str__", [](const PipelineResult& r) { return format_report(r); });

    py::class_<Pipeline>(m, "_Pipeline")
        .def_static(
            "load",
            [](const std::filesystem::path& file, const PyIndex& index, unsigned threads) {
                py::gil_scoped_release unlocked;
                return Pipeline::load(file, index.index, threads);
            },
            "file"_a, "index"_a, "threads"_a)
        .def_property_readonly("name", &Pipeline::name)
        .def(
            "run",
            [](const Pipeline& p, const std::vector<std::pair<std::string, std::string>>& pairs,
               const Qrels* qrels, unsigned threads, std::size_t batch, bool keep_runs) {
                PipelineRunOptions options;
                options.threads = threads;
                options.batch = batch;
                options.keep_runs = keep_runs;
                options.qrels = qrels;
                const std::vector<Query> queries = to_queries(pairs);
                py::gil_scoped_release unlocked;
                return p.run(queries, options);
            },
            "queries"_a, "qrels"_a, "threads"_a, "batch"_a, "keep_runs"_a);
}

void bind_models(py::module_& m) {
    py::class_<PyCrossEncoder>(m, "_CrossEncoder")
        .def(py::init([](const std::filesystem::path& dir, const py::dict& kwargs) {
                 const ModelOptions options = model_options(dir, kwargs);
                 const ModelPoolOptions pool = pool_options(kwargs);
                 py::gil_scoped_release unlocked;
                 ModelPool models(pool);
                 CrossEncoder model = models.cross_encoder(options);
                 return PyCrossEncoder{models, std::move(model)};
             }),
             "dir"_a, "options"_a)
        .def_property_readonly("max_length",
                               [](const PyCrossEncoder& c) { return c.model.max_length(); })
        .def(
            "score_pairs",
            [](const PyCrossEncoder& c, const std::vector<std::string>& queries,
               const std::vector<std::string>& documents) {
                if (queries.size() != documents.size()) {
                    throw_usage("score_pairs: queries and documents must have the same length (" +
                                std::to_string(queries.size()) + " and " +
                                std::to_string(documents.size()) + ")");
                }
                std::vector<float> scores;
                {
                    py::gil_scoped_release unlocked;
                    scores = c.model.score_pairs(queries, documents);
                }
                const auto n = static_cast<py::ssize_t>(scores.size());
                return owning_array(std::move(scores), {n});
            },
            "queries"_a, "documents"_a);

    py::class_<PyEmbedder>(m, "_Embedder")
        .def(py::init([](const std::filesystem::path& dir, const py::dict& kwargs) {
                 const ModelOptions options = model_options(dir, kwargs);
                 const ModelPoolOptions pool = pool_options(kwargs);
                 py::gil_scoped_release unlocked;
                 ModelPool models(pool);
                 BiEncoder model = models.bi_encoder(options);
                 return PyEmbedder{models, std::move(model)};
             }),
             "dir"_a, "options"_a)
        .def_property_readonly("dimension", [](const PyEmbedder& e) { return e.model.dimension(); })
        .def_property_readonly("max_length",
                               [](const PyEmbedder& e) { return e.model.max_length(); })
        .def(
            "encode",
            [](const PyEmbedder& e, const std::vector<std::string>& texts) {
                std::vector<float> values;
                {
                    py::gil_scoped_release unlocked;
                    values = e.model.embed(texts);
                }
                const auto rows = static_cast<py::ssize_t>(texts.size());
                const auto dim = static_cast<py::ssize_t>(e.model.dimension());
                return owning_array(std::move(values), {rows, dim});
            },
            "texts"_a);

    m.def("model_options", []() {
        py::list out;
        for (const ModelOptionInfo& info : model_option_infos()) {
            out.append(py::dict("key"_a = std::string(info.key),
                                "default"_a = std::string(info.default_text),
                                "help"_a = std::string(info.help), "is_flag"_a = info.is_flag));
        }
        return out;
    });
}

}  // namespace
}  // namespace cascade::python

PYBIND11_MODULE(_cascade, m) {
    m.doc() = "cascade's C++ library (the public API of include/cascade/).";
    cascade::python::register_errors(m);
    cascade::python::bind_values(m);
    cascade::python::bind_index(m);
    cascade::python::bind_eval(m);
    cascade::python::bind_pipeline(m);
    cascade::python::bind_models(m);
    cascade::python::bind_plots(m);
}
