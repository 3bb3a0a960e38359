#pragma once
/// The data every layer passes around: documents, queries, relevance judgments and runs. They
/// are public value types (cascade/types.hpp), so the library hands them to callers as they are.

#include <cascade/types.hpp>
