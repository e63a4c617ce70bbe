//! Hot rows (`alimentador.skew`): where in the id range the stream starts looking for a row to
//! update or delete. Pure Rust.
//!
//! The operations pick "the first eligible row at or after a point of the id range", the point
//! being a fraction in [0, 1) of `min(id)..max(id)` (see executor.rs). `uniform` draws the
//! fraction uniformly. `zipfian:S` draws a rank from a Zipf distribution with exponent S over
//! [`SLOTS`] slots of the id range (rank 1 the most frequent, rank k with probability ∝ 1/k^S),
//! then maps the rank to a slot through a fixed bijection that scatters the ranks over the range,
//! so the hot rows are spread over the table instead of being its lowest ids, and the same ranks
//! are hot in every worker and every run. A slot always leads to the same row while that row stays
//! eligible: with S = 1.1 the top 20 ranks take about 40% of the picks.

use std::fmt;

use crate::echo::truncated;

/// The id range is cut into this many slots (2^20) for the Zipf ranks.
pub const SLOTS_BITS: u32 = 20;
pub const SLOTS: u64 = 1 << SLOTS_BITS;
/// The exponent of `zipfian` without one.
pub const DEFAULT_EXPONENT: f64 = 1.1;
const MAX_EXPONENT: f64 = 10.0;

pub const FORMS: &str = "uniform, zipfian or zipfian:S with an exponent S above 0 and up to 10 (default 1.1; the higher, the hotter the few hottest rows)";

/// Why a skew was rejected.
#[derive(Clone, Debug, PartialEq)]
pub enum SkewError {
    Unknown(String),
    BadExponent(String),
}

impl fmt::Display for SkewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkewError::Unknown(s) => write!(f, "unknown skew \"{}\"", truncated(s)),
            SkewError::BadExponent(s) => write!(
                f,
                "\"{}\" is not a Zipf exponent (a number above 0 and up to {MAX_EXPONENT})",
                truncated(s)
            ),
        }
    }
}

/// How the starting point of a pick is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Skew {
    #[default]
    Uniform,
    Zipfian(Zipf),
}

impl Skew {
    /// Parses `uniform`, `zipfian` or `zipfian:S` (blank is uniform).
    pub fn parse(text: &str) -> Result<Skew, SkewError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let (name, exponent) = match lower.split_once(':') {
            Some((n, e)) => (n.trim(), Some(e.trim())),
            None => (lower.as_str(), None),
        };
        match (name, exponent) {
            ("" | "uniform", None) => Ok(Skew::Uniform),
            ("zipfian", None) => Ok(Skew::Zipfian(Zipf::new(SLOTS, DEFAULT_EXPONENT))),
            ("zipfian", Some(e)) => {
                let s = e
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_EXPONENT)
                    .ok_or_else(|| SkewError::BadExponent(e.to_string()))?;
                Ok(Skew::Zipfian(Zipf::new(SLOTS, s)))
            }
            _ => Err(SkewError::Unknown(t.to_string())),
        }
    }

    pub fn to_text(self) -> String {
        match self {
            Skew::Uniform => "uniform".into(),
            Skew::Zipfian(z) => format!("zipfian:{}", z.exponent),
        }
    }

    /// The starting point, a fraction in [0, 1), from two uniform draws in [0, 1).
    pub fn fraction(&self, mut uniform01: impl FnMut() -> f64) -> f64 {
        match self {
            Skew::Uniform => uniform01(),
            Skew::Zipfian(z) => {
                let rank = z.sample(&mut uniform01);
                (scatter(rank - 1) as f64 + 0.5) / SLOTS as f64
            }
        }
    }
}

/// A fixed bijection of 0..SLOTS (odd multiplications and xor-shifts modulo 2^20), so that
/// neighbouring ranks land far apart in the id range.
pub fn scatter(slot: u64) -> u64 {
    let mask = SLOTS - 1;
    let mut x = slot & mask;
    x = (x.wrapping_mul(0x9E3B5)) & mask;
    x ^= x >> 11;
    x = (x.wrapping_mul(0x5BD1F)) & mask;
    x ^= x >> 9;
    x = (x.wrapping_mul(0x2C1B3)) & mask;
    x
}

/// Zipf ranks 1..=n with exponent s, by rejection-inversion (Hörmann and Derflinger 1996): O(1)
/// per draw, no table, exact for every n and s > 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zipf {
    n: f64,
    pub exponent: f64,
    h_integral_x1: f64,
    h_integral_n: f64,
    s: f64,
}

impl Zipf {
    pub fn new(n: u64, exponent: f64) -> Zipf {
        let mut z = Zipf {
            n: n as f64,
            exponent,
            h_integral_x1: 0.0,
            h_integral_n: 0.0,
            s: 0.0,
        };
        z.h_integral_x1 = z.h_integral(1.5) - 1.0;
        z.h_integral_n = z.h_integral(z.n + 0.5);
        z.s = 2.0 - z.h_integral_inverse(z.h_integral(2.5) - z.h(2.0));
        z
    }

    /// A rank in 1..=n.
    pub fn sample(&self, mut uniform01: impl FnMut() -> f64) -> u64 {
        loop {
            let u = self.h_integral_n + uniform01() * (self.h_integral_x1 - self.h_integral_n);
            let x = self.h_integral_inverse(u);
            let k = (x + 0.5).floor().clamp(1.0, self.n);
            if k - x <= self.s || u >= self.h_integral(k + 0.5) - self.h(k) {
                return k as u64;
            }
        }
    }

    /// ∫ x^-s, shifted so that it is 0 at 1: (x^(1-s) - 1) / (1 - s), ln x at s = 1.
    fn h_integral(&self, x: f64) -> f64 {
        let log_x = x.ln();
        helper2((1.0 - self.exponent) * log_x) * log_x
    }

    fn h(&self, x: f64) -> f64 {
        (-self.exponent * x.ln()).exp()
    }

    fn h_integral_inverse(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.exponent)).max(-1.0);
        (helper1(t) * x).exp()
    }
}

/// ln(1 + x) / x, 1 at 0.
fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.ln_1p() / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

/// (e^x - 1) / x, 1 at 0.
fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.exp_m1() / x
    } else {
        1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed-seed uniform source (splitmix64).
    fn source(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state.wrapping_add(0x9E3779B97F4A7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn harmonic(n: u64, s: f64) -> f64 {
        (1..=n).map(|k| (k as f64).powf(-s)).sum()
    }

    #[test]
    fn parses_the_valid_forms_and_rejects_the_rest() {
        assert_eq!(Skew::parse("").unwrap(), Skew::Uniform);
        assert_eq!(Skew::parse(" Uniform ").unwrap(), Skew::Uniform);
        assert_eq!(Skew::parse("zipfian").unwrap().to_text(), "zipfian:1.1");
        assert_eq!(Skew::parse("zipfian:0.8").unwrap().to_text(), "zipfian:0.8");
        let err = |t: &str| Skew::parse(t).unwrap_err().to_string();
        assert_eq!(err("gaussian"), "unknown skew \"gaussian\"");
        assert!(err("zipfian:0").contains("\"0\" is not a Zipf exponent"));
        assert!(err("zipfian:-1").contains("is not a Zipf exponent"));
        assert!(err("zipfian:NaN").contains("is not a Zipf exponent"));
        assert!(err("zipfian:11").contains("is not a Zipf exponent"));
        assert!(err("uniform:2").contains("unknown skew"));
    }

    #[test]
    fn zipf_ranks_have_the_exact_probabilities() {
        for (n, s) in [(1000u64, 1.1), (1000, 1.0), (50, 0.5), (SLOTS, 1.1)] {
            let z = Zipf::new(n, s);
            let draws = 200_000;
            let mut counts = [0u64; 4];
            let mut next = source(42);
            for _ in 0..draws {
                let k = z.sample(&mut next);
                assert!((1..=n).contains(&k));
                if k <= 4 {
                    counts[k as usize - 1] += 1;
                }
            }
            let h = harmonic(n, s);
            for (i, count) in counts.iter().enumerate() {
                let p = ((i + 1) as f64).powf(-s) / h;
                let observed = *count as f64 / draws as f64;
                // Within 4 standard deviations of a binomial count.
                let sd = (p * (1.0 - p) / draws as f64).sqrt();
                assert!(
                    (observed - p).abs() < 4.0 * sd,
                    "n={n} s={s} rank {}: {observed} vs {p}",
                    i + 1
                );
            }
        }
    }

    #[test]
    fn scatter_is_a_bijection_that_spreads_neighbours() {
        let mut seen = vec![false; SLOTS as usize];
        for slot in 0..SLOTS {
            let x = scatter(slot);
            assert!(!seen[x as usize], "{slot}");
            seen[x as usize] = true;
        }
        // The 10 hottest ranks are not in one corner of the id range.
        let mut firsts: Vec<u64> = (0..10).map(scatter).collect();
        firsts.sort();
        assert!(firsts[9] - firsts[0] > SLOTS / 2, "{firsts:?}");
    }

    /// The property the e2e test checks in a real database: mapped onto 2,000 rows (a scale-1
    /// seed's patients), the hottest 1% of rows get a large share of the picks under zipfian, and
    /// about 1% under uniform.
    fn top_share(skew: &Skew, rows: usize) -> f64 {
        let mut counts = vec![0u64; rows];
        let mut next = source(7);
        let draws = 100_000;
        for _ in 0..draws {
            let f = skew.fraction(&mut next);
            assert!((0.0..1.0).contains(&f));
            counts[(f * rows as f64) as usize] += 1;
        }
        counts.sort_unstable_by(|a, b| b.cmp(a));
        counts[..rows / 100].iter().sum::<u64>() as f64 / draws as f64
    }

    #[test]
    fn zipfian_makes_a_few_rows_hot() {
        let uniform = top_share(&Skew::Uniform, 2000);
        let zipf = top_share(&Skew::parse("zipfian:1.1").unwrap(), 2000);
        let hotter = top_share(&Skew::parse("zipfian:1.5").unwrap(), 2000);
        assert!(uniform < 0.02, "{uniform}");
        assert!(zipf > 0.35, "{zipf}");
        assert!(hotter > zipf, "{hotter} vs {zipf}");
    }

    #[test]
    fn the_same_seed_gives_the_same_picks() {
        let skew = Skew::parse("zipfian").unwrap();
        let (mut a, mut b) = (source(3), source(3));
        for _ in 0..1000 {
            assert_eq!(skew.fraction(&mut a), skew.fraction(&mut b));
        }
    }
}
