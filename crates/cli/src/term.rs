//! Output a terminal can trust. Text from a server (an error, a name) or
//! from an imported file reaches the human-readable output, and a terminal
//! obeys the control sequences in it: `ESC[2K ESC[1A` erases a line to draw
//! a fake one, `ESC]52` writes the clipboard, `ESC]0` sets the title. So
//! every human-readable line goes through [`safe`]: control characters
//! (C0 but the line breaks and tabs of our own layout, DEL, C1, and the
//! bidirectional overrides that reorder what is shown) are printed as
//! visible escapes (`\x1b`, `\u{202e}`). JSON output stays JSON: serde
//! escapes control characters there already.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character but `\n` and `\t` made visible.
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            let n = c as u32;
            if n < 0x80 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of someone else's text (a server message, an imported name):
/// its line breaks made visible too, so it cannot draw lines of its own.
pub fn one_line(s: &str) -> String {
    safe(s).replace('\n', "\\n")
}

/// `println!` for human-readable output.
macro_rules! outln {
    () => { println!() };
    ($($arg:tt)*) => { println!("{}", $crate::term::safe(&format!($($arg)*))) };
}

/// `eprintln!` for human-readable messages.
macro_rules! errln {
    ($($arg:tt)*) => { eprintln!("{}", $crate::term::safe(&format!($($arg)*))) };
}

pub(crate) use {errln, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(safe("plain ✓ text\n\tok"), "plain ✓ text\n\tok");
        assert_eq!(safe("a\x1b[2K\x1b[1Ab"), "a\\x1b[2K\\x1b[1Ab");
        assert_eq!(safe("\x1b]52;c;aGk=\x07"), "\\x1b]52;c;aGk=\\x07");
        assert_eq!(safe("x\u{9b}y\u{202e}z\x7f"), "x\\u{9b}y\\u{202e}z\\x7f");
        assert_eq!(safe("cr\rover"), "cr\\x0dover");
        assert_eq!(one_line("two\nlines"), "two\\nlines");
    }
}
