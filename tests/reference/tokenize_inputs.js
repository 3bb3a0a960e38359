#!/usr/bin/env node
// Token ids from Hugging Face's own tokenizer (npm tokenizers@0.23.2, the Rust library's Node
// binding) for the end-to-end CLI goldens of the model layer.
//
//   node tests/reference/tokenize_inputs.js <tokenizers module> <tokenizer.json> <in.jsonl> <max_length>
//
// Input lines are {"query", "document"} pairs or {"text"}; prints one JSON line per input
// with "input_ids" and "token_type_ids" (no padding; truncation LongestFirst to max_length,
// as the tokenizer.json and sentence-transformers' CrossEncoder do).
'use strict';
const fs = require('fs');
const path = require('path');

const [modulePath, tokenizerJson, input, maxLength] = process.argv.slice(2);
const { Tokenizer } = require(path.resolve(modulePath));

async function main() {
  const tok = Tokenizer.fromFile(tokenizerJson);
  tok.disablePadding();
  tok.setTruncation(parseInt(maxLength, 10), { strategy: 'LongestFirst' });
  const lines = fs.readFileSync(input, 'utf8').split('\n').filter((l) => l.length > 0);
  for (const line of lines) {
    const j = JSON.parse(line);
    const enc = 'query' in j ? await tok.encode(j.query, j.document) : await tok.encode(j.text);
    console.log(JSON.stringify({ input_ids: enc.getIds(), token_type_ids: enc.getTypeIds() }));
  }
}
main();
