//! Splits a byte stream into lines: `\n` ends a line, `\r` alone restarts it (progress bars
//! rewrite instead of piling up), and a line longer than the cap is cut into pieces so one
//! enormous line cannot eat memory.

/// The longest piece of a line held in memory.
pub const MAX_LINE: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct LineSplitter {
    pending: Vec<u8>,
    /// A `\r` was seen: the next byte that is not `\n` starts the line again.
    carriage: bool,
}

#[derive(Debug, PartialEq)]
pub enum Piece<'a> {
    /// A finished line (without its ending).
    Line(&'a [u8]),
    /// A cut of an over-long line; more of the same line follows.
    Cut(&'a [u8]),
}

impl LineSplitter {
    /// Feeds bytes; `emit` gets every finished line or cut piece in order.
    pub fn feed(&mut self, mut bytes: &[u8], mut emit: impl FnMut(Piece<'_>)) {
        while !bytes.is_empty() {
            if self.carriage {
                self.carriage = false;
                if bytes[0] != b'\n' {
                    self.pending.clear();
                }
            }
            match memchr::memchr2(b'\n', b'\r', bytes) {
                Some(i) => {
                    let (head, sep) = (&bytes[..i], bytes[i]);
                    if self.pending.is_empty() && sep == b'\n' {
                        self.cut_long(head, &mut emit);
                    } else {
                        self.push(head, &mut emit);
                        if sep == b'\n' {
                            emit(Piece::Line(&self.pending));
                            self.pending.clear();
                        }
                    }
                    if sep == b'\r' {
                        self.carriage = true;
                    }
                    bytes = &bytes[i + 1..];
                }
                None => {
                    self.push(bytes, &mut emit);
                    bytes = &[];
                }
            }
        }
    }

    /// A whole line straight from the input, cut into pieces if it is too long.
    fn cut_long(&mut self, mut line: &[u8], emit: &mut impl FnMut(Piece<'_>)) {
        while line.len() > MAX_LINE {
            emit(Piece::Cut(&line[..MAX_LINE]));
            line = &line[MAX_LINE..];
        }
        emit(Piece::Line(line));
    }

    fn push(&mut self, mut bytes: &[u8], emit: &mut impl FnMut(Piece<'_>)) {
        while self.pending.len() + bytes.len() > MAX_LINE {
            let take = MAX_LINE - self.pending.len();
            self.pending.extend_from_slice(&bytes[..take]);
            emit(Piece::Cut(&self.pending));
            self.pending.clear();
            bytes = &bytes[take..];
        }
        self.pending.extend_from_slice(bytes);
    }

    /// The unfinished line so far, if any (a prompt, or a progress bar between rewrites).
    pub fn partial(&self) -> Option<&[u8]> {
        (!self.pending.is_empty()).then_some(self.pending.as_slice())
    }

    /// At end of stream: the unfinished line, as a finished one.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        self.carriage = false;
        (!self.pending.is_empty()).then(|| std::mem::take(&mut self.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> (Vec<String>, Option<String>) {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, |p| match p {
                Piece::Line(l) => out.push(String::from_utf8_lossy(l).into_owned()),
                Piece::Cut(l) => out.push(format!("{}…", String::from_utf8_lossy(l))),
            });
        }
        (
            out,
            s.finish().map(|b| String::from_utf8_lossy(&b).into_owned()),
        )
    }

    #[test]
    fn lines_across_chunks() {
        assert_eq!(
            split(&[b"ab", b"c\nde", b"f\n", b"tail"]),
            (vec!["abc".into(), "def".into()], Some("tail".into()))
        );
        assert_eq!(
            split(&[b"crlf\r\n", b"next\r", b"\n"]),
            (vec!["crlf".into(), "next".into()], None)
        );
    }

    #[test]
    fn carriage_returns_rewrite_the_line() {
        let (lines, rest) = split(&[b"[#   ] 10%\r[##  ] 50%\r", b"[####] 100%\ndone\n"]);
        assert_eq!(lines, ["[####] 100%", "done"]);
        assert_eq!(rest, None);
        let mut s = LineSplitter::default();
        s.feed(b"Uploading 10%\rUploading 20%", |_| {});
        assert_eq!(s.partial(), Some(&b"Uploading 20%"[..]));
    }

    #[test]
    fn an_enormous_line_is_cut_and_never_held_whole() {
        let mut s = LineSplitter::default();
        let chunk = vec![b'x'; 1 << 20];
        let mut cuts = 0;
        let mut total = 0;
        for _ in 0..10 {
            s.feed(&chunk, |p| {
                if let Piece::Cut(c) = p {
                    cuts += 1;
                    total += c.len();
                }
            });
            assert!(s.pending.capacity() <= 2 * MAX_LINE);
        }
        assert_eq!(total + s.finish().map_or(0, |r| r.len()), 10 << 20);
        assert_eq!(cuts, (10 << 20) / MAX_LINE - 1);
    }
}
