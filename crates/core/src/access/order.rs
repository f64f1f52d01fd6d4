//! Sorting the analysis's lists by name, cheaply at 100,000 relations.
//!
//! A relation is about 200 bytes and a name comparison two `memcmp` calls,
//! so the collector sorts positions, not elements, on keys that compare as
//! integers (a schema's rank among the few schemas, then the name's first 16
//! bytes), and moves each element at most once, in place. `perf` of the CLI
//! at 100,000 tables had a comparison sort of the relations themselves at a
//! fifth of its CPU time, and moving them into new vectors at a tenth.

use std::cmp::Ordering;
use std::collections::HashMap;

/// The positions `0..n` in the order of their `(schema, name)` keys, as
/// `str` orders them (bytewise); equal keys keep their order.
pub(super) fn by_name<'a>(n: usize, key: impl Fn(usize) -> (&'a str, &'a str)) -> Vec<usize> {
    let mut ranks: HashMap<&str, u32> = HashMap::new();
    for i in 0..n {
        let next = ranks.len() as u32;
        ranks.entry(key(i).0).or_insert(next);
    }
    let mut schemas: Vec<(&str, u32)> = ranks.iter().map(|(s, &r)| (*s, r)).collect();
    schemas.sort_unstable();
    let mut rank_of = vec![0u32; schemas.len()];
    for (rank, (_, first_seen)) in schemas.iter().enumerate() {
        rank_of[*first_seen as usize] = rank as u32;
    }
    let mut keys: Vec<(u32, u128, usize)> = (0..n)
        .map(|i| {
            let (schema, name) = key(i);
            (rank_of[ranks[schema] as usize], prefix(name), i)
        })
        .collect();
    keys.sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| key(a.2).1.cmp(key(b.2).1)).then(a.2.cmp(&b.2))
    });
    keys.into_iter().map(|(_, _, i)| i).collect()
}

/// The first 16 bytes of `s`, big-endian, padded with zeros: when two
/// prefixes differ they order as the strings do; when they are equal the
/// strings are compared in full.
fn prefix(s: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let head = &s.as_bytes()[..s.len().min(16)];
    bytes[..head.len()].copy_from_slice(head);
    u128::from_be_bytes(bytes)
}

/// Puts `v` in `order` (`order[k]` is the position of the element that
/// goes to `k`; a permutation of `0..v.len()`), in place: each swap puts
/// one element where it belongs.
pub(super) fn apply<T>(v: &mut [T], order: &[usize]) {
    debug_assert_eq!(v.len(), order.len());
    let mut dest = vec![0usize; order.len()];
    for (k, &from) in order.iter().enumerate() {
        dest[from] = k;
    }
    for i in 0..v.len() {
        while dest[i] != i {
            let d = dest[i];
            v.swap(i, d);
            dest.swap(i, d);
        }
    }
}

/// A stable sort that moves each element at most once.
pub(super) fn sort_moving_once<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    if v.is_sorted_by(|a, b| cmp(a, b).is_le()) {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| cmp(&v[a], &v[b]));
    apply(v, &order);
}

/// [`by_name`] and [`apply`]: `v` sorted by `(schema, name)`, stably.
pub(super) fn sort_by_name<T>(v: &mut [T], key: impl Fn(&T) -> (&str, &str)) {
    if v.is_sorted_by(|a, b| key(a) <= key(b)) {
        return;
    }
    let order = by_name(v.len(), |i| key(&v[i]));
    apply(v, &order);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_are_stable_and_keep_every_element() {
        let mut v: Vec<(u8, usize)> = [3u8, 1, 2, 1, 3, 0, 2].iter().enumerate().map(|(i, &k)| (k, i)).collect();
        sort_moving_once(&mut v, |a, b| a.0.cmp(&b.0));
        assert_eq!(v, [(0, 5), (1, 1), (1, 3), (2, 2), (2, 6), (3, 0), (3, 4)]);
        let mut empty: Vec<u8> = Vec::new();
        sort_moving_once(&mut empty, |a, b| a.cmp(b));
        assert!(empty.is_empty());
    }

    /// Names that tie on their first 16 bytes, that are prefixes of each
    /// other, that hold NUL and multi-byte characters, in several schemas
    /// and with duplicates: the order is `str`'s, and stable.
    #[test]
    fn by_name_orders_as_str_does() {
        let names = [
            ("s", "customer_orders_2024"),
            ("s", "customer_orders_2023"),
            ("a", "zeta"),
            ("s", "customer_orders_20"),
            ("s", ""),
            ("s", "a\0"),
            ("s", "a"),
            ("s", "é"),
            ("s", "e"),
            ("a", "zeta"),
            ("b", "m"),
            ("s", "customer_orders_2023x"),
            ("s", "customer_orders_2023"),
        ];
        let mut expected: Vec<(usize, (&str, &str))> = names.iter().copied().enumerate().collect();
        expected.sort_by(|a, b| a.1.cmp(&b.1));
        let got = by_name(names.len(), |i| names[i]);
        assert_eq!(got, expected.iter().map(|(i, _)| *i).collect::<Vec<_>>());

        let mut v: Vec<(String, String, usize)> =
            names.iter().enumerate().map(|(i, (s, n))| (s.to_string(), n.to_string(), i)).collect();
        sort_by_name(&mut v, |r| (&r.0, &r.1));
        assert_eq!(v.iter().map(|r| r.2).collect::<Vec<_>>(), got);
    }

    #[test]
    fn apply_follows_every_cycle() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        apply(&mut v, &[3, 0, 5, 1, 4, 2]);
        assert_eq!(v, ['d', 'a', 'f', 'b', 'e', 'c']);
        let mut none: Vec<char> = vec![];
        apply(&mut none, &[]);
    }
}
