//! The pack prefilter: every occurrence of every rule keyword in a text, ASCII case aside.
//!
//! Every scanned file goes through this search, so it sets how close a scan comes to the speed
//! of reading the bytes. It is one Aho-Corasick DFA (overlapping semantics: a keyword inside
//! another is still seen). A DFA step is a load that depends on the previous one, so a single
//! walk is bound by memory latency (~550 MB/s here whatever the keyword set); walking four
//! quarters of the text side by side keeps four independent loads in flight and roughly halves
//! the time. Each quarter starts early by the longest keyword's length, so a keyword crossing a
//! boundary is found, and reports only the matches that end inside its own quarter, so none is
//! found twice.

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// Texts shorter than this are walked in one lane: the warm-up overlap would dominate.
const INTERLEAVE_MIN: usize = 4096;
const LANES: usize = 4;

pub struct KeywordFinder {
    dfa: DFA,
    /// Byte length of each keyword, by pattern index.
    lens: Vec<usize>,
    longest: usize,
}

impl KeywordFinder {
    /// `None` for an empty set (or one the DFA cannot hold). Matched ASCII-case-insensitively.
    pub fn new(keywords: &[String]) -> Option<KeywordFinder> {
        if keywords.is_empty() {
            return None;
        }
        let dfa = DFA::builder().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(keywords).ok()?;
        let lens: Vec<usize> = keywords.iter().map(String::len).collect();
        let longest = lens.iter().copied().max().unwrap_or(1);
        Some(KeywordFinder { dfa, lens, longest })
    }

    /// Calls `f(keyword index, start)` for every occurrence, overlapping ones included, until
    /// `f` returns `false`. Occurrences come in no particular order.
    pub fn each(&self, text: &str, mut f: impl FnMut(usize, usize) -> bool) {
        let hay = text.as_bytes();
        let Ok(start) = self.dfa.start_state(Anchored::No) else { return };
        // Reports the matches of state `s` entered on the byte at `at`; false to stop.
        let mut report = |s, at: usize| -> bool {
            for j in 0..self.dfa.match_len(s) {
                let k = self.dfa.match_pattern(s, j).as_usize();
                if !f(k, at + 1 - self.lens[k]) {
                    return false;
                }
            }
            true
        };
        // Lane i owns bytes [own[i], end[i]) and starts `longest - 1` bytes before them. A short
        // text is one lane; the others are empty.
        let lanes = if hay.len() < INTERLEAVE_MIN { 1 } else { LANES };
        let bound = |i: usize| hay.len() * i.min(lanes) / lanes;
        let own: [usize; LANES] = std::array::from_fn(bound);
        let end: [usize; LANES] = std::array::from_fn(|i| bound(i + 1));
        let mut pos: [usize; LANES] =
            std::array::from_fn(|i| if i < lanes { own[i].saturating_sub(self.longest - 1) } else { end[i] });
        let mut st = [start; LANES];
        let steps = (0..LANES).map(|i| end[i] - pos[i]).min().unwrap_or(0);
        for _ in 0..steps {
            for i in 0..LANES {
                let at = pos[i];
                let s = self.dfa.next_state(Anchored::No, st[i], hay[at]);
                st[i] = s;
                if self.dfa.is_special(s) && self.dfa.is_match(s) && at >= own[i] && !report(s, at) {
                    return;
                }
                pos[i] = at + 1;
            }
        }
        for i in 0..LANES {
            for (at, &b) in hay.iter().enumerate().take(end[i]).skip(pos[i]) {
                let s = self.dfa.next_state(Anchored::No, st[i], b);
                st[i] = s;
                if self.dfa.is_special(s) && self.dfa.is_match(s) && at >= own[i] && !report(s, at) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occurrences(f: &KeywordFinder, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        f.each(text, |k, at| {
            out.push((at, k));
            true
        });
        out.sort_unstable();
        out
    }

    /// What the aho-corasick crate's own overlapping search reports.
    fn reference(keywords: &[String], text: &str) -> Vec<(usize, usize)> {
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(keywords)
            .expect("builds");
        let mut out: Vec<(usize, usize)> =
            ac.find_overlapping_iter(text).map(|m| (m.start(), m.pattern().as_usize())).collect();
        out.sort_unstable();
        out
    }

    /// The interleaved walk reports exactly the crate's overlapping matches: on the embedded
    /// packs' keywords and a set with nested and overlapping keywords, over random texts long
    /// enough to be cut in lanes (keywords across lane boundaries included) and short ones.
    #[test]
    fn the_interleaved_walk_finds_what_an_overlapping_search_finds() {
        let mut embedded: Vec<String> =
            super::super::pack::embedded().rules.iter().flat_map(|r| r.keywords.iter().cloned()).collect();
        embedded.sort();
        embedded.dedup();
        let nested: Vec<String> =
            ["q~", "://", "secret", "client_secret", "sec", "et_c", "é"].iter().map(|s| s.to_string()).collect();
        for keywords in [&embedded, &nested] {
            let finder = KeywordFinder::new(keywords).expect("builds");
            let mut pieces: Vec<String> = keywords.clone();
            pieces.extend(keywords.iter().map(|k| k.to_ascii_uppercase()));
            pieces.extend(keywords.iter().map(|k| k.chars().take(k.chars().count() / 2).collect()));
            pieces.extend(["x", " ", "\n", "é", "Client_SECRET", "aaaaaaaaaaaaaaaaaaaa"].map(String::from));
            let mut seed: u64 = 0x0dd_ba11;
            let mut found = 0;
            for round in 0..300 {
                // Every tenth text is long enough for the lanes.
                let count = if round % 10 == 0 { 900 } else { seed % 40 + 1 };
                let mut t = String::new();
                for _ in 0..count {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    t.push_str(&pieces[(seed % pieces.len() as u64) as usize]);
                }
                let want = reference(keywords, &t);
                assert_eq!(occurrences(&finder, &t), want, "{} bytes", t.len());
                found += want.len();
            }
            assert!(found > 3000, "the texts hold keywords: {found}");
        }
    }

    #[test]
    fn stopping_early_stops() {
        let finder = KeywordFinder::new(&["ab".to_string()]).expect("builds");
        let text = "ab ".repeat(3000);
        let mut seen = 0;
        finder.each(&text, |_, _| {
            seen += 1;
            seen < 3
        });
        assert_eq!(seen, 3);
    }
}
