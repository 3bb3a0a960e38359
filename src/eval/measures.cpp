// Placeholder translation unit; the evaluator lands with issue 2.
namespace cascade::eval {}
