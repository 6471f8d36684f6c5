//! The samples of one 15-minute bucket in slot order, compactly: what episodes read.
//!
//! Rollups and distributions answer everything about a bucket except the order of its
//! samples, which episodes (runs of consecutive samples in warning or worse) need.
//! Reading raw rows for that costs ~150 ns a row, too slow for a 90-day report over
//! data whose state flips every few samples. So the writer also keeps, per bucket, the
//! bucket's samples in order in `rollup_seqs.seq`, written in the same transaction as
//! the samples, pruned with them, and always holding exactly the bucket's raw rows.
//!
//! The encoding, per sample in ts order, as LEB128 varints: a head
//! `zigzag(dl) << 2 | ok << 1 | new_step`, where `dl` is the change of `logged_in` from
//! the bucket's previous ok sample (0 for a failed poll), `ok` says the poll succeeded
//! and `new_step` that the seconds since the previous sample differ from the step
//! before (the first sample's step is its offset from the bucket's start; the step
//! before it counts as 0). Then, if `new_step`, those seconds; then, for an ok sample,
//! `zigzag(da)`, the change of `available`. A bucket polled every 15 s whose counts
//! move slowly so takes about two bytes a sample.

use crate::dist::{put_varint, take_varint};
use crate::error::{Error, Result};

/// One sample as a bucket's sequence keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeqEntry {
    /// The slot, UTC unix seconds.
    pub ts: i64,
    /// `(available, logged_in)` of an ok sample; `None` for a failed poll.
    pub counts: Option<(u32, u32)>,
}

/// Encodes `entries` (sorted by ts, distinct, all within the bucket starting at
/// `bucket`).
pub(crate) fn encode(bucket: i64, entries: &[SeqEntry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 2);
    let (mut prev_ts, mut prev_step) = (bucket, 0i64);
    let (mut pa, mut pl) = (0i64, 0i64);
    for e in entries {
        let step = e.ts - prev_ts;
        let new_step = u64::from(step != prev_step);
        (prev_ts, prev_step) = (e.ts, step);
        match e.counts {
            None => {
                put_varint(&mut out, new_step);
                if new_step == 1 {
                    put_varint(&mut out, step.unsigned_abs());
                }
            }
            Some((a, l)) => {
                let (a, l) = (i64::from(a), i64::from(l));
                put_varint(&mut out, zigzag(l - pl) << 2 | 2 | new_step);
                if new_step == 1 {
                    put_varint(&mut out, step.unsigned_abs());
                }
                put_varint(&mut out, zigzag(a - pa));
                (pa, pl) = (a, l);
            }
        }
    }
    out
}

/// Calls `f` with each entry [`encode`] wrote for the bucket starting at `bucket`, in
/// order.
///
/// # Errors
///
/// [`Error::Corrupt`] when the bytes are not such an encoding (truncated, a count
/// beyond `u32` or below zero, a sample outside the bucket or out of order). Never
/// panics, whatever the input; `f` may have seen some entries before the error.
pub(crate) fn decode_each(
    bucket: i64,
    mut bytes: &[u8],
    mut f: impl FnMut(SeqEntry),
) -> Result<()> {
    let corrupt = |why: &str| Error::Corrupt(format!("sample sequence of bucket {bucket}: {why}"));
    let varint = |bytes: &mut &[u8]| {
        take_varint(bytes).map_err(|e| match e {
            Error::CorruptDist(why) => corrupt(why),
            other => other,
        })
    };
    let (mut ts, mut step) = (bucket, 0i64);
    let (mut pa, mut pl) = (0i64, 0i64);
    let mut first = true;
    while !bytes.is_empty() {
        let head = varint(&mut bytes)?;
        let ok = head & 2 != 0;
        if !ok && head > 1 {
            return Err(corrupt("a failed poll with counts"));
        }
        if head & 1 == 1 {
            step =
                i64::try_from(varint(&mut bytes)?).map_err(|_| corrupt("time step overflows"))?;
        }
        if step == 0 && !first {
            return Err(corrupt("repeated slot"));
        }
        first = false;
        ts = ts
            .checked_add(step)
            .ok_or_else(|| corrupt("time step overflows"))?;
        if ts >= bucket + crate::BUCKET_SECS {
            return Err(corrupt("sample past the bucket's end"));
        }
        let counts = if ok {
            let l = pl + unzigzag(head >> 2);
            let a = pa + unzigzag(varint(&mut bytes)?);
            let (Ok(a32), Ok(l32)) = (u32::try_from(a), u32::try_from(l)) else {
                return Err(corrupt("count outside 0..=u32::MAX"));
            };
            (pa, pl) = (a, l);
            Some((a32, l32))
        } else {
            None
        };
        f(SeqEntry { ts, counts });
    }
    Ok(())
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode(bucket: i64, bytes: &[u8]) -> Result<Vec<SeqEntry>> {
        let mut out = Vec::new();
        decode_each(bucket, bytes, |e| out.push(e))?;
        Ok(out)
    }

    #[test]
    fn encoding_matches_the_documented_layout() {
        let b = 900;
        let entries = [
            SeqEntry {
                ts: 900,
                counts: Some((3, 10)),
            },
            SeqEntry {
                ts: 915,
                counts: None,
            },
            SeqEntry {
                ts: 930,
                counts: Some((2, 12)),
            },
            SeqEntry {
                ts: 1799,
                counts: Some((200, 300)),
            },
        ];
        let bytes = encode(b, &entries);
        let expected = vec![
            20 << 2 | 2,
            6, // ok, same step (0); logged_in +10 (zigzag 20), available +3 (6)
            1,
            15, // failed, new step 15
            4 << 2 | 2,
            1, // ok, same step; logged_in +2 (zigzag 4), available -1 (1)
            // ok, new step 869; logged_in +288 (zigzag 576), available +198 (396)
            0x83,
            0x12,
            0xe5,
            0x06,
            0x8c,
            0x03,
        ];
        assert_eq!(bytes, expected);
        assert_eq!(decode(b, &bytes).unwrap(), entries);
        assert!(encode(b, &[]).is_empty());
    }

    #[test]
    fn bad_bytes_are_errors_not_panics() {
        for (bytes, why) in [
            (&[0x80][..], "truncated"),
            (&[0, 0][..], "repeated slot"),
            (&[1, 0xff, 0x07][..], "past the bucket's end"),
            (&[2][..], "truncated"),
            (&[2, 1][..], "outside 0..=u32::MAX"),
            (&[4][..], "a failed poll with counts"),
        ] {
            let e = decode(0, bytes).unwrap_err().to_string();
            assert!(e.contains(why), "{bytes:?}: {e}");
        }
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(
            bucket in (0i64..2_000_000).prop_map(|b| b * 900),
            raw in proptest::collection::btree_map(
                0i64..900,
                proptest::option::of((0u32..=u32::MAX, 0u32..=u32::MAX)),
                0..80,
            ),
        ) {
            let entries: Vec<SeqEntry> = raw
                .into_iter()
                .map(|(off, c)| SeqEntry { ts: bucket + off, counts: c.map(|(a, l)| (a.min(l), l)) })
                .collect();
            prop_assert_eq!(decode(bucket, &encode(bucket, &entries)).unwrap(), entries);
        }

        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(9_000, &bytes);
        }
    }
}
