/** Tokenisers and padding (src/data/text): Keras' Tokenizer / pad_sequences semantics, by hand. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  CharTokenizer,
  padSequences,
  padSequencesData,
  tokenizerFromJSON,
  WordTokenizer,
} from '../src/data/index.js';
import { ArgumentError } from '../src/errors.js';
import { describeEachBackend } from './helpers.js';

const TEXTS = ['The cat sat on the mat.', 'The dog ate my homework!', 'cat, cat: dog?'];

it('WordTokenizer numbers words by frequency, ties in the order first seen (Keras)', () => {
  const t = new WordTokenizer().fitOnTexts(TEXTS);
  assert.deepEqual(
    [...t.wordIndex],
    ['the', 'cat', 'dog', 'sat', 'on', 'mat', 'ate', 'my', 'homework'].map((w, i) => [w, i + 1]),
  );
  assert.equal(t.wordCounts.get('cat'), 3);
  assert.equal(t.wordDocs.get('cat'), 2);
  assert.equal(t.documentCount, 3);
  assert.equal(t.indexWord.get(3), 'dog');
  assert.equal(t.vocabularySize, 10);
  assert.deepEqual(t.textsToSequences(['The DOG sat on a cat']), [[1, 3, 4, 5, 2]]); // 'a' unknown: left out
});

it('WordTokenizer: numWords keeps ids below it; the OOV token is id 1 and stands for the rest', () => {
  const t = new WordTokenizer({ numWords: 4, oovToken: '<OOV>' }).fitOnTexts(TEXTS);
  assert.deepEqual([...t.wordIndex].slice(0, 4), [
    ['<OOV>', 1],
    ['the', 2],
    ['cat', 3],
    ['dog', 4],
  ]);
  assert.equal(t.wordIndex.size, 10, 'the index keeps every word, as in Keras');
  assert.equal(t.vocabularySize, 4);
  assert.deepEqual(t.textsToSequences(['the dog sat on a cat']), [[2, 1, 1, 1, 1, 3]]);
  assert.deepEqual(t.sequencesToTexts([[2, 1, 4, 0, 99, 3]]), ['the <OOV> <OOV> <OOV> cat']);
  const plain = new WordTokenizer({ numWords: 4 }).fitOnTexts(TEXTS);
  assert.deepEqual(plain.textsToSequences(['the dog sat on a cat']), [[1, 3, 2]]);
  assert.deepEqual(plain.sequencesToTexts([[1, 3, 5, 2]]), ['the dog cat']);
});

it('WordTokenizer: filters, split and lower as Keras; words that look like numbers or keys are plain words', () => {
  const t = new WordTokenizer({ lower: false, filters: '', split: '|' }).fitOnTexts([
    'A|b||A',
    '42|__proto__',
  ]);
  assert.deepEqual(t.textsToSequences(['A|42|__proto__|b']), [[1, 3, 4, 2]]);
  assert.deepEqual(new WordTokenizer().textToTokens('Hello,\tworld!\n(again) '), ['hello', 'world', 'again']);
});

it('CharTokenizer keeps case, newlines and punctuation; code points, not UTF-16 halves', () => {
  const t = new CharTokenizer().fitOnTexts(['Anna\nBob\n']);
  assert.deepEqual(
    [...t.wordIndex],
    ['n', '\n', 'A', 'a', 'B', 'o', 'b'].map((c, i) => [c, i + 1]),
  );
  const ids = t.textsToSequences(['Bob\nAnna']);
  assert.deepEqual(ids, [[5, 6, 7, 2, 3, 1, 1, 4]]);
  assert.deepEqual(t.sequencesToTexts(ids), ['Bob\nAnna']);
  const emoji = new CharTokenizer({ oovToken: '?' }).fitOnTexts(['a😀a']);
  assert.deepEqual([...emoji.wordIndex.keys()], ['?', 'a', '😀']);
  assert.deepEqual(emoji.textsToSequences(['😀b']), [[3, 1]]);
  assert.deepEqual(new CharTokenizer({ lower: true, filters: '-' }).textToTokens('A-b'), ['a', 'b']);
});

it('tokenisers survive JSON: same ids, and fitting more texts after loading equals fitting them all at once', () => {
  for (const make of [
    () => new WordTokenizer({ numWords: 6, oovToken: '<unk>' }),
    () => new CharTokenizer({ lower: true }),
  ]) {
    const first = make().fitOnTexts(TEXTS.slice(0, 2));
    const back = tokenizerFromJSON(JSON.stringify(first));
    assert.equal(back.className, first.className);
    assert.deepEqual([...back.wordIndex], [...first.wordIndex]);
    assert.deepEqual(back.textsToSequences(TEXTS), first.textsToSequences(TEXTS));
    back.fitOnTexts(TEXTS.slice(2));
    const all = make().fitOnTexts(TEXTS);
    assert.deepEqual(back.toJSON(), all.toJSON());
  }
});

it('bad input: typed errors naming the text, the sequence index or the option', () => {
  const t = new WordTokenizer();
  assert.throws(() => t.fitOnTexts(['ok', 3 as unknown as string]), {
    name: 'ArgumentError',
    message: /WordTokenizer\.fitOnTexts\(\): texts\[1\] is 3, not a string/,
  });
  assert.throws(() => t.fitOnTexts('abc' as unknown as string[]), /one string \(wrap it in a list\)/);
  assert.throws(() => t.textsToSequences(['a']), /call fitOnTexts\(\) first/);
  t.fitOnTexts(['a b']);
  assert.throws(() => t.textsToSequences(['a', null as unknown as string]), /texts\[1\] is null/);
  assert.throws(() => t.sequencesToTexts([[1], [2, 1.5]]), /sequences\[1\]\[1\] is 1\.5, not an id/);
  assert.throws(() => new WordTokenizer({ numWords: 0 }), /numWords must be an integer ≥ 1/);
  assert.throws(
    () => new WordTokenizer({ num_words: 5 } as never),
    (e: Error) => e instanceof ArgumentError && /unknown option 'num_words'/.test(e.message),
  );
  assert.throws(() => new CharTokenizer({ charLevel: true } as never), /use CharTokenizer/);
  assert.throws(() => new CharTokenizer({ oovToken: '' }), /oovToken must be a non-empty string/);
  const json = new WordTokenizer().fitOnTexts(['a b']).toJSON();
  assert.throws(() => CharTokenizer.fromJSON(json), /is a WordTokenizer, not a CharTokenizer/);
  assert.throws(
    () => WordTokenizer.fromJSON({ ...json, vocabulary: ['a', 'a'] }),
    /vocabulary\[1\] must be a token not listed before/,
  );
  assert.throws(() => tokenizerFromJSON('{'), /not valid JSON/);
  assert.throws(() => tokenizerFromJSON({ ...json, className: 'Nope' }), /className must be/);
});

it('padSequences: pre/post padding and truncation as Keras, maxLen defaulting to the longest', () => {
  const seqs = [
    [1, 2, 3],
    [4, 5],
    [6, 7, 8, 9, 10],
  ];
  const rows = (o: Parameters<typeof padSequencesData>[1]) => {
    const { data, shape } = padSequencesData(seqs, o);
    return Array.from({ length: shape[0] }, (_, i) =>
      Array.from(data.subarray(i * shape[1], (i + 1) * shape[1])),
    );
  };
  assert.deepEqual(rows({ maxLen: 4 }), [
    [0, 1, 2, 3],
    [0, 0, 4, 5],
    [7, 8, 9, 10],
  ]);
  assert.deepEqual(rows({ maxLen: 4, padding: 'post', truncating: 'post' }), [
    [1, 2, 3, 0],
    [4, 5, 0, 0],
    [6, 7, 8, 9],
  ]);
  assert.deepEqual(rows({ maxLen: 4, truncating: 'post', value: -1 }), [
    [-1, 1, 2, 3],
    [-1, -1, 4, 5],
    [6, 7, 8, 9],
  ]);
  assert.deepEqual(
    rows({}).map((r) => r.length),
    [5, 5, 5],
  );
  assert.deepEqual(padSequencesData([], { maxLen: 3 }).shape, [0, 3]);
  assert.deepEqual(rows({ maxLen: 2, padding: 'post' })[1], [4, 5]);
  assert.throws(
    () => padSequencesData([[1], [2, Number.NaN]]),
    /sequences\[1\]\[1\] is NaN, not a finite number/,
  );
  assert.throws(() => padSequencesData([[1], 'ab' as never]), /sequences\[1\] is 'ab', not a list/);
  assert.throws(() => padSequencesData(seqs, { maxLen: 0 }), /maxLen must be an integer ≥ 1, got 0/);
  assert.throws(
    () => padSequencesData(seqs, { padding: 'middle' as never }),
    /padding must be 'pre' or 'post'/,
  );
  assert.throws(
    () => padSequencesData(seqs, { maxlen: 3 } as never),
    /unknown option 'maxlen' — did you mean 'maxLen'/,
  );
});

describeEachBackend('padSequences', () => {
  it('gives a [n, maxLen] tensor of the padded ids', () => {
    const t = new WordTokenizer().fitOnTexts(TEXTS);
    const x = padSequences(t.textsToSequences(TEXTS), { maxLen: 6, padding: 'post' });
    assert.deepEqual(x.shape, [3, 6]);
    assert.deepEqual(x.toArray(), [
      [1, 2, 4, 5, 1, 6],
      [1, 3, 7, 8, 9, 0],
      [2, 2, 3, 0, 0, 0],
    ]);
  });
});
