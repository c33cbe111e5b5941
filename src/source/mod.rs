//! Loaded files: their text, a line index for byte → line/column conversion, and the span-carrying
//! YAML/JSON tree that every rule reads.

pub mod de;
pub mod hcl;
pub mod yaml;

use std::ops::Range;

/// A byte range in a file's text. Rules and findings carry these; line/column is computed once per
/// finding through [`SourceFile::position`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values (SARIF `unicodeCodePoints`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The text of one file plus the byte offset at which each line starts.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the scanned root, `/`-separated.
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// Columns are byte offsets in an ASCII file: positions need no scan of the line.
    ascii: bool,
}

impl SourceFile {
    pub fn new(path: String, text: String) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let ascii = text.is_ascii();
        SourceFile { path, text, line_starts, ascii }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where 1-based `line` starts (clamped to the end of the text).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len())
    }

    /// Byte offset just past the content of 1-based `line` (before its `\n`/`\r\n`).
    pub fn line_end(&self, line: usize) -> usize {
        let next = self.line_start(line + 1);
        let bytes = self.text.as_bytes();
        let mut end = next.min(bytes.len());
        if end > 0 && end <= bytes.len() && end == next && line < self.line_starts.len() {
            end -= 1; // the '\n'
        }
        if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        end.max(self.line_start(line))
    }

    /// Converts a byte offset to a 1-based line and column.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line_idx];
        // O(1) for ASCII: thousands of findings on one minified line must not each rescan it.
        let column = if self.ascii { offset - start + 1 } else { char_count(&self.text.as_bytes()[start..offset]) + 1 };
        Position { line: line_idx + 1, column }
    }

    /// Converts a 1-based line and 0-based character column (what the YAML scanner reports) to a
    /// byte offset.
    pub fn offset_of(&self, line: usize, char_col: usize) -> usize {
        let start = self.line_start(line);
        let rest = &self.text[start..];
        let line_text = rest.split('\n').next().unwrap_or("");
        if line_text.is_ascii() {
            return (start + char_col).min(start + line_text.len() + 1).min(self.text.len());
        }
        match line_text.char_indices().nth(char_col) {
            Some((i, _)) => start + i,
            None => (start + line_text.len() + (char_col - line_text.chars().count())).min(self.text.len()),
        }
    }
}

/// Counts characters in a UTF-8 byte slice that is known to start on a char boundary.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let f = SourceFile::new("a".into(), "ab\nçé: x\n".into());
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        let x = f.text.find('x').unwrap();
        assert_eq!(f.position(x), Position { line: 2, column: 5 });
        assert_eq!(f.offset_of(2, 4), x);
        assert_eq!(f.line_end(1), 2);
    }

    #[test]
    fn crlf_line_end_excludes_carriage_return() {
        let f = SourceFile::new("a".into(), "ab\r\ncd".into());
        assert_eq!(f.line_end(1), 2);
        assert_eq!(f.line_end(2), 6);
    }
}
