//! Small, fast, seedable hashing: SplitMix64.
//!
//! The model derives everything from hashes of (seed, agent, time) so that a state is a
//! pure function of the instant; no RNG state is carried between instants.

/// 2^64 / φ, the SplitMix64 increment: spreads consecutive inputs across the range.
pub(crate) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijective mix of all 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of a per-agent key and a counter (a day, a segment, a request number).
pub(crate) fn keyed(key: u64, n: i64) -> u64 {
    mix(key ^ (n as u64).wrapping_mul(GOLDEN))
}

/// The top 53 bits of a hash as a uniform number in `[0, 1)`.
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A SplitMix64 generator, for building the roster.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n`; the modulo bias is below 2^-50 for the small `n` used here.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        unit(self.next()) < p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_within_zero_and_one() {
        assert_eq!(unit(0), 0.0);
        assert!(unit(u64::MAX) < 1.0);
    }

    #[test]
    fn keyed_hashes_are_roughly_uniform() {
        let n = 100_000;
        let below_tenth = (0..n).filter(|i| unit(keyed(7, *i)) < 0.1).count();
        assert!((9_000..11_000).contains(&below_tenth), "{below_tenth}");
    }
}
