#!/usr/bin/env python3
"""Lists the functions longer than a reader can hold, and fails on any
over the limit (150 lines; aim for 120).

    scripts/long-functions.py [--max 150] [--note 120] PATH...

Reads Rust (`fn`) and JavaScript (`function name`, and `const name = (...) =>
{` / `async (...) => {` bodies) and counts each body from its first line to
its closing brace. Strings, raw strings, template literals, character
literals and comments are skipped when braces are matched. Tests are exempt:
`tests/` folders, `tests.rs` files, `#[cfg(test)]` items, and crates/harness
(test support). Prints every function over --note, marks those over --max,
and exits 1 when there is one.
"""
import argparse
import os
import re
import sys

RUST_FN = re.compile(r'^\s*(?:pub(?:\([^)]*\))?\s+)?(?:(?:const|async|unsafe|extern\s+"[^"]*")\s+)*fn\s+(\w+)')
JS_FN = re.compile(r'^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(\w+)')
JS_ARROW = re.compile(r'^\s*(?:export\s+)?(?:const|let|var)\s+(\w+)\s*=\s*(?:async\s+)?(?:\([^)]*\)|\w+)\s*=>\s*\{')
EXEMPT_DIRS = ('target', 'node_modules', '.git')


def rust_code_mask(src):
    """`src` with every string, char literal and comment blanked (newlines kept), so braces can be counted."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif src.startswith('/*', i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith('/*', j):
                    depth, j = depth + 1, j + 2
                elif src.startswith('*/', j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(src[i:j]))
            i = j
        elif c == 'r' and re.match(r'r#*"', src[i:i + 260]) and not (i and (src[i - 1].isalnum() or src[i - 1] == '_')):
            m = re.match(r'r(#*)"', src[i:])
            end = src.find('"' + m.group(1), i + len(m.group(0)))
            j = n if end < 0 else end + 1 + len(m.group(1))
            out.append(blank(src[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == '\\' else 1
            out.append(blank(src[i:j + 1]))
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\u{7f}'), not a lifetime ('a).
            m = re.match(r"'(\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'", src[i:i + 12])
            if m:
                out.append(' ' * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def js_code_mask(src):
    """`src` with strings, template literals, regex literals and comments blanked (newlines kept)."""
    out = []
    i, n = 0, len(src)
    prev = ''  # the last significant character, to tell a regex from a division
    while i < n:
        c = src[i]
        if src.startswith('//', i):
            j = src.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(blank(src[i:j]))
            i = j
        elif c in '\'"`':
            j = i + 1
            while j < n and src[j] != c:
                if c != '`' and src[j] == '\n':
                    break
                j += 2 if src[j] == '\\' else 1
            out.append(blank(src[i:j + 1]))
            i = j + 1
            prev = 'a'
        elif c == '/' and (prev == '' or prev in '(,=:[!&|?{};+-*%<>~^'):
            j, cls = i + 1, False
            while j < n and src[j] != '\n' and (cls or src[j] != '/'):
                if src[j] == '\\':
                    j += 1
                elif src[j] == '[':
                    cls = True
                elif src[j] == ']':
                    cls = False
                j += 1
            out.append(blank(src[i:j + 1]))
            i = j + 1
            prev = 'a'
        else:
            out.append(c)
            if not c.isspace():
                prev = c
            i += 1
    return ''.join(out)


def blank(s):
    return ''.join('\n' if ch == '\n' else ' ' for ch in s)


def body_end(code, start):
    """The index of the brace closing the first `{` at or after `start`, or None if a `;` comes first."""
    depth = 0
    for j in range(start, len(code)):
        ch = code[j]
        if ch == '{':
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth == 0:
                return j
        elif ch == ';' and depth == 0:
            return None
    return None


def after_params(code, start):
    """The index just past the `)` closing the first `(` at or after `start` (a parameter
    list may hold braces: a destructured JS object, a Rust struct pattern)."""
    i = code.find('(', start)
    if i < 0:
        return start
    depth = 0
    for j in range(i, len(code)):
        if code[j] == '(':
            depth += 1
        elif code[j] == ')':
            depth -= 1
            if depth == 0:
                return j + 1
    return start


def test_spans(code):
    """Character spans of `#[cfg(test)]` items (a test module, a test-only fn)."""
    spans = []
    for m in re.finditer(r'#\[cfg\(test\)\]', code):
        end = body_end(code, m.end())
        if end is not None:
            spans.append((m.start(), end))
    return spans


def functions(path):
    src = open(path, encoding='utf-8').read()
    rust = path.endswith('.rs')
    code = rust_code_mask(src) if rust else js_code_mask(src)
    starts = [0]
    for k, ch in enumerate(code):
        if ch == '\n':
            starts.append(k + 1)
    skip = test_spans(code) if rust else []
    found = []
    for line_no, offset in enumerate(starts):
        line = code[offset:code.find('\n', offset) if code.find('\n', offset) >= 0 else len(code)]
        arrow = None if rust else JS_ARROW.match(line)
        m = RUST_FN.match(line) if rust else (JS_FN.match(line) or arrow)
        if not m or any(a <= offset <= b for a, b in skip):
            continue
        # An arrow's pattern ends on its body's `{`; a function's body follows its parameters.
        end = body_end(code, offset + m.end() - 1 if m is arrow else after_params(code, offset + m.end()))
        if end is None:
            continue
        last = code.count('\n', 0, end)
        found.append((last - line_no + 1, m.group(1), path, line_no + 1))
    return found


def exempt(path):
    parts = path.replace(os.sep, '/').split('/')
    return 'tests' in parts[:-1] or parts[-1] in ('tests.rs',) or parts[-1].endswith('_tests.rs') or '/'.join(parts).find('crates/harness/') >= 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--max', type=int, default=150, help='fail on a function longer than this (lines)')
    ap.add_argument('--note', type=int, default=120, help='list the functions longer than this')
    ap.add_argument('paths', nargs='+')
    args = ap.parse_args()
    found = []
    for root in args.paths:
        walk = [(os.path.dirname(root), [], [os.path.basename(root)])] if os.path.isfile(root) else os.walk(root)
        for d, dirs, files in walk:
            dirs[:] = [x for x in dirs if x not in EXEMPT_DIRS]
            for f in files:
                p = os.path.join(d, f)
                if (f.endswith('.rs') or f.endswith('.js')) and not exempt(p):
                    found += functions(p)
    over = 0
    for n, name, path, line in sorted(found, reverse=True):
        if n <= args.note:
            break
        flag = 'OVER ' if n > args.max else 'note '
        over += n > args.max
        print(f'{flag}{n:5d} {name} {path}:{line}')
    print(f'long-functions: {len(found)} functions read; {over} over {args.max} lines')
    return 1 if over else 0


if __name__ == '__main__':
    sys.exit(main())
