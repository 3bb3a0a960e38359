#pragma once
/// Progress reporting for long work: a one-line bar with rate and ETA on stderr. Public
/// (cascade/progress.hpp), since callers of long library calls draw their own bars with it.

#include <cascade/progress.hpp>
