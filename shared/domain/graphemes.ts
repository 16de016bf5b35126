/**
 * The grapheme segmenter, built on the first use and kept: building one loads ICU's break
 * rules, several milliseconds of a cold start, and most invocations never cut a text.
 */
let segmenter: Intl.Segmenter | undefined;

/** The text's user-perceived characters (grapheme clusters), each with its UTF-16 index. */
export const graphemesOf = (text: string): Intl.Segments => {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
};
