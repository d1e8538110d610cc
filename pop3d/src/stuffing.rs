//! Turning stored bytes into a POP3 multi-line body (RFC 1939 3): CRLF line
//! ends, a leading "." doubled, and TOP's cut after the header and n lines.
//! Works chunk by chunk, so a large message is never held whole.

pub struct Stuffer {
    at_line_start: bool,
    prev_cr: bool,
    /// For TOP: lines of body still to send once the header has ended.
    top: Option<Top>,
    done: bool,
}

struct Top {
    in_body: bool,
    /// The previous line was empty (the header ends at the first empty line).
    line_empty: bool,
    lines_left: usize,
}

impl Stuffer {
    /// The whole message (RETR).
    pub fn full() -> Self {
        Self {
            at_line_start: true,
            prev_cr: false,
            top: None,
            done: false,
        }
    }

    /// The header and the first `lines` lines of the body (TOP).
    pub fn top(lines: usize) -> Self {
        Self {
            top: Some(Top {
                in_body: false,
                line_empty: true,
                lines_left: lines,
            }),
            ..Self::full()
        }
    }

    /// Whether TOP has sent all it should; the rest of the input is ignored.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Encodes `input` onto `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            if self.done {
                return;
            }
            if self.at_line_start {
                if let Some(top) = &self.top {
                    if top.in_body && top.lines_left == 0 {
                        self.done = true;
                        return;
                    }
                }
                if b == b'.' {
                    out.push(b'.');
                }
                self.at_line_start = false;
            }
            match b {
                b'\n' => {
                    if !self.prev_cr {
                        out.push(b'\r');
                    }
                    out.push(b'\n');
                    self.end_line();
                }
                b'\r' => out.push(b'\r'),
                _ => {
                    out.push(b);
                    if let Some(top) = &mut self.top {
                        top.line_empty = false;
                    }
                }
            }
            self.prev_cr = b == b'\r';
        }
    }

    fn end_line(&mut self) {
        self.at_line_start = true;
        if let Some(top) = &mut self.top {
            if top.in_body {
                top.lines_left = top.lines_left.saturating_sub(1);
            } else if top.line_empty {
                top.in_body = true;
            }
            top.line_empty = true;
        }
    }

    /// Ends the body: a CRLF if the last line lacked one, then the "." line.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.at_line_start {
            if !self.prev_cr {
                out.push(b'\r');
            }
            out.push(b'\n');
        }
        out.extend_from_slice(b".\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut s: Stuffer, input: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for part in input.chunks(chunk.max(1)) {
            s.push(part, &mut out);
        }
        s.finish(&mut out);
        out
    }

    #[test]
    fn dots_line_ends_and_terminator() {
        let input = b"Subject: x\r\n\r\n.\r\n..two\r\nbare\nlast";
        let want = b"Subject: x\r\n\r\n..\r\n...two\r\nbare\r\nlast\r\n.\r\n";
        for chunk in [1, 2, 3, 7, 100] {
            assert_eq!(run(Stuffer::full(), input, chunk), want, "chunk {chunk}");
        }
        assert_eq!(run(Stuffer::full(), b"", 10), b".\r\n");
        assert_eq!(run(Stuffer::full(), b"a\r\n", 10), b"a\r\n.\r\n");
    }

    #[test]
    fn top_sends_the_header_and_n_lines() {
        let input = b"A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n";
        assert_eq!(run(Stuffer::top(0), input, 3), b"A: 1\r\nB: 2\r\n\r\n.\r\n");
        assert_eq!(
            run(Stuffer::top(2), input, 1),
            b"A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n"
        );
        assert_eq!(
            run(Stuffer::top(5), input, 4),
            b"A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n"
        );
        let mut s = Stuffer::top(0);
        let mut out = Vec::new();
        s.push(input, &mut out);
        assert!(s.is_done());
    }
}
