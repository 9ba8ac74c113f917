//! The one pass every text with a secret fails: an Aho-Corasick DFA of the words a secret's
//! text holds (the rules' keywords, the shapes' literals, the values), case aside. Most lines
//! of a flood stop here, so lines are stepped through it four at a time: each byte's lookup
//! depends on the one before, and four independent lines keep the lookups overlapping
//! (`examples/redact_speed.rs`: ~170 ns a line alone, ~60 ns in fours).

use std::sync::Arc;

use aho_corasick::Anchored;
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;

#[derive(Debug, Clone)]
pub(super) struct Gate {
    dfa: Arc<DFA>,
    start: StateID,
}

impl Gate {
    pub(super) fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Gate, String> {
        let dfa = DFA::builder()
            .ascii_case_insensitive(true)
            .prefilter(false)
            .build(words)
            .map_err(|e| e.to_string())?;
        let start = dfa.start_state(Anchored::No).map_err(|e| e.to_string())?;
        Ok(Gate {
            dfa: Arc::new(dfa),
            start,
        })
    }

    /// Whether `text` holds one of the words.
    pub(super) fn holds(&self, text: &[u8]) -> bool {
        self.holds_from(self.start, text)
    }

    fn holds_from(&self, from: StateID, text: &[u8]) -> bool {
        let mut s = from;
        for &b in text {
            s = self.dfa.next_state(Anchored::No, s, b);
            if self.dfa.is_match(s) {
                return true;
            }
        }
        false
    }

    /// [`Gate::holds`] for each text, in order.
    pub(super) fn holds_each(&self, texts: &[impl AsRef<[u8]>]) -> Vec<bool> {
        let mut out = Vec::with_capacity(texts.len());
        let mut fours = texts.chunks_exact(4);
        for four in &mut fours {
            out.extend(self.holds_four([
                four[0].as_ref(),
                four[1].as_ref(),
                four[2].as_ref(),
                four[3].as_ref(),
            ]));
        }
        out.extend(fours.remainder().iter().map(|t| self.holds(t.as_ref())));
        out
    }

    fn holds_four(&self, t: [&[u8]; 4]) -> [bool; 4] {
        let dfa = &*self.dfa;
        let common = t.iter().map(|t| t.len()).min().unwrap_or(0);
        let mut s = [self.start; 4];
        let mut hit = [false; 4];
        let bytes = t[0][..common]
            .iter()
            .zip(&t[1][..common])
            .zip(&t[2][..common])
            .zip(&t[3][..common]);
        for (((&a, &b), &c), &d) in bytes {
            s = [
                dfa.next_state(Anchored::No, s[0], a),
                dfa.next_state(Anchored::No, s[1], b),
                dfa.next_state(Anchored::No, s[2], c),
                dfa.next_state(Anchored::No, s[3], d),
            ];
            if s.iter().any(|&id| dfa.is_special(id)) {
                for (h, &id) in hit.iter_mut().zip(&s) {
                    *h |= dfa.is_match(id);
                }
            }
        }
        // Each line's rest, alone, from where its lane stopped.
        for ((h, &id), text) in hit.iter_mut().zip(&s).zip(t) {
            if !*h {
                *h = self.holds_from(id, &text[common..]);
            }
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::Gate;

    /// Lines in fours say what aho-corasick's own search says of each line alone, wherever the
    /// word is: in the lanes' common length, in a longer line's rest, across the case.
    #[test]
    fn lines_in_fours_agree_with_a_search_of_each() {
        let words = ["token", "sk", "AKIA", "hunter2-planted"];
        let gate = Gate::new(words).expect("gate");
        let oracle = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(words)
            .expect("oracle");
        let mut lines: Vec<String> = Vec::new();
        for len in [0, 1, 5, 17, 40, 41, 90] {
            let plain: String = "abcdefghij".chars().cycle().take(len).collect();
            lines.push(plain.clone());
            for at in [0, len / 2, len] {
                for w in ["TOKEN", "s k", "akia", "hunter2-planted", "hunter2-plante"] {
                    lines.push(format!("{}{w}{}", &plain[..at], &plain[at..]));
                }
            }
        }
        for rotate in 0..4 {
            lines.rotate_left(rotate);
            let found = gate.holds_each(&lines);
            let held = found.iter().filter(|h| **h).count();
            for (line, held) in lines.iter().zip(found) {
                assert_eq!(held, oracle.is_match(line), "{line:?}");
                assert_eq!(gate.holds(line.as_bytes()), held, "{line:?}");
            }
            assert!(held > 0 && held < lines.len());
        }
    }
}
