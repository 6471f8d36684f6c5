//! The exact distribution of (available, logged_in) pairs within a rollup.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// A multiset of `(available, logged_in)` pairs: how many ok samples had each pair.
///
/// Stored per 15-minute rollup in `rollup_dists`, so percentiles of `available` and the
/// share of samples in each state (which depends on thresholds over both counts) are
/// exact over any range of whole buckets without reading raw samples. Contact-center
/// counts change slowly, so a bucket of 60 samples usually holds a handful of distinct
/// pairs and the encoding takes a few bytes per pair.
///
/// Counts are `u64` and saturate rather than overflow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dist {
    /// Keyed by (logged_in, available): the order of the encoding.
    counts: BTreeMap<(u32, u32), u64>,
}

impl Dist {
    /// An empty distribution.
    #[must_use]
    pub fn new() -> Dist {
        Dist::default()
    }

    /// Counts one sample.
    pub fn add(&mut self, available: u32, logged_in: u32) {
        self.add_count(available, logged_in, 1);
    }

    /// Counts `count` samples with the same pair. A count of 0 changes nothing.
    pub fn add_count(&mut self, available: u32, logged_in: u32, count: u64) {
        if count == 0 {
            return;
        }
        let c = self.counts.entry((logged_in, available)).or_insert(0);
        *c = c.saturating_add(count);
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Dist) {
        for (&(logged_in, available), &count) in &other.counts {
            self.add_count(available, logged_in, count);
        }
    }

    /// `(available, logged_in, count)` for each distinct pair, ordered by
    /// `(logged_in, available)`; every count is at least 1.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u32, u32, u64)> + '_ {
        self.counts.iter().map(|(&(l, a), &c)| (a, l, c))
    }

    /// The number of samples (the sum of the counts).
    #[must_use]
    pub fn len(&self) -> u64 {
        self.counts.values().fold(0u64, |s, &c| s.saturating_add(c))
    }

    /// Whether no sample was counted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The number of distinct pairs.
    #[must_use]
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// The compact encoding stored in `rollup_dists.pairs`.
    ///
    /// Entries in `(logged_in, available)` order, each as LEB128 varints: `logged_in` as
    /// the difference from the previous entry's (the first entry's as is); then
    /// `available` as the difference from the previous entry's when `logged_in` did not
    /// change (never 0, as pairs are distinct), else as is; then the count. The empty
    /// distribution encodes to no bytes.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.counts.len() * 3);
        let mut prev: Option<(u32, u32)> = None;
        for (&(logged_in, available), &count) in &self.counts {
            match prev {
                Some((pl, pa)) if pl == logged_in => {
                    put_varint(&mut out, 0);
                    put_varint(&mut out, u64::from(available - pa));
                }
                Some((pl, _)) => {
                    put_varint(&mut out, u64::from(logged_in - pl));
                    put_varint(&mut out, u64::from(available));
                }
                None => {
                    put_varint(&mut out, u64::from(logged_in));
                    put_varint(&mut out, u64::from(available));
                }
            }
            put_varint(&mut out, count);
            prev = Some((logged_in, available));
        }
        out
    }

    /// Decodes what [`Dist::encode`] wrote.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptDist`] when the bytes are not a canonical encoding: a truncated
    /// or overlong varint, a value beyond `u32`, a zero count, or entries out of order
    /// or repeated. Never panics, whatever the input.
    pub fn decode(bytes: &[u8]) -> Result<Dist> {
        // Entries arrive sorted, so collecting them lets the map bulk-build.
        let mut entries: Vec<((u32, u32), u64)> = Vec::with_capacity(bytes.len() / 3);
        Dist::decode_each(bytes, |available, logged_in, count| {
            entries.push(((logged_in, available), count));
        })?;
        Ok(Dist {
            counts: entries.into_iter().collect(),
        })
    }

    /// Decodes what [`Dist::encode`] wrote without building a `Dist`: calls `f` with
    /// `(available, logged_in, count)` for each entry, in the order of
    /// [`Dist::iter`]. For callers folding many buckets into their own totals.
    ///
    /// # Errors
    ///
    /// As [`Dist::decode`]; `f` may have seen some entries before the error.
    pub fn decode_each(mut bytes: &[u8], mut f: impl FnMut(u32, u32, u64)) -> Result<()> {
        let mut prev: Option<(u32, u32)> = None;
        while !bytes.is_empty() {
            let dl = take_varint(&mut bytes)?;
            let av = take_varint(&mut bytes)?;
            let count = take_varint(&mut bytes)?;
            let (logged_in, available) = match prev {
                Some((pl, pa)) if dl == 0 => {
                    if av == 0 {
                        return Err(Error::CorruptDist("repeated pair"));
                    }
                    (pl, add_u32(pa, av)?)
                }
                Some((pl, _)) => (add_u32(pl, dl)?, to_u32(av)?),
                None => (to_u32(dl)?, to_u32(av)?),
            };
            if count == 0 {
                return Err(Error::CorruptDist("zero count"));
            }
            f(available, logged_in, count);
            prev = Some((logged_in, available));
        }
        Ok(())
    }
}

impl FromIterator<(u32, u32)> for Dist {
    /// Counts `(available, logged_in)` pairs.
    fn from_iter<I: IntoIterator<Item = (u32, u32)>>(iter: I) -> Dist {
        let mut d = Dist::new();
        for (a, l) in iter {
            d.add(a, l);
        }
        d
    }
}

/// Appends `v` as a LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Takes a canonical LEB128 varint off the front of `bytes`.
pub(crate) fn take_varint(bytes: &mut &[u8]) -> Result<u64> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let Some((&b, rest)) = bytes.split_first() else {
            return Err(Error::CorruptDist("truncated varint"));
        };
        *bytes = rest;
        let low = u64::from(b & 0x7f);
        // The tenth byte may only carry the top bit of a u64.
        if i == 9 && low > 1 {
            return Err(Error::CorruptDist("varint overflows 64 bits"));
        }
        v |= low << (7 * i);
        if b & 0x80 == 0 {
            // A zero final byte after others is an overlong (non-canonical) encoding.
            if b == 0 && i > 0 {
                return Err(Error::CorruptDist("overlong varint"));
            }
            return Ok(v);
        }
    }
    Err(Error::CorruptDist("varint longer than 10 bytes"))
}

fn to_u32(v: u64) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::CorruptDist("count of agents beyond u32"))
}

fn add_u32(base: u32, delta: u64) -> Result<u32> {
    to_u32(u64::from(base) + delta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encoding_matches_the_documented_layout() {
        // (available, logged_in): (3,10) twice, (5,10), (0,12), (200,300)
        let d: Dist = [(3, 10), (5, 10), (3, 10), (0, 12), (200, 300)]
            .into_iter()
            .collect();
        let expected = vec![
            10, 3, 2, // logged_in 10, available 3, count 2
            0, 2, 1, // same logged_in, available +2 = 5, count 1
            2, 0, 1, // logged_in +2 = 12, available 0, count 1
            0xa0, 0x02, 0xc8, 0x01, 1, // logged_in +288 = 300, available 200, count 1
        ];
        assert_eq!(d.encode(), expected);
        assert_eq!(Dist::decode(&expected).unwrap(), d);
        assert_eq!(d.len(), 5);
        assert_eq!(d.distinct(), 4);
        assert_eq!(
            d.iter().collect::<Vec<_>>(),
            vec![(3, 10, 2), (5, 10, 1), (0, 12, 1), (200, 300, 1)]
        );
    }

    #[test]
    fn empty_distribution_is_zero_bytes() {
        assert!(Dist::new().encode().is_empty());
        assert!(Dist::decode(&[]).unwrap().is_empty());
    }

    #[test]
    fn corrupt_blobs_are_errors() {
        let cases: &[(&[u8], &str)] = &[
            (&[10, 3], "truncated varint"),
            (&[10, 3, 0x80], "truncated varint"),
            (&[10, 3, 0], "zero count"),
            (&[10, 3, 1, 0, 0, 1], "repeated pair"),
            (&[0x80, 0x00, 3, 1], "overlong varint"),
            (
                &[0xff, 0xff, 0xff, 0xff, 0x10, 0, 1],
                "count of agents beyond u32",
            ),
            (&[0xff; 11], "varint overflows 64 bits"),
        ];
        for (bytes, reason) in cases {
            match Dist::decode(bytes) {
                Err(Error::CorruptDist(r)) => assert_eq!(r, *reason, "{bytes:?}"),
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
    }

    fn dist() -> impl Strategy<Value = Dist> {
        prop::collection::vec((0u32..60, 0u32..80, 1u64..5), 0..40).prop_map(|v| {
            let mut d = Dist::new();
            for (a, l, c) in v {
                d.add_count(a, l, c);
            }
            d
        })
    }

    fn wide_dist() -> impl Strategy<Value = Dist> {
        prop::collection::vec((any::<u32>(), any::<u32>(), 1u64..=u64::MAX), 0..20).prop_map(|v| {
            let mut d = Dist::new();
            for (a, l, c) in v {
                d.add_count(a, l, c);
            }
            d
        })
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(d in dist()) {
            prop_assert_eq!(Dist::decode(&d.encode()).unwrap(), d);
        }

        #[test]
        fn decode_inverts_encode_at_extremes(d in wide_dist()) {
            prop_assert_eq!(Dist::decode(&d.encode()).unwrap(), d);
        }

        #[test]
        fn merge_is_commutative(a in dist(), b in dist()) {
            let mut ab = a.clone();
            ab.merge(&b);
            let mut ba = b.clone();
            ba.merge(&a);
            prop_assert_eq!(&ab, &ba);
            prop_assert_eq!(ab.len(), a.len() + b.len());
        }

        #[test]
        fn merge_is_associative(a in dist(), b in dist(), c in dist()) {
            let mut ab_c = a.clone();
            ab_c.merge(&b);
            ab_c.merge(&c);
            let mut bc = b.clone();
            bc.merge(&c);
            let mut a_bc = a.clone();
            a_bc.merge(&bc);
            prop_assert_eq!(ab_c, a_bc);
        }

        #[test]
        fn decode_each_visits_what_iter_yields(d in dist()) {
            let mut seen = Vec::new();
            Dist::decode_each(&d.encode(), |a, l, c| seen.push((a, l, c))).unwrap();
            prop_assert_eq!(seen, d.iter().collect::<Vec<_>>());
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_decode_canonically(
            bytes in prop::collection::vec(any::<u8>(), 0..64)
        ) {
            if let Ok(d) = Dist::decode(&bytes) {
                // Only canonical encodings are accepted, so re-encoding gives the input.
                prop_assert_eq!(d.encode(), bytes);
            }
        }
    }
}
