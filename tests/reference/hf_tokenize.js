#!/usr/bin/env node
// Writes golden encodings from Hugging Face's own tokenizer (the Rust `tokenizers` library
// through its Node binding, npm tokenizers@0.23.2) for cascade's tokenizer tests.
//
//   mkdir /tmp/hf && cd /tmp/hf && npm install tokenizers@0.23.2
//   node tests/reference/hf_tokenize.js /tmp/hf/node_modules/tokenizers ../shared \
//        tests/golden/tokenizer
//
// Inputs: the first 100 SciFact queries, the first 200 SciFact documents (title + " " + text)
// and a list of hand-written edge cases, written to <out>/texts.jsonl. For each tokenizer.json
// it writes <out>/<name>.golden.jsonl: one line per case with the indices of the texts, the
// truncation used and HF's ids and type ids. cascade's golden_test.cpp replays the cases.
'use strict';
const fs = require('fs');
const path = require('path');

const [modulePath, sharedDir, outDir] = process.argv.slice(2);
if (!modulePath || !sharedDir || !outDir) {
  console.error('usage: hf_tokenize.js <tokenizers module> <shared dir> <out dir>');
  process.exit(2);
}
const { Tokenizer } = require(path.resolve(modulePath));

const EDGE_CASES = [
  '', ' ', '   ', '\t\n', 'a', 'Hello world', ' Hello  world ', 'HELLO World!',
  'Äpfel über Straße', 'naïve café résumé', 'İstanbul ΣΑΣ σας', 'ﬁnance ＡＢＣ①',
  '中文字符测试', '日本語のテキスト', '한국어 텍스트', 'ខ្មែរ', '🦙 llama 🙂👍🏽', 'e\u0301 e\u0300',
  'zero\u200bwidth\u00adsoft', 'control\u0001\u0002chars', 'tab\tnew\nline\r\nend',
  "don't I'll we've they're it's 'S", '3.14159 1,000,000 2024-01-01', 'x² H₂O ½',
  'https://example.com/path?q=1&r=2', 'email@example.com #hashtag @user',
  '[CLS] inside [SEP] text [MASK]', '<s> xml </s> <pad> <unk> <mask>',
  '<|im_start|>user\nhi<|im_end|>', '<|endoftext|>end', 'supercalifragilisticexpialidocious',
  'a'.repeat(150), 'ab '.repeat(40), '!!!???...', '   leading and trailing   ',
  'mixed\u3000ideographic\u00a0nbsp', 'IL-6 TNF-α p53 β-catenin CD4+ T-cells',
  'covid-19 COVID-19 and RNA RNAs mRNA <sep> end x <sep>y', "``quoted'' text",
  'double  spaces   here', '\u2581already\u2581marked', 'ﾊﾝｶｸ half-width ｶﾀｶﾅ',
];

function readJsonl(file, n) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  return lines.slice(0, n).map((l) => JSON.parse(l));
}

const queries = readJsonl(path.join(sharedDir, 'data/scifact/queries.jsonl'), 100).map((q) => q.text);
const docs = readJsonl(path.join(sharedDir, 'data/scifact/corpus.jsonl'), 200)
  .map((d) => (d.title ? d.title + ' ' : '') + d.text);
const texts = [...EDGE_CASES, ...queries, ...docs];
const edge = EDGE_CASES.map((_, i) => i);
const q = queries.map((_, i) => EDGE_CASES.length + i);
const d = docs.map((_, i) => EDGE_CASES.length + queries.length + i);

function cases() {
  const out = [];
  for (const i of [...edge, ...q, ...d]) {
    out.push({ a: i, b: null, max_length: 0, strategy: 'LongestFirst', special: true });
  }
  for (const i of edge) {
    out.push({ a: i, b: null, max_length: 0, strategy: 'LongestFirst', special: false });
  }
  for (const i of d.slice(0, 50)) {
    out.push({ a: i, b: null, max_length: 128, strategy: 'LongestFirst', special: true });
  }
  for (let k = 0; k < 100; ++k) {
    const a = q[k];
    const b = d[(k * 7) % d.length];
    for (const [max, strategy] of [[128, 'LongestFirst'], [512, 'LongestFirst'],
                                   [128, 'OnlySecond'], [0, 'LongestFirst']]) {
      out.push({ a, b, max_length: max, strategy, special: true });
    }
  }
  // Pairs where the query is the longer side, and edge cases paired with documents.
  for (let k = 0; k < 20; ++k) {
    out.push({ a: d[k], b: q[k], max_length: 64, strategy: 'LongestFirst', special: true });
    out.push({ a: edge[k % edge.length], b: d[k + 20], max_length: 32, strategy: 'LongestFirst',
               special: true });
  }
  // OnlyFirst (the long side first), and pairs without special tokens.
  for (let k = 0; k < 20; ++k) {
    out.push({ a: d[k + 40], b: q[k + 40], max_length: 96, strategy: 'OnlyFirst', special: true });
    out.push({ a: q[k + 60], b: d[k + 60], max_length: 48, strategy: 'LongestFirst',
               special: false });
  }
  return out;
}

// Variants: a real tokenizer.json with some sections replaced (RFC 7396 merge patch), to cover
// components the real files do not use. The first line of the golden holds base and patch.
const VARIANTS = {
  variant_bytelevel_roberta: ['qwen3', {
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['<|im_end|>', 151645],
                      cls: ['<|im_start|>', 151644], trim_offsets: true, add_prefix_space: true },
  }],
  variant_bpe_ignore_merges: ['qwen3', {
    model: { ignore_merges: true },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Digits', individual_digits: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true }] },
  }],
  variant_nfkd_punctuation: ['bert', {
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' },
      { type: 'Replace', pattern: { String: '-' }, content: ' - ' },
      { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' },
      { type: 'Digits', individual_digits: true }] },
  }],
  variant_nfkc_whitespace: ['bert', {
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Whitespace' }, { type: 'Digits', individual_digits: false }] },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
  }],
  variant_nfc_splits: ['bert', {
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'NFC' }, { type: 'Lowercase' },
      { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { String: ' ' }, behavior: 'Removed', invert: false },
      { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'MergedWithPrevious', invert: false },
      { type: 'Split', pattern: { Regex: '[aeiou]' }, behavior: 'MergedWithNext', invert: false },
      { type: 'Split', pattern: { Regex: '\\p{P}+' }, behavior: 'Isolated', invert: true },
      { type: 'CharDelimiterSplit', delimiter: 'x' },
      { type: 'Split', pattern: { Regex: '[,.;]' }, behavior: 'Contiguous', invert: false }] },
  }],
  variant_nfd_prepend: ['bert', {
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'NFD' }, { type: 'Lowercase' }, { type: 'Prepend', prepend: 'the ' }] },
  }],
};

function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = (target && typeof target === 'object' && !Array.isArray(target)) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) out[k] = null;  // keep the key: tokenizer.json sections are nullable
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function variantCases() {
  return cases().filter((c, i) => i % 4 === 0 || c.a < EDGE_CASES.length);
}

async function golden(name, tokenizerJson, variant) {
  let tok;
  let header = null;
  if (variant) {
    const [base, patch] = variant;
    const json = JSON.parse(fs.readFileSync(tokenizerJson, 'utf8'));
    tok = Tokenizer.fromString(JSON.stringify(mergePatch(json, patch)));
    header = JSON.stringify({ base, patch });
  } else {
    tok = Tokenizer.fromFile(tokenizerJson);
  }
  tok.disablePadding();
  const lines = header ? [header] : [];
  for (const c of variant ? variantCases() : cases()) {
    if (c.max_length > 0) {
      tok.setTruncation(c.max_length, { strategy: c.strategy });
    } else {
      tok.disableTruncation();
    }
    const enc = await tok.encode(texts[c.a], c.b === null ? null : texts[c.b],
                                 { addSpecialTokens: c.special });
    lines.push(JSON.stringify({ ...c, ids: enc.getIds(), type_ids: enc.getTypeIds() }));
  }
  const file = path.join(outDir, name + '.golden.jsonl');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  console.log(`${file}: ${lines.length} cases, vocab ${tok.getVocabSize(true)}`);
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'texts.jsonl'),
                   texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const models = path.join(sharedDir, 'models/tokenizers');
  await golden('bert', path.join(models, 'all-MiniLM-L6-v2/tokenizer.json'));
  await golden('qwen3', path.join(models, 'qwen3/tokenizer.json'));
  for (const extra of ['unigram_xlmr_style', 'unigram_byte_fallback']) {
    const file = path.join(outDir, extra + '.tokenizer.json');
    if (fs.existsSync(file)) await golden(extra, file);
  }
  const bases = { bert: path.join(models, 'all-MiniLM-L6-v2/tokenizer.json'),
                  qwen3: path.join(models, 'qwen3/tokenizer.json') };
  for (const [name, variant] of Object.entries(VARIANTS)) {
    await golden(name, bases[variant[0]], variant);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
