#!/usr/bin/env node
// Token ids of cascade's listwise (RankGPT / FIRST) and ICR prompts from Hugging Face's own
// tokenizer (npm tokenizers@0.23.2), written from the templates documented in
// src/runtime/listwise.hpp and src/runtime/icr.hpp, independently of cascade's C++: each piece
// is tokenized alone without special-token post-processing, passages are cut to
// `passage_tokens` tokens, and the pieces are concatenated.
//
//   node tests/reference/llm_list_prompts.js <tokenizers module> <tokenizer.json> <cases.json>
//
// cases.json: [{kind: "listwise"|"first"|"icr", query, passages, passage_tokens}]; prints
// [{ids, spans?, query_ids?, calibration_ids?, identifier_ids?}] as JSON.
'use strict';
const fs = require('fs');
const path = require('path');

const [modulePath, tokenizerFile, casesFile] = process.argv.slice(2);
const { Tokenizer } = require(path.resolve(modulePath));
const tok = Tokenizer.fromFile(tokenizerFile);

async function ids(text, max = 0) {
  const out = (await tok.encode(text, null, { addSpecialTokens: false })).getIds();
  return max > 0 ? out.slice(0, max) : out;
}

const OPEN_USER = '<|im_start|>user\n';
const ASSISTANT = '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';
const label = (i, letters) => (letters ? String.fromCharCode(65 + i) : String(i + 1));

async function listwise(c, first) {
  const n = c.passages.length;
  const out = [...await ids(OPEN_USER)];
  out.push(...await ids(`I will give you ${n} passages, each with an identifier in brackets. ` +
    `Rank them by relevance to the search query: ${c.query}\n\n`));
  for (let i = 0; i < n; ++i) {
    out.push(...await ids(`[${label(i, first)}]`));
    out.push(...await ids(' ' + c.passages[i], c.passage_tokens));
    out.push(...await ids('\n'));
  }
  const example = n >= 2 ? `[${label(1, first)}] > [${label(0, first)}]` : `[${label(0, first)}]`;
  out.push(...await ids(`\nSearch query: ${c.query}\nList the identifiers of all ${n} passages ` +
    `from the most to the least relevant, as ${example} > \u2026, and write nothing else.`));
  out.push(...await ids(ASSISTANT));
  const result = { ids: out };
  if (first) {
    out.push(...await ids('['));
    result.identifier_ids = [];
    for (let i = 0; i < n; ++i) {
      const t = await ids(label(i, true));
      if (t.length !== 1) throw new Error(`identifier ${label(i, true)} is ${t.length} tokens`);
      result.identifier_ids.push(t[0]);
    }
  }
  return result;
}

async function icr(c) {
  const out = [...await ids(OPEN_USER), ...await ids('Here are some paragraphs:\n\n')];
  const spans = [];
  for (let i = 0; i < c.passages.length; ++i) {
    out.push(...await ids(`[${i + 1}]`));
    const begin = out.length;
    out.push(...await ids(' ' + c.passages[i], c.passage_tokens));
    spans.push([begin, out.length]);
    out.push(...await ids('\n\n'));
  }
  out.push(...await ids('Please find information that is relevant to the following query in ' +
    'the paragraphs above.\n\nQuery:'));
  return { ids: out, spans, query_ids: await ids(' ' + c.query),
           calibration_ids: await ids(' N/A') };
}

(async () => {
  const cases = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
  const out = [];
  for (const c of cases) {
    if (c.kind === 'icr') out.push(await icr(c));
    else out.push(await listwise(c, c.kind === 'first'));
  }
  process.stdout.write(JSON.stringify(out));
})();
