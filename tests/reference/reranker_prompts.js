#!/usr/bin/env node
// Token ids of Qwen3-Reranker prompts from Hugging Face's own tokenizer (npm tokenizers@0.23.2,
// the Rust library), built the way the Qwen3-Reranker model card's transformers example does:
// the system part, the user text "<Instruct>: ...\n<Query>: ...\n<Document>: ..." (cut at its
// end to max_length minus the other two parts) and the assistant part are tokenized separately,
// without special-token post-processing, and concatenated.
//
//   node tests/reference/reranker_prompts.js <tokenizers module> <tokenizer.json> <cases.json>
//
// cases.json: [{instruction, query, document, max_length}]; prints [{ids}] as JSON.
'use strict';
const fs = require('fs');
const path = require('path');

const [modulePath, tokenizerFile, casesFile] = process.argv.slice(2);
const { Tokenizer } = require(path.resolve(modulePath));
const tok = Tokenizer.fromFile(tokenizerFile);
const SYSTEM = '<|im_start|>system\nJudge whether the Document meets the requirements based on ' +
  'the Query and the Instruct provided. Note that the answer can only be "yes" or "no".' +
  '<|im_end|>\n<|im_start|>user\n';
const SUFFIX = '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';

async function ids(text) {
  return (await tok.encode(text, null, { addSpecialTokens: false })).getIds();
}

(async () => {
  const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
  const system = await ids(SYSTEM);
  const suffix = await ids(SUFFIX);
  const out = [];
  for (const c of cases) {
    let user = await ids(`<Instruct>: ${c.instruction}\n<Query>: ${c.query}\n<Document>: ${c.document}`);
    const room = c.max_length - system.length - suffix.length;
    if (user.length > room) user = user.slice(0, room);
    out.push({ ids: [...system, ...user, ...suffix] });
  }
  process.stdout.write(JSON.stringify(out));
})();
